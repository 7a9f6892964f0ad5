"""The event sources' side of moto, behind the same wall as ``moto_facade``: SQS queues (read,
receive, delete, wait), DynamoDB and Kinesis stream records, EventBridge Scheduler schedules,
and SNS notifications for Lambda subscriptions, handed out as plain data. With ``moto_facade``
it is the only module that imports moto (``moto_facade`` is at its size limit; this one holds
what the trigger rooms need).

moto would deliver SQS messages, stream records and SNS notifications to Lambda itself, through
Docker, when it knows a mapping; the sandbox never tells it about one (mappings live in the
``event_source_mappings`` room), so moto never tries and the rooms deliver instead. An SNS
subscription with the ``lambda`` protocol is moto's own, though: ``follow_sns_lambda`` takes
its delivery away from moto (which would answer Publish with a 500 without Docker) and hands
each notification that passes the subscription's FilterPolicy (moto's matcher, both scopes) to
the sandbox's ``sns_delivery`` room.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: moto's SQS reads "now" through these two names; the sandbox clock replaces them.
_SQS_CLOCK = ("unix_time", "unix_time_millis")


@dataclass(frozen=True)
class SnsNotification:
    """One message a topic hands to a ``lambda`` subscription (after its filter policy)."""

    topic_arn: str
    subscription_arn: str
    #: the function's ARN as subscribed (qualified or not)
    endpoint: str
    message_id: str
    #: the message for this protocol (MessageStructure json: its "lambda" or "default" entry)
    message: str
    subject: str | None
    #: name -> {"Type": ..., "Value": ...} (binary values base64)
    message_attributes: dict[str, dict[str, Any]]
    #: the subscription's RedrivePolicy dead-letter queue, if any
    dead_letter_arn: str | None = None


@dataclass(frozen=True)
class QueueInfo:
    """An SQS queue as the poller needs it."""

    account: str
    region: str
    name: str
    arn: str
    visibility_timeout: int
    fifo: bool


@dataclass(frozen=True)
class QueueMessage:
    """One received message, in the fields Lambda's SQS event carries."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, str]
    message_attributes: dict[str, Any]
    md5_of_body: str


class MotoEvents:
    """Queues, streams and schedules of moto, under the facade's lock."""

    def __init__(self, transaction: Callable[[], Any]) -> None:
        #: the facade's ``transaction`` (one lock over every moto read and write)
        self._transaction = transaction

    # -- SQS -------------------------------------------------------------------------------
    @staticmethod
    def _sqs(account: str, region: str) -> Any:
        from moto.sqs.models import sqs_backends

        return sqs_backends[account][region]

    def queue(self, arn: str) -> QueueInfo | None:
        """The queue an ARN names, None when it does not exist."""
        parts = arn.split(":")
        if len(parts) < 6:
            return None
        region, account, name = parts[3], parts[4], parts[5]
        with self._transaction():
            found = self._sqs(account, region).queues.get(name)
            if found is None:
                return None
            return QueueInfo(
                account,
                region,
                name,
                str(found.queue_arn),
                int(found.visibility_timeout or 30),
                bool(found.fifo_queue),
            )

    def receive(self, queue: QueueInfo, count: int) -> list[QueueMessage]:
        """Receive up to ``count`` visible messages (no waiting); moto moves those past their
        queue's maxReceiveCount to its dead-letter queue as SQS does."""
        with self._transaction():
            backend = self._sqs(queue.account, queue.region)
            if queue.name not in backend.queues:
                return []
            got = backend.receive_message(queue.name, count, 0, queue.visibility_timeout, ["All"])
            return [_message(m, queue.fifo) for m in got]

    def wait(self, queue: QueueInfo, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a message to be visible (outside the lock)."""
        with self._transaction():
            found = self._sqs(queue.account, queue.region).queues.get(queue.name)
        if found is not None:
            found.wait_for_messages(timeout)

    def delete(self, queue: QueueInfo, receipt_handles: list[str]) -> None:
        """Delete received messages (a handle already deleted or unknown is skipped)."""
        from moto.sqs.exceptions import ReceiptHandleIsInvalid

        with self._transaction():
            backend = self._sqs(queue.account, queue.region)
            for handle in receipt_handles:
                try:
                    backend.delete_message(queue.name, handle)
                except (ReceiptHandleIsInvalid, KeyError):
                    continue

    @staticmethod
    def follow_clock(now: Callable[[], float]) -> Callable[[], None]:
        """Make SQS's visibility timeouts, delays and retention run on the sandbox clock
        (``now``: epoch seconds). Returns the function that gives SQS its own clock back."""
        import moto.sqs.models as sqs_models
        from moto.core import utils

        replaced = {
            "unix_time": lambda dt=None: now() if dt is None else utils.unix_time(dt),
            "unix_time_millis": lambda dt=None: (
                now() * 1000 if dt is None else utils.unix_time_millis(dt)
            ),
        }
        for name in _SQS_CLOCK:
            setattr(sqs_models, name, replaced[name])

        def restore() -> None:
            for name in _SQS_CLOCK:
                if getattr(sqs_models, name) is replaced[name]:
                    setattr(sqs_models, name, getattr(utils, name))

        return restore

    # -- DynamoDB Streams ------------------------------------------------------------------
    def dynamodb_records(self, stream_arn: str, start: int) -> tuple[list[dict[str, Any]], int]:
        """The stream's records from position ``start`` (a list index), and the position after
        them; ([], -1) when the stream does not exist."""
        table = self._table_of_stream(stream_arn)
        if table is None:
            return [], -1
        region = stream_arn.split(":")[3]
        with self._transaction():
            items = list(table.stream_shard.items) if table.stream_shard else []
        out = []
        for record in items[start:]:
            doc = _plain(dict(record.to_json()))
            doc["awsRegion"] = region
            doc["eventSourceARN"] = stream_arn
            out.append(doc)
        return out, len(items)

    def dynamodb_stream_length(self, stream_arn: str) -> int:
        """How many records the stream holds (-1: no such stream)."""
        return self.dynamodb_records(stream_arn, 10**12)[1]

    def _table_of_stream(self, stream_arn: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        parts = stream_arn.split(":")
        if len(parts) < 6 or "/stream/" not in parts[5]:
            return None
        table_name = parts[5].split("/")[1]
        with self._transaction():
            table = dynamodb_backends[parts[4]][parts[3]].tables.get(table_name)
            if table is None or table.stream_shard is None:
                return None
            if f"{table.table_arn}/stream/{table.latest_stream_label}" != stream_arn:
                return None
            return table

    # -- Kinesis ---------------------------------------------------------------------------
    def kinesis_records(
        self, stream_arn: str, positions: dict[str, int]
    ) -> dict[str, list[dict[str, Any]]] | None:
        """Per shard, the records after the sequence number in ``positions`` (0: from the
        start), in Lambda's ``kinesis`` shape; None when the stream does not exist."""
        from moto.kinesis.models import kinesis_backends

        parts = stream_arn.split(":")
        if len(parts) < 6:
            return None
        name = parts[5].split("/", 1)[-1].split("/consumer/")[0]
        with self._transaction():
            stream = kinesis_backends[parts[4]][parts[3]].streams.get(name)
            if stream is None:
                return None
            out: dict[str, list[dict[str, Any]]] = {}
            for shard_id, shard in stream.shards.items():
                after = positions.get(shard_id, 0)
                out[shard_id] = [
                    {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": record.partition_key,
                        "sequenceNumber": str(record.sequence_number),
                        "data": record.data,
                        "approximateArrivalTimestamp": float(record.created_at),
                    }
                    for number, record in shard.records.items()
                    if int(number) > after
                ]
            return out

    def kinesis_last_sequences(self, stream_arn: str) -> dict[str, int]:
        """Each shard's last sequence number now (where LATEST starts)."""
        found = self.kinesis_records(stream_arn, {}) or {}
        return {
            shard: max((int(r["sequenceNumber"]) for r in records), default=0)
            for shard, records in found.items()
        }

    # -- EventBridge Scheduler -------------------------------------------------------------
    def schedules(self, account: str, region: str) -> list[dict[str, Any]]:
        """Every schedule of an account in a region, as GetSchedule reports it."""
        from moto.scheduler.models import scheduler_backends

        with self._transaction():
            backend = scheduler_backends[account][region]
            return [
                dict(s.to_dict())
                for group in list(backend.schedule_groups.values())
                for s in list(group.schedules.values())
            ]

    def delete_schedule(self, account: str, region: str, group: str, name: str) -> None:
        """Delete a one-time schedule after it ran (ActionAfterCompletion DELETE)."""
        from moto.scheduler.models import scheduler_backends

        with self._transaction():
            found = scheduler_backends[account][region].schedule_groups.get(group)
            if found is not None:
                found.schedules.pop(name, None)

    # -- SNS -------------------------------------------------------------------------------
    @staticmethod
    def follow_sns_lambda(heard: Callable[[SnsNotification], None]) -> Callable[[], None]:
        """From now on moto hands each notification of a ``lambda`` subscription to ``heard``
        (in the thread serving the Publish) instead of invoking the function through Docker;
        other protocols stay moto's. Returns the function that gives moto its delivery back."""
        from moto.sns.models import Subscription

        original = Subscription.publish

        def publish(sub: Any, message: str, message_id: str, **kw: Any) -> None:
            if sub.protocol != "lambda":
                return original(sub, message, message_id, **kw)
            attributes = kw.get("message_attributes") or {}
            matcher = sub._filter_policy_matcher
            if matcher is not None and not matcher.matches(attributes, message):
                return None
            if kw.get("message_structure") == "json":
                message = sub._parse_message_structure(message, sub.protocol)
            heard(_notification(sub, message, message_id, kw.get("subject"), attributes))
            return None

        publish.__wrapped__ = original  # type: ignore[attr-defined]
        Subscription.publish = publish  # type: ignore[method-assign]

        def restore() -> None:
            if Subscription.publish is publish:
                Subscription.publish = original  # type: ignore[method-assign]

        return restore


def _notification(
    sub: Any, message: str, message_id: str, subject: str | None, attributes: dict[str, Any]
) -> SnsNotification:
    import json

    dead_letter = None
    redrive = (sub.attributes or {}).get("RedrivePolicy")
    if redrive:
        try:
            dead_letter = json.loads(redrive).get("deadLetterTargetArn")
        except (ValueError, AttributeError):
            dead_letter = None
    return SnsNotification(
        topic_arn=str(sub.topic.arn),
        subscription_arn=str(sub.arn),
        endpoint=str(sub.endpoint),
        message_id=str(message_id),
        message=message if isinstance(message, str) else str(message),
        subject=subject or None,
        message_attributes={
            str(name): {"Type": str(value.get("Type")), "Value": value.get("Value")}
            for name, value in attributes.items()
        },
        dead_letter_arn=str(dead_letter) if dead_letter else None,
    )


def _message(message: Any, fifo: bool) -> QueueMessage:
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": str(getattr(message, "sender_id", "") or "AIDAIENQZJOLO23YVJ4VO"),
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if fifo:
        attributes["SequenceNumber"] = str(getattr(message, "sequence_number", "") or "")
        attributes["MessageGroupId"] = str(message.group_id or "")
        attributes["MessageDeduplicationId"] = str(message.deduplication_id or "")
    attrs = {}
    for name, value in (message.message_attributes or {}).items():
        entry: dict[str, Any] = {"dataType": value.get("DataType", "String")}
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = value["BinaryValue"]
        entry.update(stringListValues=[], binaryListValues=[])
        attrs[name] = entry
    return QueueMessage(
        message_id=str(message.id),
        receipt_handle=str(message.receipt_handle),
        body=message.body if isinstance(message.body, str) else str(message.body),
        attributes=attributes,
        message_attributes=attrs,
        md5_of_body=str(message.body_md5),
    )


def _plain(value: Any) -> Any:
    """moto's record values made JSON-ready (datetimes as epoch seconds, bytes as base64)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
