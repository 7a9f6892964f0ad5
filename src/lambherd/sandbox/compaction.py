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
from urllib.parse import urlsplit

from lambherd.defaults import SANDBOX_ACCESS_KEY, SANDBOX_ACCOUNT_ID, SANDBOX_SECRET_KEY
from lambherd.sandbox.persistence import Journal, RecordedRequest, action_of

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


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


class RequestRecorder:
    """Serialises API calls with botocore into journal records, without sending them."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._clients: dict[tuple[str, str], Any] = {}

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            import botocore.session
            from botocore.config import Config

            client = botocore.session.get_session().create_client(
                service,
                region_name=region,
                endpoint_url=f"http://{self.host}",
                aws_access_key_id=SANDBOX_ACCESS_KEY,
                aws_secret_access_key=SANDBOX_SECRET_KEY,
                config=Config(retries={"total_max_attempts": 1}, disable_request_compression=True),
            )

            def capture(request: Any, **_: Any) -> None:
                raise _Captured(request)

            client.meta.events.register("before-send", capture)
            self._clients[key] = client
        return self._clients[key]

    def record(self, service: str, region: str, operation: str, **params: Any) -> RecordedRequest:
        """The request ``client.<operation>(**params)`` would send, as a journal record."""
        try:
            getattr(self._client(service, region), operation)(**params)
        except _Captured as captured:
            request = captured.request
        else:  # pragma: no cover - before-send always raises
            raise RuntimeError(f"{operation} was sent")
        url = urlsplit(request.url)
        headers = {
            str(k): _text(v) for k, v in request.headers.items() if k.lower() != "content-length"
        }
        headers.setdefault("Host", self.host)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):
            body = body.read()
        return RecordedRequest(
            method=request.method,
            path=url.path or "/",
            query=url.query,
            headers=headers,
            body=body,
        )


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def rebuilt_requests(
    recorder: RequestRecorder, account_id: str = SANDBOX_ACCOUNT_ID
) -> Iterator[RecordedRequest]:
    """Batched PutLogEvents / PutMetricData that recreate moto's stored events and datapoints."""
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.logs.models import logs_backends

    for region, backend in list(logs_backends[account_id].items()):
        for group_name, group in list(backend.groups.items()):
            for stream_name, stream in list(group.streams.items()):
                events = sorted(stream.events, key=lambda e: e.timestamp)
                for batch, latest in _log_batches(events):
                    record = recorder.record(
                        "logs",
                        region,
                        "put_log_events",
                        logGroupName=group_name,
                        logStreamName=stream_name,
                        logEvents=batch,
                    )
                    # replayed, the batch is ingested when its latest event was
                    yield dataclasses.replace(record, at=latest / 1000 if latest else None)
    for region, backend in list(cloudwatch_backends[account_id].items()):
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for datum in list(backend.metric_data):
            by_namespace.setdefault(datum.namespace, []).append(_metric_datum(datum))
        for namespace, data in by_namespace.items():
            for i in range(0, len(data), METRIC_BATCH):
                yield recorder.record(
                    "cloudwatch",
                    region,
                    "put_metric_data",
                    Namespace=namespace,
                    MetricData=data[i : i + METRIC_BATCH],
                )


def _log_batches(events: list[Any]) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """PutLogEvents batches of moto's events, each with its latest ingestion time (ms, or 0)."""
    batch: list[dict[str, Any]] = []
    size = latest = 0
    for event in events:
        cost = len(event.message.encode("utf-8")) + 26  # Lambda's per-event overhead
        if batch and (len(batch) >= LOG_BATCH_EVENTS or size + cost > LOG_BATCH_BYTES):
            yield batch, latest
            batch, size, latest = [], 0, 0
        batch.append({"timestamp": event.timestamp, "message": event.message})
        size += cost
        latest = max(latest, int(getattr(event, "ingestion_time", 0) or 0))
    if batch:
        yield batch, latest


def _metric_datum(datum: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "MetricName": datum.name,
        "Dimensions": [{"Name": d.name, "Value": d.value} for d in datum.dimensions],
        "Timestamp": datum.timestamp,
    }
    if datum.unit:
        doc["Unit"] = datum.unit
    if hasattr(datum, "value"):
        doc["Value"] = float(datum.value)
    else:  # a datum put as StatisticValues
        doc["StatisticValues"] = {
            "SampleCount": float(datum.sample_count),
            "Sum": float(datum.sum),
            "Minimum": float(datum.min),
            "Maximum": float(datum.max),
        }
    return doc


def compact(
    journal: Journal,
    *,
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
    rebuild = rebuild or (lambda: rebuilt_requests(RequestRecorder()))
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
