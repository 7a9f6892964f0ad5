"""``InvokeWithResponseStream`` on the local Invoke API: an event stream of the function's writes.

The answer is ``200`` with an event stream body (chunked): one ``PayloadChunk`` per piece the
function writes (for a function that does not stream, its whole result as one chunk), then
``InvokeComplete`` with ``ErrorCode``/``ErrorDetails`` when it failed (the runtime's error type
and its error document) and ``LogResult`` with ``X-Amz-Log-Type: Tail``. Errors before the
function runs (not found, throttled, payload too large) are plain JSON errors, as for Invoke.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lambherd.errors import LambherdError
from lambherd.invoke_limits import SYNC_PAYLOAD_LIMIT
from lambherd.local import eventstream, logs
from lambherd.local.streaming import StreamedInvocation

if TYPE_CHECKING:
    from lambherd.local.runtime import LocalRuntime
    from lambherd.local.spec import InvokeResult


def completion(result: InvokeResult, tail: bool) -> bytes:
    """The ``InvokeComplete`` event of a finished invocation."""
    code = details = None
    if result.function_error:
        try:
            doc = json.loads(result.payload)
        except ValueError:
            doc = None
        code = str(doc.get("errorType")) if isinstance(doc, dict) else result.function_error
        details = result.payload.decode("utf-8", "replace")
    return eventstream.invoke_complete(
        code, details, logs.tail_base64(result.log) if tail else None
    )


def serve_stream_invoke(
    handler: Any, runtime: LocalRuntime, name: str, qualifier: str, body: bytes
) -> None:
    """Answer one ``InvokeWithResponseStream`` request on ``handler`` (a QuietHandler)."""
    kind = handler.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    if kind not in ("RequestResponse", "DryRun"):
        handler._fail(400, "InvalidParameterValueException", f"invalid invocation type {kind}")
        return
    if len(body) > SYNC_PAYLOAD_LIMIT:
        handler._fail(
            413,
            "RequestEntityTooLargeException",
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the "
            "InvokeWithResponseStream operation",
        )
        return
    tail = (handler.headers.get("X-Amz-Log-Type") or "").lower() == "tail"
    context = handler.headers.get("X-Amz-Client-Context")
    run = StreamedInvocation(
        lambda stream: runtime.invoke(
            name,
            body,
            version=qualifier,
            client_context=context,
            invocation_type=kind,
            stream=stream,
        )
    )
    stream = run.stream
    stream.opened.wait()
    if stream.content_type is None:  # it did not stream: refused, or a buffered result
        try:
            result = run.result()
        except LambherdError as exc:
            handler.fail_with(exc, name, qualifier)
            return
        if result.status_code == 204:
            handler.reply(204, b"", {"x-amzn-RequestId": result.request_id})
            return
        events = b""
        if result.payload and not result.function_error:
            events += eventstream.payload_chunk(result.payload)
        events += completion(result, tail)
        headers = {"x-amzn-RequestId": result.request_id}
        headers["X-Amz-Executed-Version"] = result.executed_version
        # Content-Type is ResponseStreamContentType in Lambda's model: the result's JSON type
        handler.reply(200, events, headers, content_type="application/json")
        return
    headers = {"X-Amz-Executed-Version": qualifier}
    handler.start_chunked(200, headers, stream.content_type)
    try:
        for chunk in stream.chunks():
            handler.write_chunk(eventstream.payload_chunk(chunk))
    except OSError:  # the client went away: the function runs on (as on Lambda)
        stream.abandon()
        handler.close_connection = True
        run.result()
        return
    result = run.result()
    handler.write_chunk(completion(result, tail))
    handler.write_chunk(b"")
