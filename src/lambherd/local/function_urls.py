"""Function URLs' HTTP translation, shared by the sandbox's URLs and ``local start``'s.

An HTTP request (a WSGI ``environ`` and its body) becomes the function-URL event (payload
format 2.0) and the function's result becomes the HTTP response, as Lambda does; a URL is
addressed in two forms that work from this machine:

    http://127.0.0.1:<port>/_lambda_url/<url-id>/<path>            (what FunctionUrl says)
    http://<url-id>.lambda-url.<region>.localhost:<port>/<path>    (routed by Host header)

``streamed_response`` answers a ``RESPONSE_STREAM`` URL from a streamed invocation: the
status, headers and cookies of an ``HttpResponseStream`` prelude, then the body as the
function writes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

from lambherd.local.streaming import HTTP_INTEGRATION, split_prelude

if TYPE_CHECKING:
    from lambherd.local.streaming import StreamedInvocation

PATH_PREFIX = "/_lambda_url/"


def url_id(account: str, region: str, name: str, qualifier: str | None) -> str:
    """The stable 32-character id of a function's URL (the same after every restart)."""
    raw = f"{account}:{region}:{name}:{qualifier or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


_PATH_FORM = re.compile(r"^/_lambda_url/(?P<id>[a-z0-9]{32})(?P<rest>/.*)?$")
_HOST_FORM = re.compile(r"^(?P<id>[a-z0-9]{32})\.lambda-url\.(?P<region>[a-z0-9-]+)\.localhost$")
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/ld+json",
)


def match(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(url id, raw path as the function sees it) when a request is for a function URL."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    raw_path = raw.split("?", 1)[0] or "/"
    m = _PATH_FORM.match(raw_path)
    if m:
        return m["id"], m["rest"] or "/"
    host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0].lower()
    h = _HOST_FORM.match(host)
    if h:
        return h["id"], raw_path
    return None


def is_text(content_type: str) -> bool:
    return content_type.lower().startswith(_TEXT_TYPES) or "charset=" in content_type.lower()


def build_event(
    environ: dict[str, Any],
    body: bytes,
    uid: str,
    raw_path: str,
    region: str,
    account: str,
    now: datetime,
) -> dict[str, Any]:
    """The Lambda function-URL event (payload format 2.0) of one HTTP request (a WSGI
    ``environ``) to the URL ``uid`` of a function in ``region`` of ``account``."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = str(value)
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if body:
        headers["content-length"] = str(len(body))
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    query = environ.get("QUERY_STRING", "")
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    context: dict[str, Any] = {
        "accountId": "anonymous",
        "apiId": uid,
        "domainName": f"{uid}.lambda-url.{region}.on.aws",
        "domainPrefix": uid,
        "http": {
            "method": environ.get("REQUEST_METHOD", "GET"),
            "path": raw_path,
            "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": "$default",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    access_key = signed_by(environ)
    if access_key:
        context["accountId"] = account
        context["authorizer"] = {
            "iam": {"accessKey": access_key, "accountId": account, "userId": access_key}
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body:
        if is_text(headers.get("content-type", "")):
            event["body"] = body.decode("utf-8", "replace")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def signed_by(environ: dict[str, Any]) -> str | None:
    """The access key of a SigV4 ``Authorization`` header (not verified), else None."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.match(r"AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/", auth)
    return m.group(1) if m else None


def http_response(payload: bytes, function_error: str | None, request_id: str) -> Response:
    """The HTTP response Lambda makes of a function's result (payload format 2.0)."""
    base = {"x-amzn-RequestId": request_id}
    if function_error:
        return message(502, "Internal Server Error", request_id)
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        return message(502, "Internal Server Error", request_id)
    if not (isinstance(doc, dict) and "statusCode" in doc):
        # Anything else is the body: a string as-is, other JSON as JSON.
        text = doc if isinstance(doc, str) else payload.decode("utf-8")
        return Response(text, status=200, headers={**base, "Content-Type": "application/json"})
    try:
        status = int(doc["statusCode"])
    except (TypeError, ValueError):
        return message(502, "Internal Server Error", request_id)
    headers = [(str(k), str(v)) for k, v in (doc.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in doc.get("cookies") or []]
    headers.append(("x-amzn-RequestId", request_id))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    raw = doc.get("body")
    if raw is None:
        data = b""
    elif not isinstance(raw, str):
        data = json.dumps(raw).encode()
    elif doc.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw)
        except ValueError:
            return message(502, "Internal Server Error", request_id)
    else:
        data = raw.encode("utf-8")
    resp = Response(data, status=status)
    resp.headers.clear()
    for key, value in headers:
        resp.headers.add(key, value)
    return resp


def message(status: int, text: str, request_id: str | None = None) -> Response:
    """A function-URL error answer: ``{"Message": ...}``."""
    headers = {"Content-Type": "application/json"}
    if request_id:
        headers["x-amzn-RequestId"] = request_id
    return Response(json.dumps({"Message": text}), status=status, headers=headers)


def streamed_response(run: StreamedInvocation, request_id: str | None = None) -> Response:
    """A ``RESPONSE_STREAM`` URL's answer while ``run`` streams (call once it has opened).

    A stream of ``HTTP_INTEGRATION`` type starts with the prelude (statusCode, headers,
    cookies); any other stream is the body as it is, status 200. The first bytes are awaited
    so the status is known; the rest is passed on as the function writes it. A function that
    did not stream answers its result as it is (Lambda's way for a buffered handler behind a
    streaming URL), a failed one 502.
    """
    stream = run.stream
    chunks = stream.chunks()
    if stream.content_type is None:  # did not stream
        result = run.result()
        if result.function_error:
            return message(502, "Internal Server Error", result.request_id)
        # still a stream on the wire (chunked, no Content-Length), as Lambda sends it
        payload = result.payload
        pieces = (payload[i : i + 64 * 1024] for i in range(0, len(payload), 64 * 1024))
        resp = Response(pieces, status=200, content_type="application/octet-stream")
        resp.headers["x-amzn-RequestId"] = result.request_id
        return resp
    status, headers, first = 200, [("Content-Type", stream.content_type)], b""
    if stream.content_type == HTTP_INTEGRATION:
        head = b""
        for chunk in chunks:
            head += chunk
            split = split_prelude(head)
            if split is not None:
                break
        split = split_prelude(head) or ({}, head)
        prelude, first = split[0] or {}, split[1]
        try:
            status = int(prelude.get("statusCode") or 200)
        except (TypeError, ValueError):
            status = 200
        headers = [(str(k), str(v)) for k, v in (prelude.get("headers") or {}).items()]
        headers += [("Set-Cookie", str(c)) for c in prelude.get("cookies") or []]
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/octet-stream"))
    if request_id:
        headers.append(("x-amzn-RequestId", request_id))

    def body() -> Iterator[bytes]:
        try:
            if first:
                yield first
            yield from chunks
        finally:  # the client went away (or all was sent): the function is not stopped
            stream.abandon()

    resp = Response(body(), status=status)
    resp.headers.clear()
    for key, value in headers:
        resp.headers.add(key, value)
    return resp


def serve_streaming(invoke: Any) -> Response:
    """A ``RESPONSE_STREAM`` URL's answer: ``invoke(stream)`` runs the invocation (in a thread
    of its own); throttles answer 429, failures to run 502, as for buffered URLs."""
    from lambherd.errors import LambherdError, ThrottledError
    from lambherd.local.streaming import StreamedInvocation

    run = StreamedInvocation(invoke)
    run.stream.opened.wait()
    if run.stream.content_type is None:
        try:
            run.result()
        except ThrottledError:
            return message(429, "Rate Exceeded.")
        except LambherdError as exc:
            return message(502, f"Internal Server Error: {exc.message}")
    return streamed_response(run)
