"""The sandbox's notion of "now": wall time plus an offset that persists in the state folder.

Tests (and users) move it forward with ``POST /_lambherd/clock`` to see what happens at a later
time (a scheduled scaling action, the end of a rollout interval) without waiting for it. Every
time the sandbox stamps (LastModified, log events, metric datapoints, URL events) comes from here,
and moto's own "now" follows it (see ``moto_state.follow_clock``). The clock only moves forward;
``sandbox reset`` puts it back to wall time.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambherd.errors import UsageError
from lambherd.sandbox.locations import CLOCK_FILE

log = logging.getLogger("lambherd.sandbox")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``2026-12-01T09:00:00+09:00``, ``...Z``); without an offset, UTC."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise UsageError(f"clock: {text!r} is not an ISO 8601 time") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class SandboxClock:
    """Wall time plus a persisted offset; listeners hear every move."""

    def __init__(self, state_dir: Path | None = None, *, wall: Callable[[], float] = time.time):
        self._path = state_dir / CLOCK_FILE if state_dir is not None else None
        self._wall = wall
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._offset = self._load()

    def _load(self) -> float:
        if self._path is None or not self._path.exists():
            return 0.0
        try:
            value = json.loads(self._path.read_text()).get("offset_seconds", 0.0)
            return float(value) if isinstance(value, int | float) else 0.0
        except (OSError, ValueError, AttributeError):
            log.warning("%s is unreadable: the sandbox clock starts at wall time", self._path)
            return 0.0

    def _save(self) -> None:
        if self._path is None:
            return
        tmp = self._path.with_name(self._path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"offset_seconds": self._offset}, fh)
        os.replace(tmp, self._path)

    @property
    def offset_seconds(self) -> float:
        """How far the sandbox is ahead of wall time."""
        with self._lock:
            return self._offset

    def time(self) -> float:
        """Sandbox time as epoch seconds."""
        with self._lock:
            return self._wall() + self._offset

    def now(self) -> datetime:
        """Sandbox time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    def on_move(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every move (in the thread that moved the clock)."""
        self._listeners.append(listener)

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (0 or more); returns the new now."""
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise UsageError(
                f"clock: advance_seconds must be a number of 0 or more, not {seconds!r}"
            )
        with self._lock:
            self._offset += float(seconds)
            self._save()
        self._moved()
        return self.now()

    def set(self, at: datetime) -> datetime:
        """Move forward to ``at`` (never back: a time before now is refused)."""
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        with self._lock:
            now = self._wall() + self._offset
            if at.timestamp() < now:
                current = datetime.fromtimestamp(now, UTC).isoformat()
                raise UsageError(
                    f"clock: {at.isoformat()} is before now ({current}); it only moves forward"
                )
            self._offset = at.timestamp() - self._wall()
            self._save()
        self._moved()
        return self.now()

    def reset(self) -> None:
        """Back to wall time (``sandbox reset``)."""
        with self._lock:
            self._offset = 0.0
            if self._path is not None:
                self._path.unlink(missing_ok=True)
        self._moved()

    def _moved(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # one listener must not keep the others from hearing
                log.exception("clock listener failed")

    def describe(self) -> dict[str, object]:
        """What ``GET /_lambherd/clock`` answers."""
        return {"now": self.now().isoformat(), "offset_seconds": self.offset_seconds}


def clock_endpoint(clock: SandboxClock, request: Any) -> Any:
    """``/_lambherd/clock`` (a werkzeug ``Request``): ``GET`` the sandbox time; ``POST
    {"advance_seconds": N}`` or ``{"set": ISO 8601}`` moves it."""
    from werkzeug.wrappers import Response

    from lambherd.sandbox.wire import ok

    def bad(message: str) -> Response:
        return Response(
            json.dumps({"message": message}), status=400, content_type="application/json"
        )

    if request.method == "GET":
        return ok(clock.describe())
    if request.method != "POST":
        return Response("method not allowed", status=405)
    try:
        doc = json.loads(request.get_data() or b"{}")
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or len(doc.keys() & {"advance_seconds", "set"}) != 1:
        return bad('expected {"advance_seconds": N} or {"set": "<ISO 8601 time>"}')
    try:
        if "set" in doc:
            clock.set(parse_time(str(doc["set"])))
        else:
            clock.advance(doc["advance_seconds"])
    except UsageError as exc:
        return bad(exc.message)
    return ok(clock.describe())
