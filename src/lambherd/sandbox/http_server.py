"""The sandbox's HTTP server: werkzeug's threaded WSGI server with keep-alive connections.

werkzeug's development server answers every request with ``Connection: close``, so each boto3
call paid a new TCP connection and a new thread. Here a connection stays open (HTTP/1.1): its
thread serves request after request. What keeps that safe:

- a request body is read through a reader bounded by its ``Content-Length`` (or de-chunked);
  whatever the application left unread is drained before the next request (a large unread
  rest closes the connection instead);
- responses carry ``Content-Length`` (or are sent chunked), headers and a small body in one
  write, on a socket with ``TCP_NODELAY`` (Nagle plus delayed ACKs would add ~40 ms);
- ``drain(timeout)`` stops taking connections, closes the idle ones and waits, bounded, for
  requests in flight: each ends with ``Connection: close``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

log = logging.getLogger("lambherd.sandbox")
#: An unread request body larger than this closes the connection instead of being read away.
DRAIN_LIMIT = 1 << 20
#: Response bodies up to this size are sent together with the headers (one ``send``).
ONE_WRITE = 1 << 16
#: A keep-alive connection idle this long is closed (its thread ends).
IDLE_TIMEOUT_S = 300


class _Body:
    """``wsgi.input`` bounded by the request's Content-Length."""

    def __init__(self, rfile: Any, length: int) -> None:
        self._rfile = rfile
        self.remaining = length

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._rfile.read(want)
        self.remaining -= len(data)
        if len(data) < want:  # the client went away
            self.remaining = 0
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._rfile.readline(want)
        self.remaining -= len(data)
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class KeepAliveHandler(WSGIRequestHandler):
    """One connection: request after request until the client, an error or a drain ends it."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    server: SandboxHttpServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.busy = False
        self.server.track(self, True)

    def finish(self) -> None:
        self.server.track(self, False)
        super().finish()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log (errors are logged where they happen)."""

    def handle_one_request(self) -> None:
        if self.server.stopping:
            self.close_connection = True
            return
        try:
            self.raw_requestline = self.rfile.readline(65537)
            self.busy = True  # from here on a drain waits for this request
            if len(self.raw_requestline) > 65536:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                self.close_connection = True
            elif not self.raw_requestline:
                self.close_connection = True
            elif self.parse_request():
                self.run_wsgi()
                self.wfile.flush()
        except TimeoutError:  # idle for IDLE_TIMEOUT_S
            self.close_connection = True
        finally:
            self.busy = False

    def run_wsgi(self) -> None:
        environ = self.environ = self.make_environ()
        body: _Body | None = None
        if not environ.get("wsgi.input_terminated"):
            raw = str(environ.get("CONTENT_LENGTH") or "0").strip()
            body = _Body(self.rfile, int(raw) if raw.isdigit() else 0)
            environ["wsgi.input"] = body
        sent = self._serve(environ)
        if not sent:
            self.close_connection = True
        elif body is not None and body.remaining:
            if body.remaining > DRAIN_LIMIT:
                self.close_connection = True
            else:
                while body.read(65536):
                    pass
        elif body is None:  # chunked: read to its end
            stream = environ["wsgi.input"]
            while stream.read(65536):
                pass

    def _serve(self, environ: dict[str, Any]) -> bool:
        """Run the application and send its answer; False when the connection must close."""
        state: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            if exc_info and state.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return lambda data: self._write(state, environ, data)

        try:
            result: Iterable[bytes] = self.server.app(environ, start_response)
            try:
                chunks = result if isinstance(result, list | tuple) else None
                if chunks is not None and len(chunks) <= 1:
                    self._write(state, environ, chunks[0] if chunks else b"", last=True)
                else:
                    for data in result:
                        self._write(state, environ, data)
                    self._write(state, environ, b"", last=True)
            finally:
                close: Callable[[], Any] | None = getattr(result, "close", None)
                if close is not None:
                    close()
        except (ConnectionError, TimeoutError):
            return False
        except Exception:
            log.exception("request %s %s failed", environ.get("REQUEST_METHOD"), self.path)
            if state.get("sent"):
                return False
            state.clear()
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            try:
                self._write(state, environ, b"internal error", last=True)
            except OSError:
                return False
        return True

    def _write(self, state: dict[str, Any], environ: dict[str, Any], data: bytes, last=False):
        if "status" not in state:
            raise AssertionError("write() before start_response")
        if not state.get("sent"):
            head, state["chunked"] = self._head(state, environ, data, last)
            state["sent"] = True
            if state["chunked"] and data:
                data = b"%x\r\n%s\r\n" % (len(data), data)
            if len(data) <= ONE_WRITE:
                self.wfile.write(head + data)
                data = b""
            else:
                self.wfile.write(head)
        elif state["chunked"] and data:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        if data:
            self.wfile.write(data)
        if last and state["chunked"]:
            self.wfile.write(b"0\r\n\r\n")

    def _head(
        self, state: dict[str, Any], environ: dict[str, Any], data: bytes, last: bool
    ) -> tuple[bytes, bool]:
        status: str = state["status"]
        code = int(status.split(" ", 1)[0])
        headers = [(k, v) for k, v in state["headers"] if k.lower() != "connection"]
        names = {k.lower() for k, _ in headers}
        no_body = environ["REQUEST_METHOD"] == "HEAD" or code in {204, 304} or code < 200
        chunked = False
        if "content-length" not in names and not no_body:
            if last:  # the whole body is at hand
                headers.append(("Content-Length", str(len(data))))
            elif self.request_version >= "HTTP/1.1":
                headers.append(("Transfer-Encoding", "chunked"))
                chunked = True
            else:
                self.close_connection = True
        if self.server.stopping:
            self.close_connection = True
        if self.close_connection:
            headers.append(("Connection", "close"))
        lines = [f"HTTP/1.1 {status}\r\n"]
        lines += [f"{k}: {v}\r\n" for k, v in headers]
        lines.append("\r\n")
        return "".join(lines).encode("latin-1"), chunked


class SandboxHttpServer(ThreadedWSGIServer):
    """werkzeug's threaded server with the keep-alive handler and a bounded, graceful drain."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        self.stopping = False
        self._handlers: set[KeepAliveHandler] = set()
        self._handlers_lock = threading.Condition()
        super().__init__(host, port, app, handler=KeepAliveHandler)

    def track(self, handler: KeepAliveHandler, alive: bool) -> None:
        """A connection opened (``alive``) or closed."""
        with self._handlers_lock:
            if alive:
                self._handlers.add(handler)
            else:
                self._handlers.discard(handler)
                self._handlers_lock.notify_all()

    def busy(self) -> int:
        """How many requests are being served."""
        with self._handlers_lock:
            return sum(1 for h in self._handlers if h.busy)

    def drain(self, timeout: float) -> bool:
        """After ``shutdown()`` (nothing new is accepted): idle connections closed, requests in
        flight given up to ``timeout`` seconds to finish (each then closes). True when none is
        left."""
        self.stopping = True
        deadline = time.monotonic() + timeout
        with self._handlers_lock:
            while True:
                for handler in list(self._handlers):
                    if not handler.busy:
                        _shut(handler.connection)
                if not self._handlers or time.monotonic() >= deadline:
                    return not self._handlers
                self._handlers_lock.wait(min(0.05, max(0.0, deadline - time.monotonic())))


def _shut(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def make_sandbox_server(host: str, port: int, app: Any) -> SandboxHttpServer:
    """A server bound to ``host:port`` (werkzeug exits with its reason when it cannot bind)."""
    return SandboxHttpServer(host, port, app)
