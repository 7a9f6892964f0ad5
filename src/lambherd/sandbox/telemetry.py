"""Invocation logs and metrics, written into the sandbox's own CloudWatch as Lambda writes them.

Logs: the START / output / END / REPORT lines of each invocation go to the function's log group
(``LoggingConfig.LogGroup`` or ``/aws/lambda/<name>``), stream ``YYYY/MM/DD/[<version>]<hex>``.
Metrics (namespace ``AWS/Lambda``): Invocations, Errors, Throttles, Duration and
ConcurrentExecutions, with FunctionName, Resource and ExecutedVersion dimensions. Times are the
sandbox clock's.

Each write is a small record (``{"type": "logs" | "metrics", ...}``) handed to ``commit``,
which applies it straight into moto's CloudWatch (``apply``: no HTTP request, no serialisation)
and keeps it in the telemetry journal, apart from the control-plane journal; a snapshot holds
what moto has, so that journal stays short. Written before the invoke answers, so a client that
has its answer reads its logs.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lambherd.defaults import SANDBOX_ACCOUNT_ID
from lambherd.sandbox import moto_state
from lambherd.sandbox.moto_facade import MotoFacade

if TYPE_CHECKING:
    from lambherd.local.spec import InvokeResult

log = logging.getLogger("lambherd.sandbox")
#: The services whose requests read or write what ``Telemetry`` records (SigV4 names).
SERVICES = frozenset({"logs", "monitoring"})
#: Applies and keeps one telemetry record (the app's: under its write lock).
Commit = Callable[[dict[str, Any]], None]


class TelemetryError(Exception):
    """A telemetry write the sandbox refused."""


def apply(facade: MotoFacade, doc: dict[str, Any]) -> None:
    """Put one telemetry record into moto (live, or replayed from the telemetry journal)."""
    account, region = str(doc.get("account") or SANDBOX_ACCOUNT_ID), str(doc["region"])
    if doc["type"] == "logs":
        moto_state.write_log_events(
            facade,
            account,
            region,
            str(doc["group"]),
            str(doc["stream"]),
            [(int(t), str(m)) for t, m in doc["events"]],
            int(doc["at"]),
        )
    elif doc["type"] == "metrics":
        data = [{**d, "Timestamp": _naive_utc(float(d["Timestamp"]))} for d in doc["data"]]
        moto_state.write_metric_data(facade, account, region, str(doc["namespace"]), data)
    else:
        raise TelemetryError(f"unknown telemetry record type {doc['type']!r}")


def _naive_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)  # as moto keeps times


class Telemetry:
    """Writes one invocation's log events and metric data to the sandbox's CloudWatch."""

    def __init__(self, commit: Commit, now: Callable[[], datetime]) -> None:
        self._commit = commit
        self._now = now
        self._lock = threading.Lock()
        self._streams: dict[tuple[str, str, str, str], str] = {}

    def reset(self) -> None:
        """Forget the streams in use (after ``sandbox reset``)."""
        with self._lock:
            self._streams.clear()

    # -- state across restarts (a stateful room: see ``snapshots.RoomRegistry``) --------------
    def snapshot(self) -> dict[str, Any]:
        """The stream each (region, group, version, day) writes to."""
        with self._lock:
            return {"streams": [[*key, name] for key, name in self._streams.items()]}

    def restore(self, doc: dict[str, Any]) -> None:
        """Streams in use before the restart."""
        with self._lock:
            self._streams = {
                (str(r), str(g), str(v), str(d)): str(n) for r, g, v, d, n in doc.get("streams", [])
            }

    def record(
        self,
        name: str,
        version: str,
        log_group: str,
        result: InvokeResult | None,
        *,
        region: str,
        resource: str | None,
        concurrent: int,
        throttled: bool,
        account: str = SANDBOX_ACCOUNT_ID,
    ) -> None:
        """Write what one invocation (or throttle) leaves behind; never raises."""
        try:
            if result is not None and result.log:
                self._write_log(account, region, log_group, version, result.log)
            self._write_metrics(
                account, region, name, version, result, resource, concurrent, throttled
            )
        except Exception:  # telemetry must never break an invoke; the log says what failed
            log.exception("could not record telemetry of %s:%s", name, version)

    # -- logs ---------------------------------------------------------------------------------
    def _write_log(self, account: str, region: str, group: str, version: str, text: str) -> None:
        now = self._now()
        stream = self._stream(region, group, version, now)
        stamp = int(now.timestamp() * 1000)
        events = [[stamp, line] for line in text.splitlines() if line.strip()]
        if events:
            self._commit(
                {
                    "type": "logs",
                    "account": account,
                    "region": region,
                    "group": group,
                    "stream": stream,
                    "events": events,
                    "at": stamp,
                }
            )

    def _stream(self, region: str, group: str, version: str, now: datetime) -> str:
        day = now.strftime("%Y/%m/%d")
        key = (region, group, version, day)
        with self._lock:
            stream = self._streams.get(key)
            if stream is None:
                stream = self._streams[key] = f"{day}/[{version}]{secrets.token_hex(16)}"
        return stream

    # -- metrics ------------------------------------------------------------------------------
    def _write_metrics(
        self,
        account: str,
        region: str,
        name: str,
        version: str,
        result: InvokeResult | None,
        resource: str | None,
        concurrent: int,
        throttled: bool,
    ) -> None:
        # Lambda's dimension sets: FunctionName; for an alias or version also
        # FunctionName+Resource and FunctionName+Resource+ExecutedVersion; and none ("across all
        # functions" of the region, not for ConcurrentExecutions: that one is per function
        # here). CloudWatch matches a query's dimensions exactly, so each set is its own series.
        dims = [[{"Name": "FunctionName", "Value": name}]]
        if resource:
            dims.append([*dims[0], {"Name": "Resource", "Value": resource}])
            dims.append([*dims[1], {"Name": "ExecutedVersion", "Value": version}])
        stamp = self._now().timestamp()
        values: list[tuple[str, float, str]] = [("ConcurrentExecutions", concurrent, "Count")]
        if throttled:
            values.append(("Throttles", 1, "Count"))
        elif result is not None:
            values += [
                ("Invocations", 1, "Count"),
                ("Errors", 1 if result.function_error else 0, "Count"),
                ("Duration", round(result.duration_ms, 2), "Milliseconds"),
            ]
        data = [
            {
                "MetricName": metric,
                "Dimensions": d,
                "Timestamp": stamp,
                "Value": float(value),
                "Unit": unit,
            }
            for metric, value, unit in values
            for d in ([*dims, []] if metric != "ConcurrentExecutions" else dims)
        ]
        if resource and result is not None and result.provisioned_total:
            data += provisioned_metrics(name, resource, result, stamp)
        self._commit(
            {
                "type": "metrics",
                "account": account,
                "region": region,
                "namespace": "AWS/Lambda",
                "data": data,
            }
        )


def provisioned_metrics(
    name: str, resource: str, result: InvokeResult, stamp: float
) -> list[dict[str, Any]]:
    """What Lambda writes for an invocation of an alias or version with provisioned
    concurrency (dimensions FunctionName + Resource): the provisioned environments busy, that
    share of those allocated, and whether a provisioned environment served it or it spilled
    over to standard concurrency."""
    dims = [{"Name": "FunctionName", "Value": name}, {"Name": "Resource", "Value": resource}]
    served = 1.0 if result.provisioned else 0.0
    values = (
        ("ProvisionedConcurrentExecutions", float(result.provisioned_busy), "Count"),
        (
            "ProvisionedConcurrencyUtilization",
            round(result.provisioned_busy / result.provisioned_total, 4),
            "None",
        ),
        ("ProvisionedConcurrencyInvocations", served, "Count"),
        ("ProvisionedConcurrencySpilloverInvocations", 1.0 - served, "Count"),
    )
    return [
        {"MetricName": m, "Dimensions": dims, "Timestamp": stamp, "Value": v, "Unit": u}
        for m, v, u in values
    ]
