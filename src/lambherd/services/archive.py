"""``archive``: the zip ``deploy`` would upload (the function's folder plus its dependencies,
built first as deploy does), written to a file or a stream, from the same code identity every
deploying command uses (``pipeline.code``). AWS is needed only when Code or Runtime come from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
    #: The ignore file, relative to the working folder as lambroll reads it (default:
    #: .lambdaignore there, if present)
    exclude_file: str | None = None
    #: A folder to zip instead of the definition's (``--src``).
    src: Path | None = None


def archive(app: App, request: ArchiveRequest) -> ArchiveResult:
    """Build the dependencies (cached), then write the deterministic zip."""
    from lambherd import archive as archive_package
    from lambherd.archive.function_package import PACKAGE_FIELDS
    from lambherd.build import build_function
    from lambherd.pipeline.code import code_identity
    from lambherd.project.context import function_settings, load_app_definition
    from lambherd.settings import command_line

    definition = load_app_definition(app, fields=PACKAGE_FIELDS)
    source = definition.source_dir
    exclude = app.resolve(request.exclude_file) if request.exclude_file is not None else None
    if exclude is not None and not exclude.is_file():
        raise UsageError(f"--exclude-file {request.exclude_file}: no such file in {app.workdir}")
    settings = function_settings(
        app, command_line(exclude_file=exclude, symlink=request.store_symlinks, src=request.src)
    )
    if request.src is None:  # another folder gets no dependency build (package_options)
        build_function(source, definition.config)
    dest = source / request.dest if isinstance(request.dest, str) else request.dest
    code = code_identity(
        definition, settings, dest=dest, max_zipped_bytes=archive_package.ZIPPED_LIMIT
    )
    assert code.archive is not None  # a zip was written
    return code.archive
