"""The import writer of concurrency.json (``init --download``, ``import --all``): from
what the deployed function has: reserved concurrency, every provisioned concurrency config, and
the scalable target of each alias or version with its scheduled actions and target-tracking
policy, so that the first plan after an import is empty. Nothing is written for a function with
none of them (no file: nothing managed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambherd.concurrency.model import CONCURRENCY_FILE
from lambherd.importing.writers import FileText, ImportContext, ImportWriter

#: Error codes of an endpoint that does not serve a read at all (moto's server: HTTP 404).
_NOT_SERVED = {"404", "NotImplemented", "InvalidAction", "UnknownOperationException"}


def concurrency_files(
    clients: Any, name: str, target: Path, *, jsonnet: bool, notes: list[str]
) -> dict[Path, str]:
    """{path: text} of the concurrency file for ``name`` ({} when it has nothing to manage;
    a note when the endpoint does not serve the reads)."""
    from lambherd.errors import AwsError
    from lambherd.importing.function_files import definition_text
    from lambherd.pipeline.remote_concurrency import imported_document

    try:
        doc = imported_document(clients, name)
    except AwsError as exc:
        if exc.code not in _NOT_SERVED:
            raise
        notes.append(f"{CONCURRENCY_FILE} not written: the endpoint does not serve {exc.message}")
        return {}
    if doc is None:
        return {}
    filename = CONCURRENCY_FILE.replace(".json", ".jsonnet") if jsonnet else CONCURRENCY_FILE
    return {target / filename: definition_text(doc, jsonnet=jsonnet)}


def _write(ctx: ImportContext) -> dict[str, FileText]:
    if ctx.clients is None:
        return {}
    files = concurrency_files(
        ctx.clients, ctx.function_name, ctx.target, jsonnet=ctx.jsonnet, notes=ctx.notes
    )
    return {path.name: text for path, text in files.items()}


WRITER = ImportWriter("concurrency", _write)
