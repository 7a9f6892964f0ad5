"""``versions``: a table of published versions with their aliases; ``--delete`` prunes old ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambherd.apply import ExecutionResult, executor_for
from lambherd.errors import NotFoundError, UsageError
from lambherd.plan.remote import RemoteState, alias_weights
from lambherd.plan.version_planner import plan_prune

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass(frozen=True)
class VersionRow:
    """One version as listed."""

    version: str
    last_modified: str
    code_sha256: str
    runtime: str
    aliases: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the row."""
        return {
            "version": self.version,
            "last_modified": self.last_modified,
            "code_sha256": self.code_sha256,
            "runtime": self.runtime,
            "aliases": self.aliases,
        }


def alias_labels(aliases: tuple[dict[str, Any], ...]) -> dict[str, list[str]]:
    """version -> alias labels, with weights when an alias splits traffic (``current 90%``)."""
    out: dict[str, list[str]] = {}
    for alias in sorted(aliases, key=lambda a: str(a.get("Name"))):
        name = str(alias.get("Name"))
        weights = alias_weights(alias)
        main = str(alias.get("FunctionVersion"))
        if not weights:
            out.setdefault(main, []).append(name)
            continue
        rest = 1.0 - sum(float(w) for w in weights.values())
        out.setdefault(main, []).append(f"{name} {rest:.0%}")
        for version, weight in weights.items():
            out.setdefault(str(version), []).append(f"{name} {float(weight):.0%}")
    return out


def version_rows(remote: RemoteState) -> list[VersionRow]:
    """Rows for $LATEST and every published version, newest last."""
    labels = alias_labels(remote.aliases)
    configs = [remote.configuration or {}, *sorted(remote.versions, key=_number)]
    return [
        VersionRow(
            version=str(c.get("Version", "$LATEST")),
            last_modified=str(c.get("LastModified", "")),
            code_sha256=str(c.get("CodeSha256", "")),
            runtime=str(c.get("Runtime", c.get("PackageType", ""))),
            aliases=labels.get(str(c.get("Version", "$LATEST")), []),
        )
        for c in configs
    ]


def list_versions(app: App) -> list[VersionRow]:
    """The versions of the function in ``app.workdir``."""
    return version_rows(_remote(app))


def prune(app: App, keep: int | None, *, dry_run: bool = False) -> ExecutionResult:
    """Delete old versions (``versions --delete --keep-versions N``), or show which."""
    from lambherd.settings import command_line, resolve_settings

    if keep is None:
        raise UsageError("--delete needs --keep-versions N (N >= 1)")
    keep = resolve_settings(command_line(keep_versions=keep)).keep_versions  # checked once
    assert keep is not None
    remote = _remote(app)
    name = str((remote.configuration or {}).get("FunctionName"))
    return executor_for(app.clients, dry_run=dry_run).run(plan_prune(name, remote, keep))


def _remote(app: App) -> RemoteState:
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.project.context import defined_function_name

    name = defined_function_name(app)
    remote = read_remote_state(app.clients, name)
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    return remote


def _number(config: dict[str, Any]) -> int:
    version = str(config.get("Version", "0"))
    return int(version) if version.isdigit() else 0
