"""CORS of function URLs, from the URL configuration's ``Cors``, as Lambda applies it.

With ``Cors`` configured, Lambda answers a browser's preflight (``OPTIONS`` with
``Access-Control-Request-Method``) itself, without invoking the function, and puts the
configured ``Access-Control-*`` headers on every response to a request with an allowed
``Origin`` (the function's own CORS headers are replaced). Without ``Cors``, nothing is added
and an ``OPTIONS`` request reaches the function like any other.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

_CORS_PREFIX = "access-control-"


def is_preflight(cors: dict[str, Any] | None, environ: dict[str, Any]) -> bool:
    """True for a preflight Lambda answers itself (the URL has a CORS configuration)."""
    return (
        bool(cors)
        and environ.get("REQUEST_METHOD") == "OPTIONS"
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
    )


def allowed_origin(cors: dict[str, Any], origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for ``origin`` (None: not allowed)."""
    if not origin:
        return None
    origins = [str(o) for o in cors.get("AllowOrigins") or []]
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    return origin if origin.lower() in {o.lower() for o in origins} else None


def _method_allowed(cors: dict[str, Any], method: str) -> bool:
    methods = {str(m).upper() for m in cors.get("AllowMethods") or []}
    return "*" in methods or method.upper() in methods


def _common(cors: dict[str, Any], allow: str) -> list[tuple[str, str]]:
    headers = [("Access-Control-Allow-Origin", allow), ("Vary", "Origin")]
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return headers


def preflight(cors: dict[str, Any], environ: dict[str, Any], request_id: str) -> Response:
    """The answer to a preflight: 200, with the CORS headers when the origin and method are
    allowed (without them the browser refuses the request)."""
    resp = Response(b"", status=200)
    resp.headers["x-amzn-RequestId"] = request_id
    allow = allowed_origin(cors, environ.get("HTTP_ORIGIN"))
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
    if allow is None or not _method_allowed(cors, method):
        return resp
    for key, value in _common(cors, allow):
        resp.headers[key] = value
    methods = [str(m) for m in cors.get("AllowMethods") or []]
    if methods:
        resp.headers["Access-Control-Allow-Methods"] = ",".join(methods)
    allowed_headers = [str(h) for h in cors.get("AllowHeaders") or []]
    if allowed_headers:
        resp.headers["Access-Control-Allow-Headers"] = ",".join(allowed_headers)
    if cors.get("MaxAge"):
        resp.headers["Access-Control-Max-Age"] = str(int(cors["MaxAge"]))
    return resp


def decorate(cors: dict[str, Any] | None, environ: dict[str, Any], resp: Response) -> Response:
    """The function's response with the configured CORS headers (when CORS is configured)."""
    if not cors:
        return resp
    for key in {k for k, _ in resp.headers.items() if k.lower().startswith(_CORS_PREFIX)}:
        del resp.headers[key]
    allow = allowed_origin(cors, environ.get("HTTP_ORIGIN"))
    if allow is None:
        return resp
    for key, value in _common(cors, allow):
        resp.headers[key] = value
    exposed = [str(h) for h in cors.get("ExposeHeaders") or []]
    if exposed:
        resp.headers["Access-Control-Expose-Headers"] = ",".join(exposed)
    return resp
