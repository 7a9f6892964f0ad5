"""The sandbox delivers events for real (ap-northeast-1): an SQS queue drained through the
sqs-worker starter with partial batch failures and a dead-letter queue, maximum concurrency,
filters, DynamoDB Streams and Kinesis records, and asynchronous invocations with retries on the
sandbox clock and their destinations."""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sandbox_testkit import move_clock
from triggers_testkit import (
    RECORDING_HANDLER,
    ROLE,
    Tokyo,
    function_folder,
    results_of,
    wait_for,
)

pytestmark = pytest.mark.slow


def test_a_thousand_messages_drain_through_the_sqs_worker_with_partial_failures(
    tokyo: Tokyo, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQS delivers at least once: a message is delivered again only when its visibility
    timeout ended before it was deleted, and then with a higher ApproximateReceiveCount. So:
    every good record is processed successfully at least once, any second success of it comes
    with another receive count; every failing record ends in the dead-letter queue, exactly
    once, after maxReceiveCount (3) receives; nothing is lost."""
    dlq_url, dlq_arn = tokyo.queue("jobs-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    url, queue_arn = tokyo.queue("jobs", VisibilityTimeout=3, RedrivePolicy=redrive)
    folder = tmp_path / "worker"
    folder.mkdir()
    made = lh("-C", folder, "init", "--function-name", "jobs-worker", "--template", "sqs-worker")
    assert made.code == 0, made.err
    # the starter's files, its handler's process() failing 1 record in 10 and noting the others
    results = tmp_path / "results"
    app = (folder / "app.py").read_text()
    app = app.replace(
        """    if not isinstance(message, dict) or "task" not in message:
        raise ValueError("a message needs a task")""",
        """    if message["n"] % 10 == 0:
        raise ValueError("one in ten fails")
    with open(os.environ["RESULTS"], "a") as fh:
        fh.write(json.dumps(message) + "\\n")""",
    )
    app = app.replace(
        'process(json.loads(record["body"]))',
        'process({**json.loads(record["body"]), '
        '"receive": int(record["attributes"]["ApproximateReceiveCount"])})',
    )
    (folder / "app.py").write_text(app)
    definition = json.loads((folder / "function.json").read_text())
    definition.update(Timeout=3, Environment={"Variables": {"RESULTS": str(results)}})
    (folder / "function.json").write_text(json.dumps(definition))
    monkeypatch.setenv("LAMBDA_ROLE_ARN", ROLE)
    monkeypatch.setenv("QUEUE_ARN", queue_arn)
    deployed = lh("-C", folder, "deploy")
    assert deployed.code == 0, deployed.err

    sqs = tokyo.client("sqs")
    for start in range(0, 1000, 10):
        entries = [
            {"Id": str(n), "MessageBody": json.dumps({"task": "resize", "n": n})}
            for n in range(start, start + 10)
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)

    def drained() -> bool:
        return tokyo.counts(url) == (0, 0) and tokyo.counts(dlq_url)[0] == 100

    wait_for(drained, "the queue drained and 100 records in the dead-letter queue", timeout=240)
    successes = Counter(r["n"] for r in results_of(results))
    assert set(successes) == {n for n in range(1000) if n % 10}  # each good record, none lost
    dead = [json.loads(m["Body"])["n"] for m in tokyo.drain(dlq_url)]
    assert sorted(dead) == list(range(0, 1000, 10))  # each failing record, exactly once
    receives: dict[int, list[int]] = {}
    for line in results_of(results):
        receives.setdefault(line["n"], []).append(line["receive"])
    for n, counts in receives.items():  # a second success only after another receive
        assert len(counts) == len(set(counts)), (n, counts)
    (mapping,) = tokyo.client("lambda").list_event_source_mappings(FunctionName="jobs-worker")[
        "EventSourceMappings"
    ]
    assert mapping["State"] == "Enabled" and mapping["FunctionArn"].endswith(":current")
    assert mapping["MaximumBatchingWindowInSeconds"] == 1
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}


def test_maximum_concurrency_bounds_the_batches_in_flight(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    slow = RECORDING_HANDLER.replace(
        '            note(kind="sqs"', '            time.sleep(0.3)\n            note(kind="sqs"'
    )
    url, arn = tokyo.queue("slow", VisibilityTimeout=30)
    results = tmp_path / "results"
    files = {
        "event_sources.json": [
            {"EventSourceArn": arn, "BatchSize": 1, "ScalingConfig": {"MaximumConcurrency": 2}}
        ]
    }
    folder = function_folder(
        tmp_path / "fn", "slow-worker", results=results, source=slow, files=files
    )
    assert lh("-C", folder, "deploy").code == 0
    sqs = tokyo.client("sqs")
    numbers = [n for n in range(1, 14) if n % 10]  # the recording handler fails n % 10 == 0
    for chunk in (numbers[:6], numbers[6:]):
        entries = [{"Id": str(n), "MessageBody": json.dumps({"n": n})} for n in chunk]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    wait_for(lambda: len(results_of(results)) == 12, "12 messages")
    ends = sorted(r["at"] for r in results_of(results))
    starts = [t - 0.3 for t in ends]
    overlap = max(sum(1 for s, e in zip(starts, ends, strict=True) if s <= t < e) for t in starts)
    assert overlap <= 2
    assert overlap == 2  # both slots were used


def test_filter_criteria_decide_which_messages_invoke(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    url, arn = tokyo.queue("filtered", VisibilityTimeout=30)
    results = tmp_path / "results"
    pattern = json.dumps({"body": {"n": [{"numeric": [">", 4]}]}})
    files = {
        "event_sources.json": [
            {"EventSourceArn": arn, "FilterCriteria": {"Filters": [{"Pattern": pattern}]}}
        ]
    }
    folder = function_folder(tmp_path / "fn", "picky", results=results, files=files)
    assert lh("-C", folder, "deploy").code == 0
    entries = [{"Id": str(n), "MessageBody": json.dumps({"n": n})} for n in range(1, 10)]
    tokyo.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
    wait_for(lambda: tokyo.counts(url) == (0, 0), "the queue emptied")
    assert sorted(r["n"] for r in results_of(results)) == [5, 6, 7, 8, 9]


def test_dynamodb_stream_records_are_delivered_in_order(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    ddb = tokyo.client("dynamodb")
    table = ddb.create_table(
        TableName="items",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    stream = table["LatestStreamArn"]
    ddb.put_item(TableName="items", Item={"id": {"S": "before"}})  # TRIM_HORIZON reads it too
    results = tmp_path / "results"
    files = {
        "event_sources.json": [
            {"EventSourceArn": stream, "StartingPosition": "TRIM_HORIZON", "BatchSize": 2}
        ]
    }
    folder = function_folder(tmp_path / "fn", "stream-reader", results=results, files=files)
    assert lh("-C", folder, "deploy").code == 0
    for key in ("a", "b", "c"):
        ddb.put_item(TableName="items", Item={"id": {"S": key}})
    ddb.delete_item(TableName="items", Key={"id": {"S": "a"}})
    seen = wait_for(lambda: len(results_of(results)) >= 5 and results_of(results), "5 records")
    changes = [(r["record"]["eventName"], r["record"]["dynamodb"]["Keys"]["id"]["S"]) for r in seen]
    assert changes == [
        ("INSERT", "before"),
        ("INSERT", "a"),
        ("INSERT", "b"),
        ("INSERT", "c"),
        ("REMOVE", "a"),
    ]
    assert all(r["record"]["eventSourceARN"] == stream for r in seen)
    assert seen[0]["record"]["awsRegion"] == "ap-northeast-1"


def test_kinesis_records_are_delivered_from_latest(tokyo: Tokyo, lh: Any, tmp_path: Path) -> None:
    kinesis = tokyo.client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"][
        "StreamARN"
    ]
    kinesis.put_record(StreamName="clicks", Data=b"old", PartitionKey="p")  # before: not read
    results = tmp_path / "results"
    files = {"event_sources.json": [{"EventSourceArn": arn, "StartingPosition": "LATEST"}]}
    folder = function_folder(tmp_path / "fn", "clicks-reader", results=results, files=files)
    assert lh("-C", folder, "deploy").code == 0
    lam = tokyo.client("lambda")
    (mapping,) = lam.list_event_source_mappings(FunctionName="clicks-reader")["EventSourceMappings"]
    wait_for(
        lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled", "Enabled"
    )
    kinesis.put_record(
        StreamName="clicks", Data=json.dumps({"page": "/a"}).encode(), PartitionKey="p"
    )
    (seen,) = wait_for(lambda: results_of(results), "the Kinesis record")
    record = seen["record"]
    assert record["eventSource"] == "aws:kinesis" and record["eventSourceARN"] == arn
    assert json.loads(base64.b64decode(record["kinesis"]["data"])) == {"page": "/a"}


def test_async_invokes_retry_on_the_sandbox_clock_then_reach_their_destinations(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    failed_url, failed_arn = tokyo.queue("async-failed")
    done_url, done_arn = tokyo.queue("async-done")
    results = tmp_path / "results"
    files = {
        "event_invoke.json": {
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {
                "OnFailure": {"Destination": failed_arn},
                "OnSuccess": {"Destination": done_arn},
            },
        }
    }
    folder = function_folder(tmp_path / "fn", "async-fn", results=results, files=files)
    assert lh("-C", folder, "deploy").code == 0
    lam = tokyo.client("lambda")
    lam.invoke(
        FunctionName="async-fn",
        Qualifier="current",
        InvocationType="Event",
        Payload=json.dumps({"fail": True, "order": 7}).encode(),
    )
    wait_for(lambda: len(results_of(results)) == 1, "the first attempt")
    move_clock(tokyo.endpoint, advance_seconds=59)
    assert len(results_of(results)) == 1  # Lambda waits a minute before the first retry
    move_clock(tokyo.endpoint, advance_seconds=2)
    wait_for(lambda: len(results_of(results)) == 2, "the first retry")
    move_clock(tokyo.endpoint, advance_seconds=121)
    wait_for(lambda: len(results_of(results)) == 3, "the second retry")
    (message,) = wait_for(lambda: tokyo.drain(failed_url), "the OnFailure record")
    record = json.loads(message["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:async-fn:current")
    assert record["requestPayload"] == {"fail": True, "order": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "asked to fail"

    lam.invoke(
        FunctionName="async-fn",
        Qualifier="current",
        InvocationType="Event",
        Payload=json.dumps({"order": 8}).encode(),
    )
    (message,) = wait_for(lambda: tokyo.drain(done_url), "the OnSuccess record")
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responsePayload"] == {"ok": True}
    assert record["responseContext"]["executedVersion"] == "1"
    assert tokyo.drain(failed_url) == []


def test_async_destinations_can_be_a_function_or_a_topic(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    sink_results = tmp_path / "sink-results"
    sink = function_folder(tmp_path / "sink", "async-sink", results=sink_results)
    assert lh("-C", sink, "deploy").code == 0
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="async-failures")["TopicArn"]
    inbox_url, inbox_arn = tokyo.queue("async-inbox")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
    sink_arn = tokyo.client("lambda").get_function(FunctionName="async-sink")["Configuration"][
        "FunctionArn"
    ]
    files = {
        "event_invoke.json": {
            "MaximumRetryAttempts": 0,
            "DestinationConfig": {
                "OnSuccess": {"Destination": sink_arn},
                "OnFailure": {"Destination": topic},
            },
        }
    }
    folder = function_folder(tmp_path / "fn", "async-source", results=tmp_path / "r", files=files)
    assert lh("-C", folder, "deploy").code == 0
    lam = tokyo.client("lambda")
    lam.invoke(
        FunctionName="async-source",
        Qualifier="current",
        InvocationType="Event",
        Payload=json.dumps({"order": 1}).encode(),
    )
    (seen,) = wait_for(lambda: results_of(sink_results), "the record in the destination function")
    assert seen["event"]["requestContext"]["condition"] == "Success"
    assert seen["event"]["requestPayload"] == {"order": 1}
    lam.invoke(
        FunctionName="async-source",
        Qualifier="current",
        InvocationType="Event",
        Payload=json.dumps({"fail": True}).encode(),
    )
    (message,) = wait_for(lambda: tokyo.drain(inbox_url), "the record through the topic")
    record = json.loads(json.loads(message["Body"])["Message"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1  # no retry asked


def test_a_failing_stream_batch_is_retried_then_sent_to_on_failure(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    ddb = tokyo.client("dynamodb")
    table = ddb.create_table(
        TableName="flaky",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    failed_url, failed_arn = tokyo.queue("stream-failed")
    failing = RECORDING_HANDLER.replace(
        '            note(kind=record.get("eventSource"), record=record)',
        '            note(kind=record.get("eventSource"), record=record)\n'
        '            raise RuntimeError("cannot handle it")',
    )
    results = tmp_path / "results"
    files = {
        "event_sources.json": [
            {
                "EventSourceArn": table["LatestStreamArn"],
                "StartingPosition": "TRIM_HORIZON",
                "MaximumRetryAttempts": 1,
                "DestinationConfig": {"OnFailure": {"Destination": failed_arn}},
            }
        ]
    }
    folder = function_folder(
        tmp_path / "fn", "flaky-reader", results=results, source=failing, files=files
    )
    assert lh("-C", folder, "deploy").code == 0
    ddb.put_item(TableName="flaky", Item={"id": {"S": "x"}})
    (message,) = wait_for(lambda: tokyo.drain(failed_url), "the OnFailure record")
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2  # the try and one retry
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1
    assert record["DDBStreamBatchInfo"]["streamArn"] == table["LatestStreamArn"]
    assert len(results_of(results)) == 2
    ddb.put_item(TableName="flaky", Item={"id": {"S": "y"}})  # the shard goes on after it
    wait_for(lambda: len(results_of(results)) == 4, "the next record, tried twice")
