"""Issue #14's Must-show on the sandbox, in ap-northeast-1: a project of three functions scaled
2 -> 10 provisioned at 09:00 Asia/Tokyo and back at 18:00, with target tracking at 0.7 — plan,
deploy, the clock moved past 09:00, a second plan, a code change that moves the capacity to the
new version with the alias watched throughout — then bad input refused with no call sent."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from concurrency_testkit import (
    REGION,
    AliasWatch,
    next_tokyo,
    wait_for,
    write_fn,
    write_project,
)
from deploy_testkit import mutating, recording
from sandbox_testkit import move_clock, sandbox_now

pytestmark = pytest.mark.slow  # a sandbox server of the module's own, 30 environments

NAMES = ["cc-orders", "cc-billing", "cc-search"]
RID = "function:{}:current"


@pytest.fixture
def tokyo(sandbox: Any, sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The module's sandbox, in ap-northeast-1 (for lambherd and for the checking clients)."""
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=sandbox_endpoint, region_name=REGION)

    return client


def _plan(lh: Any, root: Path) -> dict[str, Any]:
    r = lh("-C", root, "--output", "json", "plan")
    assert r.code == 0, r.err
    return json.loads(r.out)


def _ready(lam: Any, name: str, count: int) -> dict[str, Any] | None:
    got = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")
    done = got["Status"] == "READY" and got["AllocatedProvisionedConcurrentExecutions"] == count
    return got if done else None


def test_must_show_schedule_deploy_clock_second_plan_and_a_warm_version_change(
    tokyo: Any, sandbox_endpoint: str, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path / "shop", "shop", NAMES)
    lam, aas = tokyo("lambda"), tokyo("application-autoscaling")

    # plan shows it, for each function, after its alias
    plan = _plan(lh, root)
    assert plan["summary"]["add"] == 3
    for row in plan["functions"]:
        name = row["function"]
        assert "provisioned concurrency current" in row["changes"]
        assert "autoscaling current" in row["changes"]
        steps = row["steps"]
        after_alias = steps[steps.index("CreateAlias current -> the new version") + 1 :]
        expected = [
            "PutProvisionedConcurrency current: 2 (was none)",
            "WaitProvisionedConcurrency current: 2 READY",
            f"RegisterScalableTarget {RID.format(name)} 2-10 (new)",
            "PutScheduledAction current morning: cron(0 9 * * ? *) Asia/Tokyo -> min 10 max 10 "
            "(new)",
            "PutScheduledAction current evening: cron(0 18 * * ? *) Asia/Tokyo -> min 2 max 10 "
            "(new)",
            "PutScalingPolicy current lambherd-provisioned-utilization: target tracking 0.7 (new)",
        ]
        if name == "cc-orders":
            expected.insert(0, "PutReservedConcurrency 20 (was none)")
        assert after_alias == expected, name

    # deploy applies it
    r = lh("-C", root, "deploy")
    assert r.code == 0, r.err
    targets = aas.describe_scalable_targets(ServiceNamespace="lambda")["ScalableTargets"]
    mine = {t["ResourceId"]: t for t in targets if t["ResourceId"].split(":")[1] in NAMES}
    assert {rid: (t["MinCapacity"], t["MaxCapacity"]) for rid, t in mine.items()} == {
        RID.format(n): (2, 10) for n in NAMES
    }
    actions = aas.describe_scheduled_actions(ServiceNamespace="lambda")["ScheduledActions"]
    mine_actions = [a for a in actions if a["ResourceId"].split(":")[1] in NAMES]
    assert sorted((a["ResourceId"], a["ScheduledActionName"]) for a in mine_actions) == sorted(
        (RID.format(n), w) for n in NAMES for w in ("morning", "evening")
    )
    assert {a["Timezone"] for a in mine_actions} == {"Asia/Tokyo"}
    for name in NAMES:
        (policy,) = aas.describe_scaling_policies(
            ServiceNamespace="lambda", ResourceId=RID.format(name)
        )["ScalingPolicies"]
        config = policy["TargetTrackingScalingPolicyConfiguration"]
        assert config["TargetValue"] == 0.7
        assert _ready(lam, name, 2) is not None  # the deploy waited for READY
    assert (
        lam.get_function_concurrency(FunctionName="cc-orders")["ReservedConcurrentExecutions"] == 20
    )

    # moving the sandbox clock past 09:00 in Tokyo gives 10 READY environments
    nine = next_tokyo(sandbox_now(sandbox_endpoint), 9)
    move_clock(sandbox_endpoint, set=nine)
    for name in NAMES:
        target = aas.describe_scalable_targets(
            ServiceNamespace="lambda", ResourceIds=[RID.format(name)]
        )["ScalableTargets"][0]
        assert (target["MinCapacity"], target["MaxCapacity"]) == (10, 10)
        got = wait_for(lambda name=name: _ready(lam, name, 10), timeout=240)
        assert got["AvailableProvisionedConcurrentExecutions"] == 10
    activities = aas.describe_scaling_activities(
        ServiceNamespace="lambda", ResourceId=RID.format("cc-orders")
    )["ScalingActivities"]
    assert any("scheduled action name morning" in a["Cause"] for a in activities)

    # a second plan is empty: the range and count the schedule set are not changes
    second = _plan(lh, root)
    assert second["changed"] is False, second

    # a code change moves the capacity to the new version, the alias watched all along
    write_fn(root / "functions" / "cc-orders", "cc-orders", tag="v2")
    with AliasWatch(lam, "cc-orders", "current") as watch:
        wait_for(lambda: len(watch.invokes) >= 5)  # traffic flows before the deploy
        r = lh("-C", root, "deploy", "--only", "cc-orders")
        seen = len(watch.invokes)
        wait_for(lambda: len(watch.invokes) >= seen + 5)  # and after it
    assert r.code == 0, r.err
    assert watch.errors == []
    # never a moment without the 10 READY environments the alias serves from
    assert watch.polls and {available for _, available, _ in watch.polls} == {10}
    assert any(status == "IN_PROGRESS" for _, _, status in watch.polls)  # the move was seen
    # zero failures, zero cold starts: every invocation ran in a pre-warmed environment
    assert all(i["status"] == 200 and i["error"] is None for i in watch.invokes)
    assert [i for i in watch.invokes if i["cold"]] == []
    versions = [i["version"] for i in watch.invokes]
    switch = versions.index("2")
    assert set(versions[:switch]) == {"1"} and set(versions[switch:]) == {"2"}
    assert {i["body"]["tag"] for i in watch.invokes[switch:]} == {"v2"}
    alias = lam.get_alias(FunctionName="cc-orders", Name="current")
    assert alias["FunctionVersion"] == "2" and not alias.get("RoutingConfig")
    assert _ready(lam, "cc-orders", 10) is not None
    # and no spillover to standard concurrency in the sandbox's provisioned metrics
    cw = tokyo("cloudwatch")
    now = sandbox_now(sandbox_endpoint)
    spill = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="ProvisionedConcurrencySpilloverInvocations",
        Dimensions=[
            {"Name": "FunctionName", "Value": "cc-orders"},
            {"Name": "Resource", "Value": "cc-orders:current"},
        ],
        StartTime=nine,
        EndTime=now + timedelta(minutes=1),  # (CloudWatch ends a window on a whole second)
        Period=3600 * 24,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert sum(p["SampleCount"] for p in spill) >= len(watch.invokes)
    assert sum(p["Sum"] for p in spill) == 0

    # the account view of the project
    r = lh("-C", root, "--output", "json", "concurrency")
    assert r.code == 0, r.err
    view = json.loads(r.out)
    assert view["scope"] == "project shop" and view["region"] == REGION
    rows = {f["function"]: f for f in view["functions"]}
    assert set(rows) == set(NAMES)
    (current,) = rows["cc-orders"]["provisioned"]
    assert current["requested"] == 10 and current["status"] == "READY"
    assert current["autoscaling"] == {"min_capacity": 10, "max_capacity": 10}
    assert current["next_actions"][0]["name"] == "evening"
    assert rows["cc-orders"]["reserved"] == 20


def test_aws_cli_sees_what_the_deploy_made(
    tokyo: Any, sandbox_endpoint: str, lh: Any, tmp_path: Path
) -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed (boto3 checks the same in the test above)")
    root = write_project(tmp_path / "cli", "cli", ["cc-cli"])
    assert lh("-C", root, "deploy").code == 0
    env = {
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "PATH": __import__("os").environ["PATH"],
        "HOME": str(tmp_path),
    }
    common = ["--region", REGION, "--endpoint-url", sandbox_endpoint, "--output", "json"]

    def aws(*args: str) -> Any:
        done = subprocess.run(
            ["aws", *args, *common], capture_output=True, text=True, env=env, check=True
        )
        return json.loads(done.stdout)

    actions = aws(
        "application-autoscaling",
        "describe-scheduled-actions",
        "--service-namespace",
        "lambda",
        "--resource-id",
        RID.format("cc-cli"),
        "--scalable-dimension",
        "lambda:function:ProvisionedConcurrency",
    )["ScheduledActions"]
    assert sorted(a["ScheduledActionName"] for a in actions) == ["evening", "morning"]
    assert {a["Schedule"] for a in actions} == {"cron(0 9 * * ? *)", "cron(0 18 * * ? *)"}
    config = aws(
        "lambda",
        "get-provisioned-concurrency-config",
        "--function-name",
        "cc-cli",
        "--qualifier",
        "current",
    )
    assert config["RequestedProvisionedConcurrentExecutions"] == 2
    quota = aws(
        "service-quotas",
        "get-service-quota",
        "--service-code",
        "lambda",
        "--quota-code",
        "L-B99A9384",
    )["Quota"]
    assert quota["QuotaName"] == "Concurrent executions"


@pytest.mark.parametrize(
    ("concurrency", "says"),
    [
        (
            {"ReservedConcurrentExecutions": 990},
            "the account (limit 1000) would keep",
        ),
        (
            {"ProvisionedConcurrency": {"$LATEST": 2}},
            "ProvisionedConcurrency.$LATEST: Lambda refuses it: Provisioned Concurrency Configs "
            "cannot be applied to unpublished function versions",
        ),
        (
            {"ReservedConcurrentExecutions": 5, "ProvisionedConcurrency": {"current": 10}},
            "provisioned concurrency can reach 10 (current 10), more than "
            "ReservedConcurrentExecutions 5",
        ),
        (
            {
                "Autoscaling": {
                    "current": {
                        "MinCapacity": 1,
                        "MaxCapacity": 3,
                        "ScheduledActions": [
                            {"Name": "n", "Schedule": "cron(0 9 * * * *)", "MinCapacity": 3}
                        ],
                    }
                }
            },
            "cron(0 9 * * * *): exactly one of Day-of-month and Day-of-week must be ?",
        ),
        (
            {
                "Autoscaling": {
                    "current": {
                        "MinCapacity": 1,
                        "MaxCapacity": 3,
                        "ScheduledActions": [
                            {
                                "Name": "n",
                                "Schedule": "cron(0 9 * * ? *)",
                                "Timezone": "Asia/Tokio",
                                "MinCapacity": 3,
                            }
                        ],
                    }
                }
            },
            "unknown time zone 'Asia/Tokio'",
        ),
    ],
    ids=["over-the-account", "latest", "over-reserved", "bad-cron", "bad-zone"],
)
def test_bad_input_is_one_clear_error_and_no_call_is_sent(
    tokyo: Any,
    lh: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    concurrency: dict[str, Any],
    says: str,
) -> None:
    folder = write_fn(tmp_path / "bad", "cc-bad", concurrency=concurrency)
    rec = recording(monkeypatch)
    for args in (("plan",), ("deploy",), ("deploy", "--dry-run")):
        r = lh("-C", folder, *args)
        assert r.code == 1, (args, r.out, r.err)
        assert says in r.err and "Traceback" not in r.err, r.err
    assert mutating(rec.names) == []
    with pytest.raises(tokyo("lambda").exceptions.ResourceNotFoundException):
        tokyo("lambda").get_function(FunctionName="cc-bad")
