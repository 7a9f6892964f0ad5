"""The sandbox's memory across restarts: a journal of the requests that changed its state.

Every successful mutating request (create, update, publish, tag, put log events...) is appended
to ``journal.jsonl`` in the state directory as it was received. On start the server replays the
journal through its own WSGI stack before it opens its port, so moto and lambherd's Lambda layer
rebuild exactly the same functions, versions, aliases, code, URL configs, tags and logs. Values
that the layer makes up itself (revision ids) are derived deterministically, so a replay
reproduces them too. Each line also records the wall-clock time the request was applied
(``at``); a replayed request carries it in its environ, and the Lambda layer stamps
``LastModified`` (and URL config / layer / provisioned-concurrency times) with it, so a restart
keeps the original times instead of the replay's.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Header of a replayed request, so that the stack knows not to journal it again.
REPLAY_ENVIRON_KEY = "lambherd.replay"
#: Environ key of the time (epoch seconds) a mutating request was applied, live or recorded.
TIME_ENVIRON_KEY = "lambherd.time"

_READ_PREFIXES = ("Get", "List", "Describe", "Filter", "Head", "Lookup", "Search", "Test")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the sandbox received it (enough to rebuild its WSGI environ)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    #: When the request was applied (epoch seconds); None for lines written before it was kept.
    at: float | None = None

    def to_json(self) -> str:
        """One journal line."""
        doc: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode("ascii"),
        }
        if self.at is not None:
            doc["at"] = self.at
        return json.dumps(doc, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> RecordedRequest:
        """Parse one journal line."""
        doc = json.loads(line)
        return cls(
            method=doc["method"],
            path=doc["path"],
            query=doc["query"],
            headers=dict(doc["headers"]),
            body=base64.b64decode(doc["body"]),
            at=_float_or_none(doc.get("at")),
        )

    @classmethod
    def from_environ(cls, environ: dict[str, Any], body: bytes) -> RecordedRequest:
        """Capture a WSGI request whose body was already read (and its ``TIME_ENVIRON_KEY``)."""
        headers = {
            key[5:].replace("_", "-").title(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        return cls(
            method=environ.get("REQUEST_METHOD", "GET"),
            path=environ.get("PATH_INFO", "/"),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            at=_float_or_none(environ.get(TIME_ENVIRON_KEY)),
        )

    def environ(self, *, replay: bool = True) -> dict[str, Any]:
        """A fresh WSGI environ for this request: a replay (never journaled again), or with
        ``replay=False`` a new request the sandbox makes itself (journaled when it succeeds)."""
        from werkzeug.test import EnvironBuilder

        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-type"}
        builder = EnvironBuilder(
            path=self.path,
            base_url=f"http://{self.headers.get('Host', '127.0.0.1')}",
            method=self.method,
            query_string=self.query,
            headers=headers,
            data=self.body,
            content_type=self.headers.get("Content-Type"),
        )
        try:
            env = builder.get_environ()
        finally:
            builder.close()
        if replay:
            env[REPLAY_ENVIRON_KEY] = True
        if self.at is not None:
            env[TIME_ENVIRON_KEY] = self.at
        return env


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def request_time(environ: dict[str, Any]) -> datetime:
    """When a request was applied: its recorded time on replay, else the time it came in (UTC).

    The dispatcher sets ``TIME_ENVIRON_KEY`` on every mutating request before serving it, so the
    live answer and a later replay stamp the very same instant.
    """
    at = _float_or_none(environ.get(TIME_ENVIRON_KEY))
    return datetime.fromtimestamp(at, UTC) if at is not None else datetime.now(UTC)


def is_mutating(method: str, environ: dict[str, Any], body: bytes) -> bool:
    """True when a request may change the sandbox's state (reads are never journaled)."""
    if method in {"GET", "HEAD", "OPTIONS"}:
        return False
    action = action_name(environ, body)
    return not (action and action.startswith(_READ_PREFIXES))


def action_name(environ: dict[str, Any], body: bytes) -> str | None:
    """The API action of a JSON, query or RPCv2 request, if the request names one."""
    return action_of(
        environ.get("HTTP_X_AMZ_TARGET"),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("CONTENT_TYPE") or "",
        body,
    )


def action_of(
    target: str | None, path: str, query: str, content_type: str, body: bytes
) -> str | None:
    """The action an ``X-Amz-Target``, an RPCv2 path, or a query/form ``Action`` names."""
    if target:
        return target.rsplit(".", 1)[-1]
    if "/operation/" in path:
        return path.rsplit("/", 1)[-1]
    from urllib.parse import parse_qs

    form = body[:4096].decode("utf-8", "replace") if "x-www-form-urlencoded" in content_type else ""
    for source in (query, form):
        action = parse_qs(source).get("Action")
        if action:
            return action[0]
    return None


class Journal:
    """Append-only, line-per-request journal (fsync'd, so a killed server loses nothing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @property
    def lock(self) -> threading.Lock:
        """Held while a line is appended (compaction holds it to swap the file)."""
        return self._lock

    def size(self) -> int:
        """The journal's size in bytes (0 when there is none)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def append(self, request: RecordedRequest) -> None:
        """Add one request at the end."""
        line = request.to_json() + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> Iterator[RecordedRequest]:
        """Every recorded request, oldest first (a torn last line is ignored)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    yield RecordedRequest.from_json(line)
                except (ValueError, KeyError):
                    continue

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self.path.unlink(missing_ok=True)


def replay(journal: Journal, app: Callable[..., Any]) -> int:
    """Run every journaled request through ``app``; returns how many were replayed."""
    import logging

    count = 0
    for request in journal.entries():
        try:
            result = app(request.environ(), lambda *_a, **_k: None)
            try:
                for _ in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        except Exception:  # one bad entry must not keep the sandbox from starting
            logging.getLogger("lambherd.sandbox").exception(
                "journal entry %d (%s %s) could not be replayed",
                count + 1,
                request.method,
                request.path,
            )
        count += 1
    return count


def body_stream(body: bytes) -> io.BytesIO:
    """A ``wsgi.input`` for a body that was already read."""
    return io.BytesIO(body)
