"""A function's deploy switches (``DeploySettings``), a run's (``RunSettings``), and the one
resolution of them.

Precedence, highest first — decided here and nowhere else:

  1. the command line (``--alias``, ``--no-publish``, ``--keep-versions``, ``--alias-to-latest``,
     ``--force-code``, ``--skip-configuration``, ``--skip-archive``, ``--skip-function``, ``--src``,
     ``--no-wait``)
  2. lambherd.toml ``[functions."<folder>"]`` (the folder's path, or its name)
  3. the stage's defaults (``[stages.NAME] defaults = {...}`` with ``--stage NAME``)
  4. lambherd.toml ``[defaults]``
  5. the built-in defaults (``lambherd.defaults``: alias ``current``, publish, keep every version)

Only ``alias``, ``publish``, ``keep_versions``, ``ignore_style``, ``strategy`` and ``rollout``
(``FILE_KEYS``) may come from lambherd.toml; the other switches are command-line only. ``rollout``
(the gate settings of a rollout, a table) is merged key by key across the layers; any other setting
is replaced. ``resolve_settings`` checks every value it is given, with a message naming where it
came from, and the one rule across switches (``--alias-to-latest`` moves the alias without
publishing, so it contradicts an explicit ``--no-publish``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.defaults import (
    DEFAULT_ALIAS,
    DEFAULT_PARALLEL,
    DEFAULT_PUBLISH,
    DEFAULT_STRATEGY,
    IGNORE_FILE,
    IGNORE_STYLE,
)
from lambherd.errors import DefinitionError, UsageError

#: Settings lambherd.toml may set (lower-case keys of [defaults], [functions.X], stage defaults).
FILE_KEYS = ("alias", "keep_versions", "publish", "ignore_style", "strategy", "rollout")
#: How .lambdaignore may be matched (``ignore_style``; see ``lambherd.archive.ignore``).
IGNORE_STYLES = ("lambroll", "gitignore")
#: Where command-line values come from (``SettingsLayer.where``).
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class DeploySettings:
    """How one function is deployed: its versions and alias, and which parts are sent."""

    alias: str = DEFAULT_ALIAS
    publish: bool = DEFAULT_PUBLISH
    #: Point the alias at $LATEST instead of publishing (implies ``publish`` False).
    alias_to_latest: bool = False
    #: Delete older versions, keeping the newest N (None: keep them all).
    keep_versions: int | None = None
    force_code: bool = False
    skip_configuration: bool = False
    #: Deploy Code.S3Bucket/S3Key as they are (no zip built).
    skip_archive: bool = False
    #: Only the function URL (and tags): no configuration, code, version or alias.
    skip_function: bool = False
    #: The folder to zip, or the zip to upload as is, instead of the definition's folder
    #: (``--src``).
    src: Path | None = None
    #: The ignore file (``--exclude-file``; None: .lambdaignore in the definition's folder).
    exclude_file: Path | None = None
    #: Store symlinks as links (``--symlink``).
    symlink: bool = False
    #: How the ignore file is matched: ``lambroll`` (its wildcard) or ``gitignore``.
    ignore_style: str = IGNORE_STYLE
    #: lambroll's ``deploy --ignore``: paths of the definition left as deployed (jq paths).
    ignore: tuple[str, ...] = ()
    #: Do not wait for provisioned concurrency to be READY (``--no-wait``).
    no_wait: bool = False
    #: How the alias moves: all-at-once, canary, linear (``lambherd.rollout.strategy``).
    strategy: str = DEFAULT_STRATEGY
    #: The rollout's gate settings, as merged from every layer (``lambherd.rollout.gates``).
    rollout: Mapping[str, Any] = field(default_factory=dict)

    @property
    def builds_code(self) -> bool:
        """True when the deploy zips the definition's own folder (and so builds dependencies)."""
        return not (self.skip_function or self.skip_archive or self.src)

    @property
    def src_is_zip(self) -> bool:
        """True when ``--src`` names a zip file (uploaded as it is)."""
        return self.src is not None and self.src.is_file()

    @property
    def packaging(self) -> dict[str, Any]:
        """The zip options these settings choose: ``archive.function_package.package_options``'s
        ignore style, ignore file and symlink mode (the code identity and the handler check both
        read the package through them, so they see the same files)."""
        return {
            "ignore_style": self.ignore_style,
            "ignore_file": self.exclude_file or IGNORE_FILE,
            "store_symlinks": self.symlink,
        }


@dataclass(frozen=True)
class RunSettings:
    """How a deploy runs: which functions, how many at once, what happens on failure."""

    dry_run: bool = False
    #: Functions deployed at once (None: not given, ``DEFAULT_PARALLEL``: adaptive).
    parallel: int | None = None
    only: tuple[str, ...] = ()
    fail_fast: bool = False
    prune: bool = False

    def __post_init__(self) -> None:
        if self.parallel is not None and self.parallel < 1:
            raise UsageError("--parallel must be at least 1")

    @property
    def workers(self) -> int | None:
        """How many functions are deployed at once (None: as many as the API's rate allows,
        learnt while deploying)."""
        return self.parallel if self.parallel is not None else DEFAULT_PARALLEL

    def project_options(self) -> tuple[str, ...]:
        """The project-only options given (``--parallel``, ``--only``, ``--fail-fast``,
        ``--prune``), as spelt on the command line."""
        given = {
            "--parallel": self.parallel is not None,
            "--only": bool(self.only),
            "--fail-fast": self.fail_fast,
            "--prune": self.prune,
        }
        return tuple(name for name, on in given.items() if on)


@dataclass(frozen=True)
class SettingsLayer:
    """One source of settings: where it comes from (for messages) and what it sets."""

    where: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def from_command_line(self) -> bool:
        """True for the command line's layer (errors are UsageError, options spelt --like-this)."""
        return self.where == COMMAND_LINE


def command_line(**given: Any) -> SettingsLayer:
    """The command line's layer: ``None`` (and ``False`` for on-only flags) means not given."""
    values = {
        k: v
        for k, v in given.items()
        if v is not None and v != () and not (v is False and k not in FILE_KEYS)
    }
    return SettingsLayer(COMMAND_LINE, values)


def file_layer(values: Mapping[str, Any], where: str) -> SettingsLayer:
    """A lambherd.toml table's layer: its lower-case setting keys, checked."""
    layer = SettingsLayer(where, {k: values[k] for k in FILE_KEYS if k in values})
    for key, value in layer.values.items():
        _check(layer, key, value)
    return layer


def resolve_settings(*layers: SettingsLayer | None) -> DeploySettings:
    """The settings from ``layers``, highest precedence first (see the module docstring)."""
    chosen: dict[str, Any] = {}
    for layer in reversed([lay for lay in layers if lay is not None]):
        for key, value in layer.values.items():
            _check(layer, key, value)
            chosen[key] = {**chosen.get(key, {}), **value} if key == "rollout" else value
    cli = next((lay for lay in layers if lay is not None and lay.from_command_line), None)
    if cli is not None and cli.values.get("alias_to_latest") and cli.values.get("publish") is False:
        raise UsageError("--alias-to-latest and --no-publish contradict each other")
    if chosen.get("alias_to_latest"):
        chosen["publish"] = False  # the alias moves to $LATEST: nothing is published
    return DeploySettings(**chosen)


_TYPES: dict[str, type] = {
    "alias": str,
    "publish": bool,
    "alias_to_latest": bool,
    "keep_versions": int,
    "force_code": bool,
    "skip_configuration": bool,
    "skip_archive": bool,
    "skip_function": bool,
    "src": Path,
    "exclude_file": Path,
    "symlink": bool,
    "ignore_style": str,
    "ignore": tuple,
    "no_wait": bool,
    "strategy": str,
    "rollout": dict,
}


def _check(layer: SettingsLayer, key: str, value: Any) -> None:
    """The one check of a setting's value; the message says where it came from."""
    cli = layer.from_command_line
    name = f"--{key.replace('_', '-')}" if cli else key

    def refuse(problem: str) -> Exception:
        if cli:
            return UsageError(f"{name} {problem}")
        return DefinitionError(f"{layer.where}: {name}: {problem}")

    if key not in _TYPES or (not cli and key not in FILE_KEYS):
        known = ", ".join(FILE_KEYS if not cli else sorted(_TYPES))
        raise refuse(f"is not a deploy setting (expected one of: {known})")
    expected = _TYPES[key]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise refuse(f"expected {expected.__name__}, got {value!r}")
    if key == "keep_versions" and value < 1:
        raise refuse("must be at least 1" + ("" if cli else f", got {value}"))
    if key == "alias" and not value.strip():
        raise refuse("must not be empty")
    if key == "ignore_style" and value not in IGNORE_STYLES:
        raise refuse(f"must be one of {', '.join(IGNORE_STYLES)}, got {value!r}")
    if key in ("strategy", "rollout"):
        from lambherd.rollout.gates import gate_settings
        from lambherd.rollout.strategy import parse_strategy

        try:
            parse_strategy(value) if key == "strategy" else gate_settings(value)
        except UsageError as exc:
            raise refuse(exc.message) from None
