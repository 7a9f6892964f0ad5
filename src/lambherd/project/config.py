"""``lambherd.toml``: a project of many functions (one folder each), shared defaults, stages.

[project]
name = "shop"                      # tags every function it deploys lambherd:project=shop
functions = ["functions/*"]        # globs of function folders, relative to this file

[defaults]                         # merged under every function.json (the function wins)
Runtime = "python3.12"
Tags = { team = "orders" }
alias = "current"                  # lower-case keys are deploy settings, not API fields
keep_versions = 5

[defaults.concurrency]             # merged under every function's concurrency.json
ReservedConcurrentExecutions = 10

[functions."functions/legacy"]     # deploy settings of one folder (path or folder name)
publish = false

[stages.prod]                      # --stage prod
region = "eu-west-1"
profile = "prod"
envfile = ".env.prod"
defaults = { MemorySize = 1024 }
protected = true                   # deploy --watch refuses this stage
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.defaults import DEFAULT_FUNCTION_GLOBS
from lambherd.errors import DefinitionError, UsageError
from lambherd.settings import FILE_KEYS, DeploySettings, SettingsLayer, file_layer, resolve_settings

PROJECT_FILE = "lambherd.toml"
#: The tag that marks a function as owned by a project (prune only deletes these).
OWNER_TAG = "lambherd:project"
_PROJECT_KEYS = {"name", "functions"}
_STAGE_KEYS = {"region", "profile", "envfile", "defaults", "protected"}
_TOP_KEYS = {"project", "defaults", "functions", "stages", "lint"}
#: The ``[defaults]`` (and stage defaults) key holding concurrency.json's defaults.
CONCURRENCY_KEY = "concurrency"


@dataclass(frozen=True)
class Stage:
    """One ``[stages.NAME]`` table."""

    name: str
    region: str | None = None
    profile: str | None = None
    envfiles: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    #: ``protected = true``: no watch-mode pushes (``deploy --watch``) to this stage
    protected: bool = False


@dataclass(frozen=True)
class ProjectConfig:
    """A loaded ``lambherd.toml`` with the chosen stage already applied to ``defaults``."""

    path: Path
    name: str
    function_globs: tuple[str, ...] = DEFAULT_FUNCTION_GLOBS
    defaults: dict[str, Any] = field(default_factory=dict)
    #: The deploy settings of [defaults] and of the stage's defaults (checked on load).
    defaults_settings: SettingsLayer | None = None
    stage_settings: SettingsLayer | None = None
    folder_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    stage: Stage | None = None
    stages: tuple[str, ...] = ()
    #: the ``[lint]`` table as written (checked by ``lambherd.lint.settings`` when lint runs)
    lint: dict[str, Any] = field(default_factory=dict)
    #: ``[defaults.concurrency]`` (with the stage's): merged under each concurrency.json
    concurrency: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The folder holding lambherd.toml (function globs are relative to it)."""
        return self.path.parent

    @property
    def settings(self) -> DeploySettings:
        """The deploy settings of a function folder without settings of its own."""
        return resolve_settings(self.stage_settings, self.defaults_settings)

    def settings_layers(self, folder_key: str) -> tuple[SettingsLayer | None, ...]:
        """The project's layers of deploy settings for one function folder, highest first:
        ``[functions."<path>"]`` (or its folder name), the stage's defaults, ``[defaults]``,
        then the folder's import record (``lambherd-import.json``: the alias it was run with)."""
        base = folder_key.rsplit("/", 1)[-1]
        values = self.folder_settings.get(folder_key) or self.folder_settings.get(base) or {}
        folder = file_layer(values, f"{PROJECT_FILE}: functions.{folder_key}")
        return (
            folder,
            self.stage_settings,
            self.defaults_settings,
            imported_layer(self.root, folder_key),
        )

    def settings_for(self, folder_key: str) -> DeploySettings:
        """Deploy settings of one function folder (see ``lambherd.settings`` for precedence)."""
        return resolve_settings(*self.settings_layers(folder_key))


def imported_layer(root: Path, folder_key: str) -> SettingsLayer | None:
    """The deploy settings the import recorded in a function folder (None without a record)."""
    from lambherd.importing.record import RECORD_FILE, settings_layer

    return settings_layer(root / folder_key, f"{folder_key}/{RECORD_FILE}")


def find_project(start: Path) -> Path | None:
    """``lambherd.toml`` in ``start`` or the nearest parent folder, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def open_project(
    workdir: Path, function_path: str | None = None, stage: str | None = None
) -> ProjectConfig | None:
    """The project around ``workdir``; None with ``--function`` or without a lambherd.toml."""
    if function_path:
        return None
    path = find_project(workdir)
    if path is None:
        if stage:
            raise UsageError(f"--stage {stage}: no {PROJECT_FILE} in {workdir} or above")
        return None
    return load_project(path, stage)


def load_project(path: Path, stage: str | None = None) -> ProjectConfig:
    """Read and check ``lambherd.toml``; apply ``[stages.<stage>]`` when a stage is named."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{PROJECT_FILE}: invalid TOML: {exc}") from exc
    _no_unknown(data, _TOP_KEYS, PROJECT_FILE)
    project = _table(data, "project", PROJECT_FILE)
    _no_unknown(project, _PROJECT_KEYS, f"{PROJECT_FILE}: [project]")
    name = project.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(f"{PROJECT_FILE}: [project] name: required (a non-empty string)")
    globs = project.get("functions", list(DEFAULT_FUNCTION_GLOBS))
    if isinstance(globs, str):
        globs = [globs]
    if not isinstance(globs, list) or not all(isinstance(g, str) and g for g in globs):
        raise DefinitionError(f"{PROJECT_FILE}: [project] functions: expected a list of globs")
    for glob in globs:
        if glob.startswith(("/", "\\")) or ".." in glob.replace("\\", "/").split("/"):
            raise DefinitionError(
                f"{PROJECT_FILE}: [project] functions: {glob!r} must be a relative glob "
                "inside the project folder"
            )
    defaults = _table(data, "defaults", PROJECT_FILE)
    folder_settings = _table(data, "functions", PROJECT_FILE)
    for key, values in folder_settings.items():
        where = f"{PROJECT_FILE}: [functions.{key}]"
        if not isinstance(values, dict):
            raise DefinitionError(f"{where}: expected a table")
        _no_unknown(values, set(FILE_KEYS), where)
    stages = _table(data, "stages", PROJECT_FILE)
    chosen = _stage(stages, stage) if stage else None
    defaults_settings = file_layer(defaults, f"{PROJECT_FILE}: [defaults]")
    stage_settings = None
    if chosen is not None:
        stage_settings = file_layer(chosen.defaults, f"{PROJECT_FILE}: [stages.{chosen.name}]")
        defaults = merge_definitions(defaults, chosen.defaults)
    concurrency = defaults.get(CONCURRENCY_KEY, {})
    if not isinstance(concurrency, dict):
        raise DefinitionError(f"{PROJECT_FILE}: [defaults.{CONCURRENCY_KEY}]: expected a table")
    return ProjectConfig(
        path=path,
        name=name.strip(),
        function_globs=tuple(globs),
        defaults={k: v for k, v in defaults.items() if k not in FILE_KEYS and k != CONCURRENCY_KEY},
        defaults_settings=defaults_settings,
        stage_settings=stage_settings,
        folder_settings={k: dict(v) for k, v in folder_settings.items()},
        stage=chosen,
        stages=tuple(sorted(stages)),
        lint=_table(data, "lint", PROJECT_FILE),
        concurrency=concurrency,
    )


def _stage(stages: dict[str, Any], name: str) -> Stage:
    if name not in stages:
        known = ", ".join(sorted(stages)) or "none defined"
        raise UsageError(f"{PROJECT_FILE}: no stage {name!r} (stages: {known})")
    where = f"{PROJECT_FILE}: [stages.{name}]"
    table = stages[name]
    if not isinstance(table, dict):
        raise DefinitionError(f"{where}: expected a table")
    _no_unknown(table, _STAGE_KEYS, where)
    envfile = table.get("envfile", [])
    envfiles = [envfile] if isinstance(envfile, str) else envfile
    if not isinstance(envfiles, list) or not all(isinstance(e, str) for e in envfiles):
        raise DefinitionError(f"{where}: envfile: expected a path or a list of paths")
    for key in ("region", "profile"):
        if key in table and not isinstance(table[key], str):
            raise DefinitionError(f"{where}: {key}: expected a string")
    defaults = table.get("defaults", {})
    if not isinstance(defaults, dict):
        raise DefinitionError(f"{where}: defaults: expected a table")
    if not isinstance(table.get("protected", False), bool):
        raise DefinitionError(f"{where}: protected: expected true or false")
    return Stage(
        name=name,
        region=table.get("region"),
        profile=table.get("profile"),
        envfiles=tuple(envfiles),
        defaults=defaults,
        protected=table.get("protected", False),
    )


def merge_definitions(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` laid over ``base``: tables merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_definitions(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def project_definition(
    project: ProjectConfig, config: dict[str, Any], *, owner_tag: bool = True
) -> dict[str, Any]:
    """A function's definition as deployed in the project: defaults under it, owner tag on it."""
    merged = merge_definitions(project.defaults, config)
    if owner_tag:
        tags = merged.get("Tags") if isinstance(merged.get("Tags"), dict) else {}
        merged["Tags"] = {**tags, OWNER_TAG: project.name}
    return merged


def project_sidecars(
    project: ProjectConfig, sidecars: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """A function's sidecars as deployed in the project: ``[defaults.concurrency]`` under its
    concurrency.json (tables merge key by key, the function's own value wins, ``null`` in the
    file removes; a function without the file gets the defaults alone)."""
    out = dict(sidecars)
    if project.concurrency:
        own = sidecars.get(CONCURRENCY_KEY) or {}
        out[CONCURRENCY_KEY] = merge_definitions(project.concurrency, own)
    return out


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise DefinitionError(f"{where}: [{key}]: expected a table")
    return value


def _no_unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise DefinitionError(
            f"{where}: unknown key {unknown[0]!r} (expected one of: {', '.join(sorted(known))})"
        )
