"""Invoking a function, shared by `invoke`, `test`, the local emulator and the sandbox: payloads
(one, or a stream of JSON documents), Lambda's payload limits, one invocation and its outcome.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from lambherd.errors import PayloadTooLargeError, UsageError, describe_client_error
from lambherd.invoke_limits import (
    ASYNC_PAYLOAD_LIMIT,
    INVOCATION_TYPES,
    SYNC_PAYLOAD_LIMIT,
    payload_limit,
)

__all__ = ["ASYNC_PAYLOAD_LIMIT", "INVOCATION_TYPES", "SYNC_PAYLOAD_LIMIT", "payload_limit"]
_VALUE_END = ("}", "]", '"', "e", "l")  # characters a JSON value can end a line with


@dataclass(frozen=True)
class InvokeOutcome:
    """What one invocation returned (the shape the local emulator returns too)."""

    status_code: int
    payload: bytes
    function_error: str | None = None
    executed_version: str | None = None
    log_tail: str | None = None
    duration_ms: float | None = None

    @property
    def failed(self) -> bool:
        """True when the function returned an error."""
        return self.function_error is not None

    @property
    def body_text(self) -> str:
        """The response body as text."""
        return self.payload.decode("utf-8", errors="replace")

    def json_body(self) -> Any:
        """The response body parsed as JSON, or its text when it is not JSON."""
        try:
            return json.loads(self.payload) if self.payload else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            return self.body_text

    @property
    def error_type(self) -> str | None:
        """``errorType`` of an error response (None on success)."""
        if not self.failed:
            return None
        body = self.json_body()
        if isinstance(body, dict) and body.get("errorType"):
            return str(body["errorType"])
        return self.function_error

    @property
    def error_message(self) -> str | None:
        """``errorMessage`` of an error response."""
        body = self.json_body()
        if self.failed and isinstance(body, dict) and "errorMessage" in body:
            return str(body["errorMessage"])
        return None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for ``--output json``."""
        return {
            "StatusCode": self.status_code,
            "ExecutedVersion": self.executed_version,
            "FunctionError": self.function_error,
            "Payload": self.json_body(),
            "LogResult": self.log_tail,
            "DurationMs": self.duration_ms,
        }


#: The pluggable invoker ``test`` uses: (payload bytes, qualifier) -> outcome.
Invoker = Callable[[bytes, str | None], InvokeOutcome]


def check_payload_size(
    payload: bytes, invocation_type: str = "RequestResponse", *, source: str | None = None
) -> None:
    """Refuse a payload over Lambda's limit for this invocation type, before it is sent."""
    limit = payload_limit(invocation_type)
    if len(payload) > limit:
        kind = "asynchronous" if invocation_type == "Event" else "synchronous"
        where = f"{source}: " if source else ""
        raise PayloadTooLargeError(
            f"{where}payload is {len(payload):,} bytes, above Lambda's {kind} limit of"
            f" {limit:,} bytes",
            hint="pass a reference (an S3 key) instead of the data",
        )


def encode_payload(text: str | bytes, source: str) -> bytes:
    """One JSON document from ``--payload`` / ``--payload-file``, checked to be JSON."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    try:
        json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise UsageError(f"{source}{where}: payload is not JSON: {reason}") from None
    return raw


def iter_json_documents(
    stream: IO[str], *, source: str = "stdin", max_bytes: int = SYNC_PAYLOAD_LIMIT
) -> Iterator[bytes]:
    """Each JSON document on ``stream``, in order, as soon as it is complete.

    Documents may be separated by whitespace, newlines or nothing (``{"a":1}{"b":2}``) and may
    span lines. A document that is not JSON (or not UTF-8) stops the stream with a
    ``UsageError`` naming its line and column in the stream; a document over ``max_bytes`` with
    ``PayloadTooLargeError``. Decoding is retried only when a line could end a document or the
    buffer doubled, so large documents stay linear.
    """
    decoder = json.JSONDecoder()
    parts: list[str] = []
    size = 0  # characters in parts
    attempted = 0  # size at the last failed decode attempt
    index = 0  # documents yielded so far
    where = _Position()  # line/column in the stream where the buffer starts
    eof = False
    while True:
        chunk = "" if eof else _read_line(stream, source, index, where)
        if chunk:
            parts.append(chunk)
            size += len(chunk)
        else:
            eof = True
        if size and (eof or size >= 2 * attempted or _may_end_document(chunk)):
            joined = "".join(parts)
            buf = joined.lstrip()
            where.advance(joined[: len(joined) - len(buf)])
            parts, size = ([buf], len(buf)) if buf else ([], 0)
            while buf:
                try:
                    value, end = decoder.raw_decode(buf)
                except json.JSONDecodeError as exc:
                    # After a whole line, an error before the buffer's end cannot be cured by
                    # reading more (no JSON token spans a newline): report it now.
                    if eof or (chunk.endswith("\n") and exc.pos < len(buf.rstrip())):
                        line, column = where.at(buf, exc.pos)
                        raise UsageError(
                            f"{source}: document {index + 1} is not JSON: {exc.msg}"
                            f" (line {line}, column {column})"
                        ) from None
                    attempted = size
                    break
                if end == len(buf) and not eof and isinstance(value, int | float):
                    attempted = size  # a number may continue on the next read
                    break
                try:
                    doc = buf[:end].encode("utf-8")
                except UnicodeEncodeError:  # a stream decoded with surrogateescape
                    raise UsageError(f"{source}: document {index + 1} is not UTF-8") from None
                if len(doc) > max_bytes:
                    _too_large(source, index, max_bytes)
                index += 1
                yield doc
                rest = buf[end:].lstrip()
                where.advance(buf[: len(buf) - len(rest)])
                buf = rest
                parts, size, attempted = ([buf], len(buf), 0) if buf else ([], 0, 0)
        if size > max_bytes + 1024:
            _too_large(source, index, max_bytes)
        if eof:
            return


class _Position:
    """Where in the stream (1-based line and column) the undecoded buffer starts."""

    def __init__(self) -> None:
        self.line = 1
        self.column = 1

    def advance(self, consumed: str) -> None:
        """Move past ``consumed`` text."""
        newlines = consumed.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(consumed) - consumed.rfind("\n")
        else:
            self.column += len(consumed)

    def at(self, buf: str, pos: int) -> tuple[int, int]:
        """The stream's line and column of ``buf[pos]``."""
        before = buf[:pos]
        newlines = before.count("\n")
        if newlines:
            return self.line + newlines, pos - before.rfind("\n")
        return self.line, self.column + pos


def _read_line(stream: IO[str], source: str, index: int, where: _Position) -> str:
    try:
        return stream.readline(1 << 20)
    except UnicodeDecodeError:
        raise UsageError(
            f"{source}: document {index + 1} (near line {where.line}) is not UTF-8 text"
        ) from None


def _may_end_document(line: str) -> bool:
    """A line starting at column 0 and ending like a JSON value may complete a document."""
    text = line.rstrip()
    return (
        bool(text) and not line[0].isspace() and (text.endswith(_VALUE_END) or text[-1].isdigit())
    )


def _too_large(source: str, index: int, max_bytes: int) -> None:
    raise PayloadTooLargeError(
        f"{source}: document {index + 1} is over Lambda's limit of {max_bytes:,} bytes",
        hint="pass a reference (an S3 key) instead of the data",
    )


def invoke_function(
    client: Any,
    function_name: str,
    payload: bytes,
    *,
    qualifier: str | None = None,
    invocation_type: str = "RequestResponse",
    log_tail: bool = False,
) -> InvokeOutcome:
    """Invoke once (after checking the payload size) and return what Lambda answered."""
    from botocore.exceptions import ClientError

    if invocation_type not in INVOCATION_TYPES:
        raise UsageError(f"unknown invocation type {invocation_type!r}")
    check_payload_size(payload, invocation_type)
    kwargs: dict[str, Any] = {
        "FunctionName": function_name,
        "InvocationType": invocation_type,
        "Payload": payload,
    }
    if qualifier:
        kwargs["Qualifier"] = qualifier
    if log_tail and invocation_type == "RequestResponse":
        kwargs["LogType"] = "Tail"
    target = f"{function_name}:{qualifier}" if qualifier else function_name
    started = time.perf_counter()
    try:
        resp = client.invoke(**kwargs)
        body = resp["Payload"].read() if resp.get("Payload") is not None else b""
    except ClientError as exc:
        raise describe_client_error(exc, f"invoking {target}") from exc
    elapsed_ms = (time.perf_counter() - started) * 1000
    tail = resp.get("LogResult")
    log = base64.b64decode(tail).decode("utf-8", errors="replace") if tail else None
    return InvokeOutcome(
        status_code=int(resp.get("StatusCode", 0)),
        payload=body,
        function_error=resp.get("FunctionError"),
        executed_version=resp.get("ExecutedVersion"),
        log_tail=log,
        duration_ms=_reported_duration(log) or elapsed_ms,
    )


def _reported_duration(log: str | None) -> float | None:
    """Lambda's own ``Duration`` from the REPORT line of a log tail (more exact than wall time)."""
    if not log:
        return None
    from lambherd.report import parse_report

    for line in log.splitlines():
        record = parse_report(line)
        if record is not None:
            return record.duration_ms
    return None


def lambda_invoker(client: Any, function_name: str) -> Invoker:
    """An ``Invoker`` that calls the deployed function synchronously with its log tail."""

    def invoke(payload: bytes, qualifier: str | None) -> InvokeOutcome:
        return invoke_function(client, function_name, payload, qualifier=qualifier, log_tail=True)

    return invoke
