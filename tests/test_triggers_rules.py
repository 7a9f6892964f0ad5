"""The pure rules of the trigger files: filter patterns, schedule expressions, validation before
any call, and statements matched by what they allow (no server)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lambherd.definition.model import FunctionDefinition
from lambherd.definition.validate import validate_definition
from lambherd.plan.policy import (
    grant_from_permission,
    grant_from_statement,
    is_invoke_statement,
    new_statement_id,
    reconcile,
)
from lambherd.triggers import filter_patterns, ownership, schedule_expressions
from lambherd.triggers.validation import ArnFact, fact_problems

QUEUE = "arn:aws:sqs:ap-northeast-1:123456789012:jobs"
FIFO = "arn:aws:sqs:ap-northeast-1:123456789012:jobs.fifo"
STREAM = "arn:aws:kinesis:ap-northeast-1:123456789012:stream/clicks"
TABLE_STREAM = (
    "arn:aws:dynamodb:ap-northeast-1:123456789012:table/items/stream/2026-12-01T00:00:00.000"
)
MSK = "arn:aws:kafka:ap-northeast-1:123456789012:cluster/c/abc"
MQ = "arn:aws:mq:ap-northeast-1:123456789012:broker:b:b-1"
DOCDB = "arn:aws:rds:ap-northeast-1:123456789012:cluster:docs"
CONFIG = {
    "FunctionName": "worker",
    "Runtime": "python3.12",
    "Handler": "app.handler",
    "Role": "arn:aws:iam::123456789012:role/r",
    "Timeout": 30,
}


def problems_of(tmp_path: Path, **sidecars: object) -> list[str]:
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return e\n")
    defn = FunctionDefinition(path=tmp_path / "function.json", config=CONFIG, sidecars=sidecars)
    return validate_definition(defn).errors


# -- filter patterns --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern",
    [
        {"body": {"kind": ["order"]}},
        {"body": {"price": [{"numeric": [">", 0, "<=", 100]}]}},
        {"body": {"id": [{"prefix": "a-"}, {"suffix": ".png"}, {"equals-ignore-case": "X"}]}},
        {"body": {"state": [{"anything-but": ["done", "lost"]}], "flag": [{"exists": False}]}},
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"n": {"N": [{"numeric": ["=", 3]}]}}}},
        {"$or": [{"body": {"a": [1]}}, {"body": {"b": [None, ""]}}]},
        {"body": {"name": [{"anything-but": {"prefix": "tmp"}}]}},
    ],
)
def test_patterns_lambda_accepts(pattern: dict) -> None:
    assert filter_patterns.problems(json.dumps(pattern)) == []


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "not JSON"),
        ('["a"]', "non-empty JSON object"),
        ('{"body": "order"}', "expected a list of conditions"),
        ('{"body": {"kind": []}}', "empty list matches nothing"),
        ('{"body": {"p": [{"numeric": [">", "a"]}]}}', "compares with a number"),
        ('{"body": {"p": [{"numeric": ["<", 5, ">", 1]}]}}', "lower bound"),
        ('{"body": {"p": [{"numeric": [">", 9, "<", 1]}]}}', "not below its upper"),
        ('{"body": {"p": [{"wildcard": "a*"}]}}', "unknown operator"),
        ('{"body": {"p": [{"exists": "yes"}]}}', "true or false"),
        ('{"body": {"p": [{"prefix": 3}]}}', "takes a string"),
        ('{"body": {"p": [{"prefix": "a", "suffix": "b"}]}}', "exactly one operator"),
        ('{"$or": [{"a": [1]}]}', "at least two"),
        ('{"body": {"p": [{"anything-but": []}]}}', "non-empty list"),
    ],
)
def test_patterns_lambda_refuses(text: str, needle: str) -> None:
    found = filter_patterns.problems(text)
    assert any(needle in p for p in found), found


def test_pattern_matching_follows_the_rules() -> None:
    record = {"body": {"kind": "order", "price": 12, "tags": ["a", "b"], "name": "img.png"}}
    yes = [
        {"body": {"kind": ["order"]}},
        {"body": {"price": [{"numeric": [">", 10, "<=", 12]}]}},
        {"body": {"tags": ["b"]}},  # a list matches when any element does
        {"body": {"name": [{"suffix": ".png"}], "missing": [{"exists": False}]}},
        {"body": {"kind": [{"anything-but": ["refund"]}]}},
        {"$or": [{"body": {"kind": ["x"]}}, {"body": {"price": [12]}}]},
    ]
    no = [
        {"body": {"kind": ["refund"]}},
        {"body": {"price": [{"numeric": ["<", 12]}]}},
        {"body": {"missing": ["x"]}},
        {"body": {"kind": [{"anything-but": {"prefix": "ord"}}]}},
        {"body": {"price": ["12"]}},  # a string never equals a number
    ]
    assert all(filter_patterns.matches(p, record) for p in yes)
    assert not any(filter_patterns.matches(p, record) for p in no)


def test_sqs_bodies_are_read_as_json_only_when_the_pattern_looks_inside() -> None:
    record = {"body": json.dumps({"kind": "order"})}
    inside = [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]
    raw = [{"Pattern": json.dumps({"body": [{"prefix": '{"kind"'}]})}]
    assert filter_patterns.record_passes(inside, record, "body")
    assert filter_patterns.record_passes(raw, record, "body")
    assert not filter_patterns.record_passes(inside, {"body": "plain text"}, "body")
    assert filter_patterns.record_passes([], {"body": "anything"}, "body")


# -- schedule expressions -----------------------------------------------------------------------
def fires(expression: str, after: datetime, zone: str | None, count: int) -> list[str]:
    parsed = schedule_expressions.parse(expression)
    out, at = [], after
    for _ in range(count):
        found = schedule_expressions.next_after(parsed, at, zone)
        assert found is not None
        out.append(found.isoformat())
        at = found
    return out


def test_cron_in_tokyo_fires_at_local_nine() -> None:
    start = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo: today's has passed
    assert fires("cron(0 9 * * ? *)", start, "Asia/Tokyo", 3) == [
        "2026-12-02T00:00:00+00:00",
        "2026-12-03T00:00:00+00:00",
        "2026-12-04T00:00:00+00:00",
    ]


def test_cron_day_rules_and_names() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert fires("cron(0 12 L * ? *)", start, None, 2) == [
        "2026-01-31T12:00:00+00:00",
        "2026-02-28T12:00:00+00:00",
    ]
    assert fires("cron(15 10 ? * MON-FRI *)", datetime(2026, 1, 2, 11, tzinfo=UTC), None, 2) == [
        "2026-01-05T10:15:00+00:00",  # Friday 2nd has passed, the weekend skipped
        "2026-01-06T10:15:00+00:00",
    ]
    assert fires("cron(0 8 ? * 2#1 *)", start, None, 1) == ["2026-01-05T08:00:00+00:00"]
    assert fires("cron(0 8 ? * 6L *)", start, None, 1) == ["2026-01-30T08:00:00+00:00"]
    assert fires("cron(0 8 15W * ? *)", datetime(2026, 2, 1, tzinfo=UTC), None, 1) == [
        "2026-02-16T08:00:00+00:00"  # the 15th is a Sunday: the nearest weekday is Monday
    ]
    assert fires(
        "cron(0/20 * * JAN ? 2026)", datetime(2026, 1, 31, 23, 30, tzinfo=UTC), None, 1
    ) == ["2026-01-31T23:40:00+00:00"]
    only_2026 = schedule_expressions.parse("cron(0 0 1 1 ? 2026)")
    assert schedule_expressions.next_after(only_2026, datetime(2026, 6, 1, tzinfo=UTC)) is None


def test_daylight_saving_gaps_are_skipped_and_repeats_fire_once() -> None:
    # New York skips 02:00-03:00 on 2026-03-08 and repeats 01:00-02:00 on 2026-11-01
    spring = fires("cron(30 2 * * ? *)", datetime(2026, 3, 7, 8, tzinfo=UTC), "America/New_York", 2)
    assert spring == ["2026-03-09T06:30:00+00:00", "2026-03-10T06:30:00+00:00"]
    autumn = fires(
        "cron(30 1 * * ? *)", datetime(2026, 11, 1, 4, tzinfo=UTC), "America/New_York", 2
    )
    assert autumn == ["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]


def test_rate_and_at() -> None:
    origin = datetime(2026, 12, 1, tzinfo=UTC)
    rate = schedule_expressions.parse("rate(5 minutes)")
    after = datetime(2026, 12, 1, 0, 7, tzinfo=UTC)
    found = schedule_expressions.next_after(rate, after, start=origin)
    assert found == datetime(2026, 12, 1, 0, 10, tzinfo=UTC)
    once = schedule_expressions.parse("at(2026-12-24T18:00:00)")
    when = schedule_expressions.next_after(once, origin, "Asia/Tokyo")
    assert when == datetime(2026, 12, 24, 9, tzinfo=UTC)
    assert schedule_expressions.next_after(once, when, "Asia/Tokyo") is None


@pytest.mark.parametrize(
    ("expression", "zone", "needle"),
    [
        ("cron(0 9 * * * *)", None, "exactly one of day-of-month and day-of-week"),
        ("cron(0 9 * *)", None, "6 fields"),
        ("cron(61 9 * * ? *)", None, "outside 0-59"),
        ("cron(0 9 ? * FUNDAY *)", None, "not a valid day-of-week"),
        ("rate(1 minutes)", None, "write rate(1 minute)"),
        ("rate(5 minute)", None, "write rate(5 minutes)"),
        ("every day", None, "is not cron"),
        ("at(2026-13-01T00:00:00)", None, "not a valid date"),
        ("rate(1 hour)", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_expressions_the_scheduler_refuses(expression: str, zone: str | None, needle: str) -> None:
    found = schedule_expressions.problems(expression, zone)
    assert any(needle in p for p in found), found


# -- validation before any call -------------------------------------------------------------------
def test_event_source_limits_per_source(tmp_path: Path) -> None:
    sources = [
        {"EventSourceArn": QUEUE, "BatchSize": 10001},
        {"EventSourceArn": FIFO, "BatchSize": 11, "MaximumBatchingWindowInSeconds": 5},
        {"EventSourceArn": QUEUE, "BatchSize": 100, "Qualifier": "live"},
        {"EventSourceArn": STREAM, "ParallelizationFactor": 11, "StartingPosition": "NOW"},
        {"EventSourceArn": TABLE_STREAM, "StartingPosition": "AT_TIMESTAMP"},
        {"EventSourceArn": QUEUE, "ParallelizationFactor": 2, "Qualifier": "$LATEST"},
        {"EventSourceArn": MSK, "StartingPosition": "LATEST", "Topics": []},
        {"EventSourceArn": MQ, "Queues": ["q"]},
        {"EventSourceArn": DOCDB, "StartingPosition": "LATEST"},
        {
            "EventSourceArn": STREAM,
            "StartingPosition": "LATEST",
            "MaximumRecordAgeInSeconds": 30,
            "ScalingConfig": {"MaximumConcurrency": 1},
        },
        {"EventSourceArn": "arn:aws:s3:::bucket"},
        {"EventSourceArn": QUEUE, "Qualifier": "live", "FunctionName": "other"},
    ]
    found = problems_of(tmp_path, event_sources=sources)
    expected = [
        "[0].BatchSize: 10001 is above Lambda's limit of 10000",
        "[1].BatchSize: 11 is above the limit of 10 for SQS FIFO queues",
        "[1].MaximumBatchingWindowInSeconds: FIFO queues take no batching window",
        "[2].MaximumBatchingWindowInSeconds: BatchSize 100 (over 10) needs a batching window",
        "[3].ParallelizationFactor: 11 is above Lambda's limit of 10",
        "[3].StartingPosition: 'NOW' is not one of TRIM_HORIZON, LATEST, AT_TIMESTAMP",
        "[4].StartingPosition: 'AT_TIMESTAMP' is not one of TRIM_HORIZON, LATEST for a DynamoDB",
        "[5].ParallelizationFactor: SQS queues do not take it",
        "[6].Topics: exactly one topic is required",
        "[7].SourceAccessConfigurations: an MQ broker needs its credentials' secret",
        "[8].DocumentDBEventSourceConfig.DatabaseName: required for a DocumentDB cluster",
        "[9].MaximumRecordAgeInSeconds: 30 is neither -1 (no limit) nor 60..604800",
        "[9].ScalingConfig: Kinesis streams do not take it",
        "[9].ScalingConfig.MaximumConcurrency: 1 is below Lambda's minimum of 2",
        '[10].EventSourceArn: "arn:aws:s3:::bucket" is not an SQS queue',
        "[11].FunctionName: set by lambherd",
        "[11]: the same source and qualifier as [2]",
    ]
    for needle in expected:
        assert any(needle in p for p in found), (needle, found)
    assert all(p.startswith("event_sources.json: ") for p in found)
    assert sum("[0].BatchSize" in p for p in found) == 1, found  # said once, not per rule


def test_filter_patterns_are_checked_in_event_sources(tmp_path: Path) -> None:
    filters = {"Filters": [{"Pattern": '{"body": {"kind": "order"}}'}] * 6}
    found = problems_of(
        tmp_path, event_sources=[{"EventSourceArn": QUEUE, "FilterCriteria": filters}]
    )
    assert any("6 filters, at most 5" in p for p in found)
    assert any("Filters[0].Pattern: body.kind: expected a list of conditions" in p for p in found)


def test_event_invoke_limits(tmp_path: Path) -> None:
    doc = {
        "RecursiveLoop": "Sometimes",
        "EventInvokeConfigs": [
            {"Qualifier": "live", "MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 59},
            {"Qualifier": "live", "MaximumEventAgeInSeconds": 21601},
            {
                "DestinationConfig": {
                    "OnSuccess": {"Destination": "arn:aws:s3:::bucket"},
                    "OnFailure": {"Destination": "arn:aws:sqs:r:1:q.fifo"},
                }
            },
        ],
        "MaximumRetryAttempts": 1,
    }
    found = problems_of(tmp_path, event_invoke=doc)
    for needle in (
        "RecursiveLoop: expected Allow or Terminate",
        "MaximumRetryAttempts: give them inside EventInvokeConfigs",
        "EventInvokeConfigs[0].MaximumRetryAttempts: 3 is above Lambda's limit of 2",
        "EventInvokeConfigs[0].MaximumEventAgeInSeconds: 59 is below Lambda's minimum of 60",
        "EventInvokeConfigs[1].MaximumEventAgeInSeconds: 21601 is above Lambda's limit of 21600",
        "EventInvokeConfigs[1]: qualifier live is also in EventInvokeConfigs[0]",
        "OnSuccess.Destination: arn:aws:s3:::bucket is not a destination event_invoke takes",
        "OnFailure.Destination: FIFO queues and topics are refused",
    ):
        assert any(needle in p for p in found), (needle, found)


def test_permissions_and_schedules_are_checked(tmp_path: Path) -> None:
    permissions = [
        {"Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::b"},
        {"Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::b", "StatementId": "x"},
        {"Principal": "*", "Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE"},
        {"SourceArn": "arn:aws:s3:::b"},
    ]
    schedules = [
        {"Name": "a", "ScheduleExpression": "cron(0 9 * * * *)", "Target": {"RoleArn": "r"}},
        {
            "Name": "a",
            "ScheduleExpression": "rate(1 hour)",
            "ScheduleExpressionTimezone": "X/Y",
            "Target": {"RoleArn": "arn:aws:iam::1:role/r", "Arn": "arn:aws:lambda:r:1:function:f"},
            "FlexibleTimeWindow": {"Mode": "FLEXIBLE"},
        },
        {"ScheduleExpression": "rate(1 day)", "Target": {}},
    ]
    found = problems_of(tmp_path, permissions=permissions, schedules=schedules)
    for needle in (
        "permissions.json: [1]: allows the same as [0]",
        "permissions.json: [2]: a function URL grant belongs in function_url.json",
        "permissions.json: [3].Principal: required field is missing",
        "schedules.json: [0].ScheduleExpression: cron(0 9 * * * *): exactly one of",
        "schedules.json: [1].ScheduleExpression: unknown time zone 'X/Y'",
        "schedules.json: [1].Target.Arn: set by lambherd",
        "schedules.json: [1].FlexibleTimeWindow.MaximumWindowInMinutes: required with Mode",
        "schedules.json: [1]: schedule name a is also [0]",
        "schedules.json: [2].Name: required field is missing",
        "schedules.json: [2].Target.RoleArn: required field is missing",
    ):
        assert any(needle in p for p in found), (needle, found)


def test_shapes_of_the_files_themselves(tmp_path: Path) -> None:
    found = problems_of(
        tmp_path, event_sources={"EventSourceArn": QUEUE}, event_invoke=[], permissions=[3]
    )
    assert "event_sources.json: expected a list of objects at the top level" in found
    assert "event_invoke.json: expected an object at the top level" in found
    assert "permissions.json: [0]: expected an object" in found


def test_facts_visibility_missing_things_and_aliases() -> None:
    sidecars = {
        "event_sources": [
            {"EventSourceArn": QUEUE},
            {
                "EventSourceArn": STREAM,
                "StartingPosition": "LATEST",
                "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:r:1:gone"}},
            },
            {"EventSourceArn": QUEUE, "Qualifier": "blue"},
        ],
        "event_invoke": {"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:sns:r:1:t"}}},
        "schedules": [
            {"Name": "s", "Target": {"DeadLetterConfig": {"Arn": "arn:aws:sqs:r:1:dlq"}}}
        ],
    }
    facts = {
        QUEUE: ArnFact(True, visibility_timeout=20),
        STREAM: ArnFact(False),
        "arn:aws:sqs:r:1:gone": ArnFact(False),
        "arn:aws:sns:r:1:t": ArnFact(False),
        "arn:aws:sqs:r:1:dlq": ArnFact(None),  # not known (another region): not refused
    }
    found = fact_problems(
        sidecars, {"Timeout": 30}, facts, aliases={"green"}, deploy_alias="current"
    )
    assert found == [
        "event_sources.json: [0]: the queue's visibility timeout (20 s) is shorter than the "
        "function's Timeout (30 s); Lambda requires at least the Timeout (6 x is recommended)",
        f"event_sources.json: [1].EventSourceArn: {STREAM} does not exist",
        "event_sources.json: [1].DestinationConfig.OnFailure.Destination: arn:aws:sqs:r:1:gone "
        "does not exist",
        "event_sources.json: [2]: the queue's visibility timeout (20 s) is shorter than the "
        "function's Timeout (30 s); Lambda requires at least the Timeout (6 x is recommended)",
        "event_sources.json: [2].Qualifier: alias blue does not exist",
        "event_invoke.json: (top level).DestinationConfig.OnSuccess.Destination: "
        "arn:aws:sns:r:1:t does not exist",
    ]


# -- statements matched by what they allow --------------------------------------------------------
def test_grants_read_the_same_from_any_form() -> None:
    params = {
        "Action": "lambda:InvokeFunction",
        "Principal": "s3.amazonaws.com",
        "SourceArn": "arn:aws:s3:::b",
        "SourceAccount": "123456789012",
    }
    lambda_statement = {
        "Sid": "console-made",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:r:1:function:f",
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"},
        },
    }
    assert [grant_from_permission(params)] == grant_from_statement(lambda_statement)
    account = {"Action": "lambda:InvokeFunction", "Principal": "210987654321"}
    root = {
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": "lambda:InvokeFunction",
    }
    assert [grant_from_permission(account)] == grant_from_statement(root)
    url = {"Action": "lambda:InvokeFunction", "Principal": "*", "InvokedViaFunctionUrl": True}
    assert grant_from_permission(url).for_function_url
    assert not is_invoke_statement({**url, "Principal": "*", "Sid": "u"})
    assert is_invoke_statement(lambda_statement)
    assert not grant_from_permission(params).for_function_url


def test_reconcile_keeps_foreign_sids_never_duplicates_and_removes_only_ours() -> None:
    s3 = {
        "Action": "lambda:InvokeFunction",
        "Principal": "s3.amazonaws.com",
        "SourceArn": "arn:aws:s3:::b",
    }
    sns = {"Action": "lambda:InvokeFunction", "Principal": "sns.amazonaws.com"}
    present = [
        {
            "Sid": "by-hand",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}},
        },
        {
            "Sid": "lambherd-old",
            "Principal": "events.amazonaws.com",
            "Action": "lambda:InvokeFunction",
        },
        {"Sid": "someone", "Principal": "sqs.amazonaws.com", "Action": "lambda:InvokeFunction"},
    ]
    decided = reconcile([(s3, None), (dict(s3), None), (sns, None)], present)
    assert decided.remove == ("lambherd-old",)
    assert decided.add == ((new_statement_id(grant_from_permission(sns)), sns),)
    assert decided.kept == ((0, "by-hand"),)
    again = reconcile(
        [(s3, None), (sns, None)],
        [
            *present[:1],
            {
                "Sid": new_statement_id(grant_from_permission(sns)),
                **{
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "lambda:InvokeFunction",
                },
            },
        ],
    )
    assert again.add == () and again.remove == ()


def test_ownership_names_and_tags() -> None:
    assert ownership.default_group("worker") == "lambherd-worker"
    long = ownership.default_group("f" * 64)
    assert len(long) == 64 and long.startswith("lambherd-fff")
    tags = ownership.owner_tags("worker", "shop")
    assert ownership.owns(tags, "worker", "shop")
    assert not ownership.owns(tags, "worker", "other-project")
    assert not ownership.owns(tags, "other", "shop")
    assert not ownership.owns({}, "worker", None)
    from lambherd.project.config import OWNER_TAG

    assert ownership.PROJECT_TAG == OWNER_TAG


# -- waiting for a mapping's State ----------------------------------------------------------------
def test_a_mapping_change_waits_for_its_state_and_reports_lambdas_reason() -> None:
    from lambherd.apply.handlers.event_sources import wait_mapping
    from lambherd.errors import DeployError

    states = iter([{"State": "Creating"}, {"State": "Creating"}, {"State": "Enabled", "UUID": "u"}])
    sleeps: list[float] = []
    done = wait_mapping(lambda _u: next(states), "u", "q", enabled=True, sleep=sleeps.append)
    assert done == {"State": "Enabled", "UUID": "u"} and len(sleeps) == 2
    refused = iter(
        [
            {"State": "Creating"},
            {"State": "Disabled", "StateTransitionReason": "PROBLEM: the queue q does not exist"},
        ]
    )
    with pytest.raises(DeployError) as caught:
        wait_mapping(lambda _u: next(refused), "u", "q", enabled=True, sleep=lambda _s: None)
    assert "is Disabled, not as asked: PROBLEM: the queue q does not exist" in caught.value.message
    ticks = iter(range(0, 1000, 100))
    with pytest.raises(DeployError) as slow:
        wait_mapping(
            lambda _u: {"State": "Updating", "StateTransitionReason": "USER_INITIATED"},
            "u",
            "q",
            enabled=None,
            timeout=250,
            sleep=lambda _s: None,
            clock=lambda: next(ticks),
        )
    assert "still Updating after 250s (USER_INITIATED)" in slow.value.message
    gone = iter([{"State": "Deleting"}, None])
    assert (
        wait_mapping(
            lambda _u: next(gone), "u", "q", enabled=None, gone=True, sleep=lambda _s: None
        )
        is None
    )
