"""Lambda's size limits on code uploads, which moto does not enforce.

What Lambda answers (its quotas page; the messages as Lambda words them):

- a CreateFunction / UpdateFunctionCode / PublishLayerVersion request body over 70,167,211
  bytes (the base64 of a 50 MiB zip plus the rest of the request) is refused before it is
  read: 413 ``RequestEntityTooLargeException`` "Request must be smaller than 70167211 bytes
  for the CreateFunction operation";
- a direct upload (``ZipFile``) over 50 MiB (52,428,800 bytes) zipped: 413
  ``RequestEntityTooLargeException`` "Zipped size must be smaller than 52428800 bytes";
- code whose files add up to more than 250 MiB (262,144,000 bytes) unzipped, uploaded directly
  or through S3: 400 ``InvalidParameterValueException`` "Unzipped size must be smaller than
  262144000 bytes".
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from lambherd.sandbox.concurrency import CODE_LIMITS
from lambherd.sandbox.wire import error

#: Bytes of a code-carrying request body Lambda accepts.
REQUEST_LIMIT = 70_167_211
#: A refused body up to this size is read (and dropped) so the client reads the answer.
DISCARD_LIMIT = 512 * 1024 * 1024
#: The account limits GetAccountSettings reports (``lambherd.archive.limits`` has the same).
ZIPPED_LIMIT = CODE_LIMITS["CodeSizeZipped"]
UNZIPPED_LIMIT = CODE_LIMITS["CodeSizeUnzipped"]
_UPLOADS = (
    ("POST", re.compile(r"^/\d{4}-\d{2}-\d{2}/functions/?$"), "CreateFunction", "Code"),
    ("PUT", re.compile(r"^/\d{4}-\d{2}-\d{2}/functions/[^/]+/code/?$"), "UpdateFunctionCode", ""),
    (
        "POST",
        re.compile(r"^/\d{4}-\d{2}-\d{2}/layers/[^/]+/versions/?$"),
        "PublishLayerVersion",
        "Content",
    ),
)
#: Reads an S3 object's body the code names: (bucket, key) -> bytes, None when missing.
ReadObject = Callable[[str, str], "bytes | None"]


def upload(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(operation, where its code is in the body) when the request uploads code."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    for want, pattern, operation, field in _UPLOADS:
        if method == want and pattern.match(path):
            return operation, field
    return None


def refuse_early(environ: dict[str, Any]) -> Response | None:
    """413 for a code upload whose Content-Length is over Lambda's limit; the body is read
    away unkept (up to ``DISCARD_LIMIT``: beyond, the connection closes after the answer)."""
    found = upload(environ)
    length = str(environ.get("CONTENT_LENGTH") or "0")
    if found is None or not length.isdigit() or int(length) <= REQUEST_LIMIT:
        return None
    stream = environ.get("wsgi.input")
    if stream is not None and int(length) <= DISCARD_LIMIT:
        while stream.read(1 << 20):
            pass
    return error(
        413,
        "RequestEntityTooLargeException",
        f"Request must be smaller than {REQUEST_LIMIT} bytes for the {found[0]} operation",
    )


def refuse(environ: dict[str, Any], body: bytes, read_object: ReadObject) -> Response | None:
    """The answer Lambda gives a code upload over its zipped or unzipped limit, else None."""
    found = upload(environ)
    if found is None:
        return None
    if len(body) > REQUEST_LIMIT:  # a chunked body says no Content-Length
        return refuse_early({**environ, "CONTENT_LENGTH": str(len(body))})
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return None
    code = doc.get(found[1]) if found[1] else doc
    if not isinstance(code, dict):
        return None
    data: bytes | None = None
    if isinstance(code.get("ZipFile"), str):
        try:
            data = base64.b64decode(code["ZipFile"])
        except (binascii.Error, ValueError):
            return None
        if len(data) > ZIPPED_LIMIT:
            return error(
                413,
                "RequestEntityTooLargeException",
                f"Zipped size must be smaller than {ZIPPED_LIMIT} bytes",
            )
    elif isinstance(code.get("S3Bucket"), str) and isinstance(code.get("S3Key"), str):
        data = read_object(code["S3Bucket"], code["S3Key"])
    if data and unzipped_size(data) > UNZIPPED_LIMIT:
        return error(
            400,
            "InvalidParameterValueException",
            f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes",
        )
    return None


def unzipped_size(data: bytes) -> int:
    """The bytes a zip's files add up to (0 when it is not a zip: moto answers that)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0
