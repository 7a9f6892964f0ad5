"""The Lambda REST API on the wire: routes, error/ok responses, JSON rewriting, time formats.

Pure helpers (no sandbox state): every room of the Lambda layer speaks through them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Response

from lambherd.defaults import SANDBOX_ACCESS_KEY

_ROUTE = re.compile(
    r"^/(?P<api>\d{4}-\d{2}-\d{2})/(?P<kind>functions|account-settings)/?"
    r"(?P<fn>[^/]+)?/?(?P<sub>[^/]+)?/?(?P<rest>.+)?$"
)


@dataclass(frozen=True)
class Route:
    """A parsed Lambda REST path."""

    method: str
    kind: str
    function: str | None
    qualifier: str | None
    sub: str | None
    rest: str | None
    query: dict[str, str]


def parse_route(environ: dict[str, Any]) -> Route | None:
    """The Lambda route of a request, or None when the path is not a Lambda one."""
    m = _ROUTE.match(environ.get("PATH_INFO", ""))
    if not m:
        return None
    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    name, qualifier = split_name(unquote(m["fn"])) if m["fn"] else (None, None)
    return Route(
        method=environ.get("REQUEST_METHOD", "GET"),
        kind=m["kind"],
        function=name,
        qualifier=qualifier or query.get("Qualifier"),
        sub=m["sub"],
        rest=unquote(m["rest"]) if m["rest"] else None,
        query=query,
    )


def split_name(name_or_arn: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier`` or a function ARN -> (name, qualifier)."""
    if name_or_arn.startswith("arn:"):
        name_or_arn = name_or_arn.split(":function:", 1)[-1]
    name, _, qualifier = name_or_arn.partition(":")
    return name, qualifier or None


def is_version(qualifier: str | None) -> bool:
    """True for ``$LATEST`` or a version number (not an alias, not absent)."""
    return qualifier is not None and (qualifier == "$LATEST" or qualifier.isdigit())


def error(status: int, code: str, message: str, **extra: Any) -> Response:
    """A Lambda-shaped error response (botocore reads the type from the header)."""
    body = {"Type": "User", "message": message, "__type": code, **extra}
    return Response(
        json.dumps(body),
        status=status,
        headers={"x-amzn-ErrorType": code, "Content-Type": "application/json"},
    )


def ok(doc: Any, status: int = 200) -> Response:
    """A JSON response."""
    return Response(json.dumps(doc), status=status, content_type="application/json")


def json_doc(data: bytes | str) -> dict[str, Any]:
    """A JSON object from a body; ``{}`` for an empty, unparsable or non-object body."""
    if not data:
        return {}
    try:
        doc = json.loads(data)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def with_field(resp: Response, key: str, value: Any) -> Response:
    """The JSON response with ``key`` set to ``value``, when it has that key."""
    out = json_doc(resp.get_data())
    if key not in out:
        return resp
    out[key] = value
    return replace_json(resp, out)


def replace_json(resp: Response, doc: dict[str, Any]) -> Response:
    """The response with ``doc`` as its JSON body."""
    resp.set_data(json.dumps(doc))
    resp.content_type = "application/json"
    return resp


def lambda_time(at: datetime) -> str:
    """``at`` in Lambda's timestamp format (``2026-12-01T07:41:00.943+0000``)."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(?:Z|[+-]00:?00)$")


def as_lambda_time(stamp: str) -> str:
    """A timestamp moto keeps (``...T07:41:00.943000000Z``) in Lambda's format
    (``...T07:41:00.943+0000``); anything else unchanged."""
    m = _STAMP.match(stamp)
    if not m:
        return stamp
    return f"{m.group(1)}.{(m.group(2) or '')[:3].ljust(3, '0')}+0000"


def moto_stamp(at: datetime) -> str:
    """``at`` in the format moto keeps a function's ``last_modified`` in."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def internal_request(
    method: str,
    path: str,
    service: str,
    region: str,
    *,
    form: dict[str, str] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bytes]:
    """A WSGI environ (and body) for a request the sandbox makes to moto itself."""
    from urllib.parse import urlencode

    from werkzeug.test import EnvironBuilder

    data = urlencode(form).encode() if form is not None else body
    hdrs = {
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={SANDBOX_ACCESS_KEY}/20240101/{region}/{service}/"
            "aws4_request, SignedHeaders=host, Signature=0"
        ),
        **(headers or {}),
    }
    builder = EnvironBuilder(
        path=path,
        base_url="http://127.0.0.1",
        method=method,
        headers=hdrs,
        data=data,
        content_type="application/x-www-form-urlencoded" if form is not None else None,
    )
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    return env, data
