"""A fault-injecting HTTP proxy for the fault tests (not a test module).

``FaultProxy`` stands between boto3 (lambherd's clients, ``AWS_ENDPOINT_URL`` pointed at it)
and a sandbox. Each request either passes, or meets one of the faults:

    throttle   answered 429 TooManyRequestsException by the proxy (never forwarded)
    error500   answered 500 ServiceException (never forwarded)
    error502   answered 502 Bad Gateway (never forwarded)
    drop       the connection is closed before the request reaches the sandbox
    lost       the request is forwarded and applied, then the connection is closed: the
               client never sees the answer (a lost response)

Which requests fail is decided by a seeded RNG per request *identity* (method, path, body
without RevisionIds, and how many times that identity was seen), so a run is repeatable
whatever order the client's threads send in. ``decide`` replaces the draw for targeted tests
(``lose_first``). The Host is rewritten to the sandbox's own (its guard refuses foreign Hosts,
as a reverse proxy would).
"""

from __future__ import annotations

import hashlib
import http.client
import http.server
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("throttle", "error500", "error502", "drop", "lost")
#: Decides a request's fault: (method, path, body, times seen before) -> a FAULTS name or None.
Decide = Callable[[str, str, bytes, int], "str | None"]
_REVISION = re.compile(rb'"RevisionId"\s*:\s*"[^"]*"')
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}


class FaultProxy(http.server.ThreadingHTTPServer):
    """Forwards to ``upstream``, injecting faults at ``rate`` (0..1) among ``faults``."""

    daemon_threads = True

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 13,
        rate: float = 0.3,
        faults: tuple[str, ...] = FAULTS,
        decide: Decide | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.seed = seed
        self.rate = rate
        self.faults = faults
        self.decide = decide
        self.counts: Counter[str] = Counter()
        #: (fault, method, path) of every fault injected, in order
        self.log: list[tuple[str, str, str]] = []
        self._seen: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fault_for(self, method: str, path: str, body: bytes) -> str | None:
        """The fault this request meets (None: it passes)."""
        # the identity leaves out RevisionIds: the sandbox makes them in the order concurrent
        # writes arrive, which changes from run to run
        digest = hashlib.sha256(_REVISION.sub(b"", body)).hexdigest()
        with self._lock:
            key = (method, path, digest)
            seen = self._seen[key]
            self._seen[key] += 1
        if self.decide is not None:
            fault = self.decide(method, path, body, seen)
        else:
            draw = random.Random(f"{self.seed}|{method}|{path}|{digest}|{seen}")
            fault = draw.choice(self.faults) if draw.random() < self.rate else None
        with self._lock:
            self.counts[fault or "passed"] += 1
            if fault:
                self.log.append((fault, method, path))
        return fault


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as boto3 uses it

    def log_message(self, *args: object) -> None:
        return

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.server.fault_for(self.command, self.path, body)
        if fault in ("drop", "lost"):
            if fault == "lost":
                self._forward(body)  # applied upstream; the answer is thrown away
            self.close_connection = True
            return
        if fault == "throttle":
            self._answer(429, "TooManyRequestsException", "Rate exceeded")
        elif fault == "error500":
            self._answer(500, "ServiceException", "injected internal error")
        elif fault == "error502":
            self._answer(502, None, "Bad Gateway")
        else:
            status, headers, data = self._forward(body)
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        server = self.server
        conn = http.client.HTTPConnection(server.upstream_host, server.upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["Host"] = f"{server.upstream_host}:{server.upstream_port}"
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def _answer(self, status: int, code: str | None, message: str) -> None:
        data = json.dumps({"message": message, "Type": "Service"}).encode()
        self.send_response(status)
        if code:
            self.send_header("x-amzn-ErrorType", code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


@contextmanager
def fault_proxy(upstream: str, **options: Any) -> Iterator[FaultProxy]:
    """A running ``FaultProxy`` in front of ``upstream``, shut down at the end."""
    proxy = FaultProxy(upstream, **options)
    thread = threading.Thread(target=proxy.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=10)


def lose_first(method: str, path_part: str, fault: str = "lost") -> Decide:
    """A ``decide`` that gives ``fault`` to the first request whose method is ``method`` and
    whose path holds ``path_part``; every other request passes."""
    done = threading.Event()

    def decide(m: str, path: str, _body: bytes, _seen: int) -> str | None:
        if m == method and path_part in path and not done.is_set():
            done.set()
            return fault
        return None

    return decide


def rate_limited(
    per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
) -> Decide:
    """A ``decide`` that throttles as an API rate limit does: a token bucket of ``burst``
    tokens refilled at ``per_second``; a request finding it empty is answered 429 (and takes
    no token, as a throttled call costs nothing on AWS)."""
    lock = threading.Lock()
    state = {"tokens": float(burst), "at": clock()}

    def decide(_m: str, _path: str, _body: bytes, _seen: int) -> str | None:
        with lock:
            now = clock()
            state["tokens"] = min(float(burst), state["tokens"] + (now - state["at"]) * per_second)
            state["at"] = now
            if state["tokens"] >= 1.0:
                state["tokens"] -= 1.0
                return None
            return "throttle"

    return decide


def fast_retries(seed: int = 13) -> Any:
    """lambherd's RetryPolicy with the production attempts but millisecond delays (tests only:
    the production defaults stay as they are)."""
    from lambherd.retry import RetryPolicy

    return RetryPolicy(base=0.005, cap=0.05, rng=random.Random(seed))
