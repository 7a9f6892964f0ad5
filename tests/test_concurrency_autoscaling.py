"""The sandbox's Application Auto Scaling of provisioned concurrency, through boto3 in
ap-northeast-1: target tracking on the utilisation the sandbox's own metrics show, scheduled
actions at their time (rate, at() in a time zone, EndTime), AWS's refusals, and a restart."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from concurrency_testkit import REGION, TOKYO, wait_for
from sandbox_testkit import InProcessSandbox, create_with, in_process

pytestmark = pytest.mark.slow  # a sandbox in this process and its environments

SLEEPY = """import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "ok"
"""
DIM = "lambda:function:ProvisionedConcurrency"


@pytest.fixture
def box(tmp_path: Path) -> Iterator[InProcessSandbox]:
    with in_process(tmp_path / "state") as sb:
        yield sb


def _function(sb: InProcessSandbox, name: str, provisioned: int) -> tuple[Any, Any]:
    lam, aas = sb.client("lambda", REGION), sb.client("application-autoscaling", REGION)
    create_with(lam, name, SLEEPY)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    if provisioned:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=provisioned
        )
        wait_for(lambda: _config(lam, name)["Status"] == "READY")
    return lam, aas


def _config(lam: Any, name: str) -> dict[str, Any]:
    return lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")


def _target(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "ServiceNamespace": "lambda",
        "ResourceId": f"function:{name}:live",
        "ScalableDimension": DIM,
        **extra,
    }


def _evaluated_on(sb: InProcessSandbox, name: str, value: float, minutes: int) -> None:
    """Datapoints of the alias's utilisation in each of the ``minutes`` sandbox minutes before
    its next target-tracking evaluation; then the clock moved to that evaluation."""
    (job,) = [
        j for j in sb.app.scheduler.jobs() if j.name == f"target-tracking function:{name}:live"
    ]
    due = job.due
    sb.client("cloudwatch", REGION).put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "ProvisionedConcurrencyUtilization",
                "Dimensions": [
                    {"Name": "FunctionName", "Value": name},
                    {"Name": "Resource", "Value": f"{name}:live"},
                ],
                "Timestamp": due - timedelta(minutes=m, seconds=-30),
                "Value": value,
            }
            for m in range(1, minutes + 1)
        ],
    )
    sb.app.clock.set(due + timedelta(seconds=1))  # the evaluation runs before this returns


def test_target_tracking_scales_out_and_in_on_the_sandbox_metrics(box: InProcessSandbox) -> None:
    lam, aas = _function(box, "tt", 2)
    aas.register_scalable_target(**_target("tt", MinCapacity=1, MaxCapacity=6))
    aas.put_scaling_policy(
        **_target("tt"),
        PolicyName="util",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 0.5,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"
            },
        },
    )
    # the sandbox writes the utilisation itself: two invocations at once fill both environments
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda _: lam.invoke(FunctionName="tt", Qualifier="live", Payload=b'{"sleep": 1}'),
                range(2),
            )
        )
    now = box.app.clock.now()
    stats = box.client("cloudwatch", REGION).get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="ProvisionedConcurrencyUtilization",
        Dimensions=[
            {"Name": "FunctionName", "Value": "tt"},
            {"Name": "Resource", "Value": "tt:live"},
        ],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert max(p["Maximum"] for p in stats) == 1.0
    # 3 minutes over the target: scale out to ceil(2 x 0.9 / 0.5) = 4
    _evaluated_on(box, "tt", 0.9, 3)
    got = wait_for(
        lambda: (
            _config(lam, "tt")["RequestedProvisionedConcurrentExecutions"] == 4
            and _config(lam, "tt")
        )
    )
    assert got["RequestedProvisionedConcurrentExecutions"] == 4
    causes = [
        a["Cause"]
        for a in aas.describe_scaling_activities(
            ServiceNamespace="lambda", ResourceId="function:tt:live"
        )["ScalingActivities"]
    ]
    assert any("AlarmHigh" in c and "over 0.5" in c for c in causes)
    # 15 minutes well under it: scale in to max(MinCapacity 1, ceil(4 x 0.1 / 0.5)) = 1
    box.app.clock.advance(15 * 60)
    _evaluated_on(box, "tt", 0.1, 15)
    wait_for(lambda: _config(lam, "tt")["RequestedProvisionedConcurrentExecutions"] == 1)


def test_idle_alias_is_not_scaled_in_and_disable_scale_in_holds(box: InProcessSandbox) -> None:
    lam, aas = _function(box, "idle", 3)
    aas.register_scalable_target(**_target("idle", MinCapacity=1, MaxCapacity=6))
    aas.put_scaling_policy(
        **_target("idle"),
        PolicyName="util",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 0.7, "DisableScaleIn": True},
    )
    box.app.clock.advance(20 * 60)  # no invocation: no datapoint, no scale in
    assert _config(lam, "idle")["RequestedProvisionedConcurrentExecutions"] == 3
    _evaluated_on(box, "idle", 0.05, 15)  # DisableScaleIn: still 3
    assert _config(lam, "idle")["RequestedProvisionedConcurrentExecutions"] == 3


def test_scheduled_actions_run_at_their_time_in_their_time_zone(box: InProcessSandbox) -> None:
    lam, aas = _function(box, "sched", 1)
    aas.register_scalable_target(**_target("sched", MinCapacity=1, MaxCapacity=8))
    aas.put_scheduled_action(
        **_target("sched"),
        ScheduledActionName="every5",
        Schedule="rate(5 minutes)",
        ScalableTargetAction={"MinCapacity": 2},
    )
    box.app.clock.advance(4 * 60)
    described = aas.describe_scalable_targets(
        ServiceNamespace="lambda", ResourceIds=["function:sched:live"]
    )
    assert described["ScalableTargets"][0]["MinCapacity"] == 1  # not yet: 4 of 5 minutes
    box.app.clock.advance(61)
    wait_for(lambda: _config(lam, "sched")["RequestedProvisionedConcurrentExecutions"] == 2)
    aas.delete_scheduled_action(**_target("sched"), ScheduledActionName="every5")
    # at() runs once, at that time of its time zone
    now = box.app.clock.now().astimezone(TOKYO) + timedelta(hours=2)
    at = now.strftime("%Y-%m-%dT%H:%M:00")
    aas.put_scheduled_action(
        **_target("sched"),
        ScheduledActionName="once",
        Schedule=f"at({at})",
        Timezone="Asia/Tokyo",
        ScalableTargetAction={"MinCapacity": 5, "MaxCapacity": 5},
    )
    # one that ended before it could run never does
    aas.put_scheduled_action(
        **_target("sched"),
        ScheduledActionName="over",
        Schedule="rate(1 minute)",
        EndTime=box.app.clock.now() - timedelta(minutes=1),
        ScalableTargetAction={"MinCapacity": 8},
    )
    box.app.clock.advance(3 * 3600)
    wait_for(lambda: _config(lam, "sched")["RequestedProvisionedConcurrentExecutions"] == 5)
    target = aas.describe_scalable_targets(
        ServiceNamespace="lambda", ResourceIds=["function:sched:live"]
    )["ScalableTargets"][0]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (5, 5)


@pytest.mark.parametrize(
    ("call", "code", "says"),
    [
        ("register_latest", "ValidationException", "$LATEST"),
        ("register_missing", "ValidationException", "does not exist"),
        (
            "register_without_range",
            "ValidationException",
            "MinCapacity and MaxCapacity are required",
        ),
        ("action_without_target", "ObjectNotFoundException", "No scalable target registered"),
        ("bad_cron", "ValidationException", "exactly one of Day-of-month and Day-of-week"),
        ("bad_zone", "ValidationException", "unknown time zone"),
        ("delete_missing", "ObjectNotFoundException", "No scheduled action found"),
    ],
)
def test_what_application_auto_scaling_refuses(
    box: InProcessSandbox, call: str, code: str, says: str
) -> None:
    _, aas = _function(box, "ref", 0)
    calls = {
        "register_latest": lambda: aas.register_scalable_target(
            **{**_target("ref"), "ResourceId": "function:ref:$LATEST"}, MinCapacity=1, MaxCapacity=2
        ),
        "register_missing": lambda: aas.register_scalable_target(
            **{**_target("ref"), "ResourceId": "function:ref:nope"}, MinCapacity=1, MaxCapacity=2
        ),
        "register_without_range": lambda: aas.register_scalable_target(
            **_target("ref"), MinCapacity=1
        ),
        "action_without_target": lambda: aas.put_scheduled_action(
            **_target("ref"),
            ScheduledActionName="a",
            Schedule="rate(1 hour)",
            ScalableTargetAction={"MinCapacity": 1},
        ),
        "bad_cron": lambda: (
            aas.register_scalable_target(**_target("ref"), MinCapacity=1, MaxCapacity=2),
            aas.put_scheduled_action(
                **_target("ref"),
                ScheduledActionName="a",
                Schedule="cron(0 9 * * * *)",
                ScalableTargetAction={"MinCapacity": 1},
            ),
        ),
        "bad_zone": lambda: (
            aas.register_scalable_target(**_target("ref"), MinCapacity=1, MaxCapacity=2),
            aas.put_scheduled_action(
                **_target("ref"),
                ScheduledActionName="a",
                Schedule="cron(0 9 * * ? *)",
                Timezone="Mars/Olympus",
                ScalableTargetAction={"MinCapacity": 1},
            ),
        ),
        "delete_missing": lambda: (
            aas.register_scalable_target(**_target("ref"), MinCapacity=1, MaxCapacity=2),
            aas.delete_scheduled_action(**_target("ref"), ScheduledActionName="nope"),
        ),
    }
    with pytest.raises(ClientError) as caught:
        calls[call]()
    assert caught.value.response["Error"]["Code"] == code
    assert says in caught.value.response["Error"]["Message"]


def test_a_restarted_sandbox_runs_the_schedule_it_had(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with in_process(state) as sb:
        _, aas = _function(sb, "kept", 1)
        aas.register_scalable_target(**_target("kept", MinCapacity=1, MaxCapacity=4))
        nine = sb.app.clock.now().astimezone(TOKYO).replace(hour=9, minute=0, second=0) + timedelta(
            days=1
        )
        aas.put_scheduled_action(
            **_target("kept"),
            ScheduledActionName="morning",
            Schedule="cron(0 9 * * ? *)",
            Timezone="Asia/Tokyo",
            ScalableTargetAction={"MinCapacity": 3},
        )
    with in_process(state) as sb:  # the journal replayed: functions, target, action
        lam = sb.client("lambda", REGION)
        wait_for(lambda: _config(lam, "kept")["Status"] == "READY")  # allocated again
        sb.app.clock.set(nine + timedelta(seconds=30))
        wait_for(lambda: _config(lam, "kept")["RequestedProvisionedConcurrentExecutions"] == 3)
