"""Asynchronous invocations (``InvocationType=Event``, schedules, Lambda destinations): queued,
run, retried and their records sent, as Lambda does.

An accepted event runs in a worker at once. A function error is retried after 1 minute, then 2
more (``ASYNC_RETRY_DELAYS_S``, on the sandbox clock: move it to see them), up to the
qualifier's MaximumRetryAttempts (default 2); a throttle is retried with a growing delay; an
event older than MaximumEventAgeInSeconds (default 6 h) is dropped. When an event ends, the
qualifier's ``DestinationConfig`` gets Lambda's invocation record: OnSuccess after a success,
OnFailure with the condition ``RetriesExhausted`` or ``EventAgeExceeded`` (version 1.0,
timestamp, requestContext with requestId / functionArn / condition / approximateInvokeCount,
requestPayload, responseContext with statusCode / executedVersion / functionError,
responsePayload).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import threading
import uuid as uuidlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lambherd.defaults import ASYNC_RETRY_DELAYS_S
from lambherd.errors import LambherdError, ThrottledError
from lambherd.sandbox.state import FunctionKey

log = logging.getLogger("lambherd.sandbox")
WORKERS = 8
THROTTLE_DELAYS_S = (1.0, 2.0, 5.0, 15.0, 60.0, 300.0)


@dataclass
class AsyncEvent:
    """One event in the asynchronous queue."""

    request_id: str
    key: FunctionKey
    qualifier: str | None
    payload: bytes
    first_at: float
    attempts: int = 0
    throttles: int = 0
    #: sandbox time of its next attempt (None: it is queued or running now)
    due: float | None = None

    def document(self) -> dict[str, Any]:
        """The event as JSON data (a snapshot's)."""
        doc = dataclasses.asdict(self)
        return {**doc, "key": list(self.key), "payload": base64.b64encode(self.payload).decode()}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> AsyncEvent:
        """The event of a snapshot's ``document``."""
        payload = base64.b64decode(doc["payload"])
        return cls(**{**doc, "key": FunctionKey(*doc["key"]), "payload": payload})


class AsyncInvokes:
    """The asynchronous queue of every function."""

    def __init__(
        self,
        invoke: Callable[[FunctionKey, str | None, bytes], Any],
        configs: Any,
        scheduler: Any,
        now: Callable[[], float],
        destinations: Any,
    ) -> None:
        self.invoke = invoke
        self.configs = configs
        self.scheduler = scheduler
        self.now = now
        self.destinations = destinations
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="lambda-async")
        self._closed = threading.Event()
        self._lock = threading.Lock()
        #: events finished, by condition (for tests and the benchmark)
        self.finished: dict[str, int] = {}
        #: events not finished yet (queued, running or waiting for a retry), by request id
        self._pending: dict[str, AsyncEvent] = {}

    def submit(self, key: FunctionKey, qualifier: str | None, payload: bytes) -> str:
        """Queue one event; returns its request id."""
        event = AsyncEvent(str(uuidlib.uuid4()), key, qualifier, payload, self.now())
        with self._lock:
            self._pending[event.request_id] = event
        self._run_soon(event)
        return event.request_id

    def submit_arn(self, arn: str, payload: bytes) -> str:
        """Queue an event for the function an ARN names (a destination, a schedule)."""
        parts = arn.split(":")
        qualifier = parts[7] if len(parts) > 7 and parts[7] != "$LATEST" else None
        return self.submit(FunctionKey(parts[4], parts[3], parts[6]), qualifier, payload)

    def reset(self) -> None:
        """Forget the pending events (``sandbox reset``; a retry already armed finds no
        function and ends)."""
        with self._lock:
            self._pending.clear()

    def close(self) -> None:
        """No new attempt starts; wait for those running."""
        self._closed.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- across restarts: a room of the sandbox's snapshot (``app.state.rooms``) ------------
    def snapshot(self) -> dict[str, Any]:
        """The events not finished (with their attempts and next attempt's time) and the
        finished counts, as JSON data. An attempt running at the snapshot runs again after a
        restart (Lambda's asynchronous delivery is at least once)."""
        with self._lock:
            pending = [event.document() for event in self._pending.values()]
            return {"finished": dict(self.finished), "pending": pending}

    def restore(self, doc: dict[str, Any]) -> None:
        """The events and counts of a snapshot (their attempts are armed in ``restarted``)."""
        with self._lock:
            self.finished = {str(k): int(v) for k, v in (doc.get("finished") or {}).items()}
            events = [AsyncEvent.from_document(d) for d in doc.get("pending") or ()]
            self._pending = {event.request_id: event for event in events}

    def restarted(self) -> None:
        """The whole state is loaded: each pending event is attempted when it is due."""
        with self._lock:
            events = list(self._pending.values())
        now = self.now()
        for event in events:
            if event.due is not None and event.due > now:
                self._later(event, event.due - now)
            else:
                self._run_soon(event)

    # -- running ---------------------------------------------------------------------------
    def _run_soon(self, event: AsyncEvent) -> None:
        if self._closed.is_set():
            return
        try:
            self._pool.submit(self._attempt, event)
        except RuntimeError:  # the pool was shut down meanwhile
            return

    def _later(self, event: AsyncEvent, seconds: float, *, after: float | None = None) -> None:
        """Run the event again ``seconds`` of sandbox time after ``after`` (default: now)."""
        base = self.now() if after is None else after
        event.due = base + seconds
        when = datetime.fromtimestamp(base, UTC) + timedelta(seconds=seconds)
        self.scheduler.at(
            when, lambda _due: self._run_soon(event), name=f"async-{event.request_id}"
        )

    def _attempt(self, event: AsyncEvent) -> None:
        event.due = None
        config = self.configs.lookup(event.key, event.qualifier)
        if self.now() - event.first_at > float(config["MaximumEventAgeInSeconds"]):
            self._finish(event, None, "EventAgeExceeded", config)
            return
        started = self.now()
        try:
            result = self.invoke(event.key, event.qualifier, event.payload)
        except ThrottledError:
            delay = THROTTLE_DELAYS_S[min(event.throttles, len(THROTTLE_DELAYS_S) - 1)]
            event.throttles += 1
            self._later(event, delay)
            return
        except LambherdError as exc:
            log.warning(
                "asynchronous invocation %s of %s: %s", event.request_id, event.key.name, exc
            )
            event.attempts += 1
            self._finish(event, None, "RetriesExhausted", config)
            return
        event.attempts += 1
        if not result.function_error:
            self._finish(event, result, "Success", config)
            return
        if event.attempts <= int(config["MaximumRetryAttempts"]):
            # the wait counts from when the function failed (its init and run after the start)
            ran = ((result.init_duration_ms or 0.0) + result.duration_ms) / 1000.0
            delays = ASYNC_RETRY_DELAYS_S
            self._later(
                event, delays[min(event.attempts - 1, len(delays) - 1)], after=started + ran
            )
            return
        self._finish(event, result, "RetriesExhausted", config)

    def _finish(
        self, event: AsyncEvent, result: Any, condition: str, config: dict[str, Any]
    ) -> None:
        with self._lock:
            self.finished[condition] = self.finished.get(condition, 0) + 1
            self._pending.pop(event.request_id, None)
        side = "OnSuccess" if condition == "Success" else "OnFailure"
        target = ((config.get("DestinationConfig") or {}).get(side) or {}).get("Destination")
        if not target:
            return
        record = invocation_record(event, result, condition, self.now())
        try:
            self.destinations.send(
                str(target), record, event.key.region, success=condition == "Success"
            )
        except Exception:  # Lambda counts a DestinationDeliveryFailures; the sandbox logs it
            log.exception("destination %s of %s refused the record", target, event.key.name)


def invocation_record(event: AsyncEvent, result: Any, condition: str, now: float) -> dict[str, Any]:
    """Lambda's asynchronous invocation record."""
    key = event.key
    qualifier = event.qualifier or "$LATEST"
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.fromtimestamp(now, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": f"{function_arn(key)}:{qualifier}",
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": _json(event.payload),
        "responseContext": {
            "statusCode": 200,
            "executedVersion": result.executed_version if result is not None else qualifier,
        },
    }
    if result is not None:
        if result.function_error:
            record["responseContext"]["functionError"] = result.function_error
        record["responsePayload"] = _json(result.payload)
    return record


def function_arn(key: FunctionKey) -> str:
    """The unqualified ARN of a function."""
    return f"arn:aws:lambda:{key.region}:{key.account}:function:{key.name}"


def _json(data: bytes) -> Any:
    try:
        return json.loads(data or b"null")
    except ValueError:
        return data.decode("utf-8", "replace")
