"""The Lambda Runtime API served to one execution environment.

Each environment gets its own server (its ``AWS_LAMBDA_RUNTIME_API`` address), so a request
needs no routing: ``/next`` blocks until the environment is handed an invocation, and
``/response``, ``/error`` and ``/init/error`` complete it.

A streamed response (``Lambda-Runtime-Function-Response-Mode: streaming``, what aws-lambda-ric
sends for ``awslambda.streamifyResponse`` handlers) is a chunked ``/response`` whose chunks are
handed on as they arrive; an error met while streaming comes in the trailers
``Lambda-Runtime-Function-Error-Type`` and ``Lambda-Runtime-Function-Error-Body`` (base64).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from lambherd.local.server import LoopbackServer, QuietHandler

if TYPE_CHECKING:
    from lambherd.local.spec import Invocation
    from lambherd.local.streaming import ResponseStream

NEXT = "/2018-06-01/runtime/invocation/next"
INVOCATION = "/2018-06-01/runtime/invocation/"
INIT_ERROR = "/2018-06-01/runtime/init/error"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
RESPONSE_MODE_HEADER = "Lambda-Runtime-Function-Response-Mode"
_LINE = 65537
_ACCEPTED = b'{"status":"OK"}'


class RuntimeApiBackend(Protocol):
    """What the Runtime API needs from an execution environment."""

    def next_invocation(self) -> Invocation | None: ...

    def post_result(self, request_id: str, body: bytes, error_type: str | None) -> bool: ...

    def post_init_error(self, body: bytes, error_type: str | None) -> None: ...

    def open_stream(self, request_id: str, content_type: str | None) -> ResponseStream | None: ...

    def close_stream(self, request_id: str, error_type: str | None, error_body: bytes) -> None: ...


def read_chunked(rfile: object, write: Callable[[bytes], object]) -> dict[str, str]:
    """Read a chunked body, handing each piece to ``write`` as it arrives; the trailers
    (lower-cased names). Raises ``ConnectionError`` when the body ends early."""
    read_line = rfile.readline  # type: ignore[attr-defined]
    read_some = getattr(rfile, "read1", None) or rfile.read  # type: ignore[attr-defined]
    while True:
        line = read_line(_LINE)
        if not line:
            raise ConnectionError("chunked body ended early")
        try:
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        except ValueError:
            raise ConnectionError(f"bad chunk size line {line[:40]!r}") from None
        if size == 0:
            break
        while size > 0:
            data = read_some(min(size, 1 << 16))
            if not data:
                raise ConnectionError("chunked body ended early")
            write(data)
            size -= len(data)
        read_line(_LINE)  # the CRLF after the chunk
    trailers: dict[str, str] = {}
    while True:
        line = read_line(_LINE)
        if line in (b"", b"\r\n", b"\n"):
            return trailers
        name, _, value = line.decode("latin-1").partition(":")
        trailers[name.strip().lower()] = value.strip()


def _error(kind: str, message: str) -> bytes:
    return json.dumps({"errorType": kind, "errorMessage": message}).encode()


class _RuntimeApiHandler(QuietHandler):
    def do_GET(self) -> None:
        if self.path != NEXT:
            self.reply(404, _error("InvalidPath", self.path))
            return
        backend: RuntimeApiBackend = self.server.context
        inv = backend.next_invocation()
        if inv is None:  # the environment is shutting down
            self.close_connection = True
            self.reply(500, _error("EnvironmentShutdown", "execution environment stopped"))
            return
        headers = {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": inv.invoked_arn,
            "Lambda-Runtime-Trace-Id": inv.trace_id,
        }
        if inv.client_context:
            headers["Lambda-Runtime-Client-Context"] = inv.client_context
        if inv.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = inv.cognito_identity
        self.reply(200, inv.payload, headers)

    def do_POST(self) -> None:
        backend: RuntimeApiBackend = self.server.context
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        body = b"" if chunked else self.read_body()
        path = self.path
        if path == INIT_ERROR:
            backend.post_init_error(body, self.headers.get(ERROR_TYPE_HEADER))
            self.reply(202, _ACCEPTED)
            return
        if path.startswith(INVOCATION):
            request_id, _, action = path[len(INVOCATION) :].partition("/")
            streaming = (self.headers.get(RESPONSE_MODE_HEADER) or "").lower() == "streaming"
            if action == "response" and streaming:
                self._stream(backend, request_id, body)
                return
            if action in ("response", "error"):
                error_type = None
                if action == "error":
                    error_type = self.headers.get(ERROR_TYPE_HEADER) or "Unhandled"
                if backend.post_result(request_id, body, error_type):
                    self.reply(202, _ACCEPTED)
                else:
                    self.reply(400, _error("InvalidRequestID", f"unknown request {request_id}"))
                return
        if chunked:  # read to the end so the connection stays usable
            read_chunked(self.rfile, lambda _data: None)
        self.reply(404, _error("InvalidPath", path))

    def _stream(self, backend: RuntimeApiBackend, request_id: str, body: bytes) -> None:
        """A streamed ``/response``: chunks to the invocation's stream as they arrive."""
        stream = backend.open_stream(request_id, self.headers.get("Content-Type"))
        write = stream.write if stream is not None else (lambda _data: True)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            try:
                trailers = read_chunked(self.rfile, write)
            except ConnectionError:  # the runtime died (or was stopped) mid-stream
                self.close_connection = True
                return
        else:
            write(body)
            trailers = {}
        if stream is None:
            self.reply(400, _error("InvalidRequestID", f"unknown request {request_id}"))
            return
        error_type = trailers.get(ERROR_TYPE_HEADER.lower()) or None
        error_body = b""
        if error_type:
            try:
                error_body = base64.b64decode(trailers.get(ERROR_BODY_TRAILER.lower(), ""))
            except (binascii.Error, ValueError):
                error_body = b""
        backend.close_stream(request_id, error_type, error_body)
        self.reply(202, _ACCEPTED)


def serve_runtime_api(backend: RuntimeApiBackend) -> LoopbackServer:
    """Start a Runtime API server for one environment on a free loopback port."""
    return LoopbackServer(_RuntimeApiHandler, backend, name="runtime-api")
