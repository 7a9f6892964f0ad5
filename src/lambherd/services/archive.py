"""``archive``: the zip ``deploy`` would upload (the function's folder plus its dependencies,
built first as deploy does), written to a file or a stream, from the same code identity every
deploying command uses (``pipeline.code``). AWS is needed only when Code or Runtime come from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from lambherd.archive.limits import human_size
from lambherd.errors import UsageError

__all__ = ["ArchiveRequest", "archive", "human_size"]

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.archive import ArchiveResult


@dataclass(frozen=True)
class ArchiveRequest:
    """Where the zip goes (a path relative to the function's folder, or a stream) and how."""

    dest: str | BinaryIO = "function.zip"
    store_symlinks: bool = False
    exclude_file: str | None = None  # default: .lambdaignore, if present


def archive(app: App, request: ArchiveRequest) -> ArchiveResult:
    """Build the dependencies (cached), then write the deterministic zip."""
    from lambherd import archive as archive_package
    from lambherd.archive.function_package import PACKAGE_FIELDS
    from lambherd.build import build_function
    from lambherd.pipeline.code import code_identity
    from lambherd.project.context import load_app_definition

    definition = load_app_definition(app, fields=PACKAGE_FIELDS)
    source = definition.source_dir
    if request.exclude_file is not None and not (source / request.exclude_file).is_file():
        raise UsageError(f"--exclude-file {request.exclude_file}: no such file in {source}")
    build_function(source, definition.config)
    dest = source / request.dest if isinstance(request.dest, str) else request.dest
    code = code_identity(
        definition,
        dest=dest,
        max_zipped_bytes=archive_package.ZIPPED_LIMIT,
        ignore_file=request.exclude_file or ".lambdaignore",
        store_symlinks=request.store_symlinks,
    )
    assert code.archive is not None  # a zip was written
    return code.archive
