"""The schedules concern: schedules.json's EventBridge Scheduler schedules targeting the function.

EventBridge Scheduler tags schedule groups only, so ownership is the group's: schedules go into
the function's own group (``lambherd-<function>``, created tagged as lambherd's) unless an
entry names another ``GroupName``. A schedule is identified by (group, name); one that exists
is updated when anything differs (UpdateSchedule replaces the whole schedule), one that does
not is created. A schedule the file no longer names is deleted only from a group lambherd owns
(``ownership``). The target is the function at the deploy's alias by default
(``Target.Arn`` is filled in when the step runs, so a new function works too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.event_sources_planner import publishes
from lambherd.plan.steps import Step
from lambherd.triggers import ownership
from lambherd.triggers.files import SCHEDULES, ScheduleSpec, schedules
from lambherd.triggers.validation import ArnFact

SIDECAR = SCHEDULES
#: What GetSchedule reports for fields CreateSchedule left out.
REPORTED_DEFAULTS = {
    "ScheduleExpressionTimezone": "UTC",
    "State": "ENABLED",
    "ActionAfterCompletion": "NONE",
}
TARGET_DEFAULTS = {"RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}}


@dataclass(frozen=True)
class GroupFact:
    """A schedule group as read: whether it exists, and its tags (ownership is decided by the
    planner, with the deploy's project)."""

    exists: bool
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SchedulesRemote:
    """The concern's remote part: the groups the file uses, the schedules in them targeting the
    function (GetSchedule documents), and the dead-letter queues' facts."""

    groups: dict[str, GroupFact] = field(default_factory=dict)
    schedules: tuple[dict[str, Any], ...] = ()
    facts: dict[str, ArnFact] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateScheduleGroup(Step):
    """CreateScheduleGroup of the function's own group, tagged as lambherd's."""

    name: str
    tags: dict[str, str]

    def describe(self) -> str:
        return f"CreateScheduleGroup {self.name}"

    def labels(self) -> tuple[str, ...]:
        return ("schedules",)


@dataclass(frozen=True)
class PutSchedule(Step):
    """CreateSchedule (``create``) or UpdateSchedule; ``Target.Arn`` is the function at
    ``qualifier``, filled in when it runs."""

    group: str
    name: str
    params: dict[str, Any]
    qualifier: str | None
    create: bool
    changed: tuple[str, ...] = ()

    def describe(self) -> str:
        verb = "CreateSchedule" if self.create else "UpdateSchedule"
        expression = self.params.get("ScheduleExpression")
        zone = self.params.get("ScheduleExpressionTimezone") or "UTC"
        also = f" ({', '.join(self.changed)})" if self.changed else ""
        return f"{verb} {self.group}/{self.name}: {expression} {zone}{also}"

    def labels(self) -> tuple[str, ...]:
        return ("schedules",)


@dataclass(frozen=True)
class DeleteSchedule(Step):
    """DeleteSchedule of a schedule in lambherd's group that left schedules.json."""

    group: str
    name: str

    def describe(self) -> str:
        return f"DeleteSchedule {self.group}/{self.name}"

    def labels(self) -> tuple[str, ...]:
        return ("schedules",)


@dataclass(frozen=True)
class DeleteScheduleGroup(Step):
    """DeleteScheduleGroup of the group lambherd made for a function being pruned (the
    Scheduler deletes the schedules in it)."""

    name: str

    def describe(self) -> str:
        return f"DeleteScheduleGroup {self.name}"

    def labels(self) -> tuple[str, ...]:
        return ("schedules",)


def target_arn(function_arn: str, qualifier: str | None) -> str:
    """The function ARN a schedule invokes."""
    return function_arn + (f":{qualifier}" if qualifier else "")


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


def comparable_schedule(doc: dict[str, Any], *, with_arn: bool) -> dict[str, Any]:
    """The fields of a schedule that UpdateSchedule sets, defaults filled, in one form."""
    out: dict[str, Any] = {}
    for key in (
        "Description",
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "StartDate",
        "EndDate",
        "State",
        "KmsKeyArn",
        "FlexibleTimeWindow",
        "ActionAfterCompletion",
    ):
        value = doc.get(key, REPORTED_DEFAULTS.get(key))
        if key in ("StartDate", "EndDate"):
            value = _date(value)
        if value not in (None, "", {}):
            out[key] = value
    target = {**TARGET_DEFAULTS, **{k: v for k, v in (doc.get("Target") or {}).items()}}
    if not with_arn:
        target.pop("Arn", None)
    out["Target"] = {k: v for k, v in target.items() if v not in (None, "", {})}
    return json.loads(json.dumps(out, sort_keys=True, default=str))


def _changed(want: dict[str, Any], have: dict[str, Any]) -> tuple[str, ...]:
    keys = sorted(set(want) | set(have))
    out: list[str] = []
    for key in keys:
        if key == "Target":
            inner = sorted(set(want.get(key, {})) | set(have.get(key, {})))
            out.extend(f"Target.{k}" for k in inner if want[key].get(k) != have.get(key, {}).get(k))
        elif want.get(key) != have.get(key):
            out.append(key)
    return tuple(out)


def plan_schedules(
    sidecar: Any,
    part: SchedulesRemote | None,
    *,
    function: str,
    function_arn: str | None,
    project: str | None,
    alias: str | None,
    publishes: bool,
) -> tuple[Step, ...]:
    """Group creation, then deletes, creates and updates of schedules."""
    part = part or SchedulesRemote()
    group = ownership.default_group(function)
    wanted: list[ScheduleSpec] = schedules(sidecar, alias, publishes, group)
    steps: list[Step] = []
    own = part.groups.get(group)
    if any(s.own_group for s in wanted) and not (own and own.exists):
        steps.append(CreateScheduleGroup(group, ownership.owner_tags(function, project)))
    existing = {(str(s.get("GroupName")), str(s.get("Name"))): s for s in part.schedules}
    wanted_keys = {(s.group, s.name) for s in wanted}
    owned_groups = {
        name
        for name, fact in part.groups.items()
        if fact.exists and ownership.owns(fact.tags, function, project)
    }
    for key in sorted(existing):
        if key not in wanted_keys and key[0] in owned_groups:
            steps.append(DeleteSchedule(*key))
    for spec in wanted:
        have = existing.get((spec.group, spec.name))
        if have is None:
            steps.append(PutSchedule(spec.group, spec.name, spec.params, spec.qualifier, True))
            continue
        desired = dict(spec.params)
        with_arn = function_arn is not None
        if with_arn:
            desired["Target"] = {
                **desired["Target"],
                "Arn": target_arn(str(function_arn), spec.qualifier),
            }
        changed = _changed(
            comparable_schedule(desired, with_arn=with_arn),
            comparable_schedule(have, with_arn=with_arn),
        )
        if changed:
            steps.append(
                PutSchedule(spec.group, spec.name, spec.params, spec.qualifier, False, changed)
            )
    return tuple(steps)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    sidecar = ctx.desired.sidecars.get(SIDECAR)
    if sidecar is None:
        return ()
    return plan_schedules(
        sidecar,
        ctx.remote.part(SchedulesRemote),
        function=ctx.desired.name,
        function_arn=ctx.remote.function_arn,
        project=ownership.project_of(ctx.desired.config),
        alias=ctx.settings.alias,
        publishes=publishes(ctx),
    )


CONCERN = Concern("schedules", _plan)
