"""The sandbox's request guard: no web page can touch it. Run on every request that comes from
the network, before anything is served (``SandboxApp.__call__``); replayed journal lines and
the sandbox's own requests (telemetry) are not judged.

    Host                 must be the sandbox's own address (127.0.0.1:PORT, localhost:PORT, or a
                         function URL's <id>.lambda-url.<region>.localhost:PORT): a page that
                         rebinds its DNS name to 127.0.0.1 sends its own name, and is refused
    control endpoints    ``/_lambherd/*`` and ``/moto-api/*`` refuse browser requests: an
                         ``Origin`` header, or ``Sec-Fetch-Site`` other than ``none`` (typing the
                         address in the address bar stays possible); ``/_lambherd/code/*``
                         (Code.Location) also needs its presigned signature, unexpired
    AWS APIs             need what AWS needs: a SigV4 ``Authorization`` header or a presigned
                         query (SigV2 too, which S3 still takes) — 403 "Missing Authentication
                         Token" otherwise. Signatures are not verified there (any credentials
                         work, as with moto), so browser requests (``Origin``,
                         ``Sec-Fetch-Site``) and CORS preflights are refused too: a page could
                         otherwise send a forged, well-formed header
    function URLs        not judged here: ``AuthType: NONE`` URLs stay callable from browsers;
                         ``AWS_IAM`` ones verify the signature (``function_url`` + ``sigv4``)

Code.Location is presigned-style, as Lambda's S3 URL is: ``presign_code`` adds X-Amz-Date,
X-Amz-Expires and an HMAC-SHA256 X-Amz-Signature of the method-free path and query (a key of
this process, so nobody else can make one), valid ``CODE_URL_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from werkzeug.wrappers import Response

from lambherd.defaults import SANDBOX_CODE_URL_SECONDS
from lambherd.sandbox.persistence import REPLAY_ENVIRON_KEY

#: Environ key of a request the sandbox makes itself (telemetry): not judged.
INTERNAL_ENVIRON_KEY = "lambherd.internal"
CONTROL_PREFIXES = ("/_lambherd/", "/moto-api")
CODE_PREFIX = "/_lambherd/code/"
_URL_HOST = re.compile(r"^[a-z0-9]{32}\.lambda-url\.[a-z0-9-]+\.localhost$")
_SIGV4_HEADER = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=[^/\s,]+/\d{8}/[^/\s,]+/[^/\s,]+/aws4_request,\s*"
    r"SignedHeaders=[a-z0-9;._-]+,\s*Signature=[0-9a-f]+$"
)
_SIGV2_HEADER = re.compile(r"^AWS [^:\s]+:\S+$")
_DATE = "%Y%m%dT%H%M%SZ"
_CODE_KEY = secrets.token_bytes(32)
_SIGNATURE = "X-Amz-Signature"


class RequestGuard:
    """Judges the requests of one sandbox, served at ``endpoint`` (``http://host:port``)."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self.port = parts.port or 80
        self.hosts = {"127.0.0.1", "localhost", (parts.hostname or "127.0.0.1").lower()}

    def refuse(self, environ: dict[str, Any]) -> Response | None:
        """The answer refusing this request, or None to serve it."""
        if environ.get(REPLAY_ENVIRON_KEY) or environ.get(INTERNAL_ENVIRON_KEY):
            return None
        host = str(environ.get("HTTP_HOST") or "")
        if not self._own_host(host):
            shown = host or "(none)"
            return _refused(
                f"lambherd sandbox: Host {shown} is not this sandbox's address "
                f"(127.0.0.1:{self.port} or localhost:{self.port}); refused"
            )
        path = str(environ.get("PATH_INFO") or "")
        if path.startswith(CONTROL_PREFIXES):
            if _from_browser(environ):
                return _refused(
                    "lambherd sandbox: browser requests to its control endpoints are refused"
                )
            if path.startswith(CODE_PREFIX) and not code_url_valid(environ):
                return _refused(
                    "lambherd sandbox: Code.Location needs its signature, unexpired "
                    "(GetFunction gives a new one)",
                    code="AccessDenied",
                )
            return None
        if _is_function_url(environ):
            return None  # AuthType decides (function_url.serve)
        if _from_browser(environ) or environ.get("REQUEST_METHOD") == "OPTIONS":
            return _refused(
                "lambherd sandbox: browser requests to the AWS APIs are refused (the sandbox "
                "does not verify their signatures)"
            )
        if not _signed(environ):
            return _refused("Missing Authentication Token", code="MissingAuthenticationToken")
        return None

    def _own_host(self, host: str) -> bool:
        name, _, port = host.lower().rpartition(":")
        if not name:  # no port: only the default HTTP port
            name, port = host.lower(), "80"
        if port != str(self.port):
            return False
        return name in self.hosts or _URL_HOST.match(name) is not None


def _from_browser(environ: dict[str, Any]) -> bool:
    """True when a browser sent the request from a page (not typed in its address bar)."""
    site = str(environ.get("HTTP_SEC_FETCH_SITE") or "none").lower()
    return "HTTP_ORIGIN" in environ or site != "none"


def _is_function_url(environ: dict[str, Any]) -> bool:
    from lambherd.sandbox.function_url import match

    return match(environ) is not None


def _signed(environ: dict[str, Any]) -> bool:
    """A SigV4 (or SigV2) Authorization header, or a presigned query."""
    auth = str(environ.get("HTTP_AUTHORIZATION") or "").strip()
    if _SIGV4_HEADER.match(auth) or _SIGV2_HEADER.match(auth):
        return True
    query = dict(parse_qsl(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True))
    sigv4 = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", _SIGNATURE} <= set(query)
    sigv2 = {"AWSAccessKeyId", "Signature", "Expires"} <= set(query)
    return sigv4 or sigv2


def _refused(message: str, *, code: str = "AccessDeniedException") -> Response:
    """A 403 as AWS answers it (the error type in the header botocore reads, the message in
    both spellings AWS uses)."""
    body = {"message": message, "Message": message, "__type": code}
    return Response(
        json.dumps(body),
        status=403,
        headers={"x-amzn-ErrorType": code, "Content-Type": "application/json"},
    )


# -- Code.Location ---------------------------------------------------------------------------


def presign_code(path: str, query: str = "", now: datetime | None = None) -> str:
    """The query of a presigned Code.Location for ``path`` (``query`` kept in front)."""
    stamp = (now or datetime.now(UTC)).strftime(_DATE)
    params = [*parse_qsl(query, keep_blank_values=True)]
    params += [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Date", stamp),
        ("X-Amz-Expires", str(SANDBOX_CODE_URL_SECONDS)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    signed = _encode(params)
    return f"{signed}&{_SIGNATURE}={_code_signature(path, signed)}"


def code_url_valid(environ: dict[str, Any], now: datetime | None = None) -> bool:
    """True when a Code.Location request carries this sandbox's signature, unexpired."""
    params = parse_qsl(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True)
    given = [v for k, v in params if k == _SIGNATURE]
    rest = [(k, v) for k, v in params if k != _SIGNATURE]
    if len(given) != 1:
        return False
    expected = _code_signature(str(environ.get("PATH_INFO") or ""), _encode(rest))
    if not hmac.compare_digest(given[0], expected):
        return False
    found = dict(rest)
    try:
        signed_at = datetime.strptime(found["X-Amz-Date"], _DATE).replace(tzinfo=UTC)
        expires = int(found["X-Amz-Expires"])
    except (KeyError, ValueError):
        return False
    moment = now or datetime.now(UTC)
    return signed_at - timedelta(minutes=5) <= moment <= signed_at + timedelta(seconds=expires)


def _encode(params: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)


def _code_signature(path: str, query: str) -> str:
    return hmac.new(_CODE_KEY, f"GET\n{path}\n{query}".encode(), hashlib.sha256).hexdigest()
