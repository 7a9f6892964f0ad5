"""Streamed responses: the bytes a function writes with ``awslambda.streamifyResponse``, from the
Runtime API (``Lambda-Runtime-Function-Response-Mode: streaming``, chunked) to whoever reads
them (``InvokeWithResponseStream``, a function URL in ``RESPONSE_STREAM`` mode), as they come.

Lambda's limits (Developer Guide, "Response streaming for Lambda functions"): a streamed
response may be up to 200 MB (``STREAM_LIMIT``; it was a 20 MB soft limit until July 2025); the
first 6 MB stream at full speed, the rest at most 2 MB/s (``UNCAPPED_BYTES``,
``CAPPED_RATE``) — applied here to the function's writes, so a local run takes as long as on
Lambda. A reader that goes away does not stop the function (as on Lambda, where it runs to its
end and is billed for it): what it writes then is dropped.

``HttpResponseStream.from(stream, {statusCode, headers, cookies})`` sends a JSON prelude and
eight NUL bytes before the body, with the content type ``HTTP_INTEGRATION``; ``split_prelude``
takes them apart for function URLs.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

MB = 1024 * 1024
#: Lambda's maximum streamed response (bytes).
STREAM_LIMIT = 200 * MB
#: The part of a streamed response sent without a bandwidth cap, and the cap after it.
UNCAPPED_BYTES = 6 * MB
CAPPED_RATE = 2 * MB  # bytes per second
#: The content type of a stream that starts with an HTTP prelude (``HttpResponseStream``).
HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"
PRELUDE_DELIMITER = b"\0" * 8
TOO_LARGE = "Function.ResponseSizeTooLarge"
_QUEUE_CHUNKS = 64
_OFF = {"0", "false", "no", "off"}


def error_type_of(body: bytes) -> str:
    """The ``errorType`` of an error document (``Unhandled`` when it names none)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return "Unhandled"
    return str(doc.get("errorType") or "Unhandled") if isinstance(doc, dict) else "Unhandled"


def bandwidth_cap_enabled() -> bool:
    """``LAMBHERD_STREAM_BANDWIDTH_CAP=0`` turns the 2 MB/s cap off (on by default)."""
    return os.environ.get("LAMBHERD_STREAM_BANDWIDTH_CAP", "1").strip().lower() not in _OFF


class ResponseStream:
    """One invocation's streamed response: written by the Runtime API, read by one consumer.

    ``buffered`` streams (an ``Invoke`` of a streaming function) keep the bytes for the
    result instead of handing them on.
    """

    def __init__(
        self,
        *,
        buffered: bool = False,
        limit: int = STREAM_LIMIT,
        uncapped: int = UNCAPPED_BYTES,
        rate: float | None = CAPPED_RATE,
    ) -> None:
        self.buffered = buffered
        self.limit = limit
        self.uncapped = uncapped
        self.rate = rate if bandwidth_cap_enabled() else None
        self.content_type: str | None = None
        self.total = 0
        self.error_type: str | None = None
        self.error_body: bytes | None = None
        self.opened = threading.Event()
        self.closed = threading.Event()
        self.body = bytearray()  # buffered streams only
        self._chunks: queue.Queue[bytes | None] = queue.Queue(_QUEUE_CHUNKS)
        self._abandoned = threading.Event()
        self._capped_since: float | None = None

    # -- the writer: the Runtime API's thread ------------------------------------------------

    def open(self, content_type: str | None) -> None:
        """The runtime started a streamed response."""
        self.content_type = content_type or "application/octet-stream"
        self.opened.set()

    def write(self, data: bytes) -> bool:
        """Pass ``data`` on (waiting for the bandwidth cap); False once over the limit."""
        if self.closed.is_set() or not data:
            return not self.closed.is_set()
        if self.total + len(data) > self.limit:
            self.close(
                TOO_LARGE,
                json.dumps(
                    {
                        "errorType": TOO_LARGE,
                        "errorMessage": f"Response payload size exceeded maximum allowed "
                        f"payload size ({self.limit} bytes).",
                    }
                ).encode(),
            )
            return False
        self._pace(len(data))
        self.total += len(data)
        if self.buffered:
            self.body += data
        else:
            self._put(bytes(data))
        return True

    def close(self, error_type: str | None = None, error_body: bytes | None = None) -> None:
        """The end of the stream (with the function's error, if it failed); idempotent."""
        if self.closed.is_set():
            return
        self.error_type, self.error_body = error_type, error_body
        self.closed.set()
        self.opened.set()
        if not self.buffered:
            self._put(None)

    def _pace(self, size: int) -> None:
        if self.rate is None or self.total + size <= self.uncapped:
            return
        now = time.monotonic()
        if self._capped_since is None:
            self._capped_since = now
        capped = self.total + size - self.uncapped
        wait = self._capped_since + capped / self.rate - now
        if wait > 0:
            time.sleep(wait)

    def _put(self, item: bytes | None) -> None:
        while not self._abandoned.is_set():
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    # -- the reader --------------------------------------------------------------------------

    def chunks(self) -> Iterator[bytes]:
        """The bytes as the function writes them, until the end of the stream."""
        while True:
            item = self._chunks.get()
            if item is None:
                return
            yield item

    def abandon(self) -> None:
        """The reader went away: what the function writes from now on is dropped."""
        self._abandoned.set()
        while True:
            try:
                self._chunks.get_nowait()
            except queue.Empty:
                return


def split_prelude(head: bytes) -> tuple[dict[str, Any] | None, bytes] | None:
    """(prelude, rest) once ``head`` holds the whole prelude and its delimiter; None while it
    may still be incomplete. A prelude that is not a JSON object reads as ``None``."""
    at = head.find(PRELUDE_DELIMITER)
    if at < 0:
        return None
    try:
        doc = json.loads(head[:at] or b"{}")
    except ValueError:
        doc = None
    return (doc if isinstance(doc, dict) else None), head[at + len(PRELUDE_DELIMITER) :]


class StreamedInvocation:
    """An invocation running in a thread of its own while its reader iterates its stream.

    ``invoke(stream)`` runs the invocation (e.g. ``LocalRuntime.invoke(..., stream=stream)``);
    the stream is closed when it returns or raises, so ``stream.chunks()`` always ends, and
    ``result()`` then gives what it returned (or raises what it raised).
    """

    def __init__(self, invoke: Callable[[ResponseStream], Any]) -> None:
        self.stream = ResponseStream()
        self._box: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._work, args=(invoke,), daemon=True)
        self._thread.start()

    def _work(self, invoke: Callable[[ResponseStream], Any]) -> None:
        try:
            self._box["result"] = invoke(self.stream)
        except BaseException as exc:  # handed to the reader by result()
            self._box["error"] = exc
        finally:
            self.stream.close()

    def result(self) -> Any:
        """What the invocation returned, once it has ended."""
        self._thread.join()
        if "error" in self._box:
            raise self._box["error"]
        return self._box["result"]
