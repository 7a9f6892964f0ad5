"""A tiny threaded HTTP/1.1 server shared by the Runtime API and the Invoke API.

Why not ``ThreadingHTTPServer.serve_forever``: its ``shutdown()`` waits for a 0.5 s poll
interval, and it leaves keep-alive connections open. Here a thread blocks in ``accept()``, every
accepted socket gets ``TCP_NODELAY`` (Nagle + delayed ACK would add ~40 ms per exchange), one
thread per connection runs a ``BaseHTTPRequestHandler`` (keep-alive loop), and ``close()`` wakes
``accept()`` and shuts every open connection at once.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

_REASONS = {s.value: s.phrase for s in HTTPStatus}


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler that writes each response with a single ``send``."""

    protocol_version = "HTTP/1.1"
    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log."""

    def read_body(self) -> bytes:
        """The request body (Content-Length framed)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def reply(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        cookies: Iterable[str] = (),
    ) -> None:
        """Send status, headers (and one Set-Cookie per cookie) and body in one write."""
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"]
        head.append(f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n")
        if headers:
            head.extend(f"{k}: {v}\r\n" for k, v in headers.items())
        head.extend(f"Set-Cookie: {c}\r\n" for c in cookies)
        if self.close_connection:
            head.append("Connection: close\r\n")
        head.append("\r\n")
        self.wfile.write("".join(head).encode("latin-1") + body)

    def start_chunked(
        self, status: int, headers: dict[str, str], content_type: str, cookies: Iterable[str] = ()
    ) -> None:
        """Send the head of a response whose body follows in chunks (``write_chunk``)."""
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"]
        head.append(f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n")
        head.extend(f"{k}: {v}\r\n" for k, v in headers.items())
        head.extend(f"Set-Cookie: {c}\r\n" for c in cookies)
        head.append("\r\n")
        self.wfile.write("".join(head).encode("latin-1"))

    def write_chunk(self, data: bytes) -> None:
        """One chunk of a chunked body (an empty ``data`` ends it)."""
        self.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")


class LoopbackServer:
    """Accept loop + one thread per connection; ``context`` is what handlers serve."""

    def __init__(
        self,
        handler: type[QuietHandler],
        context: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "http",
    ) -> None:
        self.handler = handler
        self.context = context
        self._sock = socket.create_server((host, port), backlog=128)
        self.host, self.port = self._sock.getsockname()[:2]
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(
            target=self._accept_loop, name=f"{name}-accept", daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """``host:port`` as clients dial it."""
        return f"{self.host}:{self.port}"

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, addr = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._closed:
                    conn.close()
                    return
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, addr), daemon=True).start()

    def _serve(self, conn: socket.socket, addr: Any) -> None:
        try:
            self.handler(conn, addr, self)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        """Stop accepting and shut every open connection (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conns = list(self._conns)
        for s in [self._sock, *conns]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._sock.close()
        self._thread.join(timeout=2)
