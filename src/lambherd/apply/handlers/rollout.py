"""Handlers of the rollout concern: traffic tests, the alarm check, shifts, bakes, roll backs.

What one rollout's steps pass on to each other lives in ``run.state["rollout"]`` (a ``_Live``:
the alias, both versions, the marker, the alias's RevisionId as the last UpdateAlias returned
it, the weight and when it was set). Each UpdateAlias is sent with that RevisionId, so a
rollout never overwrites an alias someone else moved meanwhile: it stops and says so.

A failing gate or test rolls the alias back to the old version alone (the marker then says
rolled back, and why) and raises ``RolloutError``; ``--fail-fast`` (the run's stop signal)
does the same. A Ctrl-C (or the stop signal of an interrupted parallel run) marks the alias
interrupted, leaves its weights as they are, and raises ``RolloutInterrupted``: the command
rolls back or leaves the split, as the user decides.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.apply.stopping import FAIL_FAST
from lambherd.errors import AwsError, ConflictError, LambherdError, RolloutError, RolloutInterrupted
from lambherd.plan.rollout_planner import (
    ON_ROLLBACK,
    POST,
    BakeTraffic,
    CheckAlarms,
    ResumeRollout,
    RollBackTraffic,
    RunTrafficTests,
    ShiftTraffic,
)
from lambherd.rollout.gates import Figures, Verdict, judge
from lambherd.rollout.marker import INTERRUPTED, ROLLED_BACK, RUNNING, RolloutMarker
from lambherd.rollout.strategy import format_percent

STATE_KEY = "rollout"


@dataclass
class _Live:
    """One rollout as this run drives it."""

    alias: str
    from_version: str
    to_version: str
    marker: RolloutMarker
    revision_id: str | None = None
    weight: float = 0.0
    shifted_at: float = 0.0


def runner_id() -> str:
    """``host:pid`` of this process, for the marker (who drives the rollout)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _stamp(seconds: float, timespec: str = "seconds") -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec=timespec)


def _event(run: StepRun, event: str, **data: Any) -> dict[str, Any]:
    at = _stamp(run.now(), "milliseconds")
    entry = {"at": at, "function": run.name, "event": event, **data}
    run.timeline.append(entry)
    return entry


def _weights(live: _Live, weight: float) -> dict[str, float]:
    if weight >= 100:
        return {live.to_version: 100.0}
    return {live.from_version: round(100 - weight, 6), live.to_version: weight}


def _weights_text(weights: dict[str, float]) -> str:
    return ", ".join(f"version {v} {format_percent(w)}%" for v, w in weights.items())


def _live(run: StepRun) -> _Live:
    live = run.state.get(STATE_KEY)
    if live is None:
        raise LambherdError(f"{run.name}: a rollout step ran before the rollout started")
    return live


def _update_alias(
    run: StepRun, live: _Live, version: str, weight: float | None, description: str, action: str
) -> None:
    """One UpdateAlias: ``version`` primary, ``weight`` % on the new version (None: alone)."""
    routing = {} if weight is None else {live.to_version: round(weight / 100, 6)}
    params: dict[str, Any] = {
        "FunctionName": run.name,
        "Name": live.alias,
        "FunctionVersion": version,
        "RoutingConfig": {"AdditionalVersionWeights": routing},
        "Description": description,
    }
    if live.revision_id:
        params["RevisionId"] = live.revision_id
    resp = run.call(
        action, "update_alias", applied=lambda: _alias_as(run, live.alias, params), **params
    )
    if live.revision_id:
        live.revision_id = resp.get("RevisionId") or None


def _alias_as(run: StepRun, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The alias, when it is already as ``params`` set it (our UpdateAlias whose answer was
    lost: its resend is refused for the RevisionId the first one changed)."""
    from lambherd.errors import NotFoundError

    try:
        alias = run.call(f"read alias {name}", "get_alias", FunctionName=run.name, Name=name)
    except NotFoundError:
        return None
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    wanted = params["RoutingConfig"]["AdditionalVersionWeights"]
    same = (
        str(alias.get("FunctionVersion")) == params["FunctionVersion"]
        and {k: round(float(v), 6) for k, v in weights.items()} == wanted
        and alias.get("Description", "") == params["Description"]
    )
    return alias if same else None


def _roll_back(run: StepRun, live: _Live, reason: str) -> None:
    """The alias back on the old version alone; the marker says rolled back, and why."""
    marker = live.marker.moved(state=ROLLED_BACK, reason=reason, updated=int(run.now()))
    _update_alias(run, live, live.from_version, None, marker.encode(), f"roll back {live.alias}")
    live.marker, live.weight = marker, 0.0
    run.on_interrupt = None
    _event(run, "rollback", weights={live.from_version: 100.0}, reason=reason)
    _after_rollback(run)


def _after_rollback(run: StepRun) -> None:
    """What other concerns left for a rollback (``ON_ROLLBACK``), each once; a failure is noted
    on the timeline and the rest still run (the alias is back either way)."""
    for undo in run.state.pop(ON_ROLLBACK, ()):
        try:
            undo(run)
        except LambherdError as exc:
            _event(run, "rollback cleanup failed", reason=exc.message)


def _failed(run: StepRun, live: _Live, reason: str, *, gate: str = "") -> RolloutError:
    """Roll back and the error that says why (when the rollback itself fails, that too)."""
    where = f"at {format_percent(live.weight)}%" if live.weight else "before any traffic moved"
    try:
        _roll_back(run, live, reason)
    except ConflictError as exc:
        return RolloutError(
            f"{run.name}: rollout of version {live.to_version} stopped {where}: {reason}; the "
            f"alias changed meanwhile, so it was left as it is ({exc.message})",
            function=run.name,
            alias=live.alias,
            timeline=run.timeline,
        )
    except AwsError as exc:
        return RolloutError(
            f"{run.name}: rollout of version {live.to_version} stopped {where}: {reason}; "
            f"rolling back failed: {exc.message}",
            function=run.name,
            alias=live.alias,
            timeline=run.timeline,
            hint=f"lambherd rollout abort (alias {live.alias})",
        )
    gate_text = f"{gate} gate: " if gate and not reason.startswith(gate) else ""
    return RolloutError(
        f"{run.name}: rollout of version {live.to_version} stopped {where}: {gate_text}{reason}; "
        f"alias {live.alias} is back on version {live.from_version} "
        f"(version {live.to_version} kept)",
        function=run.name,
        alias=live.alias,
        rolled_back=True,
        timeline=run.timeline,
    )


def _interrupted(run: StepRun, live: _Live) -> BaseException:
    """Mark the alias interrupted (weights untouched); the exception for the command.

    The alias is read first: a Ctrl-C during a shift may have come before or after AWS applied
    it. Not split (the first shift never applied, or the last one did): a plain Ctrl-C."""
    run.on_interrupt = None
    try:
        doc = run.call(
            f"read alias {live.alias}", "get_alias", FunctionName=run.name, Name=live.alias
        )
    except AwsError:
        doc = None
    if doc is not None:
        routing = (doc.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        share = float(routing.get(live.to_version, 0.0))
        if str(doc.get("FunctionVersion")) != live.from_version or share <= 0:
            return KeyboardInterrupt()  # nothing split: a deploy again converges
        live.weight = round(share * 100, 6)
        if live.revision_id:
            live.revision_id = doc.get("RevisionId") or live.revision_id
    marker = live.marker.moved(state=INTERRUPTED)  # ``updated`` stays the last shift's time
    note = ""
    try:
        _update_alias(
            run, live, live.from_version, live.weight, marker.encode(), f"mark {live.alias}"
        )
        live.marker = marker
    except AwsError as exc:  # the split stands either way; say the marker is stale
        note = f" (its marker could not be updated: {exc.message})"
    _event(run, "interrupted", weights=_weights(live, live.weight))
    return RolloutInterrupted(
        f"{run.name}: rollout of version {live.to_version} interrupted at "
        f"{format_percent(live.weight)}% ({_weights_text(_weights(live, live.weight))}){note}",
        function=run.name,
        alias=live.alias,
        timeline=run.timeline,
    )


def _stopped(run: StepRun, live: _Live) -> Exception:
    """What a stop signal during a bake means: fail-fast rolls back, an interrupt leaves it."""
    if run.stop is not None and run.stop.reason == FAIL_FAST:
        return _failed(run, live, "another function failed (--fail-fast)")
    return _interrupted(run, live)


# -- handlers ---------------------------------------------------------------------------------
@handles(RunTrafficTests)
def traffic_tests(run: StepRun, step: RunTrafficTests) -> tuple[str, int]:
    from lambherd.invocation import lambda_invoker
    from lambherd.testcases import run_cases

    pre = step.phase != POST
    qualifier = run.target(step.version) if pre else step.alias
    invoker = lambda_invoker(run.clients.client("lambda"), run.name)
    results = run_cases(step.cases, invoker, qualifier=qualifier)
    failed = [r for r in results if not r.passed]
    _event(
        run,
        f"{step.phase}-traffic tests",
        qualifier=qualifier,
        passed=[r.case.name for r in results if r.passed],
        failed={r.case.name: list(r.failures) for r in failed},
    )
    if failed:
        first = failed[0]
        why = f"{step.phase}-traffic test {first.case.name!r} failed: {first.failures[0]}"
        if len(failed) > 1:
            why += f" (and {len(failed) - 1} more)"
        if pre:
            _after_rollback(run)
            raise RolloutError(
                f"{run.name}: rollout of version {qualifier} stopped before any traffic moved: "
                f"{why} (version {qualifier} kept)",
                function=run.name,
                alias=step.alias,
                timeline=run.timeline,
            )
        raise _failed(run, _live(run), why)
    return f"{len(results)} passed on {qualifier}", 0


@handles(CheckAlarms)
def check_alarms(run: StepRun, step: CheckAlarms) -> tuple[str, int]:
    from lambherd.rollout.evidence import read_alarms

    states = read_alarms(run.clients, step.alarms)
    _event(run, "alarms", alarms={a.name: a.state for a in states})
    for alarm in states:
        if alarm.state == "ALARM":
            why = f": {alarm.reason}" if alarm.reason else ""
            _after_rollback(run)
            raise RolloutError(
                f"{run.name}: rollout stopped before any traffic moved: alarm {alarm.name} is "
                f"in ALARM{why}",
                function=run.name,
                timeline=run.timeline,
            )
    return ", ".join(f"{a.name} {a.state}" for a in states), 0


@handles(ResumeRollout)
def resume(run: StepRun, step: ResumeRollout) -> tuple[str, int]:
    m = step.marker
    live = _Live(step.alias, m.from_version, m.to_version, m, step.revision_id, step.weight)
    live.shifted_at = float(m.updated or run.now())
    run.state[STATE_KEY] = live
    marker = m.moved(state=RUNNING, by=runner_id())
    _update_alias(run, live, m.from_version, step.weight, marker.encode(), f"resume {step.alias}")
    live.marker = marker
    run.on_interrupt = lambda: _interrupted(run, live)
    _event(run, "resume", weights=_weights(live, step.weight), strategy=m.strategy)
    return f"{_weights_text(_weights(live, step.weight))}", 0


@handles(ShiftTraffic)
def shift(run: StepRun, step: ShiftTraffic) -> tuple[str, int]:
    now = run.now()
    to = run.target(step.to_version)
    live = run.state.get(STATE_KEY)
    if live is None:  # the first shift of this run
        marker = RolloutMarker(
            step.strategy,
            step.from_version,
            to,
            RUNNING,
            started=int(now),
            updated=int(now),
            by=runner_id(),
            description=step.description,
        )
        live = _Live(step.alias, step.from_version, to, marker, step.revision_id)
        run.state[STATE_KEY] = live
    first = live.weight == 0
    if step.from_version and step.from_version != to:
        # a Ctrl-C from here on, even inside the call below, is answered from the alias itself
        run.on_interrupt = lambda: _interrupted(run, live)
    try:
        if step.weight >= 100:
            _update_alias(run, live, to, None, live.marker.description, f"move alias {step.alias}")
            run.on_interrupt = None
        else:
            marker = live.marker.moved(state=RUNNING, updated=int(now))
            _update_alias(
                run, live, live.from_version, step.weight, marker.encode(), f"shift {step.alias}"
            )
            live.marker = marker
    except ConflictError as exc:
        if first:
            raise
        raise RolloutError(
            f"{run.name}: alias {step.alias} changed while the rollout ran (someone else moved "
            f"it); the rollout stopped and left it as it is: {exc.message}",
            function=run.name,
            alias=step.alias,
            timeline=run.timeline,
        ) from exc
    except AwsError as exc:
        if first:
            raise
        raise _failed(
            run, live, f"the shift to {format_percent(step.weight)}% failed: {exc}"
        ) from exc
    live.weight, live.shifted_at = step.weight, now
    weights = _weights(live, step.weight)
    _event(run, "shift", weights=weights, step=f"{step.number}/{step.count}")
    run.progress(step, _weights_text(weights), weight=step.weight, gates="shifted")
    return f"{_stamp(now)} {_weights_text(weights)}", 0


@handles(BakeTraffic)
def bake(run: StepRun, step: BakeTraffic) -> tuple[str, int]:
    from lambherd.rollout.evidence import EvidenceReader

    live = _live(run)
    gates = step.gates
    since = step.since if step.since is not None else live.shifted_at
    end = since + step.interval_s
    poll = gates.poll_for(step.interval_s)
    reader = EvidenceReader(
        run.clients,
        run.name,
        step.alias,
        live.to_version,
        live.from_version,
        gates,
        step.log_group,
    )

    def reading(figures: Figures, verdict: Verdict, final: bool) -> None:
        _event(
            run,
            "gates",
            weight=live.weight,
            figures=figures.to_json(),
            ok=verdict.ok,
            final=final,
            **({"failed": verdict.gate, "reason": verdict.reason} if not verdict.ok else {}),
        )
        state = "ok" if verdict.ok else f"failed: {verdict.gate}"
        if verdict.ok and not verdict.evidence:
            state = "no evidence yet"
        run.progress(
            step,
            f"{format_percent(live.weight)}% · {figures.summary()}",
            weight=live.weight,
            gates=state,
        )

    while True:  # during the interval: a failing reading ends it
        now = run.now()
        figures = reader.read(since, now)
        verdict = judge(figures, gates, final=False)
        reading(figures, verdict, final=False)
        if not verdict.ok:
            raise _failed(run, live, verdict.reason, gate=verdict.gate)
        if now >= end:
            break
        if run.wait(min(poll, end - now)):
            raise _stopped(run, live)
    deadline = run.now() + gates.metric_wait_s
    while True:  # the interval is over: judge it once the metrics cover it
        figures = reader.read(since, end, settle=True)
        overdue = run.now() >= deadline
        verdict = judge(figures, gates, final=figures.complete or overdue)
        if not verdict.ok:
            reading(figures, verdict, final=True)
            raise _failed(run, live, verdict.reason, gate=verdict.gate)
        if figures.complete or overdue:
            reading(figures, verdict, final=True)
            break
        if run.wait(poll):
            raise _stopped(run, live)
    notes = "".join(f"; {n}" for n in verdict.notes)
    if not figures.complete:
        notes += f"; judged after waiting {gates.metric_wait_s:g}s for the metrics"
    return f"passed: {figures.summary()}{notes}", 0


@handles(RollBackTraffic)
def roll_back(run: StepRun, step: RollBackTraffic) -> tuple[str, int]:
    m = step.marker
    live = _Live(step.alias, m.from_version, m.to_version, m, step.revision_id)
    run.state[STATE_KEY] = live
    _roll_back(run, live, step.reason)
    return f"version {m.from_version} alone", 0
