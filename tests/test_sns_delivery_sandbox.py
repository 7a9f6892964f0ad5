"""SNS -> Lambda in the sandbox (boto3 and the AWS CLI, ap-northeast-1): a Publish or
PublishBatch to a topic with a lambda subscription invokes the function asynchronously with
Lambda's SNS event, one record per message; the subscription's FilterPolicy (both scopes)
decides, the function's resource policy must let sns.amazonaws.com invoke the endpoint (alias
or version as subscribed), a refused delivery goes to the subscription's dead-letter queue and
is named in the health answer, and the asynchronous path's retries and destinations apply."""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fidelity_testkit import aws
from sandbox_testkit import move_clock, sandbox_now
from triggers_testkit import (
    SNS_BODY_KEYS,
    SNS_RECORD_KEYS,
    TOKYO,
    Tokyo,
    function_folder,
    results_of,
    wait_for,
)

pytestmark = pytest.mark.slow

#: Notes each event it gets (with the version that ran), fails when a message says "fail".
SNS_HANDLER = """
import json, os
RESULTS = os.environ["RESULTS"]
VERSION = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]


def handler(event, context):
    with open(RESULTS, "a") as fh:
        fh.write(json.dumps({"version": VERSION, "event": event}) + "\\n")
    if any(r["Sns"]["Message"] == "fail" for r in event["Records"]):
        raise RuntimeError("asked to fail")
    return {"ok": True}
"""
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def deployed(tokyo: Tokyo, lh: Any, tmp_path: Path, name: str) -> tuple[str, Path]:
    """A function deployed with lambherd (version 1, alias ``current``): (its ARN, results)."""
    results = tmp_path / f"{name}-results"
    folder = function_folder(tmp_path / name, name, results=results, source=SNS_HANDLER)
    done = lh("-C", folder, "deploy")
    assert done.code == 0, done.err
    arn = tokyo.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    return arn, results


def allow_sns(tokyo: Tokyo, name: str, sid: str = "sns", **extra: Any) -> None:
    tokyo.client("lambda").add_permission(
        FunctionName=name,
        StatementId=sid,
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        **extra,
    )


def events_of(results: Path) -> list[dict[str, Any]]:
    return [line["event"] for line in results_of(results)]


def health(endpoint: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{endpoint}/_lambherd/health", timeout=30) as resp:
        return json.loads(resp.read())


def sns_warnings(endpoint: str) -> list[str]:
    """The health answer's warnings about SNS deliveries."""
    return [w for w in health(endpoint)["warnings"] if w.startswith("SNS ")]


def test_publish_and_publish_batch_invoke_the_function_with_the_sns_event(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    arn, results = deployed(tokyo, lh, tmp_path, "sns-reader")
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    allow_sns(tokyo, "sns-reader", SourceArn=topic)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)["SubscriptionArn"]
    before = sandbox_now(tokyo.endpoint)
    first = sns.publish(
        TopicArn=topic,
        Message='{"order": 1}',
        Subject="New order",
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "book"},
            "count": {"DataType": "Number", "StringValue": "3"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )["MessageId"]
    (event,) = wait_for(lambda: events_of(results), "the Publish delivered")
    (record,) = event["Records"]
    assert set(record) == set(SNS_RECORD_KEYS)
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == subscription
    body = record["Sns"]
    assert set(body) == set(SNS_BODY_KEYS)
    assert body["Type"] == "Notification"
    assert body["MessageId"] == first
    assert body["TopicArn"] == topic
    assert body["Subject"] == "New order"
    assert body["Message"] == '{"order": 1}'
    assert TIMESTAMP.match(body["Timestamp"]), body["Timestamp"]
    sent = datetime.fromisoformat(body["Timestamp"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= sent <= sandbox_now(tokyo.endpoint)
    assert body["SignatureVersion"] == "1"
    assert len(base64.b64decode(body["Signature"])) == 256
    assert body["SigningCertUrl"].startswith(f"https://sns.{TOKYO}.amazonaws.com/")
    assert body["SigningCertUrl"].endswith(".pem")
    assert body["UnsubscribeUrl"] == (
        f"https://sns.{TOKYO}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}"
    )
    assert body["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "book"},
        "count": {"Type": "Number", "Value": "3"},
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
    }

    answer = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[{"Id": f"m{n}", "Message": f"batch {n}"} for n in range(3)],
    )
    assert answer["Failed"] == []
    ids = {entry["MessageId"] for entry in answer["Successful"]}
    events = wait_for(lambda: (e := events_of(results)) and len(e) == 4 and e, "the batch")
    batch = events[1:]
    assert all(len(e["Records"]) == 1 for e in batch)  # one record per message
    assert {e["Records"][0]["Sns"]["MessageId"] for e in batch} == ids
    assert {e["Records"][0]["Sns"]["Message"] for e in batch} == {f"batch {n}" for n in range(3)}
    assert all(e["Records"][0]["Sns"]["Subject"] is None for e in batch)  # null, not absent
    assert all(e["Records"][0]["Sns"]["MessageAttributes"] == {} for e in batch)
    assert sns_warnings(tokyo.endpoint) == []


def test_the_filter_policy_decides_which_messages_reach_the_function(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    attrs_arn, attrs_results = deployed(tokyo, lh, tmp_path, "sns-by-attributes")
    body_arn, body_results = deployed(tokyo, lh, tmp_path, "sns-by-body")
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="filtered")["TopicArn"]
    for name in ("sns-by-attributes", "sns-by-body"):
        allow_sns(tokyo, name, SourceArn=topic)
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=attrs_arn,
        Attributes={
            "FilterPolicy": json.dumps({"kind": ["book"], "count": [{"numeric": [">", 2]}]})
        },
    )
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=body_arn,
        Attributes={
            "FilterPolicy": json.dumps({"order": {"kind": [{"prefix": "bo"}]}}),
            "FilterPolicyScope": "MessageBody",
        },
    )

    def publish(message: dict[str, Any], kind: str, count: str) -> None:
        sns.publish(
            TopicArn=topic,
            Message=json.dumps(message),
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": kind},
                "count": {"DataType": "Number", "StringValue": count},
            },
        )

    publish({"n": 1, "order": {"kind": "pen"}}, "book", "3")  # attributes only
    publish({"n": 2, "order": {"kind": "book"}}, "book", "1")  # body only (count too low)
    publish({"n": 3, "order": {"kind": "bowl"}}, "pen", "9")  # body only
    publish({"n": 4, "order": {"kind": "box"}}, "book", "5")  # both
    publish({"n": 5, "order": {"kind": "pen"}}, "pen", "1")  # neither
    publish({"n": 6}, "book", "2")  # neither (2 is not > 2; no order)

    def numbers(results: Path) -> list[int]:
        return sorted(
            json.loads(e["Records"][0]["Sns"]["Message"])["n"] for e in events_of(results)
        )

    wait_for(lambda: numbers(attrs_results) == [1, 4], "the attribute-filtered deliveries")
    wait_for(lambda: numbers(body_results) == [2, 3, 4], "the body-filtered deliveries")
    # the last message was published after the ones delivered: nothing else is on its way
    sns.publish(TopicArn=topic, Message=json.dumps({"n": 7, "order": {"kind": "book"}}))
    wait_for(lambda: numbers(body_results) == [2, 3, 4, 7], "the marker message")
    assert numbers(attrs_results) == [1, 4]


def test_a_qualified_endpoint_runs_its_alias_when_the_alias_allows_sns(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    arn, results = deployed(tokyo, lh, tmp_path, "sns-alias")
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="to-alias")["TopicArn"]
    dlq_url, dlq_arn = tokyo.queue("to-alias-dlq")
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=f"{arn}:current",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})},
    )
    # a permission on the unqualified function does not cover its alias (Lambda's rule)
    allow_sns(tokyo, "sns-alias", "whole-function", SourceArn=topic)
    refused = sns.publish(TopicArn=topic, Message="not yet")["MessageId"]
    (dead,) = wait_for(lambda: tokyo.drain(dlq_url), "the refused message in the DLQ")
    assert json.loads(dead["Body"])["MessageId"] == refused
    assert json.loads(dead["Body"])["Message"] == "not yet"
    assert any(
        refused in line and "AccessDeniedException" in line for line in sns_warnings(tokyo.endpoint)
    )
    assert events_of(results) == []

    allow_sns(tokyo, "sns-alias", "alias", Qualifier="current", SourceArn=topic)
    sns.publish(TopicArn=topic, Message="now")
    (line,) = wait_for(lambda: results_of(results), "the delivery to the alias")
    assert line["version"] == "1"  # the alias's version ran, not $LATEST
    assert line["event"]["Records"][0]["Sns"]["Message"] == "now"
    assert tokyo.drain(dlq_url) == []


def test_refused_deliveries_do_not_invoke_and_never_break_publish(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    arn, results = deployed(tokyo, lh, tmp_path, "sns-guarded")
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="guarded")["TopicArn"]
    other = sns.create_topic(Name="elsewhere")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    missing = arn.replace("sns-guarded", "sns-never-made")
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=missing)
    # no policy at all, then one for another topic, then another principal: never invoked
    first = sns.publish(TopicArn=topic, Message="no policy")["MessageId"]
    allow_sns(tokyo, "sns-guarded", "other-topic", SourceArn=other)
    second = sns.publish(TopicArn=topic, Message="other topic")["MessageId"]
    tokyo.client("lambda").add_permission(
        FunctionName="sns-guarded",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
    )
    third = sns.publish(TopicArn=topic, Message="s3 only")["MessageId"]

    def warned() -> list[str]:
        lines = sns_warnings(tokyo.endpoint)
        return lines if len(lines) >= 6 else []

    lines = wait_for(warned, "the refusals named in the health answer")
    for message in (first, second, third):
        assert any(message in w and "AccessDeniedException" in w for w in lines)
        assert any(message in w and "ResourceNotFoundException" in w for w in lines)
    allow_sns(tokyo, "sns-guarded", "this-topic", SourceArn=topic)
    sns.publish(TopicArn=topic, Message="allowed")
    (event,) = wait_for(lambda: events_of(results), "the allowed delivery")
    assert event["Records"][0]["Sns"]["Message"] == "allowed"
    log = Path(health(tokyo.endpoint)["state_dir"]) / "sandbox.log"
    wait_for(lambda: first in log.read_text(), "the refusal in the sandbox log")


def test_sns_deliveries_take_the_asynchronous_path_retries_and_destinations(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    failed_url, failed_arn = tokyo.queue("sns-async-failed")
    results = tmp_path / "results"
    files = {
        "event_invoke.json": {
            "MaximumRetryAttempts": 1,
            "DestinationConfig": {"OnFailure": {"Destination": failed_arn}},
        }
    }
    folder = function_folder(
        tmp_path / "fn", "sns-async", results=results, source=SNS_HANDLER, files=files
    )
    assert lh("-C", folder, "deploy").code == 0
    arn = tokyo.client("lambda").get_function(FunctionName="sns-async")["Configuration"][
        "FunctionArn"
    ]
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="flaky")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=f"{arn}:current")
    allow_sns(tokyo, "sns-async", Qualifier="current", SourceArn=topic)
    sent = sns.publish(TopicArn=topic, Message="fail")["MessageId"]
    wait_for(lambda: len(results_of(results)) == 1, "the first attempt")
    move_clock(tokyo.endpoint, advance_seconds=61)  # Lambda's first retry after a minute
    wait_for(lambda: len(results_of(results)) == 2, "the retry")
    (message,) = wait_for(lambda: tokyo.drain(failed_url), "the OnFailure record")
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == f"{arn}:current"
    payload = record["requestPayload"]["Records"][0]
    assert payload["EventSource"] == "aws:sns"
    assert payload["Sns"]["MessageId"] == sent
    seen = results_of(results)
    assert seen[0]["event"] == seen[1]["event"]  # the retry carries the same event


def test_the_aws_cli_publishes_to_a_lambda_subscription(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    arn, results = deployed(tokyo, lh, tmp_path, "sns-cli")
    topic = aws("sns", "create-topic", "--name", "cli-topic")["TopicArn"]
    aws(
        "lambda",
        "add-permission",
        "--function-name",
        "sns-cli",
        "--statement-id",
        "sns",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "sns.amazonaws.com",
        "--source-arn",
        topic,
    )
    aws(
        "sns",
        "subscribe",
        "--topic-arn",
        topic,
        "--protocol",
        "lambda",
        "--notification-endpoint",
        arn,
    )
    sent = aws(
        "sns",
        "publish",
        "--topic-arn",
        topic,
        "--message",
        "from the CLI",
        "--message-attributes",
        '{"source": {"DataType": "String", "StringValue": "cli"}}',
    )["MessageId"]
    (event,) = wait_for(lambda: events_of(results), "the CLI's message delivered")
    body = event["Records"][0]["Sns"]
    assert body["MessageId"] == sent
    assert body["Message"] == "from the CLI"
    assert body["Subject"] is None
    assert body["MessageAttributes"] == {"source": {"Type": "String", "Value": "cli"}}


def test_a_journal_replay_does_not_deliver_a_publish_again(
    lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox_testkit import Sandbox, free_port, kill_sandbox, saved_state
    from triggers_testkit import tokyo_sandbox

    state = tmp_path / "state"
    first = Sandbox(state, free_port())
    first.start()
    try:
        tokyo = tokyo_sandbox(first.endpoint, monkeypatch, tmp_path)
        arn, results = deployed(tokyo, lh, tmp_path, "sns-replayed")
        sns = tokyo.client("sns")
        topic = sns.create_topic(Name="replayed")["TopicArn"]
        allow_sns(tokyo, "sns-replayed", SourceArn=topic)
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
        sns.publish(TopicArn=topic, Message="once")
        wait_for(lambda: events_of(results), "the first delivery")
    finally:
        kill_sandbox(state)  # no last snapshot: the Publish is replayed from the journal
    assert "Publish" in saved_state(state)["actions"]
    second = Sandbox(state, free_port())
    second.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", second.endpoint)
        sns = Tokyo(second.endpoint).client("sns")
        sns.publish(TopicArn=topic, Message="after the restart")

        def messages() -> list[str]:
            return [e["Records"][0]["Sns"]["Message"] for e in events_of(results)]

        wait_for(lambda: "after the restart" in messages(), "the delivery after the restart")
        assert sorted(messages()) == ["after the restart", "once"]
    finally:
        second.stop()


def test_a_permissions_json_grant_lets_the_topic_invoke_the_deployed_function(
    tokyo: Tokyo, lh: Any, tmp_path: Path
) -> None:
    sns = tokyo.client("sns")
    topic = sns.create_topic(Name="granted")["TopicArn"]
    results = tmp_path / "results"
    files = {"permissions.json": [{"Principal": "sns.amazonaws.com", "SourceArn": topic}]}
    folder = function_folder(
        tmp_path / "fn", "sns-granted", results=results, source=SNS_HANDLER, files=files
    )
    done = lh("-C", folder, "deploy")
    assert done.code == 0, done.err
    arn = tokyo.client("lambda").get_function(FunctionName="sns-granted")["Configuration"][
        "FunctionArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sent = sns.publish(TopicArn=topic, Message="granted as code")["MessageId"]
    (line,) = wait_for(lambda: results_of(results), "the delivery the grant allows")
    assert line["event"]["Records"][0]["Sns"]["MessageId"] == sent
    assert line["version"] == "$LATEST"  # the unqualified ARN runs $LATEST
    assert sns_warnings(tokyo.endpoint) == []
