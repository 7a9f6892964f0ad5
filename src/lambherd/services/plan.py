"""``plan``: what a deploy would change — a project's changeset, or one function's plan.
Dependencies are built first (locally, cached) so the code hash is the one a deploy would send;
then AWS is read. No AWS call mutates; no zip is written (the code is only hashed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambherd import gcpolicy
from lambherd.apply import executor_for
from lambherd.errors import UsageError
from lambherd.pipeline.planning import Changeset, plan_targets
from lambherd.pipeline.targets import (
    after_builds,
    build_targets,
    project_targets,
    selected,
    single_target,
)
from lambherd.services.deploy import DeployResult

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass
class PlanReport:
    """``plan``'s result: the changeset, the dependency builds made first, and for a single
    function its result as a dry-run deploy shows it (``single``)."""

    changeset: Changeset
    builds: list[Any] = field(default_factory=list)
    single: DeployResult | None = None


def plan(app: App, only: tuple[str, ...] = (), *, build: bool = True) -> PlanReport:
    """Plan the project around ``app.workdir`` (``only`` limits it), or its one function."""
    with gcpolicy.planning():
        return _plan(app, only, build)


def _plan(app: App, only: tuple[str, ...], build: bool) -> PlanReport:
    from lambherd.project.scope import project_clients, project_scope

    scope = project_scope(app, only)
    if scope is None:
        if only:
            where = (
                "--function names one definition" if app.function_path else "no lambherd.toml here"
            )
            raise UsageError(f"--only: selects functions of a project; {where}")
        target = single_target(app)
        builds = build_targets([target]) if build else []
        changeset = plan_targets(app.clients, after_builds([target], builds))
        planned = changeset.changes[0]
        shown = executor_for(app.clients, dry_run=True).run(planned.plan)
        return PlanReport(changeset, builds, DeployResult(planned, shown))
    clients = project_clients(app, scope.project)
    targets = project_targets(scope.project, app.render, lambda: clients)
    chosen = selected(targets, scope.only)
    builds = build_targets(chosen) if build else []
    targets = after_builds(targets, builds)  # a walk a build made stale is walked again
    return PlanReport(
        plan_targets(clients, targets, project=scope.project, only=scope.only), builds
    )
