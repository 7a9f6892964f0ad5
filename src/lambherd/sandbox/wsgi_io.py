"""Bodies and calls at the WSGI level, for the dispatcher: a request's body read once (and
put back as a stream), an SDK's gzip body made plain, one request run through an app and its
answer captured, a plain request's environ."""

from __future__ import annotations

from typing import Any

from lambherd.sandbox import persistence


def run_wsgi(app: Any, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of one request run through a WSGI ``app``."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = headers
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return captured.get("status", 500), list(captured.get("headers", [])), data


def read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get(
        "wsgi.input_terminated"
    ):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = persistence.body_stream(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def decompressed(environ: dict[str, Any], body: bytes, service: str | None) -> bytes:
    """The body of a request an SDK gzip-compressed (CloudWatch PutMetricData over 10 KB).

    moto's server would decompress such a body twice and fail; the sandbox hands it a plain
    body (and journals that). S3's Content-Encoding is object metadata and is left alone.
    """
    if service in (None, "s3") or environ.get("HTTP_CONTENT_ENCODING", "").lower() != "gzip":
        return body
    if not body.startswith(b"\x1f\x8b"):
        return body
    import gzip

    try:
        plain = gzip.decompress(body)
    except (OSError, EOFError):
        return body
    del environ["HTTP_CONTENT_ENCODING"]
    environ["wsgi.input"] = persistence.body_stream(plain)
    environ["CONTENT_LENGTH"] = str(len(plain))
    return plain


def plain_request(method: str, path: str) -> tuple[dict[str, Any], bytes]:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, base_url="http://127.0.0.1", method=method)
    try:
        return builder.get_environ(), b""
    finally:
        builder.close()
