"""The rollout concern: how the alias moves to the version the versions concern chose (pure).

All at once (the default) it is the CreateAlias / MoveAlias the versions concern decided,
unchanged. With a canary or linear strategy it is, after the publish::

    RunTrafficTests pre-traffic   the tests.* cases against the new version (if configured)
    CheckAlarms                   no gate alarm may be in ALARM before traffic moves
    ShiftTraffic 10%              UpdateAlias: old version primary, new one weighted; marker
    BakeTraffic 10%               the interval, gates read every poll; a failure rolls back
    ...                           (linear: 20%, 30%...)
    ShiftTraffic 100%             the alias serves the new version alone; marker removed
    RunTrafficTests post-traffic  the cases against the alias (a failure rolls back)

then the steps earlier concerns left for after the move (``AFTER_TRAFFIC``) and the old versions
pruned. The alias's Description carries the rollout marker (``lambherd.rollout.marker``) while
it is split, so a second deploy during a split converges: the same new version continues from
its weight; another one replaces it (the alias never splits over three versions); the old
version's own definition ends the split. A split made by someone else is refused before any call.

``plan_resume`` and ``plan_abort`` plan ``rollout resume`` / ``rollout abort`` from the marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambherd.errors import DeployError, NotFoundError, UsageError
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.remote import RemoteState, alias_weights
from lambherd.plan.steps import LATEST, PUBLISHED, Plan, Step
from lambherd.rollout.gates import GateSettings, TrafficTests, gate_settings
from lambherd.rollout.marker import RolloutMarker, decode, original_description
from lambherd.rollout.strategy import Strategy, format_interval, format_percent, parse_strategy
from lambherd.settings import DeploySettings

#: ``ctx.decided`` key: steps an earlier concern wants run once the alias serves the new version
#: alone (e.g. releasing the old version's provisioned concurrency), before old versions go.
AFTER_TRAFFIC = "after_traffic"
#: ``run.state`` key: callables ``(run) -> None`` a concern's handlers leave for the rollout's
#: handlers to call once they have rolled the alias back (e.g. release the new version's
#: provisioned concurrency); a failing one is noted on the timeline, the rollback stands.
ON_ROLLBACK = "on_rollback"
PRE, POST = "pre", "post"


def _version_text(version: str) -> str:
    return "the new version" if version == PUBLISHED else f"version {version}"


# -- steps ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunTrafficTests(Step):
    """Test cases run before any traffic moves (against the new version) or after 100 %
    (against the alias; a failure rolls back). ``cases`` are filled in by the pipeline
    (``pipeline.rollout_checks``) from ``tests``; ``source`` names the file they came from."""

    phase: str
    alias: str
    version: str
    tests: TrafficTests = field(default_factory=TrafficTests)
    cases: tuple[Any, ...] = ()
    source: str = ""

    def describe(self) -> str:
        what = (
            f"{len(self.cases)} case{'s' if len(self.cases) != 1 else ''} of {self.source}"
            if self.source
            else self.tests.describe()
        )
        on = _version_text(self.version) if self.phase == PRE else f"alias {self.alias}"
        return f"RunTrafficTests {self.phase}-traffic: {what} on {on}"

    def labels(self) -> tuple[str, ...]:
        return (f"{self.phase}-traffic tests",)


@dataclass(frozen=True)
class CheckAlarms(Step):
    """DescribeAlarms of the gate alarms: one in ALARM stops the rollout before traffic moves."""

    alarms: tuple[str, ...]

    def describe(self) -> str:
        return f"CheckAlarms {', '.join(self.alarms)} (none may be in ALARM)"

    def labels(self) -> tuple[str, ...]:
        return ("alarms",)


@dataclass(frozen=True)
class ResumeRollout(Step):
    """Take over a rollout the alias records (``rollout resume``, a deploy during the split):
    the marker says running again, by this process."""

    alias: str
    marker: RolloutMarker
    weight: float
    revision_id: str | None = None

    def describe(self) -> str:
        m = self.marker
        return (
            f"ResumeRollout {self.alias}: {m.from_version} -> {m.to_version} at "
            f"{format_percent(self.weight)}% ({m.strategy})"
        )

    def labels(self) -> tuple[str, ...]:
        return (f"alias {self.alias}",)


@dataclass(frozen=True)
class ShiftTraffic(Step):
    """UpdateAlias: ``weight`` % of the alias's traffic to ``to_version`` (the rest stays on
    ``from_version``), the marker in its Description; at 100 % the alias serves ``to_version``
    alone and its own Description comes back. ``revision_id`` guards the first call (the
    alias as planned); later ones chain the RevisionId each call returns."""

    alias: str
    from_version: str
    to_version: str
    weight: float
    strategy: str
    number: int = 1
    count: int = 1
    revision_id: str | None = None
    description: str = ""

    def describe(self) -> str:
        target = _version_text(self.to_version)
        if self.weight >= 100:
            return f"ShiftTraffic {self.alias}: 100% to {target} ({self.number}/{self.count})"
        rest = format_percent(100 - self.weight)
        return (
            f"ShiftTraffic {self.alias}: {format_percent(self.weight)}% to {target}, {rest}% on "
            f"version {self.from_version} ({self.number}/{self.count})"
        )

    def labels(self) -> tuple[str, ...]:
        return (f"alias {self.alias}",)


@dataclass(frozen=True)
class BakeTraffic(Step):
    """Hold ``weight`` % for ``interval_s`` with the gates read every poll; a failing gate, a
    fail-fast stop or a Ctrl-C ends it early. ``since`` (resume) is when that weight was set."""

    alias: str
    weight: float
    interval_s: float
    strategy: str
    gates: GateSettings = field(default_factory=GateSettings)
    log_group: str = ""
    since: float | None = None

    def describe(self) -> str:
        return (
            f"BakeTraffic {format_interval(self.interval_s)} at {format_percent(self.weight)}%: "
            f"{self.gates.describe()}"
        )

    def labels(self) -> tuple[str, ...]:
        return (f"rollout {self.strategy}",)


@dataclass(frozen=True)
class RollBackTraffic(Step):
    """UpdateAlias back to ``from_version`` alone (``rollout abort``, or a deploy of the old
    version's definition during a split); the marker says rolled back and why."""

    alias: str
    marker: RolloutMarker
    reason: str
    revision_id: str | None = None

    def describe(self) -> str:
        return (
            f"RollBackTraffic {self.alias}: 100% to version {self.marker.from_version} "
            f"({self.reason})"
        )

    def labels(self) -> tuple[str, ...]:
        return (f"alias {self.alias}",)


ROLLOUT_STEPS = (RunTrafficTests, CheckAlarms, ResumeRollout, ShiftTraffic, BakeTraffic)


# -- planning ---------------------------------------------------------------------------------
def our_split(alias: dict[str, Any] | None) -> RolloutMarker | None:
    """The marker of the rollout in progress on ``alias`` (split, and ours), else None."""
    if not alias or not alias_weights(alias):
        return None
    marker = decode(alias.get("Description"))
    return marker if marker is not None and marker.in_progress else None


def refuse_foreign_split(name: str, alias: dict[str, Any] | None) -> None:
    """A DeployError when ``alias`` splits its traffic and the split is not a rollout of ours."""
    if not alias:
        return
    weights = alias_weights(alias)
    if weights and our_split(alias) is None:
        split = ", ".join(
            f"version {v} {format_percent(float(w) * 100)}%" for v, w in weights.items()
        )
        raise DeployError(
            f"{name}: alias {alias.get('Name')} already splits its traffic (version "
            f"{alias.get('FunctionVersion')} primary, {split}) and the split is not a lambherd "
            "rollout; refusing to start a rollout over it",
            hint="end that split first (lambherd rollback, or UpdateAlias), or deploy with "
            "--strategy all-at-once, which replaces it",
        )


def stages(alias: dict[str, Any] | None, decision: Any, settings: DeploySettings) -> bool:
    """True when the deploy moves ``alias`` to a new version in stages (canary, linear): it
    serves a published version and the versions concern decided another published one."""
    if decision is None or decision.target is None or not alias:
        return False
    current = str(alias.get("FunctionVersion"))
    return (
        parse_strategy(settings.strategy).staged
        and current.isdigit()
        and decision.target not in (LATEST, current)
    )


def continues(alias: dict[str, Any] | None, decision: Any) -> bool:
    """True when the deploy continues the rollout of ours the alias records (same version)."""
    live = our_split(alias)
    return live is not None and decision is not None and live.to_version == decision.target


def plan_traffic(
    ctx_alias: dict[str, Any] | None,
    decision: Any,
    settings: DeploySettings,
    name: str,
    log_group: str,
    after: tuple[Step, ...] = (),
) -> tuple[Step, ...]:
    """The alias's moves (all at once, or staged), then ``after``, then the prune steps."""
    if decision is None:
        return ()
    strategy = parse_strategy(settings.strategy)
    gates = gate_settings(settings.rollout)
    live = our_split(ctx_alias)
    tail = (*after, *decision.prune)
    if decision.target is None:
        if live is not None and str(ctx_alias.get("FunctionVersion")) == live.from_version:
            # the definition is the old version's again: end the split there
            reason = f"the definition is version {live.from_version}'s again"
            return (RollBackTraffic(decision.alias, live, reason, ctx_alias.get("RevisionId")),)
        return ()
    current = str(ctx_alias.get("FunctionVersion")) if ctx_alias else None
    if not stages(ctx_alias, decision, settings):
        if ctx_alias is not None and decode(ctx_alias.get("Description")) is not None:
            # our marker is on the alias: the move gives the alias its own Description back
            shift = ShiftTraffic(
                decision.alias,
                current or "",
                decision.target,
                100.0,
                strategy.text,
                revision_id=ctx_alias.get("RevisionId"),
                description=original_description(ctx_alias.get("Description")),
            )
            return (shift, *tail)
        return (*decision.alias_steps, *tail)
    assert ctx_alias is not None and current is not None
    refuse_foreign_split(name, ctx_alias)
    if continues(ctx_alias, decision):
        assert live is not None
        return (*_continue(decision.alias, ctx_alias, live, strategy, gates, log_group), *tail)
    return (*_staged(decision, ctx_alias, current, strategy, gates, log_group), *tail)


def _staged(
    decision: Any,
    alias: dict[str, Any],
    current: str,
    strategy: Strategy,
    gates: GateSettings,
    log_group: str,
) -> list[Step]:
    steps: list[Step] = []
    if gates.pre_traffic is not None:
        steps.append(RunTrafficTests(PRE, decision.alias, decision.target, gates.pre_traffic))
    if gates.alarms:
        steps.append(CheckAlarms(gates.alarms))
    weights = strategy.weights()
    for number, weight in enumerate(weights, 1):
        steps.append(
            ShiftTraffic(
                decision.alias,
                current,
                decision.target,
                weight,
                strategy.text,
                number,
                len(weights),
                revision_id=alias.get("RevisionId") if number == 1 else None,
                description=original_description(alias.get("Description")),
            )
        )
        if weight < 100:
            steps.append(
                BakeTraffic(
                    decision.alias, weight, strategy.interval_s, strategy.text, gates, log_group
                )
            )
    if gates.post_traffic is not None:
        steps.append(RunTrafficTests(POST, decision.alias, decision.target, gates.post_traffic))
    return steps


def _continue(
    alias_name: str,
    alias: dict[str, Any],
    marker: RolloutMarker,
    strategy: Strategy,
    gates: GateSettings,
    log_group: str,
) -> list[Step]:
    """The rest of a rollout the alias records: its strategy, from its current weight."""
    recorded = parse_strategy(marker.strategy)
    if recorded.staged:
        strategy = recorded
    weight = float(alias_weights(alias).get(marker.to_version, 0.0)) * 100
    steps: list[Step] = [ResumeRollout(alias_name, marker, weight, alias.get("RevisionId"))]
    steps.append(
        BakeTraffic(
            alias_name,
            weight,
            strategy.interval_s,
            strategy.text,
            gates,
            log_group,
            since=float(marker.updated) if marker.updated else None,
        )
    )
    remaining = strategy.next_weights(weight)
    done = len(strategy.weights()) - len(remaining)
    for offset, share in enumerate(remaining, 1):
        steps.append(
            ShiftTraffic(
                alias_name,
                marker.from_version,
                marker.to_version,
                share,
                strategy.text,
                done + offset,
                len(strategy.weights()),
                description=marker.description,
            )
        )
        if share < 100:
            steps.append(
                BakeTraffic(alias_name, share, strategy.interval_s, strategy.text, gates, log_group)
            )
    if gates.post_traffic is not None:
        steps.append(RunTrafficTests(POST, alias_name, marker.to_version, gates.post_traffic))
    return steps


def plan_resume(
    name: str, remote: RemoteState, alias: str, settings: DeploySettings, log_group: str
) -> Plan:
    """``rollout resume``: the rest of the rollout the alias records, gates from ``settings``."""
    doc = _alias_or_fail(name, remote, alias)
    marker = our_split(doc)
    if marker is None:
        raise UsageError(_nothing_to(name, alias, doc, "resume"))
    strategy = parse_strategy(marker.strategy)
    steps = _continue(alias, doc, marker, strategy, gate_settings(settings.rollout), log_group)
    return Plan(name, tuple(steps), function_arn=remote.function_arn, alias=alias)


def plan_abort(name: str, remote: RemoteState, alias: str, reason: str) -> Plan:
    """``rollout abort``: the alias back to the rollout's old version, alone."""
    doc = _alias_or_fail(name, remote, alias)
    marker = our_split(doc)
    if marker is None:
        raise UsageError(_nothing_to(name, alias, doc, "abort"))
    step = RollBackTraffic(alias, marker, reason, doc.get("RevisionId"))
    return Plan(name, (step,), function_arn=remote.function_arn, alias=alias)


def _alias_or_fail(name: str, remote: RemoteState, alias: str) -> dict[str, Any]:
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    if remote.alias is None:
        raise NotFoundError(f"{name}: alias {alias!r} not found")
    return remote.alias


def _nothing_to(name: str, alias: str, doc: dict[str, Any], verb: str) -> str:
    if alias_weights(doc):
        return f"{name}: alias {alias} is split, but not by a lambherd rollout; nothing to {verb}"
    return (
        f"{name}: no rollout in progress on alias {alias} (it serves version "
        f"{doc.get('FunctionVersion')} alone); nothing to {verb}"
    )


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    from lambherd.defaults import log_group

    logging = ctx.desired.config.get("LoggingConfig") or {}
    group = str(logging.get("LogGroup") or log_group(ctx.desired.name))
    after = tuple(ctx.decided.get(AFTER_TRAFFIC, ()))
    return plan_traffic(
        ctx.remote.alias, ctx.decided.get("versions"), ctx.settings, ctx.desired.name, group, after
    )


CONCERN = Concern("rollout", _plan)
