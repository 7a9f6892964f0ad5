"""Reading a function's CloudWatch Logs with boto3: a window of events, or events followed as
they arrive (throttling backed off). Used by ``logs``, ``cost``, ``lint`` and the rollout gates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lambherd import defaults
from lambherd.errors import AwsError, NotFoundError, describe_client_error

_THROTTLE_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
}
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class LogQuery:
    """Which events to read: a log group, a time window in ms, an optional filter pattern,
    optionally only some of the group's streams (at most 100 names, as FilterLogEvents takes)."""

    log_group: str
    start_ms: int
    end_ms: int | None = None
    filter_pattern: str | None = None
    stream_names: tuple[str, ...] = ()


def _configured_log_group(config: dict[str, Any] | None) -> str | None:
    group = ((config or {}).get("LoggingConfig") or {}).get("LogGroup")
    return str(group) if group else None


def default_log_group(function_name: str, config: dict[str, Any] | None = None) -> str:
    """``LoggingConfig.LogGroup`` when the configuration sets one, else ``/aws/lambda/<name>``."""
    return _configured_log_group(config) or defaults.log_group(function_name)


def resolve_log_group(
    lambda_client: Any, function_name: str, local_config: dict[str, Any] | None = None
) -> str:
    """The function's log group: local definition's, else the deployed one's, else the default."""
    group = _configured_log_group(local_config)
    if group:
        return group
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        deployed = lambda_client.get_function_configuration(FunctionName=function_name)
    except (ClientError, BotoCoreError):
        deployed = {}  # no permission or not deployed yet: the default group is still right
    return default_log_group(function_name, deployed)


def _filter_kwargs(query: LogQuery, start_ms: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"logGroupName": query.log_group, "startTime": start_ms}
    if query.end_ms is not None:
        kwargs["endTime"] = query.end_ms
    if query.filter_pattern:
        kwargs["filterPattern"] = query.filter_pattern
    if query.stream_names:
        kwargs["logStreamNames"] = list(query.stream_names)
    return kwargs


def _pages(client: Any, kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every event FilterLogEvents returns for ``kwargs``, following nextToken.

    Each page is put in time order (an endpoint may group events by stream, as moto does).
    CloudWatch may return an empty page that still has a nextToken; paging goes on until the
    token runs out (or repeats).
    """
    from botocore.exceptions import ClientError

    token: str | None = None
    seen_tokens: set[str] = set()
    while True:
        call = dict(kwargs, nextToken=token) if token else kwargs
        try:
            resp = client.filter_log_events(**call)
        except ClientError as exc:
            raise _describe(exc, kwargs["logGroupName"]) from exc
        yield from sorted(resp.get("events", []), key=lambda e: e.get("timestamp", 0))
        token = resp.get("nextToken")
        if not token or token in seen_tokens:
            return
        seen_tokens.add(token)


def _describe(exc: Exception, group: str) -> AwsError:
    err = describe_client_error(exc, f"reading log group {group}")
    if isinstance(err, NotFoundError):
        err.hint = "the function has not logged anything yet, or LoggingConfig names another group"
    return err


def fetch_events(client: Any, query: LogQuery) -> Iterator[dict[str, Any]]:
    """The events of ``query``'s window, oldest first."""
    yield from _pages(client, _filter_kwargs(query, query.start_ms))


def follow_events(
    client: Any,
    query: LogQuery,
    *,
    poll_interval: float = 2.0,
    stop: threading.Event | None = None,
    max_polls: int | None = None,
    on_throttle: Callable[[float], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Events as they arrive: poll FilterLogEvents from the newest timestamp seen.

    Each poll restarts at the last timestamp seen (events can share a millisecond and arrive
    late within it), and skips the event ids already printed at that timestamp, so no event is
    yielded twice. A throttled poll doubles the wait (up to 30 s) instead of failing. Polling
    ends when ``stop`` is set or after ``max_polls`` polls.
    """
    stop = stop or threading.Event()
    cursor = query.start_ms
    seen_at_cursor: set[str] = set()
    delay = poll_interval
    polls = 0
    while not stop.is_set() and (max_polls is None or polls < max_polls):
        polls += 1
        try:
            batch = list(_pages(client, _filter_kwargs(query, cursor)))
        except AwsError as exc:
            if exc.code not in _THROTTLE_CODES:
                raise
            delay = min(max(delay * 2, poll_interval), MAX_BACKOFF_SECONDS)
            if on_throttle is not None:
                on_throttle(delay)
            stop.wait(delay)
            continue
        delay = poll_interval
        batch.sort(key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))
        for event in batch:
            ts = int(event.get("timestamp", 0))
            event_id = str(event.get("eventId", ""))
            if ts < cursor or (ts == cursor and event_id in seen_at_cursor):
                continue
            if ts > cursor:
                cursor, seen_at_cursor = ts, set()
            seen_at_cursor.add(event_id)
            yield event
        if query.end_ms is not None and cursor >= query.end_ms:
            return
        if max_polls is not None and polls >= max_polls:
            return
        stop.wait(delay)
