"""Invocation logs and metrics, written into the sandbox's own CloudWatch as Lambda writes them.

Logs: the START / output / END / REPORT lines of each invocation go to the function's log group
(``LoggingConfig.LogGroup`` or ``/aws/lambda/<name>``), stream ``YYYY/MM/DD/[<version>]<hex>``.
Metrics (namespace ``AWS/Lambda``): Invocations, Errors, Throttles, Duration and
ConcurrentExecutions, with FunctionName, Resource and ExecutedVersion dimensions. They go
through the sandbox's HTTP API like any other write, so they are journaled and survive a restart.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambherd.local.spec import InvokeResult

log = logging.getLogger("lambherd.sandbox")


class Telemetry:
    """Writes one invocation's log events and metric data to the sandbox's CloudWatch."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._groups: set[tuple[str, str]] = set()
        self._streams: dict[tuple[str, str, str, str], str] = {}

    def reset(self) -> None:
        """Forget which groups and streams exist (after ``sandbox reset``)."""
        with self._lock:
            self._groups.clear()
            self._streams.clear()

    def _client(self, service: str, region: str) -> Any:
        with self._lock:
            if region not in self._clients:
                from lambherd.aws import AwsClients, AwsSettings

                self._clients[region] = AwsClients(
                    AwsSettings(sandbox=True, endpoint_url=self.endpoint, region=region)
                )
        return self._clients[region].client(service)

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
        logs = self._client("logs", region)
        if (region, group) not in self._groups:
            try:
                logs.create_log_group(logGroupName=group)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            self._groups.add((region, group))
        stream = self._stream(logs, region, group, version)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in text.splitlines() if line.strip()]
        if events:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)

    def _stream(self, logs: Any, region: str, group: str, version: str) -> str:
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        key = (region, group, version, day)
        stream = self._streams.get(key)
        if stream is None:
            stream = f"{day}/[{version}]{secrets.token_hex(16)}"
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
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
        # FunctionName+Resource and FunctionName+Resource+ExecutedVersion. CloudWatch matches a
        # query's dimensions exactly, so each set is its own series.
        dims = [[{"Name": "FunctionName", "Value": name}]]
        if resource:
            dims.append([*dims[0], {"Name": "Resource", "Value": resource}])
            dims.append([*dims[1], {"Name": "ExecutedVersion", "Value": version}])
        stamp = datetime.now(UTC)
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
            for d in dims
        ]
        self._client("cloudwatch", region).put_metric_data(Namespace="AWS/Lambda", MetricData=data)
