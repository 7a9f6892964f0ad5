"""The concurrency concern's planner on plain data (no server): what each concurrency.json asks
for, in which order, and how it sits around the alias move of the versions concern."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from lambherd.plan.concurrency_planner import (
    ConcurrencyRemote,
    DeleteProvisionedConcurrency,
    DeleteReservedConcurrency,
    DeleteScalingPolicy,
    DeleteScheduledAction,
    DeregisterScalableTarget,
    ProvisionedConfig,
    PutProvisionedConcurrency,
    PutReservedConcurrency,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
    ScalableTarget,
    WaitProvisionedConcurrency,
)
from lambherd.plan.planner import DesiredState, plan_deploy
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import PUBLISHED, CodeSource, MoveAlias, describe_changes
from lambherd.settings import DeploySettings

CONFIG = {"FunctionName": "orders", "Runtime": "python3.12", "Handler": "a.h", "Role": "r"}
RID = "function:orders:current"
#: The issue's example, with the evening action of the Must-show scenario.
EXAMPLE: dict[str, Any] = {
    "ReservedConcurrentExecutions": 20,
    "ProvisionedConcurrency": {"current": 2},
    "Autoscaling": {
        "current": {
            "MinCapacity": 2,
            "MaxCapacity": 10,
            "ScheduledActions": [
                {
                    "Name": "morning",
                    "Schedule": "cron(0 9 * * ? *)",
                    "Timezone": "Asia/Tokyo",
                    "MinCapacity": 10,
                    "MaxCapacity": 10,
                },
                {
                    "Name": "evening",
                    "Schedule": "cron(0 18 * * ? *)",
                    "Timezone": "Asia/Tokyo",
                    "MinCapacity": 2,
                    "MaxCapacity": 10,
                },
            ],
            "TargetTracking": {"TargetValue": 0.7},
        }
    },
}


def _remote(part: ConcurrencyRemote | None = None, *, code: str = "S", **alias: Any) -> RemoteState:
    """An existing function: version 3 (code ``code``) served by alias current."""
    configuration = {**CONFIG, "FunctionArn": "arn:aws:lambda:r:1:function:orders"}
    configuration.update(CodeSha256=code, RevisionId="rev", MemorySize=128, Timeout=3)
    version = {**configuration, "Version": "3"}
    current = {"Name": "current", "FunctionVersion": "3", "RevisionId": "a1", **alias}
    return RemoteState(
        configuration=configuration,
        alias=current,
        versions=(version,),
        aliases=(current,),
        code={"RepositoryType": "S3"},
        parts=(part,) if part is not None else (),
    )


def _described(sidecar: dict[str, Any]) -> ConcurrencyRemote:
    """What AWS reports once ``sidecar`` (EXAMPLE-shaped) was applied."""
    scaling = sidecar["Autoscaling"]["current"]
    actions = tuple(
        {
            "ScheduledActionName": a["Name"],
            "Schedule": a["Schedule"],
            "Timezone": a.get("Timezone"),
            "ScalableTargetAction": {k: a[k] for k in ("MinCapacity", "MaxCapacity") if k in a},
        }
        for a in scaling["ScheduledActions"]
    )
    policy = {
        "PolicyName": "lambherd-provisioned-utilization",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 0.7,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"
            },
        },
    }
    return ConcurrencyRemote(
        reserved=sidecar["ReservedConcurrentExecutions"],
        provisioned={"current": ProvisionedConfig(2, 2, 2)},
        targets={"current": ScalableTarget(2, 10, actions, (policy,))},
    )


def _plan(sidecar: Any, remote: RemoteState, code: str = "S", **settings: Any) -> list[Any]:
    sidecars = {} if sidecar is None else {"concurrency": sidecar}
    desired = DesiredState(CONFIG, CodeSource(sha256=code), sidecars=sidecars)
    return list(plan_deploy(desired, remote, DeploySettings(**settings)).steps)


def test_without_concurrency_json_nothing_is_managed() -> None:
    part = ConcurrencyRemote(reserved=5, provisioned={"current": ProvisionedConfig(3)})
    assert _plan(None, _remote(part)) == []


def test_a_new_function_gets_everything_after_its_alias_in_order() -> None:
    steps = _plan(EXAMPLE, RemoteState())
    kinds = [s.kind for s in steps]
    assert kinds == [
        "CreateFunction",
        "PublishVersion",
        "CreateAlias",
        "PutReservedConcurrency",
        "PutProvisionedConcurrency",
        "WaitProvisionedConcurrency",
        "RegisterScalableTarget",
        "PutScheduledAction",
        "PutScheduledAction",
        "PutScalingPolicy",
    ]
    assert steps[4] == PutProvisionedConcurrency("current", 2, None)
    register = steps[6]
    assert isinstance(register, RegisterScalableTarget)
    assert (register.resource_id, register.min_capacity, register.max_capacity) == (RID, 2, 10)
    morning = steps[7]
    assert isinstance(morning, PutScheduledAction) and morning.action is not None
    assert morning.action.api_params() == {
        "ScheduledActionName": "morning",
        "Schedule": "cron(0 9 * * ? *)",
        "Timezone": "Asia/Tokyo",
        "ScalableTargetAction": {"MinCapacity": 10, "MaxCapacity": 10},
    }
    assert morning.describe() == (
        "PutScheduledAction current morning: cron(0 9 * * ? *) Asia/Tokyo -> min 10 max 10 (new)"
    )
    policy = steps[9]
    assert isinstance(policy, PutScalingPolicy) and policy.policy is not None
    assert policy.policy.api_config() == {
        "TargetValue": 0.7,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"
        },
    }
    changes = describe_changes(tuple(steps))
    assert "reserved concurrency" in changes and "autoscaling current" in changes


def test_what_aws_already_has_plans_nothing() -> None:
    assert _plan(EXAMPLE, _remote(_described(EXAMPLE))) == []


def test_a_range_and_a_count_set_by_the_schedule_are_not_changes() -> None:
    after_nine = _described(EXAMPLE)
    target = after_nine.targets["current"]
    after_nine = ConcurrencyRemote(
        reserved=20,
        provisioned={"current": ProvisionedConfig(10, 10, 10)},  # set by Application Auto Scaling
        targets={"current": ScalableTarget(10, 10, target.actions, target.policies)},
    )
    assert _plan(EXAMPLE, _remote(after_nine)) == []
    # a range no action of the file sets is a change, brought back by RegisterScalableTarget
    drifted = ConcurrencyRemote(
        20, {"current": ProvisionedConfig(4)}, {"current": ScalableTarget(1, 4, target.actions)}
    )
    kinds = [s.kind for s in _plan(EXAMPLE, _remote(drifted))]
    assert kinds == ["RegisterScalableTarget", "PutScalingPolicy"]


def test_a_code_change_waits_for_lambda_to_move_the_alias_allocation_before_old_versions_go() -> (
    None
):
    steps = _plan(EXAMPLE, _remote(_described(EXAMPLE)), code="NEW", keep_versions=1)
    assert [s.kind for s in steps] == [
        "UploadCode",
        "PublishVersion",
        "MoveAlias",
        "WaitProvisionedConcurrency",
        "DeleteVersion",
    ]
    move, wait = steps[2], steps[3]
    assert isinstance(move, MoveAlias) and move.version == PUBLISHED
    assert wait == WaitProvisionedConcurrency("current", 2, moving_from="3", moving_to=PUBLISHED)
    assert wait.describe() == (
        "WaitProvisionedConcurrency current: 2 READY on the new version "
        "(version 3 serves until then)"
    )
    assert [
        s.kind for s in _plan(EXAMPLE, _remote(_described(EXAMPLE)), code="NEW", no_wait=True)
    ] == [
        "UploadCode",
        "PublishVersion",
        "MoveAlias",
    ]


def test_a_move_lambda_has_not_finished_is_waited_for_first() -> None:
    part = ConcurrencyRemote(provisioned={"current": ProvisionedConfig(4, 4, 0, "IN_PROGRESS")})
    remote = _remote(part, RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    sidecar = {"ProvisionedConcurrency": {"current": 4}}
    steps = _plan(sidecar, remote, code="NEW")
    assert [s.kind for s in steps] == [
        "UploadCode",
        "PublishVersion",
        "WaitProvisionedConcurrency",
        "MoveAlias",
        "WaitProvisionedConcurrency",
    ]
    assert steps[2] == WaitProvisionedConcurrency("current", 4)


def test_null_removes_and_a_shorter_list_deletes_actions() -> None:
    remote = _remote(_described(EXAMPLE))
    fewer = copy.deepcopy(EXAMPLE)
    fewer["Autoscaling"]["current"]["ScheduledActions"].pop()  # evening goes
    fewer["Autoscaling"]["current"]["TargetTracking"] = None
    assert _plan(fewer, remote) == [
        DeleteScheduledAction("current", RID, "evening"),
        DeleteScalingPolicy("current", RID, "lambherd-provisioned-utilization"),
    ]
    gone = {
        "ReservedConcurrentExecutions": None,
        "ProvisionedConcurrency": {"current": None},
        "Autoscaling": {"current": None},
    }
    assert _plan(gone, remote) == [
        DeregisterScalableTarget("current", RID),
        DeleteProvisionedConcurrency("current", 2),
        DeleteReservedConcurrency(was=20),
    ]


def test_reserved_grows_before_provisioned_and_shrinks_after() -> None:
    remote = _remote(ConcurrencyRemote(reserved=10, provisioned={"current": ProvisionedConfig(8)}))
    grow = _plan(
        {"ReservedConcurrentExecutions": 30, "ProvisionedConcurrency": {"current": 20}}, remote
    )
    assert [s.kind for s in grow] == [
        "PutReservedConcurrency",
        "PutProvisionedConcurrency",
        "WaitProvisionedConcurrency",
    ]
    shrink = _plan(
        {"ReservedConcurrentExecutions": 5, "ProvisionedConcurrency": {"current": 4}}, remote
    )
    assert [s.kind for s in shrink] == [
        "PutProvisionedConcurrency",
        "WaitProvisionedConcurrency",
        "PutReservedConcurrency",
    ]
    assert shrink[2] == PutReservedConcurrency(5, 10)


def test_a_failed_allocation_is_asked_again_and_an_unchanged_one_is_not() -> None:
    failed = ConcurrencyRemote(provisioned={"current": ProvisionedConfig(3, 0, 0, "FAILED", "x")})
    sidecar = {"ProvisionedConcurrency": {"current": 3}}
    assert [s.kind for s in _plan(sidecar, _remote(failed))] == [
        "PutProvisionedConcurrency",
        "WaitProvisionedConcurrency",
    ]
    ready = ConcurrencyRemote(provisioned={"current": ProvisionedConfig(3, 3, 3)})
    assert _plan(sidecar, _remote(ready)) == []


def test_a_changed_action_is_put_again() -> None:
    later = copy.deepcopy(EXAMPLE)
    morning = later["Autoscaling"]["current"]["ScheduledActions"][0]
    morning["Schedule"] = "cron(30 8 ? * MON-FRI *)"
    morning["StartTime"] = "2027-01-04T00:00:00+09:00"
    steps = _plan(later, _remote(_described(EXAMPLE)))
    (step,) = steps
    assert isinstance(step, PutScheduledAction) and step.action is not None and not step.create
    assert step.action.start_time == datetime(2027, 1, 3, 15, tzinfo=UTC)


def test_a_count_outside_every_range_of_the_file_is_brought_into_it() -> None:
    remote = _described(EXAMPLE)
    high = ConcurrencyRemote(20, {"current": ProvisionedConfig(15, 15, 15)}, dict(remote.targets))
    steps = _plan(EXAMPLE, _remote(high))
    assert steps == [
        PutProvisionedConcurrency("current", 10, 15),
        WaitProvisionedConcurrency("current", 10),
    ]
