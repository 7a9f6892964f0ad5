"""SQS -> Lambda: the sandbox polls each Enabled SQS mapping's queue and invokes its function.

As Lambda does: batches of up to ``BatchSize`` messages gathered for up to
``MaximumBatchingWindowInSeconds``, received with the queue's visibility timeout, invoked
synchronously with Lambda's SQS event (``Records`` of messageId, receiptHandle, body,
attributes, messageAttributes, md5OfBody, eventSource, eventSourceARN, awsRegion), at most
``ScalingConfig.MaximumConcurrency`` batches at once (default ``SQS_DEFAULT_CONCURRENCY``).
Records that ``FilterCriteria`` rejects are deleted without an invocation. After a successful
invocation the batch is deleted, or with ``ReportBatchItemFailures`` all but the
``batchItemFailures`` the function returned (an invalid response fails the whole batch). A
failed, throttled or timed-out invocation deletes nothing: the messages come back when their
visibility timeout ends, and moto moves one received ``maxReceiveCount`` times to the queue's
dead-letter queue on the next receive, as SQS does. Visibility timeouts run on the sandbox clock.

One poller thread per mapping and a pool of its batches; ``close`` stops and joins them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambherd.defaults import SQS_DEFAULT_CONCURRENCY
from lambherd.errors import LambherdError
from lambherd.sandbox.mapping_workers import MappingWorkers
from lambherd.sandbox.moto_events import MotoEvents, QueueInfo, QueueMessage
from lambherd.sandbox.state import FunctionKey
from lambherd.triggers import sources
from lambherd.triggers.filter_patterns import record_passes

log = logging.getLogger("lambherd.sandbox")
Invoke = Callable[[FunctionKey, "str | None", bytes], Any]
#: How long an idle poller waits for a message before it looks at its mapping again.
IDLE_WAIT_S = 0.2


def sqs_record(message: QueueMessage, queue: QueueInfo) -> dict[str, Any]:
    """One message as Lambda's SQS event record."""
    return {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": message.attributes,
        "messageAttributes": message.message_attributes,
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.arn,
        "awsRegion": queue.region,
    }


def failed_items(payload: bytes, ids: set[str]) -> set[str] | None:
    """The message ids a partial batch response reports as failed; None when the response
    fails the whole batch (Lambda's rules: no response, an empty or null list is success; an
    invalid document, an empty, null or unknown itemIdentifier is a complete failure)."""
    try:
        doc = json.loads(payload or b"null")
    except ValueError:
        return None
    if doc is None or doc == {} or doc == "":
        return set()
    if not isinstance(doc, dict):
        return None
    failures = doc.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    out = set()
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(ident, str) or ident not in ids:
            return None
        out.add(ident)
    return out


class SqsDelivery(MappingWorkers):
    """Pollers of the Enabled SQS mappings."""

    kinds = sources.QUEUES
    prefix = "sqs"

    def __init__(self, mappings: Any, events: MotoEvents, invoke: Invoke) -> None:
        self.mappings = mappings
        self.events = events
        self.invoke = invoke
        super().__init__()
        #: Batches delivered, invocations that failed, messages deleted (for the benchmark).
        self.counts = {"batches": 0, "failed": 0, "deleted": 0}

    # -- one mapping -----------------------------------------------------------------------
    def _work(self, uuid: str) -> None:
        pool: ThreadPoolExecutor | None = None
        slots: threading.Semaphore | None = None
        width = 0
        try:
            while not self._stop.is_set():
                mapping = self.mappings.get(uuid)
                if mapping is None:
                    return
                if mapping.state != "Enabled":
                    self._stop.wait(IDLE_WAIT_S / 4)
                    continue
                queue = self.events.queue(str(mapping.doc.get("EventSourceArn")))
                if queue is None:
                    self._stop.wait(IDLE_WAIT_S)
                    continue
                wanted = _concurrency(mapping.doc)
                if pool is None or wanted != width:
                    if pool is not None:
                        pool.shutdown(wait=True)
                    width, pool, slots = (
                        wanted,
                        ThreadPoolExecutor(wanted),
                        threading.Semaphore(wanted),
                    )
                assert slots is not None
                if not slots.acquire(timeout=IDLE_WAIT_S):
                    continue
                batch = self._gather(mapping.doc, queue)
                if not batch:
                    slots.release()
                    self.events.wait(queue, IDLE_WAIT_S)
                    continue
                pool.submit(self._deliver, mapping, queue, batch, slots)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def _gather(self, doc: dict[str, Any], queue: QueueInfo) -> list[QueueMessage]:
        size = int(doc.get("BatchSize") or sources.BATCH_DEFAULT[sources.SQS])
        window = float(doc.get("MaximumBatchingWindowInSeconds") or 0)
        batch = self.events.receive(queue, size)
        if not batch or window <= 0:
            return batch
        deadline = time.monotonic() + window
        while len(batch) < size and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.events.wait(queue, min(left, IDLE_WAIT_S))
            batch.extend(self.events.receive(queue, size - len(batch)))
        return batch

    def _deliver(
        self, mapping: Any, queue: QueueInfo, batch: list[QueueMessage], slots: Any
    ) -> None:
        try:
            self._deliver_batch(mapping, queue, batch)
        except Exception:  # a bug of ours must not stop the poller
            log.exception("SQS delivery from %s failed", queue.arn)
        finally:
            slots.release()

    def _deliver_batch(self, mapping: Any, queue: QueueInfo, batch: list[QueueMessage]) -> None:
        records = [sqs_record(m, queue) for m in batch]
        filters = (mapping.doc.get("FilterCriteria") or {}).get("Filters") or []
        passing = [r for r in records if record_passes(filters, r, "body")]
        rejected = [r["receiptHandle"] for r in records if r not in passing]
        if rejected:
            self._delete(queue, rejected)
        if not passing:
            return
        payload = json.dumps({"Records": passing}).encode()
        try:
            result = self.invoke(mapping.key, mapping.qualifier, payload)
        except LambherdError as exc:  # throttled, no such function...: they come back later
            self._failed(mapping, f"PROBLEM: {exc.message}")
            return
        self._count("batches", 1)
        if result.function_error:
            self._failed(mapping, "PROBLEM: Function call failed")
            return
        handles = {r["messageId"]: r["receiptHandle"] for r in passing}
        done = list(handles)
        if "ReportBatchItemFailures" in (mapping.doc.get("FunctionResponseTypes") or []):
            failed = failed_items(result.payload, set(handles))
            if failed is None:
                self._failed(
                    mapping, "PROBLEM: Function returned an invalid partial batch response"
                )
                return
            done = [i for i in handles if i not in failed]
        self._delete(queue, [handles[i] for i in done])
        self.mappings.record_result(mapping.uuid, "OK")

    def _delete(self, queue: QueueInfo, receipts: list[str]) -> None:
        self.events.delete(queue, receipts)
        self._count("deleted", len(receipts))

    def _failed(self, mapping: Any, result: str) -> None:
        self._count("failed", 1)
        self.mappings.record_result(mapping.uuid, result)

    def _count(self, what: str, n: int) -> None:
        with self._lock:
            self.counts[what] += n


def _concurrency(doc: dict[str, Any]) -> int:
    wanted = (doc.get("ScalingConfig") or {}).get("MaximumConcurrency")
    return int(wanted) if isinstance(wanted, int) and wanted >= 2 else SQS_DEFAULT_CONCURRENCY
