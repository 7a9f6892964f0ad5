"""Journal compaction: invocation logs and metrics rewritten as a few batched requests.

Every invocation appends PutLogEvents and PutMetricData requests to the journal, so restart time
grows with use. Compaction keeps every other request as it was, in order, drops those two kinds
and appends requests rebuilt from the current state of the sandbox's CloudWatch (moto's stored
log events and datapoints): one batch per log stream (and per few thousand events), a few
PutMetricData per namespace. Replaying the compacted journal gives the same functions, versions,
aliases, code, URL configs, tags, log events and datapoints. The rebuilt requests are serialised
by botocore, so they have the wire form a client would send. Kept requests keep their recorded
times; a rebuilt log batch is recorded at its latest event's ingestion time.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambherd.defaults import SANDBOX_ACCOUNT_ID
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.persistence import Journal, RecordedRequest, action_of
from lambherd.sandbox.recorder import RequestRecorder
from lambherd.sandbox.state import MetricPoint

log = logging.getLogger("lambherd.sandbox")

#: The requests compaction replaces with batches rebuilt from state.
REBUILT_ACTIONS = frozenset({"PutLogEvents", "PutMetricData"})
LOG_BATCH_EVENTS = 5000
LOG_BATCH_BYTES = 800_000
METRIC_BATCH = 500
DEFAULT_THRESHOLD_MB = 1.0


def threshold_bytes() -> int:
    """``$LAMBHERD_SANDBOX_COMPACT_MB`` (journal size that triggers compaction), default 1 MB."""
    return int(float(os.environ.get("LAMBHERD_SANDBOX_COMPACT_MB", DEFAULT_THRESHOLD_MB)) * 2**20)


def record_action(record: RecordedRequest) -> str | None:
    """The API action of a journaled request (JSON target, RPCv2 path, or query ``Action``)."""
    headers = {k.lower(): v for k, v in record.headers.items()}
    return action_of(
        headers.get("x-amz-target"),
        record.path,
        record.query,
        headers.get("content-type", ""),
        record.body,
    )


@dataclass(frozen=True)
class CompactionResult:
    """What one compaction did."""

    entries_before: int
    entries_after: int
    bytes_before: int
    bytes_after: int


def rebuilt_requests(
    recorder: RequestRecorder, facade: MotoFacade, account_id: str = SANDBOX_ACCOUNT_ID
) -> Iterator[RecordedRequest]:
    """Batched PutLogEvents / PutMetricData that recreate moto's stored events and datapoints."""
    for stream in facade.log_streams(account_id):
        events = sorted(stream.events, key=lambda e: e[0])
        for batch, latest in _log_batches(events):
            record = recorder.record(
                "logs",
                stream.region,
                "put_log_events",
                logGroupName=stream.group,
                logStreamName=stream.stream,
                logEvents=batch,
            )
            # replayed, the batch is ingested when its latest event was
            yield dataclasses.replace(record, at=latest / 1000 if latest else None)
    by_region: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for region, point in facade.metric_points(account_id):
        by_region.setdefault(region, {}).setdefault(point.namespace, []).append(_datum(point))
    for region, by_namespace in by_region.items():
        for namespace, data in by_namespace.items():
            for i in range(0, len(data), METRIC_BATCH):
                yield recorder.record(
                    "cloudwatch",
                    region,
                    "put_metric_data",
                    Namespace=namespace,
                    MetricData=data[i : i + METRIC_BATCH],
                )


def _log_batches(
    events: list[tuple[int, str, int]],
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """PutLogEvents batches of ``(timestamp, message, ingestion time)`` events, each with its
    latest ingestion time (ms, or 0)."""
    batch: list[dict[str, Any]] = []
    size = latest = 0
    for timestamp, message, ingested in events:
        cost = len(message.encode("utf-8")) + 26  # Lambda's per-event overhead
        if batch and (len(batch) >= LOG_BATCH_EVENTS or size + cost > LOG_BATCH_BYTES):
            yield batch, latest
            batch, size, latest = [], 0, 0
        batch.append({"timestamp": timestamp, "message": message})
        size += cost
        latest = max(latest, ingested)
    if batch:
        yield batch, latest


def _datum(point: MetricPoint) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "MetricName": point.name,
        "Dimensions": [{"Name": n, "Value": v} for n, v in point.dimensions],
        "Timestamp": point.timestamp,
    }
    if point.unit:
        doc["Unit"] = point.unit
    if point.value is not None:
        doc["Value"] = point.value
    else:  # a datum put as StatisticValues
        doc["StatisticValues"] = point.statistics
    return doc


def compact(
    journal: Journal,
    *,
    facade: MotoFacade,
    lock: threading.RLock | None = None,
    rebuild: Callable[[], Iterator[RecordedRequest]] | None = None,
) -> CompactionResult | None:
    """Rewrite ``journal`` with rebuilt log/metric batches; None when nothing would shrink.

    Must run while no request changes the sandbox (``lock`` is the dispatcher's write lock). The
    new journal is written beside the old one, fsync'd, then swapped in atomically.
    """
    path: Path = journal.path
    if not path.exists():
        return None
    rebuild = rebuild or (lambda: rebuilt_requests(RequestRecorder(), facade))
    with lock or threading.RLock():
        bytes_before = path.stat().st_size
        kept: list[RecordedRequest] = []
        before = replaced = 0
        for record in journal.entries():
            before += 1
            if record_action(record) in REBUILT_ACTIONS:
                replaced += 1
            else:
                kept.append(record)
        rebuilt = list(rebuild())
        if replaced <= len(rebuilt):
            return None
        tmp = path.with_name(path.name + ".compacting")
        with open(tmp, "w", encoding="utf-8") as fh:
            for record in [*kept, *rebuilt]:
                fh.write(record.to_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with journal.lock:  # appends wait for the swap
            os.replace(tmp, path)
        result = CompactionResult(before, len(kept) + len(rebuilt), bytes_before, journal.size())
    log.info(
        "journal compacted: %d -> %d requests, %d -> %d bytes",
        result.entries_before,
        result.entries_after,
        result.bytes_before,
        result.bytes_after,
    )
    return result
