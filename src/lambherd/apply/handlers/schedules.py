"""Handlers of the schedules concern (EventBridge Scheduler): the function's group, and each
schedule created, updated (the whole schedule) or deleted; ``Target.Arn`` is the function's ARN
at the step's qualifier, read when the step runs (a function created by this plan has one by
then)."""

from __future__ import annotations

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.plan.schedules_planner import (
    CreateScheduleGroup,
    DeleteSchedule,
    DeleteScheduleGroup,
    PutSchedule,
    target_arn,
)


@handles(CreateScheduleGroup)
def create_group(run: StepRun, step: CreateScheduleGroup) -> tuple[str, int]:
    run.call(
        f"create schedule group {step.name}",
        "create_schedule_group",
        service="scheduler",
        Name=step.name,
        Tags=[{"Key": k, "Value": v} for k, v in sorted(step.tags.items())],
    )
    return step.name, 0


@handles(PutSchedule)
def put_schedule(run: StepRun, step: PutSchedule) -> tuple[str, int]:
    params = dict(step.params)
    params["Target"] = {**params["Target"], "Arn": target_arn(run.arn(), step.qualifier)}
    verb = "create" if step.create else "update"
    run.call(
        f"{verb} schedule {step.group}/{step.name}",
        f"{verb}_schedule",
        service="scheduler",
        GroupName=step.group,
        **params,
    )
    return f"{step.group}/{step.name}", 0


@handles(DeleteSchedule)
def delete_schedule(run: StepRun, step: DeleteSchedule) -> tuple[str, int]:
    run.call(
        f"delete schedule {step.group}/{step.name}",
        "delete_schedule",
        service="scheduler",
        GroupName=step.group,
        Name=step.name,
    )
    return f"{step.group}/{step.name}", 0


@handles(DeleteScheduleGroup)
def delete_group(run: StepRun, step: DeleteScheduleGroup) -> tuple[str, int]:
    run.call(
        f"delete schedule group {step.name}",
        "delete_schedule_group",
        service="scheduler",
        Name=step.name,
    )
    return step.name, 0
