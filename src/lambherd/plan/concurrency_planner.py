"""The concurrency concern: reserved and provisioned concurrency, and Application Auto Scaling
of provisioned concurrency (scalable targets, scheduled actions, target tracking).

Its remote part is ``ConcurrencyRemote`` (read by ``lambherd.pipeline.remote_concurrency`` when
the definition has a concurrency.json); its steps run in ``lambherd.apply.handlers.concurrency``.
Only what the file names is managed (``lambherd.concurrency.model``).

Provisioned concurrency moves with its alias. Lambda does that itself when an alias with a
provisioned concurrency configuration is pointed at another version (UpdateAlias): it
allocates the configuration's environments on the new version while the alias keeps routing to
the old one (a transient routing weight of 1.0 on the old version), then routes to the new
version and releases the old environments. So a deploy that moves such an alias runs:

    PublishVersion                      the new version N+1
    MoveAlias current: N -> N+1          Lambda starts allocating on N+1; N keeps serving
    WaitProvisionedConcurrency current   until READY on N+1 and the transient weight is gone
                                         (progress while it allocates; FAILED: the alias is
                                         put back on N and the deploy stops)
    DeleteVersion ...                    only now (N may still be serving before)

The alias's scalable target (ResourceId ``function:NAME:ALIAS``) stays valid through the move:
its scheduled actions and policy keep acting on the alias, whatever version it serves. A count
change of the same alias comes after the move (PutProvisionedConcurrencyConfig is refused on
an alias while Lambda's transient weight is on it).

Other steps, in this order: reserved concurrency when it grows; scalable targets removed
(DeregisterScalableTarget takes their actions and policies with them); provisioned configs
removed; provisioned configs put, each followed by a wait for READY; scalable targets
registered; scheduled actions removed, then put; the target-tracking policy; reserved
concurrency when it shrinks or goes. With autoscaling, the alias's provisioned count belongs to
Application Auto Scaling: only the first allocation (or one outside the file's range) is sent,
and the live target's range counts as unchanged when it is the file's or one its scheduled
actions set. ``--no-wait`` leaves the waits out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambherd.concurrency.model import (
    UNMANAGED,
    Autoscaling,
    ConcurrencyConfig,
    ScheduledAction,
    TargetTracking,
    as_instant,
    read_concurrency,
    resource_id,
)
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.remote import alias_weights
from lambherd.plan.steps import PUBLISHED, CreateAlias, MoveAlias, Step

SIDECAR = "concurrency"


# -- what AWS reports ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ProvisionedConfig:
    """One GetProvisionedConcurrencyConfig (alias or version)."""

    requested: int
    available: int = 0
    allocated: int = 0
    status: str = "READY"
    reason: str | None = None


@dataclass(frozen=True)
class ScalableTarget:
    """One scalable target with its scheduled actions and scaling policies (as described)."""

    min_capacity: int
    max_capacity: int
    actions: tuple[dict[str, Any], ...] = ()
    policies: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ConcurrencyRemote:
    """The concern's remote part: reserved concurrency, provisioned configs by qualifier, and
    the scalable targets of the qualifiers the file names."""

    reserved: int | None = None
    provisioned: Mapping[str, ProvisionedConfig] = field(default_factory=dict)
    targets: Mapping[str, ScalableTarget] = field(default_factory=dict)


# -- steps ---------------------------------------------------------------------------------------
def _was(value: Any) -> str:
    return "none" if value is None else str(value)


def _qualifier(qualifier: str) -> str:
    return "the new version" if qualifier == PUBLISHED else qualifier


@dataclass(frozen=True)
class PutReservedConcurrency(Step):
    """PutFunctionConcurrency."""

    count: int
    was: int | None = None

    def describe(self) -> str:
        return f"PutReservedConcurrency {self.count} (was {_was(self.was)})"

    def labels(self) -> tuple[str, ...]:
        return ("reserved concurrency",)


@dataclass(frozen=True)
class DeleteReservedConcurrency(Step):
    """DeleteFunctionConcurrency: the function draws from the account's unreserved pool."""

    was: int

    def describe(self) -> str:
        return f"DeleteReservedConcurrency (was {self.was})"

    def labels(self) -> tuple[str, ...]:
        return ("reserved concurrency",)


@dataclass(frozen=True)
class PutProvisionedConcurrency(Step):
    """PutProvisionedConcurrencyConfig of an alias or version. ``for_rollout``: the alias of
    the staged rollout this version-level configuration is for (released if it rolls back)."""

    qualifier: str
    count: int
    was: int | None = None
    for_rollout: str | None = None

    def describe(self) -> str:
        where = _qualifier(self.qualifier)
        if self.for_rollout is not None:
            return (
                f"PutProvisionedConcurrency {where}: {self.count} (before alias "
                f"{self.for_rollout}'s first shift)"
            )
        return f"PutProvisionedConcurrency {where}: {self.count} (was {_was(self.was)})"

    def labels(self) -> tuple[str, ...]:
        return (f"provisioned concurrency {_qualifier(self.qualifier)}",)


@dataclass(frozen=True)
class DeleteProvisionedConcurrency(Step):
    """DeleteProvisionedConcurrencyConfig of an alias or version."""

    qualifier: str
    was: int

    def describe(self) -> str:
        return f"DeleteProvisionedConcurrency {_qualifier(self.qualifier)} (was {self.was})"

    def labels(self) -> tuple[str, ...]:
        return (f"provisioned concurrency {_qualifier(self.qualifier)}",)


@dataclass(frozen=True)
class WaitProvisionedConcurrency(Step):
    """Wait until the qualifier's provisioned concurrency is READY (progress while it
    allocates). ``moving_from``: the alias was just moved from that version, and Lambda is
    moving its environments (the alias must end with no transient routing weight).
    ``for_rollout``: a new version's allocation before that alias's first shift (FAILED stops
    the rollout before any traffic moves)."""

    qualifier: str
    count: int | None = None
    moving_from: str | None = None
    moving_to: str | None = None
    for_rollout: str | None = None

    def describe(self) -> str:
        count = f"{self.count} " if self.count is not None else ""
        text = f"WaitProvisionedConcurrency {_qualifier(self.qualifier)}: {count}READY"
        if self.moving_from is not None:
            to = "the new version" if self.moving_to == PUBLISHED else f"version {self.moving_to}"
            text += f" on {to} (version {self.moving_from} serves until then)"
        return text

    def labels(self) -> tuple[str, ...]:
        return (f"provisioned concurrency {_qualifier(self.qualifier)}",)


@dataclass(frozen=True)
class _ScalingStep(Step):
    qualifier: str
    resource_id: str

    def labels(self) -> tuple[str, ...]:
        return (f"autoscaling {self.qualifier}",)


@dataclass(frozen=True)
class RegisterScalableTarget(_ScalingStep):
    """RegisterScalableTarget (creates or updates the range)."""

    min_capacity: int = 0
    max_capacity: int = 0
    was: tuple[int, int] | None = None

    def describe(self) -> str:
        was = f"was {self.was[0]}-{self.was[1]}" if self.was else "new"
        return (
            f"RegisterScalableTarget {self.resource_id} "
            f"{self.min_capacity}-{self.max_capacity} ({was})"
        )


@dataclass(frozen=True)
class DeregisterScalableTarget(_ScalingStep):
    """DeregisterScalableTarget: its scheduled actions and policies go with it."""

    def describe(self) -> str:
        return f"DeregisterScalableTarget {self.resource_id} (with its actions and policies)"


@dataclass(frozen=True)
class PutScheduledAction(_ScalingStep):
    """PutScheduledAction (creates or replaces one action)."""

    action: ScheduledAction | None = None
    create: bool = True

    def describe(self) -> str:
        a = self.action
        assert a is not None
        low = "" if a.min_capacity is None else str(a.min_capacity)
        high = "" if a.max_capacity is None else str(a.max_capacity)
        zone = f" {a.timezone}" if a.timezone else ""
        verb = "new" if self.create else "changed"
        return (
            f"PutScheduledAction {self.qualifier} {a.name}: {a.schedule}{zone} -> "
            f"min {low or '-'} max {high or '-'} ({verb})"
        )


@dataclass(frozen=True)
class DeleteScheduledAction(_ScalingStep):
    """DeleteScheduledAction of one action the file no longer lists."""

    name: str = ""

    def describe(self) -> str:
        return f"DeleteScheduledAction {self.qualifier} {self.name}"


@dataclass(frozen=True)
class PutScalingPolicy(_ScalingStep):
    """PutScalingPolicy: target tracking on LambdaProvisionedConcurrencyUtilization."""

    policy: TargetTracking | None = None
    create: bool = True

    def describe(self) -> str:
        p = self.policy
        assert p is not None
        verb = "new" if self.create else "changed"
        return (
            f"PutScalingPolicy {self.qualifier} {p.policy_name}: target tracking "
            f"{p.target_value:g} ({verb})"
        )


@dataclass(frozen=True)
class DeleteScalingPolicy(_ScalingStep):
    """DeleteScalingPolicy of lambherd's target-tracking policy."""

    policy_name: str = ""

    def describe(self) -> str:
        return f"DeleteScalingPolicy {self.qualifier} {self.policy_name}"


# -- planning ------------------------------------------------------------------------------------
def plan_concurrency(
    name: str, config: ConcurrencyConfig, remote: ConcurrencyRemote, *, wait: bool = True
) -> list[Step]:
    """The steps turning ``remote`` into what ``config`` names (the alias move aside)."""
    early: list[Step] = []
    late: list[Step] = []
    if config.reserved is None and remote.reserved is not None:
        late.append(DeleteReservedConcurrency(was=remote.reserved))
    elif isinstance(config.reserved, int) and config.reserved != remote.reserved:
        step = PutReservedConcurrency(config.reserved, remote.reserved)
        shrinks = remote.reserved is not None and config.reserved < remote.reserved
        (late if shrinks else early).append(step)
    deregister: list[Step] = []
    delete_pc: list[Step] = []
    put_pc: list[Step] = []
    register: list[Step] = []
    actions: list[Step] = []
    policies: list[Step] = []
    for qualifier in config.qualifiers():
        rid = resource_id(name, qualifier)
        value = config.provisioned.get(qualifier, UNMANAGED)
        scaling = config.autoscaling.get(qualifier, UNMANAGED)
        have = remote.provisioned.get(qualifier)
        target = remote.targets.get(qualifier)
        if scaling is None and target is not None:
            deregister.append(DeregisterScalableTarget(qualifier, rid))
        if value is None and have is not None:
            delete_pc.append(DeleteProvisionedConcurrency(qualifier, have.requested))
        wanted = _provisioned_count(value, scaling, have, target)
        if wanted is not None:
            put_pc.append(PutProvisionedConcurrency(qualifier, wanted, _requested(have)))
            if wait:
                put_pc.append(WaitProvisionedConcurrency(qualifier, wanted))
        if isinstance(scaling, Autoscaling):
            register.extend(_register(qualifier, rid, scaling, target))
            actions.extend(_actions(qualifier, rid, scaling, target))
            policies.extend(_policy(qualifier, rid, scaling, target))
    return [*early, *deregister, *delete_pc, *put_pc, *register, *actions, *policies, *late]


def _requested(have: ProvisionedConfig | None) -> int | None:
    return have.requested if have is not None else None


def _provisioned_count(
    value: Any, scaling: Any, have: ProvisionedConfig | None, target: ScalableTarget | None
) -> int | None:
    """The count to put for one qualifier, None when nothing is to be sent."""
    failed = have is not None and have.status == "FAILED"
    if isinstance(scaling, Autoscaling) or (scaling is UNMANAGED and target is not None):
        if isinstance(scaling, Autoscaling):
            low, high = scaling.min_capacity, scaling.max_capacity
        else:
            assert target is not None
            low, high = target.min_capacity, target.max_capacity
        if have is None or failed:  # the first allocation; Application Auto Scaling goes on
            first = value if isinstance(value, int) else low
            return first if first >= 1 else None
        if isinstance(scaling, Autoscaling):
            # outside every range the file (or one of its scheduled actions) sets: into the
            # file's own range
            ranges = scaling.reachable_ranges()
            if not any(lo <= have.requested <= hi for lo, hi in ranges):
                return max(low, min(high, have.requested)) or None
        return None
    if isinstance(value, int) and (have is None or failed or have.requested != value):
        return value
    return None


def _register(
    qualifier: str, rid: str, scaling: Autoscaling, target: ScalableTarget | None
) -> list[Step]:
    if target is not None and (target.min_capacity, target.max_capacity) in (
        scaling.reachable_ranges()
    ):
        return []
    was = (target.min_capacity, target.max_capacity) if target is not None else None
    return [RegisterScalableTarget(qualifier, rid, scaling.min_capacity, scaling.max_capacity, was)]


def _actions(
    qualifier: str, rid: str, scaling: Autoscaling, target: ScalableTarget | None
) -> list[Step]:
    if scaling.scheduled_actions is None:
        return []
    have = {str(a.get("ScheduledActionName")): a for a in (target.actions if target else ())}
    wanted = {a.name: a for a in scaling.scheduled_actions}
    out: list[Step] = [
        DeleteScheduledAction(qualifier, rid, name) for name in sorted(set(have) - set(wanted))
    ]
    for name, action in wanted.items():
        found = have.get(name)
        if found is None or not same_action(action, found):
            out.append(PutScheduledAction(qualifier, rid, action, create=found is None))
    return out


def _policy(
    qualifier: str, rid: str, scaling: Autoscaling, target: ScalableTarget | None
) -> list[Step]:
    tracking = scaling.target_tracking
    if tracking is UNMANAGED:
        return []
    policies = {str(p.get("PolicyName")): p for p in (target.policies if target else ())}
    if tracking is None:
        from lambherd.defaults import TARGET_TRACKING_POLICY_NAME

        if TARGET_TRACKING_POLICY_NAME in policies:
            return [DeleteScalingPolicy(qualifier, rid, TARGET_TRACKING_POLICY_NAME)]
        return []
    found = policies.get(tracking.policy_name)
    if found is not None and same_policy(tracking, found):
        return []
    return [PutScalingPolicy(qualifier, rid, tracking, create=found is None)]


# -- comparing with what Application Auto Scaling describes ---------------------------------------
_UTC_NAMES = {None, "", "UTC", "Etc/UTC", "GMT", "Etc/GMT"}


def same_action(action: ScheduledAction, described: Mapping[str, Any]) -> bool:
    """True when a DescribeScheduledActions entry is the file's action."""
    zone = described.get("Timezone")
    if (action.timezone in _UTC_NAMES) != (zone in _UTC_NAMES):
        return False
    if action.timezone not in _UTC_NAMES and action.timezone != zone:
        return False
    return (
        str(described.get("Schedule", "")).strip() == action.schedule
        and as_instant(described.get("StartTime")) == action.start_time
        and as_instant(described.get("EndTime")) == action.end_time
        and dict(described.get("ScalableTargetAction") or {}) == action.target_action()
    )


def same_policy(tracking: TargetTracking, described: Mapping[str, Any]) -> bool:
    """True when a DescribeScalingPolicies entry is the file's target-tracking policy."""
    if described.get("PolicyType") != "TargetTrackingScaling":
        return False
    config = described.get("TargetTrackingScalingPolicyConfiguration") or {}
    metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    return (
        metric == "LambdaProvisionedConcurrencyUtilization"
        and float(config.get("TargetValue", -1)) == tracking.target_value
        and config.get("ScaleInCooldown") == tracking.scale_in_cooldown
        and config.get("ScaleOutCooldown") == tracking.scale_out_cooldown
        and bool(config.get("DisableScaleIn")) == bool(tracking.disable_scale_in)
    )


# -- the concern ---------------------------------------------------------------------------------
def _moves(ctx: PlanContext, alias: str) -> Step | None:
    return next(
        (s for s in ctx.steps if isinstance(s, MoveAlias | CreateAlias) and s.name == alias),
        None,
    )


def _plan(ctx: PlanContext) -> list[Step]:
    doc = ctx.desired.sidecars.get(SIDECAR)
    if doc is None or ctx.settings.skip_function:
        return []
    problems: list[str] = []
    config = read_concurrency(doc, problems)
    if problems:  # the definition's validation reports them; nothing is planned from a bad file
        return []
    remote = ctx.remote.part(ConcurrencyRemote) or ConcurrencyRemote()
    wait = not ctx.settings.no_wait
    alias = ctx.settings.alias
    move = _moves(ctx, alias)
    have = remote.provisioned.get(alias)
    if isinstance(move, MoveAlias) and have is not None:
        in_move = bool(alias_weights(ctx.remote.alias or {})) and have.status == "IN_PROGRESS"
        if in_move and wait:  # a move Lambda has not finished (a deploy run with --no-wait)
            ctx.insert_at(move, [WaitProvisionedConcurrency(alias, have.requested)], before=True)
        if wait:
            ctx.insert_at(
                move,
                [
                    WaitProvisionedConcurrency(
                        alias, have.requested, moving_from=move.from_version, moving_to=move.version
                    )
                ],
            )
    return plan_concurrency(ctx.desired.name, config, remote, wait=wait)


CONCERN = Concern("concurrency", _plan)
