"""The pure parts of SNS -> Lambda in the sandbox (no server): Lambda's SNS event built from a
notification, SNS's timestamp format, the queue shape a dead-letter queue receives, and the
resource-policy decision whether SNS may invoke a function ARN."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from lambherd.sandbox.moto_events import SnsNotification
from lambherd.sandbox.sns_delivery import (
    notification_document,
    sns_event,
    sns_may_invoke,
    sns_timestamp,
)
from triggers_testkit import SNS_BODY_KEYS, SNS_RECORD_KEYS

TOPIC = "arn:aws:sns:eu-west-1:123456789012:orders"
SUBSCRIPTION = f"{TOPIC}:0f1e2d3c-aaaa-bbbb-cccc-111122223333"
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:reader"
AT = datetime(2026, 3, 4, 5, 6, 7, 89_000, tzinfo=UTC)


def notification(**change: Any) -> SnsNotification:
    fields: dict[str, Any] = {
        "topic_arn": TOPIC,
        "subscription_arn": SUBSCRIPTION,
        "endpoint": FUNCTION,
        "message_id": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "message": "Hello from SNS!",
        "subject": None,
        "message_attributes": {},
        **change,
    }
    return SnsNotification(**fields)


def test_the_event_has_one_record_in_lambdas_sns_shape() -> None:
    attrs = {"kind": {"Type": "String", "Value": "book"}, "n": {"Type": "Number", "Value": "3"}}
    event = sns_event(notification(subject="Hi", message_attributes=attrs), AT)
    (record,) = event["Records"]
    assert list(record) == list(SNS_RECORD_KEYS)
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == SUBSCRIPTION
    body = record["Sns"]
    assert list(body) == list(SNS_BODY_KEYS)
    assert body["Type"] == "Notification"
    assert body["MessageId"] == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    assert body["TopicArn"] == TOPIC
    assert body["Subject"] == "Hi"
    assert body["Message"] == "Hello from SNS!"
    assert body["Timestamp"] == "2026-03-04T05:06:07.089Z"
    assert body["SignatureVersion"] == "1"
    assert len(base64.b64decode(body["Signature"], validate=True)) == 256
    assert body["SigningCertUrl"].startswith("https://sns.eu-west-1.amazonaws.com/Simple")
    assert body["UnsubscribeUrl"] == (
        f"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SUBSCRIPTION}"
    )
    assert body["MessageAttributes"] == attrs


def test_a_missing_subject_is_null_and_no_attributes_an_empty_map() -> None:
    body = sns_event(notification(), AT)["Records"][0]["Sns"]
    assert "Subject" in body and body["Subject"] is None
    assert body["MessageAttributes"] == {}


def test_the_signature_follows_the_signed_fields() -> None:
    one = sns_event(notification(), AT)["Records"][0]["Sns"]["Signature"]
    again = sns_event(notification(), AT)["Records"][0]["Sns"]["Signature"]
    other = sns_event(notification(message="changed"), AT)["Records"][0]["Sns"]["Signature"]
    later = sns_event(notification(), AT + timedelta(seconds=1))["Records"][0]["Sns"]
    assert one == again
    assert len({one, other, later["Signature"]}) == 3


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC), "2026-01-02T03:04:05.999Z"),
        (  # another zone is given in UTC
            datetime(2026, 1, 2, 12, 0, tzinfo=timezone(timedelta(hours=9))),
            "2026-01-02T03:00:00.000Z",
        ),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05.000Z"),  # naive: UTC
    ],
)
def test_timestamps_are_utc_with_milliseconds(at: datetime, expected: str) -> None:
    assert sns_timestamp(at) == expected


def test_the_dead_letter_document_is_the_queue_shape() -> None:
    doc = notification_document(notification(), AT)
    assert "Subject" not in doc and "MessageAttributes" not in doc
    assert doc["SigningCertURL"].endswith(".pem") and "UnsubscribeURL" in doc
    with_both = notification_document(
        notification(subject="S", message_attributes={"a": {"Type": "String", "Value": "b"}}), AT
    )
    assert with_both["Subject"] == "S"
    assert with_both["MessageAttributes"] == {"a": {"Type": "String", "Value": "b"}}


def allow(resource: str = FUNCTION, **statement: Any) -> dict[str, Any]:
    return {
        "Sid": "sns",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": resource,
        **statement,
    }


ACCOUNT = "123456789012"


@pytest.mark.parametrize(
    ("statements", "endpoint", "allowed"),
    [
        ([], FUNCTION, False),
        ([allow()], FUNCTION, True),
        ([allow()], f"{FUNCTION}:$LATEST", True),
        ([allow(f"{FUNCTION}:$LATEST")], FUNCTION, True),
        # an unqualified permission does not cover an alias, nor an alias's its function
        ([allow()], f"{FUNCTION}:live", False),
        ([allow(f"{FUNCTION}:live")], f"{FUNCTION}:live", True),
        ([allow(f"{FUNCTION}:live")], FUNCTION, False),
        ([allow(f"{FUNCTION}:live")], f"{FUNCTION}:1", False),
        ([allow(f"{FUNCTION}:*")], f"{FUNCTION}:live", True),
        # the principal
        ([allow(Principal={"Service": "s3.amazonaws.com"})], FUNCTION, False),
        ([allow(Principal={"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]})], FUNCTION, True),
        ([allow(Principal="*")], FUNCTION, True),
        ([allow(Principal={"AWS": "arn:aws:iam::123456789012:root"})], FUNCTION, False),
        # the action
        ([allow(Action="lambda:GetFunction")], FUNCTION, False),
        ([allow(Action=["lambda:GetFunction", "lambda:*"])], FUNCTION, True),
        # conditions on the topic and its account
        ([allow(Condition={"ArnLike": {"AWS:SourceArn": TOPIC}})], FUNCTION, True),
        ([allow(Condition={"ArnLike": {"AWS:SourceArn": f"{TOPIC}-x"}})], FUNCTION, False),
        ([allow(Condition={"ArnLike": {"AWS:SourceArn": "arn:aws:sns:*:*:ord*"}})], FUNCTION, True),
        ([allow(Condition={"ArnEquals": {"aws:SourceArn": TOPIC}})], FUNCTION, True),
        ([allow(Condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}})], FUNCTION, True),
        (
            [allow(Condition={"StringEquals": {"AWS:SourceAccount": "210987654321"}})],
            FUNCTION,
            False,
        ),
        (
            [
                allow(
                    Condition={
                        "ArnLike": {"AWS:SourceArn": TOPIC},
                        "StringEquals": {"AWS:SourceAccount": ACCOUNT},
                    }
                )
            ],
            FUNCTION,
            True,
        ),
        # a key SNS does not send fails its condition, unless IfExists
        ([allow(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}})], FUNCTION, False),
        (
            [allow(Condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}})],
            FUNCTION,
            True,
        ),
        # a matching Deny wins over an Allow; one for another topic does not
        ([allow(), allow(Effect="Deny")], FUNCTION, False),
        (
            [allow(), allow(Effect="Deny", Condition={"ArnLike": {"AWS:SourceArn": "x"}})],
            FUNCTION,
            True,
        ),
    ],
)
def test_whether_sns_may_invoke(
    statements: list[dict[str, Any]], endpoint: str, allowed: bool
) -> None:
    assert sns_may_invoke(statements, endpoint, TOPIC, ACCOUNT) is allowed
