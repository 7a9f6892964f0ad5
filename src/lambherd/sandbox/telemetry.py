"""Invocation logs and metrics, written into the sandbox's own CloudWatch as Lambda writes them.

Logs: the START / output / END / REPORT lines of each invocation go to the function's log group
(``LoggingConfig.LogGroup`` or ``/aws/lambda/<name>``), stream ``YYYY/MM/DD/[<version>]<hex>``.
Metrics (namespace ``AWS/Lambda``): Invocations, Errors, Throttles, Duration and
ConcurrentExecutions, with FunctionName, Resource and ExecutedVersion dimensions. They are API
requests served by the sandbox's own WSGI stack (``submit``), so they are journaled and survive a
restart. Times are the sandbox clock's.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambherd.local.spec import InvokeResult

log = logging.getLogger("lambherd.sandbox")
#: Serves one API call in the sandbox: (service, region, operation, params) -> (status, body).
Submit = Callable[[str, str, str, dict[str, Any]], tuple[int, bytes]]


class TelemetryError(Exception):
    """A telemetry write the sandbox refused."""


class Telemetry:
    """Writes one invocation's log events and metric data to the sandbox's CloudWatch."""

    def __init__(self, submit: Submit, now: Callable[[], datetime]) -> None:
        self._submit = submit
        self._now = now
        self._lock = threading.Lock()
        self._groups: set[tuple[str, str]] = set()
        self._streams: dict[tuple[str, str, str, str], str] = {}

    def reset(self) -> None:
        """Forget which groups and streams exist (after ``sandbox reset``)."""
        with self._lock:
            self._groups.clear()
            self._streams.clear()

    def _call(self, service: str, region: str, operation: str, **params: Any) -> bytes:
        status, body = self._submit(service, region, operation, params)
        if status >= 400:
            raise TelemetryError(f"{operation}: HTTP {status}: {body[:300]!r}")
        return body

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
    ) -> None:
        """Write what one invocation (or throttle) leaves behind; never raises."""
        try:
            if result is not None and result.log:
                self._write_log(region, log_group, version, result.log)
            self._write_metrics(region, name, version, result, resource, concurrent, throttled)
        except Exception:  # telemetry must never break an invoke; the log says what failed
            log.exception("could not record telemetry of %s:%s", name, version)

    # -- logs ---------------------------------------------------------------------------------
    def _write_log(self, region: str, group: str, version: str, text: str) -> None:
        if (region, group) not in self._groups:
            status, body = self._submit("logs", region, "create_log_group", {"logGroupName": group})
            if status >= 400 and b"ResourceAlreadyExistsException" not in body:
                raise TelemetryError(f"CreateLogGroup {group}: HTTP {status}: {body[:300]!r}")
            self._groups.add((region, group))
        now = self._now()
        stream = self._stream(region, group, version, now)
        stamp = int(now.timestamp() * 1000)
        events = [
            {"timestamp": stamp, "message": line} for line in text.splitlines() if line.strip()
        ]
        if events:
            self._call(
                "logs",
                region,
                "put_log_events",
                logGroupName=group,
                logStreamName=stream,
                logEvents=events,
            )

    def _stream(self, region: str, group: str, version: str, now: datetime) -> str:
        day = now.strftime("%Y/%m/%d")
        key = (region, group, version, day)
        stream = self._streams.get(key)
        if stream is None:
            stream = f"{day}/[{version}]{secrets.token_hex(16)}"
            self._call(
                "logs", region, "create_log_stream", logGroupName=group, logStreamName=stream
            )
            self._streams[key] = stream
        return stream

    # -- metrics ------------------------------------------------------------------------------
    def _write_metrics(
        self,
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
        stamp = self._now()
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
        self._call("cloudwatch", region, "put_metric_data", Namespace="AWS/Lambda", MetricData=data)


def provisioned_metrics(
    name: str, resource: str, result: InvokeResult, stamp: datetime
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
