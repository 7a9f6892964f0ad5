"""``rollout status / abort / resume``: a rollout read from its alias (routing weights and the
marker in its Description, so from any machine), ended, or taken up again where it stands.

Each acts on the function of the working folder (or ``--function-name``), or in a project on
every function (``--only`` limits them). ``abort`` and ``resume`` plan with the rollout planner
(``plan_abort`` / ``plan_resume``) and run through the one runner, in parallel for a project,
with the same progress events, stop signal and fail-fast as a deploy; a resumed rollout keeps
the strategy its marker records and reads its gates from the function's settings now.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.defaults import DEFAULT_READ_WORKERS, ROLLOUT_METRIC_WAIT_S, ROLLOUT_ON_INTERRUPT
from lambherd.errors import RolloutInterrupted, UsageError
from lambherd.settings import DeploySettings, RunSettings, SettingsLayer, command_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from lambherd.app import App
    from lambherd.pipeline.runner import ProgressEvent, RunResult

__all__ = [
    "ROLLOUT_ON_INTERRUPT",
    "RolloutRequest",
    "RolloutStatus",
    "RunSettings",
    "abort",
    "abort_interrupted",
    "command_line",
    "resume",
    "status",
]


@dataclass(frozen=True)
class RolloutRequest:
    """What a ``rollout`` command was asked."""

    function_name: str | None = None
    #: The command line's deploy switches (``--alias``, gate flags for ``resume``).
    settings: SettingsLayer = field(default_factory=command_line)
    run: RunSettings = field(default_factory=RunSettings)


@dataclass(frozen=True)
class _Target:
    name: str
    settings: DeploySettings
    source_dir: Path | None
    log_group: str


@dataclass(frozen=True)
class RolloutStatus:
    """One alias as ``rollout status`` reads it."""

    function: str
    alias: str
    found: bool = True
    version: str | None = None
    #: The version each share of the traffic goes to, in percent.
    weights: dict[str, float] = field(default_factory=dict)
    marker: Any = None
    #: none | running | interrupted | stalled | rolled-back | foreign-split | no-alias
    state: str = "none"
    next_weight: float | None = None
    next_due: float | None = None
    step: str = ""

    @property
    def in_progress(self) -> bool:
        """True while a rollout of ours holds the alias split."""
        return self.state in ("running", "interrupted", "stalled")

    def to_json(self) -> dict[str, Any]:
        """This status as a JSON document."""
        return {
            "function": self.function,
            "alias": self.alias,
            "found": self.found,
            "version": self.version,
            "weights": self.weights,
            "state": self.state,
            "rollout": self.marker.to_json() if self.marker is not None else None,
            "next_weight": self.next_weight,
            "next_due": _iso(self.next_due),
            "step": self.step or None,
        }


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


# -- which functions --------------------------------------------------------------------------
def _targets(app: App, request: RolloutRequest) -> tuple[list[_Target], Any, bool]:
    """(targets, clients, project?) of the request."""
    from lambherd.defaults import log_group
    from lambherd.pipeline.targets import project_targets, selected
    from lambherd.project.context import definition_path, function_settings, load_app_definition
    from lambherd.project.scope import project_clients, project_scope
    from lambherd.settings import resolve_settings

    resolve_settings(request.settings)  # a bad switch is refused before anything is read
    if request.function_name:
        if request.run.only:
            raise UsageError("--only selects functions of a project; --function-name names one")
        settings = function_settings(app, request.settings)
        group = log_group(request.function_name)
        return [_Target(request.function_name, settings, None, group)], app.clients, False
    scope = project_scope(app, request.run.only)
    if scope is None:
        if request.run.only:
            raise UsageError("--only: a project option; no lambherd.toml here")
        defn = load_app_definition(app, fields=("FunctionName", "LoggingConfig"))
        settings = function_settings(app, request.settings)
        path = definition_path(app)
        source = path.parent if path is not None else None
        return (
            [_Target(defn.name, settings, source, _group(defn.name, defn.config))],
            (app.clients),
            False,
        )
    clients = project_clients(app, scope.project)
    targets = project_targets(
        scope.project,
        app.render,
        lambda: clients,
        command_line=request.settings,
        fields=("LoggingConfig",),
    )
    chosen = selected(targets, scope.only)
    out = [
        _Target(t.name, t.settings, t.definition.source_dir, _group(t.name, t.definition.config))
        for t in chosen
    ]
    return out, clients, True


def _group(name: str, config: dict[str, Any] | None) -> str:
    from lambherd.cloudwatch.logs import default_log_group

    return default_log_group(name, config)


# -- status -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusReport:
    """``rollout status``: each alias read (one for a single function)."""

    aliases: list[RolloutStatus]
    project: bool = False

    def to_json(self) -> Any:
        """A list for a project, the one alias's document for a single function."""
        docs = [s.to_json() for s in self.aliases]
        return docs if self.project else docs[0]


def status(app: App, request: RolloutRequest) -> StatusReport:
    """Each function's alias: its weights and the rollout its marker records (read-only)."""
    targets, clients, project = _targets(app, request)
    with ThreadPoolExecutor(max_workers=DEFAULT_READ_WORKERS) as pool:
        return StatusReport(list(pool.map(lambda t: _status_of(clients, t), targets)), project)


def _status_of(clients: Any, target: _Target, now: float | None = None) -> RolloutStatus:
    from lambherd.pipeline.remote import RemoteReader, strip_metadata
    from lambherd.plan.remote import alias_weights
    from lambherd.plan.rollout_planner import our_split
    from lambherd.rollout.marker import ROLLED_BACK, decode
    from lambherd.rollout.strategy import parse_strategy

    alias = target.settings.alias
    reader = RemoteReader(clients)
    doc = strip_metadata(
        reader.optional(
            lambda: reader.lam.get_alias(FunctionName=target.name, Name=alias),
            f"read alias {alias} of {target.name}",
        )
    )
    if doc is None:
        return RolloutStatus(target.name, alias, found=False, state="no-alias")
    primary = str(doc.get("FunctionVersion"))
    extra = {str(v): round(float(w) * 100, 4) for v, w in alias_weights(doc).items()}
    weights = {primary: round(100 - sum(extra.values()), 4), **extra}
    marker = decode(doc.get("Description"))
    live = our_split(doc)
    base = RolloutStatus(target.name, alias, True, primary, weights, marker)
    if live is None:
        if extra:
            return _replace(base, state="foreign-split", marker=None)
        state = "rolled-back" if marker is not None and marker.state == ROLLED_BACK else "none"
        return _replace(base, state=state)
    strategy = parse_strategy(live.strategy)
    share = extra.get(live.to_version, 0.0)
    upcoming = strategy.next_weights(share)
    done = len(strategy.weights()) - len(upcoming)
    next_due = float(live.updated) + strategy.interval_s if live.updated else None
    state = live.state
    now = time.time() if now is None else now
    grace = strategy.interval_s + ROLLOUT_METRIC_WAIT_S + 60
    if state == "running" and live.updated and now > live.updated + grace:
        state = "stalled"  # nobody has moved it for longer than a step can take
    return _replace(
        base,
        state=state,
        marker=live,
        next_weight=upcoming[0] if upcoming else None,
        next_due=next_due,
        step=f"{done}/{len(strategy.weights())}",
    )


def _replace(status_: RolloutStatus, **changes: Any) -> RolloutStatus:
    from dataclasses import replace

    return replace(status_, **changes)


# -- abort / resume ---------------------------------------------------------------------------
def abort(
    app: App,
    request: RolloutRequest,
    *,
    reason: str = "aborted (lambherd rollout abort)",
    on_event: Callable[[ProgressEvent], None] | None = None,
) -> RunResult:
    """Every rollout in progress back to its old version alone."""
    from lambherd.plan.rollout_planner import plan_abort

    return _run(
        app,
        request,
        lambda t, remote: plan_abort(t.name, remote, t.settings.alias, reason),
        "abort",
        on_event,
    )


def resume(
    app: App,
    request: RolloutRequest,
    *,
    on_event: Callable[[ProgressEvent], None] | None = None,
) -> RunResult:
    """Every rollout in progress taken up where its alias stands, to the end."""
    from lambherd.plan.rollout_planner import plan_resume

    return _run(
        app,
        request,
        lambda t, remote: plan_resume(t.name, remote, t.settings.alias, t.settings, t.log_group),
        "resume",
        on_event,
    )


def _run(
    app: App,
    request: RolloutRequest,
    planner: Callable[[_Target, Any], Any],
    verb: str,
    on_event: Callable[[ProgressEvent], None] | None,
) -> RunResult:
    from lambherd.pipeline.planning import MODIFY, Changeset, PlannedFunction
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.pipeline.rollout_checks import prepare_rollout
    from lambherd.pipeline.runner import run_changeset
    from lambherd.plan.rollout_planner import our_split
    from lambherd.plan.steps import describe_changes

    targets, clients, project = _targets(app, request)

    def plan_one(target: _Target) -> PlannedFunction | None:
        remote = read_remote_state(
            clients, target.name, alias=target.settings.alias, versions=False
        )
        if project and our_split(remote.alias) is None:
            return None  # a project: only the functions with a rollout in progress
        plan = planner(target, remote)
        if verb == "resume":
            plan = prepare_rollout(plan, target.source_dir, clients)
        plan = _with_release(clients, plan, remote, target.settings.alias, verb == "resume")
        return PlannedFunction(target.name, MODIFY, plan, changes=describe_changes(plan.steps))

    with ThreadPoolExecutor(max_workers=DEFAULT_READ_WORKERS) as pool:
        rows = [r for r in pool.map(plan_one, targets) if r is not None]
    if not rows:
        raise UsageError(f"no rollout in progress in this project; nothing to {verb}")
    changeset = Changeset(project=None, changes=tuple(sorted(rows, key=lambda r: r.name)))
    result = run_changeset(
        clients,
        changeset,
        parallel=request.run.workers,
        fail_fast=request.run.fail_fast,
        dry_run=request.run.dry_run,
        on_event=on_event,
    )
    if not project:
        failed = next((o.exception for o in result.outcomes if o.exception is not None), None)
        if failed is not None:
            raise failed
    return result


def abort_interrupted(app: App, interrupted: list[RolloutInterrupted]) -> list[Any]:
    """Roll back the rollouts a Ctrl-C left split (the command's answer to its question)."""
    from lambherd.apply import executor_for
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.plan.rollout_planner import plan_abort
    from lambherd.project.scope import open_project, project_clients

    project = open_project(app)
    clients = project_clients(app, project) if project is not None else app.clients
    results = []
    for exc in interrupted:
        remote = read_remote_state(clients, exc.function, alias=exc.alias, versions=False)
        plan = plan_abort(exc.function, remote, exc.alias, "interrupted (Ctrl-C)")
        plan = _with_release(clients, plan, remote, exc.alias, finishing=False)
        results.append(executor_for(clients, dry_run=False).run(plan))
    return results


def _with_release(clients: Any, plan: Any, remote: Any, alias: str, finishing: bool) -> Any:
    """``plan`` with the steps that end the provisioned concurrency a staged deploy put on the
    split's new version (``release_after_split``), when it has one."""
    from dataclasses import replace

    from lambherd.pipeline.remote import RemoteReader
    from lambherd.pipeline.remote_concurrency import read_provisioned
    from lambherd.plan.provisioned_rollout_planner import release_after_split
    from lambherd.plan.rollout_planner import our_split

    marker = our_split(remote.alias)
    if marker is None:
        return plan
    provisioned = read_provisioned(RemoteReader(clients), plan.function_name)
    before, after = release_after_split(marker, alias, provisioned, finishing=finishing)
    if not before and not after:
        return plan
    return replace(plan, steps=(*before, *plan.steps, *after))
