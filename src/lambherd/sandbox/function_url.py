"""Function URLs served by the sandbox, on its own port.

The ids and what they stand for are kept by ``url_configs``; this module answers them, in two
forms that work from this machine:

    http://127.0.0.1:<port>/_lambda_url/<url-id>/<path>            (what FunctionUrl says)
    http://<url-id>.lambda-url.<region>.localhost:<port>/<path>    (routed by Host header)

An HTTP request becomes the function-URL event (payload format 2.0) and the function's result
becomes the HTTP response, as Lambda does (the translation is ``local.function_urls``, shared
with ``local start``'s URLs). AuthType AWS_IAM requires a request SigV4-signed with the
sandbox's credentials (verified: ``sigv4``). CORS comes from the URL's ``Cors``
(``url_cors``). With ``InvokeMode: RESPONSE_STREAM`` the response is streamed (chunked): a
Python function cannot stream on Lambda's managed runtime (no streaming API in it), so Lambda
sends its buffered result as the stream's content — the returned document itself, status 200,
not read as ``statusCode``/``headers``/``body`` — and so does the sandbox.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from lambherd.local import function_urls
from lambherd.local.function_urls import http_response, match, message
from lambherd.sandbox import url_cors
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.url_configs import UrlConfigs

if TYPE_CHECKING:
    from lambherd.local.spec import InvokeResult

__all__ = ["build_event", "http_response", "match", "message", "serve"]

#: Runs one synchronous invocation: (function, qualifier, payload[, stream]) -> result.
DirectInvoke = Callable[..., "InvokeResult"]


def build_event(
    environ: dict[str, Any],
    body: bytes,
    uid: str,
    raw_path: str,
    function: FunctionKey,
    now: datetime,
) -> dict[str, Any]:
    """The function-URL event of a request to ``function``'s URL (``local.function_urls``)."""
    return function_urls.build_event(
        environ, body, uid, raw_path, function.region, function.account, now
    )


def serve(
    urls: UrlConfigs,
    invoke: DirectInvoke,
    uid: str,
    raw_path: str,
    environ: dict[str, Any],
    body: bytes,
    now: datetime,
) -> Response:
    """Answer one request to a function URL: find the function, check auth, invoke, translate."""
    from lambherd.errors import LambherdError, ThrottledError

    target = urls.target(uid)
    if target is None:
        return message(404, f"no function URL {uid} in this sandbox")
    auth_type = urls.auth_type(target)
    if auth_type is None:
        return message(404, f"no function URL {uid} in this sandbox")
    if auth_type == "AWS_IAM":
        from lambherd.sandbox.sigv4 import verify

        refused = verify(environ, body, region=target.key.region)
        if refused is not None:
            return message(403, refused)
    config = urls.config(target)
    cors = config.get("Cors") or None
    if url_cors.is_preflight(cors, environ):
        return url_cors.preflight(cors or {}, environ, str(uuid.uuid4()))
    event = build_event(environ, body, uid, raw_path, target.key, now)
    payload = json.dumps(event).encode()
    if urls.invoke_mode(target) == "RESPONSE_STREAM":
        # the function's writes as they come; a function that does not stream (Python on the
        # managed runtime) has its buffered result sent as the stream's content
        resp = function_urls.serve_streaming(
            lambda stream: invoke(target.key, target.qualifier, payload, stream)
        )
        return url_cors.decorate(cors, environ, resp)
    try:
        result = invoke(target.key, target.qualifier, payload)
    except ThrottledError:
        return message(429, "Rate Exceeded.")
    except LambherdError as exc:
        return message(502, f"Internal Server Error: {exc.message}")
    resp = http_response(result.payload, result.function_error, result.request_id)
    return url_cors.decorate(cors, environ, resp)
