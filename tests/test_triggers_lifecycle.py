"""Triggers over a function's life in the sandbox (ap-northeast-1): a scheduled-task firing at
09:00 in Asia/Tokyo across a moved clock, an import whose first plan is empty, and a project's
prune deleting the triggers lambherd made for a function whose folder is gone (and no others)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from deploy_testkit import mutating, recording
from sandbox_testkit import move_clock, sandbox_now
from triggers_testkit import (
    ROLE,
    SCHEDULER_ROLE,
    TOKYO,
    Tokyo,
    function_folder,
    results_of,
    wait_for,
)

pytestmark = pytest.mark.slow
JST = ZoneInfo("Asia/Tokyo")


def test_a_scheduled_task_fires_at_nine_in_tokyo_across_a_moved_clock(
    tokyo: Tokyo, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "task"
    folder.mkdir()
    made = lh("-C", folder, "init", "--function-name", "nightly", "--template", "scheduled-task")
    assert made.code == 0, made.err
    results = tmp_path / "results"
    app = (
        (folder / "app.py")
        .read_text()
        .replace(
            "    return {",
            '    open(os.environ["RESULTS"], "a").write(json.dumps(event) + "\\n")\n    return {',
        )
    )
    (folder / "app.py").write_text(app)
    definition = json.loads((folder / "function.json").read_text())
    definition["Environment"] = {"Variables": {"RESULTS": str(results)}}
    (folder / "function.json").write_text(json.dumps(definition))
    monkeypatch.setenv("LAMBDA_ROLE_ARN", ROLE)
    monkeypatch.setenv("SCHEDULER_ROLE_ARN", SCHEDULER_ROLE)
    monkeypatch.delenv("SCHEDULE_TIMEZONE", raising=False)  # the starter's default: Asia/Tokyo

    now = sandbox_now(tokyo.endpoint).astimezone(JST)
    first = now.replace(hour=9, minute=0, second=0, microsecond=0)
    while first - now < timedelta(minutes=5):
        first += timedelta(days=1)
    deployed = lh("-C", folder, "deploy")
    assert deployed.code == 0, deployed.err
    schedule = tokyo.client("scheduler").get_schedule(GroupName="lambherd-nightly", Name="daily")
    assert schedule["ScheduleExpression"] == "cron(0 9 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert schedule["Target"]["Arn"].endswith(":function:nightly:current")

    move_clock(tokyo.endpoint, set=first - timedelta(seconds=30))  # not yet
    move_clock(tokyo.endpoint, set=first + timedelta(seconds=10))  # the first one
    wait_for(lambda: len(results_of(results)) == 1, "the first run")
    move_clock(tokyo.endpoint, advance_seconds=2 * 86400 + 3600)  # two more days pass
    seen = wait_for(lambda: len(results_of(results)) == 3 and results_of(results), "three runs")
    times = sorted(datetime.fromisoformat(r["scheduled_time"].replace("Z", "+00:00")) for r in seen)
    assert times == [first + timedelta(days=d) for d in range(3)]
    assert all(t.astimezone(JST).strftime("%H:%M") == "09:00" for t in times)
    assert all(r["scheduled_time"].endswith("T00:00:00Z") for r in seen)  # 09:00 JST is 00:00 UTC


def test_an_imported_function_with_a_mapping_async_config_and_s3_permission_plans_empty(
    tokyo: Tokyo, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "imported-worker"
    made = function_folder(tmp_path / "made", name, results=tmp_path / "results")
    assert lh("-C", made, "deploy").code == 0
    # triggers made by hand, as the console or the AWS CLI would
    lam = tokyo.client("lambda")
    _url, queue_arn = tokyo.queue("imports", VisibilityTimeout=120)
    _dlq, dlq_arn = tokyo.queue("imports-failed")
    mapping = lam.create_event_source_mapping(
        FunctionName=f"{name}:current",
        EventSourceArn=queue_arn,
        BatchSize=7,
        MaximumBatchingWindowInSeconds=2,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    lam.put_function_event_invoke_config(
        FunctionName=name,
        Qualifier="current",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}},
    )
    lam.add_permission(
        FunctionName=name,
        StatementId="s3-uploads",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads",
        SourceAccount="123456789012",
    )
    folder = tmp_path / "imported"
    folder.mkdir()
    imported = lh("-C", folder, "init", "--function-name", name, "--download", "--unzip")
    assert imported.code == 0, imported.err
    for filename in ("event_sources.json", "event_invoke.json", "permissions.json"):
        assert (folder / filename).is_file(), filename
    assert json.loads((folder / "permissions.json").read_text()) == [
        {
            "Principal": "s3.amazonaws.com",
            "SourceAccount": "123456789012",
            "SourceArn": "arn:aws:s3:::uploads",
        }
    ]
    plan = lh("-C", folder, "plan", "--exit-code")
    assert plan.code == 0, plan.out + plan.err
    calls = recording(monkeypatch)
    again = lh("-C", folder, "deploy")
    assert again.code == 0 and "no changes" in again.out
    assert mutating(calls.names) == []
    (still,) = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert still["UUID"] == mapping["UUID"] and still["BatchSize"] == 7
    statements = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["s3-uploads"]  # kept, never duplicated

    project = tmp_path / "project"
    project.mkdir()
    assert lh("-C", project, "--yes", "import", "--all").code == 0
    whole = lh("-C", project, "plan", "--exit-code")
    assert whole.code == 0, whole.out + whole.err


def test_prune_deletes_the_triggers_lambherd_made_for_a_gone_function(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "lambherd.toml").write_text('[project]\nname = "shop"\nfunctions = ["functions/*"]\n')
    _url, queue_arn = tokyo.queue("shop-orders", VisibilityTimeout=60)
    _url2, other_arn = tokyo.queue("shop-by-hand", VisibilityTimeout=60)
    files = {
        "event_sources.json": [{"EventSourceArn": queue_arn}],
        "schedules.json": [
            {
                "Name": "tidy",
                "ScheduleExpression": "rate(1 day)",
                "Target": {"RoleArn": SCHEDULER_ROLE},
            }
        ],
    }
    function_folder(root / "functions" / "orders", "shop-orders", files=files)
    function_folder(root / "functions" / "stock", "shop-stock", files={"event_sources.json": []})
    assert lh("-C", root, "--yes", "deploy").code == 0
    lam, scheduler = tokyo.client("lambda"), tokyo.client("scheduler")
    (ours,) = lam.list_event_source_mappings(FunctionName="shop-orders")["EventSourceMappings"]
    assert lam.list_tags(Resource=ours["EventSourceMappingArn"])["Tags"] == {
        "lambherd:function": "shop-orders",
        "lambherd:project": "shop",
    }
    by_hand = lam.create_event_source_mapping(FunctionName="shop-orders", EventSourceArn=other_arn)
    stock_hand = lam.create_event_source_mapping(
        FunctionName="shop-stock", EventSourceArn=other_arn
    )

    shutil.rmtree(root / "functions" / "orders")  # its files and lambherd's caches (.lambherd/)
    preview = lh("-C", root, "plan")
    assert "shop-orders" in preview.out
    pruned = lh("-C", root, "--yes", "deploy", "--prune")
    assert pruned.code == 0, pruned.err
    assert "function (folder gone), event sources, schedules" in pruned.err  # its own triggers
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="shop-orders")
    left = {m["UUID"] for m in lam.list_event_source_mappings()["EventSourceMappings"]}
    assert left == {by_hand["UUID"], stock_hand["UUID"]}  # only lambherd's own went
    groups = [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]
    assert "lambherd-shop-orders" not in groups
    assert lh("-C", root, "plan", "--exit-code").code == 0
    assert TOKYO in ours["EventSourceMappingArn"]


def test_a_sandbox_restart_keeps_the_triggers_and_delivers_again(
    lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox_testkit import running, saved_state
    from triggers_testkit import tokyo_sandbox

    state = tmp_path / "state"
    with running(state) as first:
        tokyo = tokyo_sandbox(first.endpoint, monkeypatch, tmp_path)
        url, arn = tokyo.queue("kept", VisibilityTimeout=30)
        results = tmp_path / "results"
        files = {
            "event_sources.json": [{"EventSourceArn": arn}],
            "event_invoke.json": {"MaximumRetryAttempts": 0},
            "schedules.json": [
                {
                    "Name": "s",
                    "ScheduleExpression": "rate(1 hour)",
                    "Target": {"RoleArn": SCHEDULER_ROLE},
                }
            ],
        }
        folder = function_folder(tmp_path / "fn", "kept-worker", results=results, files=files)
        assert lh("-C", folder, "deploy").code == 0
        (before,) = tokyo.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    saved = saved_state(state)  # the clean stop took a snapshot: the journal tail is empty
    assert saved["snapshot_seq"] and saved["requests"] == []
    with running(state) as second:
        monkeypatch.setenv("AWS_ENDPOINT_URL", second.endpoint)
        lam = second.client("lambda", TOKYO)
        (after,) = lam.list_event_source_mappings()["EventSourceMappings"]
        assert after["UUID"] == before["UUID"] and after["State"] == "Enabled"
        tags = lam.list_tags(Resource=after["EventSourceMappingArn"])["Tags"]
        assert tags == {"lambherd:function": "kept-worker"}
        config = lam.get_function_event_invoke_config(
            FunctionName="kept-worker", Qualifier="current"
        )
        assert config["MaximumRetryAttempts"] == 0
        plan = lh("-C", folder, "plan", "--exit-code")
        assert plan.code == 0, plan.out + plan.err
        sqs = second.client("sqs", TOKYO)
        queue_url = sqs.get_queue_url(QueueName="kept")["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"n": 3}))
        wait_for(
            lambda: [r for r in results_of(results) if r.get("n") == 3], "delivery after restart"
        )
        assert queue_url == url.replace(first.endpoint, second.endpoint)


def test_a_snapshot_keeps_stream_positions_pending_async_retries_and_schedules(
    lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox_testkit import running, saved_state
    from triggers_testkit import tokyo_sandbox

    state = tmp_path / "state"
    results = tmp_path / "results"

    def stream_keys() -> list[str]:
        return [
            r["record"]["dynamodb"]["Keys"]["id"]["S"]
            for r in results_of(results)
            if r.get("kind") == "aws:dynamodb"
        ]

    def events(**match: Any) -> list[dict[str, Any]]:
        found = [r.get("event") or {} for r in results_of(results)]
        return [e for e in found if all(e.get(k) == v for k, v in match.items())]

    with running(state) as first:
        tokyo = tokyo_sandbox(first.endpoint, monkeypatch, tmp_path)
        ddb = tokyo.client("dynamodb")
        table = ddb.create_table(
            TableName="kept-items",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]
        files = {
            "event_sources.json": [
                {"EventSourceArn": table["LatestStreamArn"], "StartingPosition": "TRIM_HORIZON"}
            ],
            "event_invoke.json": {"MaximumRetryAttempts": 1},
            "schedules.json": [
                {
                    "Name": "hourly",
                    "ScheduleExpression": "rate(1 hour)",
                    "Target": {"RoleArn": SCHEDULER_ROLE, "Input": '{"scheduled": true}'},
                }
            ],
        }
        folder = function_folder(tmp_path / "fn", "kept-reader", results=results, files=files)
        assert lh("-C", folder, "deploy").code == 0
        ddb.put_item(TableName="kept-items", Item={"id": {"S": "a"}})
        wait_for(lambda: stream_keys() == ["a"], "the first stream record")
        tokyo.client("lambda").invoke(
            FunctionName="kept-reader",
            Qualifier="current",
            InvocationType="Event",
            Payload=json.dumps({"fail": True, "order": 1}).encode(),
        )
        wait_for(lambda: events(order=1), "the first asynchronous attempt")
    saved = saved_state(state)  # the clean stop took a snapshot: nothing is replayed
    assert saved["snapshot_seq"] and saved["requests"] == []
    with running(state) as second:
        monkeypatch.setenv("AWS_ENDPOINT_URL", second.endpoint)
        second.client("dynamodb", TOKYO).put_item(TableName="kept-items", Item={"id": {"S": "b"}})
        wait_for(lambda: "b" in stream_keys(), "the stream record after the restart")
        assert stream_keys() == ["a", "b"]  # read on from where it was, "a" not again
        assert len(events(order=1)) == 1
        move_clock(second.endpoint, advance_seconds=61)  # the retry armed before the restart
        wait_for(lambda: len(events(order=1)) == 2, "the asynchronous retry after the restart")
        assert events(scheduled=True) == []
        move_clock(second.endpoint, advance_seconds=3600)
        wait_for(lambda: events(scheduled=True), "the schedule fired after the restart")
        assert len(events(order=1)) == 2  # MaximumRetryAttempts 1: no third attempt
