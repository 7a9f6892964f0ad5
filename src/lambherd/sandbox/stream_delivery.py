"""DynamoDB Streams and Kinesis -> Lambda: the sandbox reads the records moto keeps for each
Enabled stream mapping and invokes its function, shard by shard, in order.

As Lambda does: ``StartingPosition`` TRIM_HORIZON reads from the oldest record, LATEST from the
records written after the mapping was enabled; batches of up to ``BatchSize`` (gathered for
``MaximumBatchingWindowInSeconds``); records ``FilterCriteria`` rejects are skipped. A failed
batch is retried (in order, the shard waits) until it succeeds or ``MaximumRetryAttempts`` (-1:
for ever) or ``MaximumRecordAgeInSeconds`` is exhausted; then the batch is skipped and, with
``DestinationConfig.OnFailure``, a record describing it (``KinesisBatchInfo`` /
``DDBStreamBatchInfo``) goes to that queue or topic. With ``ReportBatchItemFailures`` the shard
goes on after the last success and retries from the first failed record. Not done:
``BisectBatchOnFunctionError``, ``ParallelizationFactor`` above 1, tumbling windows (their
settings are kept and reported, the batches are not split or windowed).
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lambherd.errors import LambherdError
from lambherd.sandbox.mapping_workers import MappingWorkers
from lambherd.sandbox.moto_events import MotoEvents
from lambherd.triggers import sources
from lambherd.triggers.filter_patterns import record_passes

log = logging.getLogger("lambherd.sandbox")
IDLE_WAIT_S = 0.2
RETRY_WAIT_S = 0.5


class StreamDelivery(MappingWorkers):
    """Readers of the Enabled Kinesis and DynamoDB stream mappings."""

    kinds = sources.STREAMS
    prefix = "stream"

    def __init__(
        self,
        mappings: Any,
        events: MotoEvents,
        invoke: Callable[..., Any],
        send: Callable[[str, dict[str, Any], str], None],
        now: Callable[[], float],
    ) -> None:
        self.mappings = mappings
        self.events = events
        self.invoke = invoke
        self.send = send
        self.now = now
        super().__init__()

    # -- one mapping -----------------------------------------------------------------------
    def _work(self, uuid: str) -> None:
        positions: dict[str, int] | None = None
        attempts: dict[str, int] = {}
        while not self._stop.is_set():
            mapping = self.mappings.get(uuid)
            if mapping is None:
                return
            if mapping.state != "Enabled":
                if mapping.state == "Disabled" and positions is not None:
                    positions = None
                    self.mappings.keep_positions(uuid, None)
                self._stop.wait(IDLE_WAIT_S / 4)
                continue
            arn = str(mapping.doc.get("EventSourceArn"))
            if positions is None:
                positions = self._start(mapping, arn)
            pending = self._pending(mapping, arn, positions)
            if not any(pending.values()):
                self._stop.wait(IDLE_WAIT_S)
                continue
            for shard, records in pending.items():
                if records and not self._stop.is_set():
                    self._batch(mapping, arn, shard, records, positions, attempts)
                    self.mappings.keep_positions(uuid, positions)  # kept by the next snapshot

    @staticmethod
    def _start(mapping: Any, arn: str) -> dict[str, int]:
        """Where reading starts: where it got to (a restored mapping), else the position the
        mapping room fixed when the mapping was made."""
        return dict(mapping.start if mapping.positions is None else mapping.positions)

    def _pending(
        self, mapping: Any, arn: str, positions: dict[str, int]
    ) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        """Per shard, (position after it, Lambda record) of the records not yet delivered."""
        if mapping.kind == sources.DYNAMODB:
            start = positions.get("shard", 0)
            records, _end = self.events.dynamodb_records(arn, start)
            return {"shard": [(start + i + 1, r) for i, r in enumerate(records)]}
        found = self.events.kinesis_records(arn, positions) or {}
        region = arn.split(":")[3]
        out = {}
        for shard, records in found.items():
            out[shard] = [
                (
                    int(r["sequenceNumber"]),
                    {
                        "kinesis": r,
                        "eventSource": "aws:kinesis",
                        "eventVersion": "1.0",
                        "eventID": f"{shard}:{r['sequenceNumber']}",
                        "eventName": "aws:kinesis:record",
                        "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
                        "awsRegion": region,
                        "eventSourceARN": arn,
                    },
                )
                for r in records
            ]
        return out

    def _batch(
        self,
        mapping: Any,
        arn: str,
        shard: str,
        records: list[tuple[int, dict[str, Any]]],
        positions: dict[str, int],
        attempts: dict[str, int],
    ) -> None:
        doc = mapping.doc
        size = int(doc.get("BatchSize") or sources.BATCH_DEFAULT_OTHERS)
        window = float(doc.get("MaximumBatchingWindowInSeconds") or 0)
        if len(records) < size and window > 0 and self._age(records[0][1]) < window:
            self._stop.wait(min(window, IDLE_WAIT_S))
            return
        batch = records[:size]
        filters = (doc.get("FilterCriteria") or {}).get("Filters") or []
        passing = [(p, r) for p, r in batch if record_passes(filters, _decoded(r), "data")]
        if not passing:
            positions[shard] = batch[-1][0]
            return
        payload = json.dumps({"Records": [r for _, r in passing]}).encode()
        outcome, failed_at = self._invoke(mapping, payload, passing)
        if outcome == "ok":
            positions[shard] = batch[-1][0]
            attempts.pop(shard, None)
            self.mappings.record_result(mapping.uuid, "OK")
            return
        if failed_at is not None and failed_at > 0:  # partial success: go on after it
            positions[shard] = passing[failed_at - 1][0]
        attempts[shard] = attempts.get(shard, 0) + 1
        self.mappings.record_result(mapping.uuid, "PROBLEM: Function call failed")
        limit = doc.get("MaximumRetryAttempts", -1)
        age_limit = doc.get("MaximumRecordAgeInSeconds", -1)
        too_old = (
            isinstance(age_limit, int) and age_limit > 0 and self._age(passing[0][1]) > age_limit
        )
        if (isinstance(limit, int) and 0 <= limit < attempts[shard]) or too_old:
            self._discard(mapping, arn, shard, passing, attempts.pop(shard))
            positions[shard] = batch[-1][0]
            return
        self._stop.wait(RETRY_WAIT_S)

    def _invoke(
        self, mapping: Any, payload: bytes, passing: list[tuple[int, dict[str, Any]]]
    ) -> tuple[str, int | None]:
        try:
            result = self.invoke(mapping.key, mapping.qualifier, payload)
        except LambherdError:
            return "failed", None
        if result.function_error:
            return "failed", None
        if "ReportBatchItemFailures" not in (mapping.doc.get("FunctionResponseTypes") or []):
            return "ok", None
        try:
            failures = (json.loads(result.payload or b"null") or {}).get("batchItemFailures") or []
        except (ValueError, AttributeError):
            return "failed", None
        numbers = [_sequence(r) for _, r in passing]
        ids = [f.get("itemIdentifier") for f in failures if isinstance(f, dict)]
        if not ids:
            return "ok", None
        first = min((numbers.index(i) for i in ids if i in numbers), default=None)
        return ("failed", first) if first is not None else ("failed", None)

    def _discard(
        self,
        mapping: Any,
        arn: str,
        shard: str,
        passing: list[tuple[int, dict[str, Any]]],
        attempts: int,
    ) -> None:
        destination = ((mapping.doc.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if not destination:
            return
        info = "KinesisBatchInfo" if mapping.kind == sources.KINESIS else "DDBStreamBatchInfo"
        first, last = passing[0][1], passing[-1][1]
        record = {
            "requestContext": {
                "requestId": f"{mapping.uuid}-{shard}-{_sequence(first)}",
                "functionArn": mapping.doc.get("FunctionArn"),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": datetime.fromtimestamp(self.now(), UTC).isoformat().replace("+00:00", "Z"),
            info: {
                "shardId": shard,
                "startSequenceNumber": _sequence(first),
                "endSequenceNumber": _sequence(last),
                "batchSize": len(passing),
                "streamArn": arn,
            },
        }
        try:
            self.send(str(destination), record, arn.split(":")[3])
        except Exception:  # a destination that cannot be reached loses the record, as on Lambda
            log.exception("stream mapping %s: OnFailure destination failed", mapping.uuid)

    def _age(self, record: dict[str, Any]) -> float:
        stamp = (record.get("kinesis") or {}).get("approximateArrivalTimestamp")
        if stamp is None:
            stamp = (record.get("dynamodb") or {}).get("ApproximateCreationDateTime")
        return max(0.0, time.time() - float(stamp)) if isinstance(stamp, int | float) else 0.0


def _sequence(record: dict[str, Any]) -> str:
    return str(
        (record.get("kinesis") or record.get("dynamodb") or {}).get("sequenceNumber")
        or (record.get("dynamodb") or {}).get("SequenceNumber")
        or ""
    )


def _decoded(record: dict[str, Any]) -> dict[str, Any]:
    """A Kinesis record with its ``data`` decoded for filtering (as Lambda filters on it)."""
    if "kinesis" not in record:
        return record
    data = record["kinesis"].get("data", "")
    try:
        text = base64.b64decode(data).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        text = data
    return {**record["kinesis"], "data": text}
