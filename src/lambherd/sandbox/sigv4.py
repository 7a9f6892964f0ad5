"""SigV4 signatures of requests to ``AuthType: AWS_IAM`` function URLs, verified against the
sandbox's credentials (``defaults.SANDBOX_ACCESS_KEY`` / ``SANDBOX_SECRET_KEY``) as Lambda
verifies them against IAM: the request is rebuilt from what came in (method, raw path and
query, the signed headers, the body) and botocore's own signer recomputes the signature.

Refused (``verify`` returns the reason; 403 like Lambda's): no or a malformed Authorization
header, an unknown access key, a scope of another service or region, an X-Amz-Date more than
``SIGV4_MAX_SKEW_SECONDS`` away, a body whose hash is not X-Amz-Content-SHA256, and any request
whose recomputed signature differs (a wrong secret, a tampered path, query, header or body).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from typing import Any

from lambherd.defaults import SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, SIGV4_MAX_SKEW_SECONDS

#: Access key id -> secret the sandbox knows.
CREDENTIALS = {SANDBOX_ACCESS_KEY: SANDBOX_SECRET_KEY}
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/\s,]+)/(?P<date>\d{8})/(?P<region>[^/\s,]+)/"
    r"(?P<service>[^/\s,]+)/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;._-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method."
)


def verify(
    environ: dict[str, Any],
    body: bytes,
    *,
    region: str,
    service: str = "lambda",
    now: datetime | None = None,
) -> str | None:
    """None when the request is signed by a key the sandbox knows, for ``service`` in
    ``region``; else why it is refused."""
    m = _AUTH.match(str(environ.get("HTTP_AUTHORIZATION") or "").strip())
    if m is None:
        return "Forbidden: sign the request with SigV4 (AuthType AWS_IAM)"
    secret = CREDENTIALS.get(m["key"])
    if secret is None:
        return "The security token included in the request is invalid."
    if m["service"] != service or m["region"] != region:
        return (
            f"Credential should be scoped to a valid region and service: expected "
            f"{region}/{service}, got {m['region']}/{m['service']}"
        )
    stamp = str(environ.get("HTTP_X_AMZ_DATE") or "")
    try:
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "Forbidden: X-Amz-Date is missing or malformed"
    if not stamp.startswith(m["date"]):
        return "Forbidden: the credential's date is not X-Amz-Date's"
    skew = abs(((now or datetime.now(UTC)) - signed_at).total_seconds())
    if skew > SIGV4_MAX_SKEW_SECONDS:
        return f"Signature expired: {stamp} is more than {SIGV4_MAX_SKEW_SECONDS // 60} min away"
    declared = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
    unsigned = declared in (None, "", "UNSIGNED-PAYLOAD")
    if not unsigned and declared != hashlib.sha256(body).hexdigest():
        return "The provided 'x-amz-content-sha256' header does not match what was computed."
    expected = _signature(environ, body, m, secret, stamp, region, service)
    return None if hmac.compare_digest(expected, m["signature"]) else MISMATCH


def _signature(
    environ: dict[str, Any],
    body: bytes,
    m: re.Match[str],
    secret: str,
    stamp: str,
    region: str,
    service: str,
) -> str:
    """The signature botocore's SigV4 signer makes of this request, over exactly the headers
    the client says it signed."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest, HTTPHeaders
    from botocore.credentials import Credentials

    signed = HTTPHeaders()
    for name in m["headers"].split(";"):
        value = _header(environ, name)
        if value is None:
            return ""  # a signed header that did not arrive: cannot match
        signed[name] = value

    class _Signer(SigV4Auth):
        def headers_to_sign(self, request: Any) -> Any:
            return signed

    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path = str(raw).split("?", 1)[0] or "/"
    query = str(environ.get("QUERY_STRING") or "")
    url = f"http://{environ.get('HTTP_HOST', '')}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=str(environ.get("REQUEST_METHOD", "GET")), url=url, data=body)
    for name in signed:
        request.headers[name] = signed[name]
    request.context["timestamp"] = stamp
    signer = _Signer(Credentials(m["key"], secret), service, region)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def _header(environ: dict[str, Any], name: str) -> str | None:
    if name == "content-type":
        value = environ.get("CONTENT_TYPE")
    elif name == "content-length":
        value = environ.get("CONTENT_LENGTH")
    else:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return None if value is None else str(value)
