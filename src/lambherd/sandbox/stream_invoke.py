"""InvokeWithResponseStream in the sandbox (``POST /2021-11-15/functions/{name}/
response-streaming-invocations``): the invoked version's code runs in the local emulator and
its writes come back as an event stream while it runs (``local.stream_invoke`` words the
events; the invocation is recorded in the sandbox's CloudWatch like any other)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from lambherd.errors import LambherdError, NotFoundError, ThrottledError
from lambherd.invoke_limits import SYNC_PAYLOAD_LIMIT
from lambherd.local import eventstream
from lambherd.local.stream_invoke import completion
from lambherd.local.streaming import StreamedInvocation
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import Route, error

if TYPE_CHECKING:
    from lambherd.sandbox.invoker import Invoker


def serve(
    invoker: Invoker,
    route: Route,
    environ: dict[str, Any],
    body: bytes,
    account: str,
    region: str,
) -> Response:
    """Answer one InvokeWithResponseStream request."""
    key = FunctionKey(account, region, route.function or "")
    qualifier = route.qualifier
    kind = environ.get("HTTP_X_AMZ_INVOCATION_TYPE") or "RequestResponse"
    if route.method != "POST" or kind not in ("RequestResponse", "DryRun"):
        return error(400, "InvalidParameterValueException", f"invalid invocation type {kind}")
    if len(body) > SYNC_PAYLOAD_LIMIT:
        return error(
            413,
            "RequestTooLargeException",
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the "
            "InvokeWithResponseStream operation",
        )
    version = invoker.functions.pick_version(key, qualifier or "$LATEST")
    if version is None:
        where = f"{key.name}{':' + qualifier if qualifier else ''}"
        return error(
            404,
            "ResourceNotFoundException",
            f"Function not found: arn:aws:lambda:{region}:{account}:function:{where}",
        )
    if kind == "DryRun":
        return Response(status=204, headers={"X-Amz-Executed-Version": version})
    tail = (environ.get("HTTP_X_AMZ_LOG_TYPE") or "").lower() == "tail"
    run = StreamedInvocation(lambda stream: invoker.invoke_direct(key, qualifier, body, stream))
    stream = run.stream
    stream.opened.wait()
    headers = {"X-Amz-Executed-Version": version}
    if stream.content_type is None:  # refused, failed to start, or did not stream
        try:
            result = run.result()
        except ThrottledError:
            return error(
                429,
                "TooManyRequestsException",
                "Rate Exceeded.",
                Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
            )
        except NotFoundError as exc:
            return error(404, "ResourceNotFoundException", exc.message)
        except LambherdError as exc:
            return error(502, "ServiceException", exc.message)
        events = b""
        if result.payload and not result.function_error:
            events += eventstream.payload_chunk(result.payload)
        events += completion(result, tail)
        return Response(events, status=200, headers=headers, content_type="application/json")

    def events() -> Iterator[bytes]:
        try:
            for chunk in stream.chunks():
                yield eventstream.payload_chunk(chunk)
            yield completion(run.result(), tail)
        finally:  # the client went away: the function runs to its end, as on Lambda
            stream.abandon()

    return Response(events(), status=200, headers=headers, content_type=stream.content_type)
