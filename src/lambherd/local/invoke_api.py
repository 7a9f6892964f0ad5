"""The Lambda Invoke API (``POST /2015-03-31/functions/{name}/invocations``) over a LocalRuntime.

Speaks what botocore and the AWS CLI expect: ``X-Amz-Invocation-Type`` (RequestResponse, Event,
DryRun), ``X-Amz-Log-Type: Tail`` -> ``X-Amz-Log-Result``, ``X-Amz-Client-Context``,
``?Qualifier=``, and JSON error bodies with an ``x-amzn-ErrorType`` header (404, 413, 429...).
``InvokeWithResponseStream`` (``POST /2021-11-15/functions/{name}/response-streaming-invocations``)
answers an event stream: ``PayloadChunk`` events as the function writes, then ``InvokeComplete``
(``local.stream_invoke``). Function URLs of ``local start`` are served on the same port
(``local.url_server``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from lambherd.errors import (
    LambherdError,
    LocalRuntimeError,
    NotFoundError,
    PayloadTooLargeError,
    ThrottledError,
)
from lambherd.invoke_limits import INVOCATION_TYPES, payload_limit
from lambherd.local import logs
from lambherd.local.runtime import LocalRuntime
from lambherd.local.server import LoopbackServer, QuietHandler
from lambherd.local.spec import FunctionSpec

_PREFIX = "/2015-03-31/functions/"
_SUFFIX = "/invocations"
STREAM_PREFIX = "/2021-11-15/functions/"
STREAM_SUFFIX = "/response-streaming-invocations"


def split_function_name(raw: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier``, a partial or a full ARN -> (name, qualifier)."""
    parts = unquote(raw).split(":")
    if parts[0] == "arn" and len(parts) >= 7:
        return parts[6], parts[7] if len(parts) > 7 else None
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2], parts[3] if len(parts) > 3 else None
    if len(parts) == 2:
        return parts[0], parts[1]
    return parts[0], None


class _InvokeHandler(QuietHandler):
    def do_POST(self) -> None:
        if self._function_url():
            return
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith(STREAM_PREFIX) and url.path.endswith(STREAM_SUFFIX):
            from lambherd.local.stream_invoke import serve_stream_invoke

            raw = url.path[len(STREAM_PREFIX) : -len(STREAM_SUFFIX)]
            name, qualifier = split_function_name(raw)
            qualifier = (parse_qs(url.query).get("Qualifier") or [qualifier])[0] or "$LATEST"
            serve_stream_invoke(self, self.server.context, name, qualifier, body)
            return
        if not (url.path.startswith(_PREFIX) and url.path.endswith(_SUFFIX)):
            self._fail(404, "UnknownOperationException", f"unknown operation POST {url.path}")
            return
        name, qualifier = split_function_name(url.path[len(_PREFIX) : -len(_SUFFIX)])
        query = parse_qs(url.query)
        qualifier = (query.get("Qualifier") or [qualifier])[0] or "$LATEST"
        kind = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        if kind not in INVOCATION_TYPES:
            self._fail(400, "InvalidParameterValueException", f"invalid invocation type {kind}")
            return
        if body:
            limit = payload_limit(kind)
            if len(body) > limit:
                self._fail(
                    413,
                    "RequestEntityTooLargeException",
                    f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
                )
                return
            try:
                json.loads(body)
            except ValueError as exc:
                self._fail(
                    400,
                    "InvalidRequestContentException",
                    f"Could not parse request body into json: {exc}",
                )
                return
        runtime: LocalRuntime = self.server.context
        try:
            result = runtime.invoke(
                name,
                body,
                version=qualifier,
                client_context=self.headers.get("X-Amz-Client-Context"),
                invocation_type=kind,
            )
        except LambherdError as exc:
            self.fail_with(exc, name, qualifier)
            return
        headers = {"x-amzn-RequestId": result.request_id}
        if result.status_code == 200:
            headers["X-Amz-Executed-Version"] = result.executed_version
            if result.function_error:
                headers["X-Amz-Function-Error"] = result.function_error
            if (self.headers.get("X-Amz-Log-Type") or "").lower() == "tail":
                headers["X-Amz-Log-Result"] = logs.tail_base64(result.log)
        self.reply(result.status_code, result.payload, headers)

    def do_GET(self) -> None:
        if self._function_url():
            return
        self._fail(404, "UnknownOperationException", f"unknown operation GET {self.path}")

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _function_url(self) -> bool:
        """Answer a request for a function URL of ``local start`` (True when it was one)."""
        urls = getattr(self.server, "function_urls", None)
        return urls is not None and urls.answer(self)

    def fail_with(self, exc: LambherdError, name: str, qualifier: str) -> None:
        """The Invoke API's answer to an invocation that could not run."""
        if isinstance(exc, NotFoundError):
            spec_arn = FunctionSpec(name=name, handler="-").arn
            self._fail(
                404, "ResourceNotFoundException", f"Function not found: {spec_arn}:{qualifier}"
            )
        elif isinstance(exc, ThrottledError):
            self._fail(
                429,
                "TooManyRequestsException",
                "Rate Exceeded.",
                Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
            )
        elif isinstance(exc, PayloadTooLargeError):
            self._fail(413, "RequestEntityTooLargeException", exc.message)
        else:
            self._fail(500, "ServiceException", exc.message)

    def _fail(self, status: int, error_type: str, message: str, **extra: str) -> None:
        """A JSON error answer with ``x-amzn-ErrorType``."""
        doc = {"Type": "User", "message": message, **extra}
        self.reply(status, json.dumps(doc).encode(), {"x-amzn-ErrorType": error_type})


@dataclass
class InvokeApiServer:
    """A running Invoke API; ``url`` is the endpoint to give boto3 / the AWS CLI."""

    runtime: LocalRuntime
    server: LoopbackServer
    warm_failures: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.server.host}:{self.server.port}"

    def close(self) -> None:
        """Stop serving (the runtime is closed by its owner)."""
        self.server.close()


def serve_invoke_api(
    runtime: LocalRuntime, host: str = "127.0.0.1", port: int = 3001
) -> InvokeApiServer:
    """Serve ``runtime``'s registered functions on ``host:port`` (port 0 = any free port)."""
    try:
        server = LoopbackServer(_InvokeHandler, runtime, host, port, name="invoke-api")
    except OSError as exc:
        raise LocalRuntimeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return InvokeApiServer(runtime, server)


def start_local_api(
    specs: Iterable[FunctionSpec],
    *,
    host: str = "127.0.0.1",
    port: int = 3001,
    warm: str = "lazy",
    idle_timeout_s: float = 300.0,
) -> InvokeApiServer:
    """Register ``specs`` in a new runtime (one environment each started now with ``warm="eager"``)
    and serve them; close with ``server.close(); server.runtime.close()``."""
    runtime = LocalRuntime(idle_timeout_s=idle_timeout_s)
    try:
        failures: list[str] = []
        for spec in specs:
            runtime.register(spec)
            if warm == "eager" and spec.provisioned == 0:
                failures += [
                    f"{spec.name}: {m}" for m in runtime.warm(spec.name, version=spec.version)
                ]
        server = serve_invoke_api(runtime, host, port)
    except BaseException:
        runtime.close()
        raise
    server.warm_failures = failures
    return server
