"""The Lambda Runtime API served to one execution environment.

Each environment gets its own server (its ``AWS_LAMBDA_RUNTIME_API`` address), so a request
needs no routing: ``/next`` blocks until the environment is handed an invocation, and
``/response``, ``/error`` and ``/init/error`` complete it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol

from lambherd.local.server import LoopbackServer, QuietHandler

if TYPE_CHECKING:
    from lambherd.local.spec import Invocation

NEXT = "/2018-06-01/runtime/invocation/next"
INVOCATION = "/2018-06-01/runtime/invocation/"
INIT_ERROR = "/2018-06-01/runtime/init/error"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_ACCEPTED = b'{"status":"OK"}'


class RuntimeApiBackend(Protocol):
    """What the Runtime API needs from an execution environment."""

    def next_invocation(self) -> Invocation | None: ...

    def post_result(self, request_id: str, body: bytes, error_type: str | None) -> bool: ...

    def post_init_error(self, body: bytes, error_type: str | None) -> None: ...


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
        body = self.read_body()
        path = self.path
        if path == INIT_ERROR:
            backend.post_init_error(body, self.headers.get(ERROR_TYPE_HEADER))
            self.reply(202, _ACCEPTED)
            return
        if path.startswith(INVOCATION):
            request_id, _, action = path[len(INVOCATION) :].partition("/")
            if action in ("response", "error"):
                error_type = None
                if action == "error":
                    error_type = self.headers.get(ERROR_TYPE_HEADER) or "Unhandled"
                if backend.post_result(request_id, body, error_type):
                    self.reply(202, _ACCEPTED)
                else:
                    self.reply(400, _error("InvalidRequestID", f"unknown request {request_id}"))
                return
        self.reply(404, _error("InvalidPath", path))


def serve_runtime_api(backend: RuntimeApiBackend) -> LoopbackServer:
    """Start a Runtime API server for one environment on a free loopback port."""
    return LoopbackServer(_RuntimeApiHandler, backend, name="runtime-api")
