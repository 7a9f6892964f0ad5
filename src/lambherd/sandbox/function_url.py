"""Function URLs served by the sandbox, on its own port.

The ids and what they stand for are kept by ``url_configs``; this module answers them, in two
forms that work from this machine:

    http://127.0.0.1:<port>/_lambda_url/<url-id>/<path>            (what FunctionUrl says)
    http://<url-id>.lambda-url.<region>.localhost:<port>/<path>    (routed by Host header)

An HTTP request becomes the function-URL event (payload format 2.0) and the function's result
becomes the HTTP response, as Lambda does. AuthType AWS_IAM requires a request SigV4-signed
with the sandbox's credentials (verified: ``sigv4``).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.url_configs import UrlConfigs

if TYPE_CHECKING:
    from lambherd.local.spec import InvokeResult

#: Runs one synchronous invocation: (function, qualifier, payload) -> result.
DirectInvoke = Callable[[FunctionKey, "str | None", bytes], "InvokeResult"]
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


def _is_text(content_type: str) -> bool:
    return content_type.lower().startswith(_TEXT_TYPES) or "charset=" in content_type.lower()


def build_event(
    environ: dict[str, Any],
    body: bytes,
    uid: str,
    raw_path: str,
    function: FunctionKey,
    now: datetime,
) -> dict[str, Any]:
    """The Lambda function-URL event (payload format 2.0) of one HTTP request."""
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
    region = function.region
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
    access_key = _signed_by(environ)
    if access_key:
        account = function.account
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
        if _is_text(headers.get("content-type", "")):
            event["body"] = body.decode("utf-8", "replace")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _signed_by(environ: dict[str, Any]) -> str | None:
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
    event = build_event(environ, body, uid, raw_path, target.key, now)
    payload = json.dumps(event).encode()
    try:
        result = invoke(target.key, target.qualifier, payload)
    except ThrottledError:
        return message(429, "Rate Exceeded.")
    except LambherdError as exc:
        return message(502, f"Internal Server Error: {exc.message}")
    return http_response(result.payload, result.function_error, result.request_id)
