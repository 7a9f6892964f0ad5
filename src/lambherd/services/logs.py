"""``logs``: a function's CloudWatch Logs read natively with boto3 — a window, followed as they
arrive, or summarised from its REPORT lines (``--stats``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lambherd.cloudwatch.logs import (
    LogQuery,
    fetch_events,
    follow_events,
    resolve_log_group,
)
from lambherd.durations import from_millis
from lambherd.errors import UsageError

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.report import ReportStats

FORMATS = ("short", "detailed", "json")


def format_event(event: dict[str, Any], fmt: str = "short") -> str:
    """One event as a line: ``short`` (time + message), ``detailed`` (+ stream) or ``json``."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    message = str(event.get("message", "")).rstrip("\n")
    stamp = from_millis(int(event.get("timestamp", 0))).isoformat(timespec="milliseconds")
    stamp = stamp.replace("+00:00", "Z")
    if fmt == "json":
        return json.dumps(
            {
                "timestamp": stamp,
                "logStreamName": event.get("logStreamName"),
                "eventId": event.get("eventId"),
                "message": message,
            },
            ensure_ascii=False,
        )
    if fmt == "detailed":
        return f"{stamp} {event.get('logStreamName', '-')} {message}"
    return f"{stamp} {message}"


@dataclass(frozen=True)
class LogsRequest:
    """What ``logs`` was asked."""

    function_name: str | None = None
    log_group: str | None = None
    since: str = "10m"
    until: str | None = None
    filter_pattern: str | None = None
    follow: bool = False
    poll_interval: float = 2.0
    stats: bool = False


@dataclass
class LogsResult:
    """The log group read and either its events (an iterator: a followed stream never ends)
    or, with ``--stats``, the summary of its REPORT lines."""

    log_group: str
    events: Iterator[dict[str, Any]] | None = None
    stats: ReportStats | None = None


def logs(
    app: App, request: LogsRequest, *, on_throttle: Callable[[float], None] | None = None
) -> LogsResult:
    """Read the function's log events (every option checked before the first call)."""
    from lambherd.durations import parse_time, to_millis
    from lambherd.project.context import resolve_target

    now = datetime.now(UTC)
    start = parse_time(request.since, now=now, option="--since")
    end = parse_time(request.until, now=now, option="--until") if request.until else None
    if end is not None and end <= start:
        raise UsageError("--until must be later than --since")
    if request.stats and request.follow:
        raise UsageError("--stats summarises a window; it cannot be combined with --follow")
    if request.poll_interval <= 0:
        raise UsageError("--poll-interval must be positive")
    target = resolve_target(app, request.function_name)
    group = request.log_group or resolve_log_group(
        app.clients.client("lambda"), target.name, target.config
    )
    query = LogQuery(
        group, to_millis(start), to_millis(end) if end else None, request.filter_pattern or None
    )
    client = app.clients.client("logs")
    if request.stats:
        from lambherd.report import parse_report, summarise

        messages = (str(e.get("message", "")) for e in fetch_events(client, query))
        return LogsResult(group, stats=summarise(r for r in map(parse_report, messages) if r))
    if request.follow:
        events = follow_events(
            client, query, poll_interval=request.poll_interval, on_throttle=on_throttle
        )
        return LogsResult(group, events=events)
    return LogsResult(group, events=fetch_events(client, query))
