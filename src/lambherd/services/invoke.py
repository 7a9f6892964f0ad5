"""``invoke``: invoke the deployed function with one payload or a stream of JSON documents.

Every document is read and checked (JSON, UTF-8, size) before the first one is sent.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lambherd.errors import UsageError
from lambherd.invocation import (
    InvokeOutcome,
    check_payload_size,
    encode_payload,
    invoke_function,
    iter_json_documents,
    payload_limit,
)

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass(frozen=True)
class InvokeRequest:
    """What ``invoke`` was asked. Without ``payload`` or ``payload_file``, the documents come
    from ``stdin`` (a text stream; its binary buffer, when it has one, is read as strict UTF-8)."""

    function_name: str | None = None
    payload: str | None = None
    payload_file: Path | None = None
    stdin: IO[Any] | None = None
    qualifier: str | None = None
    is_async: bool = False
    dry_run: bool = False
    log_tail: bool = False

    @property
    def invocation_type(self) -> str:
        """Lambda's InvocationType."""
        return "Event" if self.is_async else "DryRun" if self.dry_run else "RequestResponse"


@dataclass
class Invocations:
    """What to say first, and the invocations, made one by one as they are iterated."""

    warnings: list[str] = field(default_factory=list)
    outcomes: Iterator[InvokeOutcome] = field(default_factory=lambda: iter(()))


def invoke(app: App, request: InvokeRequest) -> Invocations:
    """Check every document, then return the invocations (one per document, sent in order)."""
    from lambherd.project.context import resolve_target

    if request.payload is not None and request.payload_file is not None:
        raise UsageError("give --payload or --payload-file, not both")
    if request.is_async and request.dry_run:
        raise UsageError("--async and --dry-run are different invocation types; pick one")
    kind = request.invocation_type
    warnings = []
    if request.log_tail and kind != "RequestResponse":
        warnings.append(
            "--log-tail has no effect with --async or --dry-run (Lambda returns no log then)"
        )
    documents = _documents(app, request, kind)
    target = resolve_target(app, request.function_name)
    client = app.clients.client("lambda")

    def each() -> Iterator[InvokeOutcome]:
        for document in documents:
            yield invoke_function(
                client,
                target.name,
                document,
                qualifier=request.qualifier,
                invocation_type=kind,
                log_tail=request.log_tail,
            )

    return Invocations(warnings, each())


def _documents(app: App, request: InvokeRequest, kind: str) -> list[bytes]:
    if request.payload is not None:  # one or several documents, as lambroll reads --payload
        text = io.StringIO(request.payload)
        documents = list(iter_json_documents(text, source="--payload", max_bytes=sys.maxsize))
        if not documents:
            raise UsageError("--payload: no JSON document in it")
        for i, document in enumerate(documents, 1):
            where = "--payload" if len(documents) == 1 else f"--payload document {i}"
            check_payload_size(document, kind, source=where)
        return documents
    if request.payload_file is not None:
        path = app.resolve(request.payload_file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"--payload-file {request.payload_file}: {exc.strerror}") from None
        documents = [encode_payload(raw, str(request.payload_file))]
        check_payload_size(raw, kind, source=str(request.payload_file))
        return documents
    documents = _stream_documents(request.stdin, payload_limit(kind))
    if not documents:
        raise UsageError(
            "stdin: no JSON document to send",
            hint="pass --payload, --payload-file or JSON documents on stdin",
        )
    return documents


def _stream_documents(stream: IO[Any] | None, limit: int) -> list[bytes]:
    """Every JSON document on ``stream``, all checked before the first call."""
    if stream is None:
        return []
    raw = getattr(stream, "buffer", None)
    if raw is None:
        return list(iter_json_documents(stream, max_bytes=limit))
    text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    try:
        return list(iter_json_documents(text, max_bytes=limit))
    finally:
        text.detach()  # leave the caller's stream open
