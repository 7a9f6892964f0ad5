"""A project's changeset: one ``Plan`` per function (+ Add, * Modify, no change) and the
functions the project owns whose folder is gone (- Delete, applied only with ``--prune``).

Reading is parallel (one worker per function, bounded) and read-only: the planner is the
single-function one (``lambherd.plan``), fed the project's merged definitions.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lambherd.app import RenderOptions
from lambherd.definition import FunctionDefinition, load_function
from lambherd.deploy import DeployOptions, plan_options
from lambherd.errors import DefinitionError, UsageError, ValidationError
from lambherd.plan.planner import DesiredState, plan_deploy
from lambherd.plan.remote import read_remote_state
from lambherd.plan.steps import (
    AddPermission,
    CreateAlias,
    CreateFunction,
    DeleteFunction,
    DeleteVersion,
    MoveAlias,
    Plan,
    PublishVersion,
    PutFunctionUrl,
    RemovePermission,
    Step,
    TagResource,
    UntagResource,
    UpdateConfiguration,
    UploadCode,
)
from lambherd.plan.url_planner import url_qualifier
from lambherd.project.config import OWNER_TAG, ProjectConfig, project_definition
from lambherd.project.discovery import FunctionFolder, discover_functions, matches_any
from lambherd.project.packaging import package_code
from lambherd.settings import DeploySettings

ADD, MODIFY, DELETE, NONE = "add", "modify", "delete", "none"
DEFAULT_READ_WORKERS = 8


@dataclass(frozen=True)
class ProjectFunction:
    """One function of the project, rendered with the project's defaults and owner tag."""

    folder: FunctionFolder
    definition: FunctionDefinition
    settings: DeploySettings
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The function's name."""
        return self.definition.name

    def matches(self, only: tuple[str, ...]) -> bool:
        """True when ``--only`` selects it (by name, folder or folder name; always without)."""
        return matches_any(only, self.name, self.folder.key, self.folder.basename)


@dataclass(frozen=True)
class PlanOverrides:
    """``deploy`` switches given on the command line, applied to every function of a project
    over ``lambherd.toml``'s settings (None: the project's setting stays)."""

    alias: str | None = None
    keep_versions: int | None = None
    publish: bool | None = None
    alias_to_latest: bool = False
    force_code: bool = False
    skip_configuration: bool = False

    def __post_init__(self) -> None:
        if self.keep_versions is not None and self.keep_versions < 1:
            raise UsageError("--keep-versions must be at least 1")
        if self.alias is not None and not self.alias.strip():
            raise UsageError("--alias: must not be empty")
        if self.alias_to_latest and self.publish is False:
            raise UsageError("--alias-to-latest and --no-publish contradict each other")

    def apply(self, settings: DeploySettings) -> DeploySettings:
        """``settings`` with the given switches laid over it."""
        changes = {
            k: v
            for k, v in (
                ("alias", self.alias),
                ("keep_versions", self.keep_versions),
                ("publish", False if self.alias_to_latest else self.publish),
            )
            if v is not None
        }
        return replace(settings, **changes)


@dataclass(frozen=True)
class FunctionChange:
    """One row of the changeset."""

    name: str
    operation: str
    plan: Plan
    folder: str | None = None
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def applied(self, prune: bool) -> bool:
        """True when a deploy runs this row's plan: a change, a delete only with ``prune``."""
        return self.operation != NONE and (self.operation != DELETE or prune)

    def to_json(self) -> dict[str, Any]:
        """This row as a JSON document."""
        return {
            "function": self.name,
            "operation": self.operation,
            "folder": self.folder,
            "changes": list(self.changes),
            "steps": [s.describe() for s in self.plan.steps],
        }


@dataclass(frozen=True)
class Changeset:
    """Every function's change, ordered by function name."""

    project: str
    changes: tuple[FunctionChange, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def count(self, operation: str) -> int:
        """How many rows have ``operation``."""
        return sum(1 for c in self.changes if c.operation == operation)

    @property
    def changed(self) -> bool:
        """True when anything would be added, modified or deleted."""
        return any(c.operation != NONE for c in self.changes)

    def summary(self) -> str:
        """``2 to add, 1 to modify, 0 to delete, 47 unchanged``."""
        return (
            f"{self.count(ADD)} to add, {self.count(MODIFY)} to modify, "
            f"{self.count(DELETE)} to delete, {self.count(NONE)} unchanged"
        )

    def to_json(self) -> dict[str, Any]:
        """The ``plan --output json`` document."""
        return {
            "project": self.project,
            "changed": self.changed,
            "summary": {op: self.count(op) for op in (ADD, MODIFY, DELETE, NONE)},
            "functions": [c.to_json() for c in self.changes],
            "warnings": list(self.warnings),
        }


# -----------------------------------------------------------------------------------------
# Loading
# -----------------------------------------------------------------------------------------
def load_project_functions(
    project: ProjectConfig,
    render: RenderOptions,
    clients: Any = None,
    *,
    fields: tuple[str, ...] | None = None,
) -> list[ProjectFunction]:
    """Render and validate every function of the project; every problem reported at once.

    With ``fields`` (besides FunctionName), each is rendered without AWS unless those fields
    come from AWS, and not validated: use only ``fields`` of the results (``build`` does).
    """
    from lambherd.definition.loader import load_function_for
    from lambherd.definition.validate import check_definition
    from lambherd.project.context import stage_render

    render = stage_render(render, project)  # a no-op for the CLI's, which has the envfiles
    loaded: list[ProjectFunction] = []
    problems: list[str] = []
    owners: dict[str, str] = {}
    for folder in discover_functions(project):
        where = f"{folder.key}/{folder.definition.name}"
        try:
            if fields is None:
                raw = load_function(folder.definition, render, clients)
            else:
                named = ("FunctionName", *fields)
                raw = load_function_for(folder.definition, named, render, clients)
            defn = replace(raw, config=project_definition(project, raw.config))
            warnings = check_definition(defn) if fields is None else []
            settings = project.settings_for(folder.key)
        except ValidationError as exc:
            problems.extend(f"{where}: {p}" for p in exc.problems)
            continue
        except DefinitionError as exc:
            problems.append(f"{folder.key}: {exc.message}")
            continue
        if defn.name in owners:
            problems.append(f"{where}: FunctionName {defn.name} is also in {owners[defn.name]}")
            continue
        owners[defn.name] = where
        loaded.append(ProjectFunction(folder, defn, settings, tuple(warnings)))
    if problems:
        raise ValidationError(problems, source=f"project {project.name}")
    return loaded


# -----------------------------------------------------------------------------------------
# Planning
# -----------------------------------------------------------------------------------------
def plan_project(
    clients: Any,
    project: ProjectConfig,
    functions: list[ProjectFunction],
    *,
    only: tuple[str, ...] = (),
    zip_dir: Path | None = None,
    workers: int = DEFAULT_READ_WORKERS,
    overrides: PlanOverrides | None = None,
) -> Changeset:
    """Plan every selected function and find prune candidates, reading AWS in parallel.

    ``zip_dir`` None hashes code without writing zips (``plan``); a folder gets one zip per
    function (``deploy``). ``overrides`` are command-line deploy switches applied to every
    function. Nothing here sends a mutating call.
    """
    overrides = overrides or PlanOverrides()
    selected = [f for f in functions if f.matches(only)]
    known = {f.name for f in functions}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [
            pool.submit(
                _plan_one, clients, fn, zip_dir / f"{i}.zip" if zip_dir else None, overrides
            )
            for i, fn in enumerate(selected)
        ]
        orphans = pool.submit(_owned_orphans, clients, project.name, known, only)
        rows = [f.result() for f in futures] + orphans.result()
    rows.sort(key=lambda c: c.name)
    warnings = tuple(f"{c.name}: {w}" for c in rows for w in c.warnings)
    if not functions:
        globs = ", ".join(project.function_globs)
        warnings = (f"no function folder matches {globs} (each needs a function.json)", *warnings)
    return Changeset(project=project.name, changes=tuple(rows), warnings=warnings)


def _plan_one(
    clients: Any, fn: ProjectFunction, zip_path: Path | None, overrides: PlanOverrides
) -> FunctionChange:
    defn = fn.definition
    settings = overrides.apply(fn.settings)
    code, archive_warnings = package_code(defn, zip_path)
    remote = read_remote_state(  # the alias comes from ListAliases: no GetAlias per function
        clients,
        defn.name,
        None,
        url_qualifier(defn.url_config),
        url=defn.url_config is not None,
    )
    alias = next((a for a in remote.aliases if a.get("Name") == settings.alias), None)
    remote = replace(remote, alias=alias)
    options = plan_options(
        DeployOptions(
            alias=settings.alias,
            publish=settings.publish,
            alias_to_latest=overrides.alias_to_latest,
            keep_versions=settings.keep_versions,
            skip_configuration=overrides.skip_configuration,
            force_code=overrides.force_code,
        )
    )
    plan = plan_deploy(
        DesiredState(config=defn.config, code=code, url_config=defn.url_config), remote, options
    )
    if plan.empty:
        operation = NONE
    elif plan.of_type(CreateFunction):
        operation = ADD
    else:
        operation = MODIFY
    return FunctionChange(
        name=defn.name,
        operation=operation,
        plan=plan,
        folder=fn.folder.key,
        changes=describe_changes(plan.steps),
        warnings=(*fn.warnings, *archive_warnings),
    )


def _owned_orphans(
    clients: Any, project: str, known: set[str], only: tuple[str, ...]
) -> list[FunctionChange]:
    """Functions tagged as owned by ``project`` that no folder defines any more."""
    from lambherd.project.importer_all import functions_with_tags

    # Tags are read in a pool of their own: the planning pool's workers may all be busy.
    others = functions_with_tags(
        clients, lambda name: name not in known and matches_any(only, name)
    )
    rows = []
    for fn, tags in others:
        if tags.get(OWNER_TAG) != project:
            continue
        name = fn["FunctionName"]
        plan = Plan(
            function_name=name,
            steps=(DeleteFunction(name=name),),
            function_arn=fn.get("FunctionArn"),
            revision_id=fn.get("RevisionId"),
        )
        rows.append(FunctionChange(name, DELETE, plan, None, ("function (folder gone)",)))
    return rows


def describe_changes(steps: tuple[Step, ...]) -> tuple[str, ...]:
    """What a plan changes, in words: fields, code, version, alias, URL, tags."""
    out: list[str] = []

    def add(item: str) -> None:
        if item not in out:
            out.append(item)

    for step in steps:
        if isinstance(step, CreateFunction):
            add("new function")
        elif isinstance(step, UpdateConfiguration):
            for name in step.changed:
                add(name)
        elif isinstance(step, UploadCode):
            add("code")
        elif isinstance(step, PublishVersion):
            add("version")
        elif isinstance(step, CreateAlias | MoveAlias):
            add(f"alias {step.name}")
        elif isinstance(step, DeleteVersion):
            add("old versions")
        elif isinstance(step, PutFunctionUrl | AddPermission | RemovePermission):
            add("URL")
        elif isinstance(step, TagResource | UntagResource):
            add("tags")
        elif isinstance(step, DeleteFunction):
            add("function")
        else:
            add(step.kind)
    return tuple(out)
