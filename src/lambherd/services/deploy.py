"""``deploy``: load -> validate -> build dependencies -> zip -> read AWS -> plan -> execute (or
display, for ``--dry-run``). Nothing mutating is sent before every plan is complete.

A single function is a one-row changeset: it is planned and run by the same pipeline as a
project (``lambherd.pipeline``), one function at a time; its failure is raised as it happened.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd import gcpolicy
from lambherd.apply import ExecutionResult
from lambherd.errors import UsageError
from lambherd.pipeline.planning import Changeset, PlannedFunction, plan_targets
from lambherd.pipeline.runner import ProgressEvent, RunResult, run_changeset
from lambherd.pipeline.targets import (
    after_builds,
    build_targets,
    project_targets,
    selected,
    single_target,
)
from lambherd.plan.steps import PUBLISHED, CreateAlias, MoveAlias
from lambherd.settings import RunSettings, SettingsLayer, command_line

__all__ = ["DeployReport", "DeployRequest", "DeployResult", "RunSettings", "command_line", "deploy"]

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.project.config import ProjectConfig
    from lambherd.retry import RetryPolicy

#: Called with the changeset and the dependency builds once everything is planned (not for a
#: dry run); returns the context the run happens in, whose value receives the progress events
#: (e.g. a live progress view). Raising there stops the deploy before any mutating call.
OnPlanned = Callable[
    [Changeset, list[Any]], AbstractContextManager[Callable[[ProgressEvent], None] | None]
]


#: Called with the lint result of ``deploy --lint`` before anything else is done.
OnLinted = Callable[[Any], None]


@dataclass(frozen=True)
class DeployRequest:
    """What ``deploy`` was asked: the command line's deploy switches and how to run."""

    settings: SettingsLayer = field(default_factory=command_line)
    run: RunSettings = field(default_factory=RunSettings)
    #: Build dependencies first (as ``build`` does, cached).
    build: bool = True
    #: ``--function-url FILE``: the URL definition (lambroll's flag; single function only).
    function_url: Path | None = None
    #: ``--lint``: lint first and stop on findings at or above ``lint_fail_on`` (None:
    #: lambherd.toml's [lint] fail_on, else warning).
    lint: bool = False
    lint_fail_on: str | None = None


@dataclass
class DeployResult:
    """What a single-function deploy planned and did."""

    planned: PlannedFunction
    execution: ExecutionResult

    @property
    def plan(self) -> Any:
        """The function's Plan."""
        return self.planned.plan

    @property
    def warnings(self) -> list[str]:
        """What validation and packaging found worth saying."""
        return list(self.planned.warnings)

    @property
    def previous_version(self) -> str | None:
        """The version the alias pointed to before the deploy (None: no alias yet)."""
        return (self.planned.remote.alias or {}).get("FunctionVersion")

    @property
    def version(self) -> str | None:
        """The version the alias serves after the deploy: the one published, the one the
        alias was moved to (e.g. back to a matching version after a rollback), or unchanged."""
        for step in self.plan.steps:
            if isinstance(step, CreateAlias | MoveAlias) and step.version != PUBLISHED:
                return step.version
        return self.execution.version or self.previous_version

    @property
    def changed(self) -> bool:
        """True when the plan had steps."""
        return not self.plan.empty

    def to_json(self) -> dict[str, Any]:
        """The ``--output json`` document."""
        return {
            "function": self.plan.function_name,
            "dry_run": self.execution.dry_run,
            "changed": self.changed,
            "version": self.version,
            "alias": self.plan.alias,
            "changed_fields": list(self.plan.changed_fields),
            "bytes_uploaded": self.execution.bytes_uploaded,
            "steps": [
                {
                    "step": r.step.kind,
                    "description": r.step.describe(),
                    "seconds": round(r.seconds, 3),
                    "detail": r.detail,
                }
                for r in self.execution.results
            ],
            "warnings": self.warnings,
            **({"timeline": self.execution.timeline} if self.execution.timeline else {}),
        }


@dataclass
class DeployReport:
    """A deploy's changeset, the dependency builds made first, and what the run did.

    ``project`` is None for a single function, whose result is ``single``.
    """

    changeset: Changeset
    run: RunResult
    builds: list[Any] = field(default_factory=list)
    project: ProjectConfig | None = None
    dry_run: bool = False

    @property
    def single(self) -> DeployResult | None:
        """A single function's result (None for a project)."""
        if self.project is not None or not self.changeset.changes:
            return None
        planned = self.changeset.changes[0]
        outcome = self.run.outcomes[0] if self.run.outcomes else None
        execution = outcome.execution if outcome is not None else None
        if execution is None:
            execution = ExecutionResult(plan=planned.plan, dry_run=self.dry_run)
        return DeployResult(planned, execution)


def deploy(
    app: App,
    request: DeployRequest,
    *,
    on_planned: OnPlanned | None = None,
    on_linted: OnLinted | None = None,
    retry: RetryPolicy | None = None,
) -> DeployReport:
    """Deploy the function of ``app.workdir`` — or, in a project, every function (``--only``,
    or the function folder run in) whose plan is not empty, pruning with ``--prune``. With
    ``--lint``, lint the same functions first; a finding at or above the threshold stops it
    before anything is read from AWS (``on_linted`` sees the report either way)."""
    from lambherd.definition.jq_paths import parse_paths

    run = request.run
    settings = request.settings
    for query in settings.values.get("ignore", ()):
        parse_paths(query)  # a query lambherd cannot read is refused before anything runs
    if request.lint:
        _lint_first(app, request, on_linted)
    with tempfile.TemporaryDirectory(prefix="lambherd-deploy-") as tmp:
        with gcpolicy.planning():
            changeset, builds, project, clients = _planned(app, request, Path(tmp))
        view: AbstractContextManager[Any] = contextlib.nullcontext(None)
        if on_planned is not None and not run.dry_run:
            view = on_planned(changeset, builds)
        with view as on_event:
            result = run_changeset(
                clients,
                changeset,
                parallel=run.workers,
                fail_fast=run.fail_fast,
                prune=run.prune,
                dry_run=run.dry_run,
                on_event=on_event,
                retry=retry,
            )
    if project is None:  # one function: its failure as it happened
        failed = next((o.exception for o in result.outcomes if o.exception is not None), None)
        if failed is not None:
            raise failed
    return DeployReport(changeset, result, builds, project, run.dry_run)


def _planned(
    app: App, request: DeployRequest, zip_dir: Path
) -> tuple[Changeset, list[Any], ProjectConfig | None, Any]:
    """The deploy's changeset, the builds made first, the project (None: one function) and
    the clients it runs with."""
    from lambherd.project.scope import project_clients, project_scope

    run, settings = request.run, request.settings
    scope = project_scope(app, run.only)
    if scope is None:
        refused = run.project_options()
        if refused:
            where = (
                "--function names one definition" if app.function_path else "no lambherd.toml here"
            )
            raise UsageError(f"{', '.join(refused)}: a project option; {where}")
        sidecars = {"url": request.function_url} if request.function_url else None
        target = single_target(app, settings, sidecar_files=sidecars)
        targets, project, only, clients = [target], None, (), app.clients
        chosen = targets
    else:
        refused = _single_function_options(settings)
        if request.function_url is not None:
            refused.append("--function-url")
        if refused:
            raise UsageError(
                f"{', '.join(refused)}: a single-function option; this folder is in a project "
                "(lambherd.toml), whose deploy does not take it",
                hint="drop the option: a project deploys each function folder's own code",
            )
        project, only = scope.project, scope.only
        clients = project_clients(app, project)
        targets = project_targets(project, app.render, lambda: clients, command_line=settings)
        chosen = selected(targets, only)
        if run.prune and not targets:
            globs = ", ".join(project.function_globs)
            raise UsageError(
                f"--prune: no function folder matches {globs} in {project.root}; "
                f"refusing to delete every function of project {project.name}"
            )
    builds = build_targets(chosen) if request.build else []
    targets = after_builds(targets, builds)  # a walk a build made stale is walked again
    changeset = plan_targets(clients, targets, project=project, only=only, zip_dir=zip_dir)
    return changeset, builds, project, clients


def _single_function_options(settings: SettingsLayer) -> list[str]:
    names = {
        "src": "--src",
        "skip_archive": "--skip-archive",
        "skip_function": "--skip-function",
        "exclude_file": "--exclude-file",
    }
    return [flag for key, flag in names.items() if settings.values.get(key)]


def _lint_first(app: App, request: DeployRequest, on_linted: OnLinted | None) -> None:
    """``deploy --lint``: the lint of the functions this deploy acts on; stop on failure."""
    from lambherd.errors import DeployError
    from lambherd.services.lint import LintOptions, lint

    result = lint(app, LintOptions(only=request.run.only, fail_on=request.lint_fail_on))
    if on_linted is not None:
        on_linted(result)
    if result.failed:
        threshold = result.fail_on.name.lower() if result.fail_on is not None else "none"
        raise DeployError(
            f"lint: findings at or above {threshold}; nothing deployed",
            hint="fix them (`lambherd lint` explains each), or deploy with --fail-on error/none",
        )
