"""A function's code package: the one zip recipe behind ``pipeline.code.code_identity``, which
``archive``, ``deploy``, ``plan`` and ``diff`` all use.

    package_options(defn, source, ...) -> dict          build_archive options for the function
    zipped_limit(config, limit) -> int | None           no zipped limit when the zip goes to S3
    build_function_zip(defn, dest, ...) -> ArchiveResult the zip ``deploy`` uploads
    function_code_sha256(defn, source) -> str           its CodeSha256, nothing written
    function_listing(defn, source, ...) -> PackageListing | None   the walk, made once
    manifest_path(defn) -> Path                         the function's code manifest

The zip holds the function's folder minus what its ``.lambdaignore`` lists (lambroll's
wildcard; nothing else but ``.lambherd/``, see ``archive.ignore``; in the opt-in ``gitignore``
style also the default excludes and the definition file under whatever name it has), plus the
dependency build (``.lambherd/build``, made by ``lambherd build`` or a deploy) merged at the
zip's root. Because
every command builds it here, ``lambherd archive`` prints the CodeSha256 a deploy produces.

Every build and hash goes through the function's code manifest (``archive.manifest``), so an
unchanged tree is recognised without compressing it: the same answer for every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lambherd.archive.build import (
    ArchiveResult,
    PackageListing,
    build_archive,
    code_sha256,
    list_package,
)
from lambherd.archive.limits import ZIPPED_LIMIT
from lambherd.defaults import IGNORE_FILE, IGNORE_STYLE

if TYPE_CHECKING:
    from lambherd.definition import FunctionDefinition

#: Definition fields the package depends on: Code (S3 or not), Runtime and Architectures (the
#: platform of the dependency build).
PACKAGE_FIELDS = ("Code", "Runtime", "Architectures")


def package_options(
    defn: FunctionDefinition,
    source: Path | None = None,
    ignore_style: str = IGNORE_STYLE,
    ignore_file: str | Path | None = IGNORE_FILE,
    store_symlinks: bool = False,
) -> dict[str, Any]:
    """``build_archive`` options: the ignore rules and the dependency build as an extra tree.

    ``source`` (``deploy --src``) replaces the definition's folder; a different folder gets no
    dependency build (the build belongs to the definition's folder). A relative ignore file is
    read from the definition's folder either way, also with ``--src`` (lambroll reads it from
    where it runs; the single-function commands pass it as an absolute path from the working
    folder, see ``project.context.function_settings``). In the ``gitignore`` style the
    definition file is left out under whatever name it has; lambroll's style leaves out only
    what .lambdaignore lists. ``store_symlinks``: ``--symlink``.
    """
    from lambherd.build.cache import build_dir

    folder = defn.source_dir
    source = source or folder
    same = source.resolve() == folder.resolve()
    ignores = [f"/{defn.path.name}"] if same and ignore_style == "gitignore" else []
    build = build_dir(folder)
    # a Node build ships its node_modules; the folder's own (dev tools too) stays out
    node_build = same and (build / "node_modules").is_dir()
    return {
        "ignore_file": ignore_file,
        "store_symlinks": store_symlinks,
        "extra_ignores": ignores,
        "ignore_style": ignore_style,
        "ignore_base": folder,
        "extra_trees": [build] if same and build.is_dir() else [],
        "skip_paths": [folder / "node_modules"] if node_build else [],
    }


def manifest_path(defn: FunctionDefinition) -> Path:
    """The function's code manifest: in its folder's ``.lambherd/`` (never zipped)."""
    from lambherd.archive.manifest import MANIFEST_FILE

    return defn.source_dir / MANIFEST_FILE


def zipped_limit(config: dict[str, Any], limit: int | None = ZIPPED_LIMIT) -> int | None:
    """The zipped-size limit for this definition: none when Code.S3Bucket sends it through S3."""
    code = config.get("Code") or {}
    return None if isinstance(code, dict) and code.get("S3Bucket") else limit


def build_function_zip(
    defn: FunctionDefinition,
    dest: BinaryIO | Path | str,
    *,
    source: Path | None = None,
    max_zipped_bytes: int | None = ZIPPED_LIMIT,
    ignore_file: str | Path | None = IGNORE_FILE,
    store_symlinks: bool = False,
    ignore_style: str = IGNORE_STYLE,
    write_known: bool = True,
    listing: PackageListing | None = None,
) -> ArchiveResult:
    """Write the function's zip (see the module docstring) to ``dest`` (a path or a stream).

    ``max_zipped_bytes`` applies unless the definition names Code.S3Bucket. With
    ``write_known=False`` a zip the code manifest knows is not written (``written=False``).
    ``listing``: ``function_listing``'s walk of the same package, not walked again.
    """
    return build_archive(
        source or defn.source_dir,
        dest,
        max_zipped_bytes=zipped_limit(defn.config, max_zipped_bytes),
        manifest=manifest_path(defn),
        write_known=write_known,
        listing=listing,
        **package_options(defn, source, ignore_style, ignore_file, store_symlinks),
    )


def function_listing(
    defn: FunctionDefinition,
    source: Path | None = None,
    ignore_style: str = IGNORE_STYLE,
    ignore_file: str | Path | None = IGNORE_FILE,
    store_symlinks: bool = False,
) -> PackageListing | None:
    """The files of the zip ``build_function_zip`` makes, walked once (nothing read): for the
    handler check and then the code identity of the same deploy. None when there is no folder
    to zip or it cannot be walked (the packaging itself reports that)."""
    from lambherd.errors import ArchiveError

    folder = source or defn.source_dir
    if not folder.is_dir():
        return None
    options = package_options(defn, source, ignore_style, ignore_file, store_symlinks)
    try:
        return list_package(folder, **options)
    except ArchiveError:
        return None


def function_code_sha256(
    defn: FunctionDefinition,
    source: Path | None = None,
    ignore_style: str = IGNORE_STYLE,
    ignore_file: str | Path | None = IGNORE_FILE,
    store_symlinks: bool = False,
    listing: PackageListing | None = None,
) -> str:
    """The CodeSha256 of the zip ``build_function_zip`` would write (nothing written)."""
    options = package_options(defn, source, ignore_style, ignore_file, store_symlinks)
    return code_sha256(
        source or defn.source_dir, manifest=manifest_path(defn), listing=listing, **options
    )
