"""Deploying the four trigger files to the sandbox (ap-northeast-1), checked with boto3 as a user
would: created, unchanged on a second deploy, changed, removed (only what lambherd owns), the
mapping following the alias to a new version, and refused before any call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import mutating, recording
from triggers_testkit import (
    SCHEDULER_ROLE,
    TOKYO,
    Tokyo,
    function_folder,
    results_of,
    wait_for,
)

pytestmark = pytest.mark.slow
NAME = "trigger-worker"


def trigger_files(queue_arn: str, dlq_arn: str) -> dict[str, Any]:
    return {
        "event_sources.json": [
            {
                "EventSourceArn": queue_arn,
                "BatchSize": 5,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "Tags": {"team": "orders"},
            }
        ],
        "event_invoke.json": {
            "MaximumRetryAttempts": 1,
            "MaximumEventAgeInSeconds": 3600,
            "DestinationConfig": {"OnFailure": {"Destination": dlq_arn}},
            "RecursiveLoop": "Terminate",
        },
        "permissions.json": [
            {
                "Principal": "s3.amazonaws.com",
                "SourceArn": "arn:aws:s3:::uploads",
                "SourceAccount": "123456789012",
            },
            {
                "Principal": "events.amazonaws.com",
                "SourceArn": f"arn:aws:events:{TOKYO}:123456789012:rule/nightly",
            },
        ],
        "schedules.json": [
            {
                "Name": "daily",
                "ScheduleExpression": "cron(0 9 * * ? *)",
                "ScheduleExpressionTimezone": "Asia/Tokyo",
                "Target": {"RoleArn": SCHEDULER_ROLE, "Input": "{}"},
            },
            {
                "Name": "hourly",
                "ScheduleExpression": "rate(1 hour)",
                "Target": {"RoleArn": SCHEDULER_ROLE},
            },
        ],
    }


def rewrite(folder: Path, filename: str, change: Any) -> None:
    doc = json.loads((folder / filename).read_text())
    (folder / filename).write_text(json.dumps(change(doc)))


def test_triggers_deploy_converge_and_only_lambherds_own_are_removed(
    tokyo: Tokyo, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _url, queue_arn = tokyo.queue("orders", VisibilityTimeout=60)
    _dlq, dlq_arn = tokyo.queue("orders-failed")
    folder = function_folder(
        tmp_path / "fn", NAME, results=tmp_path / "results", files=trigger_files(queue_arn, dlq_arn)
    )
    first = lh("-C", folder, "deploy")
    assert first.code == 0, first.err
    assert "CreateEventSourceMapping" in first.out and "Enabled" in first.out
    lam, scheduler = tokyo.client("lambda"), tokyo.client("scheduler")

    (mapping,) = lam.list_event_source_mappings(FunctionName=NAME)["EventSourceMappings"]
    assert mapping["State"] == "Enabled"
    assert mapping["FunctionArn"].endswith(f":function:{NAME}:current")
    assert mapping["BatchSize"] == 5 and mapping["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"
    ]
    tags = lam.list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"]
    assert tags == {"team": "orders", "lambherd:function": NAME}
    config = lam.get_function_event_invoke_config(FunctionName=NAME, Qualifier="current")
    assert config["MaximumRetryAttempts"] == 1
    assert config["DestinationConfig"]["OnFailure"] == {"Destination": dlq_arn}
    assert lam.get_function_recursion_config(FunctionName=NAME)["RecursiveLoop"] == "Terminate"
    statements = json.loads(lam.get_policy(FunctionName=NAME)["Policy"])["Statement"]
    principals = sorted(s["Principal"]["Service"] for s in statements)
    assert principals == ["events.amazonaws.com", "s3.amazonaws.com"]
    assert all(s["Sid"].startswith("lambherd-") for s in statements)
    listed = scheduler.list_schedules(GroupName=f"lambherd-{NAME}")["Schedules"]
    assert sorted(s["Name"] for s in listed) == ["daily", "hourly"]
    daily = scheduler.get_schedule(GroupName=f"lambherd-{NAME}", Name="daily")
    assert daily["Target"]["Arn"].endswith(f":function:{NAME}:current")
    assert daily["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    group = scheduler.get_schedule_group(Name=f"lambherd-{NAME}")
    group_tags = scheduler.list_tags_for_resource(ResourceArn=group["Arn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in group_tags} == {"lambherd:function": NAME}

    calls = recording(monkeypatch)
    again = lh("-C", folder, "deploy")
    assert again.code == 0 and "no changes" in again.out
    assert mutating(calls.names) == []
    assert lh("-C", folder, "diff", "--exit-code").code == 0

    # things someone else made beside lambherd's
    _other_url, other_arn = tokyo.queue("by-hand", VisibilityTimeout=60)
    hand = lam.create_event_source_mapping(FunctionName=NAME, EventSourceArn=other_arn)
    lam.add_permission(
        FunctionName=NAME,
        StatementId="sns-by-hand",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
    )
    rewrite(
        folder,
        "event_sources.json",
        lambda d: [{**d[0], "BatchSize": 10, "ScalingConfig": {"MaximumConcurrency": 3}}],
    )
    rewrite(folder, "permissions.json", lambda d: d[:1])
    rewrite(folder, "schedules.json", lambda d: d[:1])
    rewrite(folder, "event_invoke.json", lambda d: {**d, "RecursiveLoop": "Allow"})
    shown = lh("-C", folder, "diff", "--exit-code")
    assert shown.code == 2
    for line in (
        '+      "BatchSize": 10',
        '-      "BatchSize": 5',
        '+        "MaximumConcurrency": 3',  # shown as JSON, not as a JSON string
        '"ReportBatchItemFailures"\n',
        "events.amazonaws.com",
        '"lambherd-trigger-worker/hourly"',
    ):
        assert line in shown.out, shown.out
    calls = recording(monkeypatch)
    dry = lh("-C", folder, "deploy", "--dry-run")
    assert dry.code == 0 and mutating(calls.names) == []
    for step in (
        "UpdateEventSourceMapping",
        "RemovePermission lambherd-",
        "DeleteSchedule",
        "PutRecursionConfig RecursiveLoop=Allow",
    ):
        assert step in dry.out + dry.err
    changed = lh("-C", folder, "deploy")
    assert changed.code == 0, changed.err
    by_uuid = {
        m["UUID"]: m
        for m in lam.list_event_source_mappings(FunctionName=NAME)["EventSourceMappings"]
    }
    assert by_uuid[mapping["UUID"]]["BatchSize"] == 10
    assert hand["UUID"] in by_uuid  # someone else's mapping stays
    statements = json.loads(lam.get_policy(FunctionName=NAME)["Policy"])["Statement"]
    assert sorted(s["Sid"].startswith("lambherd-") for s in statements) == [False, True]
    assert {s["Sid"] for s in statements if not s["Sid"].startswith("lambherd-")} == {"sns-by-hand"}
    listed = scheduler.list_schedules(GroupName=f"lambherd-{NAME}")["Schedules"]
    assert [s["Name"] for s in listed] == ["daily"]
    assert lam.get_function_recursion_config(FunctionName=NAME)["RecursiveLoop"] == "Allow"

    (folder / "event_sources.json").write_text("[]")
    emptied = lh("-C", folder, "deploy")
    assert emptied.code == 0, emptied.err
    left = lam.list_event_source_mappings(FunctionName=NAME)["EventSourceMappings"]
    assert [m["UUID"] for m in left] == [hand["UUID"]]


def test_a_mapping_follows_its_alias_to_the_new_version(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    url, queue_arn = tokyo.queue("moving", VisibilityTimeout=30)
    results = tmp_path / "results"
    files = {"event_sources.json": [{"EventSourceArn": queue_arn}]}
    folder = function_folder(tmp_path / "fn", NAME, results=results, files=files)
    assert lh("-C", folder, "deploy").code == 0
    sqs = tokyo.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    wait_for(lambda: results_of(results), "the first message")
    source = (folder / "app.py").read_text().replace("def handler", "EDIT = 2\n\n\ndef handler")
    (folder / "app.py").write_text(source)
    second = lh("-C", folder, "deploy")
    assert second.code == 0 and "PublishVersion" in second.out
    assert "EventSourceMapping" not in second.out  # the mapping is on the alias: nothing to move
    (mapping,) = tokyo.client("lambda").list_event_source_mappings(FunctionName=NAME)[
        "EventSourceMappings"
    ]
    assert mapping["FunctionArn"].endswith(":current")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 2}))
    seen = wait_for(lambda: [r for r in results_of(results) if r.get("n") == 2], "message 2")
    assert [r["version"] for r in results_of(results)] == ["1", "2"]
    assert seen[0]["version"] == "2"


def test_problems_found_while_planning_stop_the_deploy_before_any_call(
    tokyo: Tokyo, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _url, short = tokyo.queue("short", VisibilityTimeout=5)
    files = {
        "event_sources.json": [{"EventSourceArn": short}],
        "event_invoke.json": {
            "DestinationConfig": {
                "OnFailure": {"Destination": f"arn:aws:sqs:{TOKYO}:123456789012:no-such-queue"}
            }
        },
    }
    folder = function_folder(tmp_path / "fn", NAME, files=files, Timeout=30)
    calls = recording(monkeypatch)
    refused = lh("-C", folder, "deploy")
    assert refused.code == 1
    assert "visibility timeout (5 s) is shorter than the function's Timeout (30 s)" in refused.err
    assert "no-such-queue does not exist" in refused.err
    assert "Traceback" not in refused.err
    assert mutating(calls.names) == []
    lam = tokyo.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=NAME)
    bad = function_folder(
        tmp_path / "bad",
        NAME,
        files={"event_sources.json": [{"EventSourceArn": short, "BatchSize": 20000}]},
    )
    invalid = lh("-C", bad, "validate")
    assert invalid.code == 1 and "BatchSize: 20000 is above Lambda's limit of 10000" in invalid.err


def test_the_sandbox_refuses_what_lambda_refuses(tokyo: Tokyo, lh: Any, tmp_path: Path) -> None:
    _url, short = tokyo.queue("short2", VisibilityTimeout=5)
    folder = function_folder(tmp_path / "fn", NAME, Timeout=30)
    assert lh("-C", folder, "deploy").code == 0
    lam = tokyo.client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as caught:
        lam.create_event_source_mapping(FunctionName=NAME, EventSourceArn=short)
    assert "Queue visibility timeout: 5 seconds is less than Function timeout: 30 seconds" in str(
        caught.value
    )
    _url, fifo = tokyo.queue("jobs.fifo", FifoQueue="true", VisibilityTimeout=60)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_event_source_mapping(FunctionName=NAME, EventSourceArn=fifo, BatchSize=11)
    made = lam.create_event_source_mapping(FunctionName=NAME, EventSourceArn=fifo, BatchSize=10)
    assert made["State"] == "Creating"
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_event_source_mapping(FunctionName=NAME, EventSourceArn=fifo)
    settled = wait_for(
        lambda: lam.get_event_source_mapping(UUID=made["UUID"])["State"] == "Enabled", "Enabled"
    )
    assert settled
    deleting = lam.delete_event_source_mapping(UUID=made["UUID"])
    assert deleting["State"] == "Deleting"
    wait_for(
        lambda: not lam.list_event_source_mappings(FunctionName=NAME)["EventSourceMappings"],
        "the mapping gone",
    )


def test_delete_takes_the_triggers_lambherd_made_and_leaves_the_others(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    _url, queue_arn = tokyo.queue("doomed", VisibilityTimeout=60)
    _url2, other_arn = tokyo.queue("kept-by-hand", VisibilityTimeout=60)
    files = {
        "event_sources.json": [{"EventSourceArn": queue_arn}],
        "schedules.json": [
            {
                "Name": "s",
                "ScheduleExpression": "rate(1 hour)",
                "Target": {"RoleArn": SCHEDULER_ROLE},
            }
        ],
    }
    folder = function_folder(tmp_path / "fn", NAME, files=files)
    assert lh("-C", folder, "deploy").code == 0
    lam = tokyo.client("lambda")
    hand = lam.create_event_source_mapping(FunctionName=NAME, EventSourceArn=other_arn)
    dry = lh("-C", folder, "delete", "--dry-run")
    assert "DeleteEventSourceMapping" in dry.out and "DeleteScheduleGroup" in dry.out
    gone = lh("-C", folder, "--yes", "delete")
    assert gone.code == 0, gone.err
    left = [m["UUID"] for m in lam.list_event_source_mappings()["EventSourceMappings"]]
    assert left == [hand["UUID"]]
    groups = [g["Name"] for g in tokyo.client("scheduler").list_schedule_groups()["ScheduleGroups"]]
    assert f"lambherd-{NAME}" not in groups
