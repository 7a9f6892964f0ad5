"""``build_archive``: source folder (+ extra trees) -> deterministic zip, with Lambda's limits."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lambherd.archive.ignore import Rules, WildcardRules, load_rules, unlisted_defaults
from lambherd.archive.limits import UNZIPPED_LIMIT, ZIPPED_LIMIT, check_unzipped, zipped_limit_error
from lambherd.archive.tree import SourceTree, collect_tree
from lambherd.archive.zipwriter import DeterministicZip, ZipLimitExceeded, active_codec, pack_all
from lambherd.errors import ArchiveError


@dataclass(frozen=True)
class ArchiveResult:
    """What was built: Lambda's ``CodeSha256`` of the zip, sizes, file count, warnings."""

    sha256_b64: str
    size: int
    uncompressed_size: int
    file_count: int
    path: Path | None = None
    warnings: tuple[str, ...] = ()
    skipped_links: tuple[str, ...] = ()


class _HashSink:
    """A write-only stream that keeps nothing (the writer hashes what passes through)."""

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def collect_package(
    source_dir: Path,
    *,
    ignore_file: str | Path | None = ".lambdaignore",
    extra_ignores: Iterable[str] = (),
    ignore_style: str = "lambroll",
    ignore_base: Path | None = None,
    follow_symlinks: bool = True,
    store_symlinks: bool = False,
    extra_trees: Iterable[Path] = (),
    skip_paths: Iterable[Path] = (),
) -> tuple[Rules, SourceTree]:
    """The ignore rules and the files the zip of ``source_dir`` holds (nothing read or
    compressed): what ``build_archive`` packages, for it and for ``lint``'s package checks."""
    if not source_dir.is_dir():
        raise ArchiveError(f"{source_dir}: source folder not found")
    rules = load_rules(
        source_dir, ignore_file, extra_ignores, style=ignore_style, base_dir=ignore_base
    )
    tree = collect_tree(
        [source_dir, *extra_trees],
        rules,
        follow_symlinks=follow_symlinks,
        store_symlinks=store_symlinks,
        skip_paths=skip_paths,
    )
    return rules, tree


def build_archive(
    source_dir: Path,
    dest: BinaryIO | Path | str,
    *,
    ignore_file: str | Path | None = ".lambdaignore",
    extra_ignores: Iterable[str] = (),
    ignore_style: str = "lambroll",
    ignore_base: Path | None = None,
    follow_symlinks: bool = True,
    store_symlinks: bool = False,
    extra_trees: Iterable[Path] = (),
    max_zipped_bytes: int | None = ZIPPED_LIMIT,
    max_unzipped_bytes: int | None = UNZIPPED_LIMIT,
    workers: int | None = None,
    allow_empty: bool = False,
    skip_paths: Iterable[Path] = (),
) -> ArchiveResult:
    """Zip ``source_dir`` (and ``extra_trees`` merged at the root) into ``dest``.

    ``dest`` is a path (written to a temporary file next to it, then renamed; never part of
    its own content) or a binary stream. ``max_zipped_bytes=None`` when the zip goes through
    S3; the unzipped limit is checked before anything is compressed. A package with no file
    is an error (Lambda refuses an empty zip) unless ``allow_empty``.

    ``ignore_style`` is ``"lambroll"`` (lambroll's wildcard, no implicit excludes) or
    ``"gitignore"`` (see ``archive.ignore``); a relative ``ignore_file`` is read from
    ``ignore_base`` (default ``source_dir``).
    """
    source_dir = Path(source_dir)
    dest_path = Path(dest) if isinstance(dest, str | os.PathLike) else None
    rules, tree = collect_package(
        source_dir,
        ignore_file=ignore_file,
        extra_ignores=extra_ignores,
        ignore_style=ignore_style,
        ignore_base=ignore_base,
        follow_symlinks=follow_symlinks,
        store_symlinks=store_symlinks,
        extra_trees=extra_trees,
        skip_paths=[*skip_paths, *([dest_path] if dest_path else [])],
    )
    if not tree.entries and not allow_empty:
        ignored_by = f" or left out by {rules.source}" if ignore_file else ""
        raise ArchiveError(
            f"{source_dir}: no file to put in the zip (the folder is empty{ignored_by}); "
            "Lambda refuses an empty package",
            hint="add the function's code here (or `lambherd init --download --unzip`)",
        )
    tree.warnings[:0] = [*rules.warnings, *_missing_ignore_warning(rules, tree, ignore_style)]
    check_unzipped(tree.entries, max_unzipped_bytes)
    if dest_path is None:
        return _write(tree, dest, max_zipped_bytes, workers, None)  # type: ignore[arg-type]
    return _write_file(tree, dest_path, max_zipped_bytes, workers)


def code_sha256(source_dir: Path, **options: object) -> str:
    """Lambda's ``CodeSha256`` (base64 SHA-256) of the zip ``build_archive`` would make.

    Nothing is written; size limits are not checked unless passed in ``options``.
    """
    options.setdefault("max_zipped_bytes", None)
    options.setdefault("max_unzipped_bytes", None)
    options.setdefault("allow_empty", True)
    return build_archive(source_dir, _HashSink(), **options).sha256_b64  # type: ignore[arg-type]


def _missing_ignore_warning(rules: Rules, tree: SourceTree, style: str) -> list[str]:
    """lambroll packages function.json & co. when no ignore file lists them: say so."""
    if style != "lambroll" or not isinstance(rules, WildcardRules) or rules.has_file:
        return []
    kept = unlisted_defaults(rules, (e.arcname for e in tree.entries if "/" not in e.arcname))
    if not kept:
        return []
    return [
        f"{', '.join(kept)} go(es) into the zip: there is no {rules.source}, so nothing is left "
        "out, as lambroll does (`lambherd init` writes one with lambroll's defaults)"
    ]


def _write_file(
    tree: SourceTree, dest: Path, max_zipped: int | None, workers: int | None
) -> ArchiveResult:
    if not dest.parent.is_dir():
        raise ArchiveError(f"{dest.parent}: folder for the zip does not exist")
    if dest.is_dir():
        raise ArchiveError(f"{dest}: is a folder; give a file name for the zip")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise ArchiveError(f"{dest}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb", buffering=1024 * 1024) as out:
            result = _write(tree, out, max_zipped, workers, dest)
        os.chmod(tmp_name, 0o644)
        try:
            os.replace(tmp_name, dest)
        except OSError as exc:
            raise ArchiveError(f"{dest}: cannot write: {exc.strerror}") from exc
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return result


def _write(
    tree: SourceTree,
    out: BinaryIO,
    max_zipped: int | None,
    workers: int | None,
    dest: Path | None,
) -> ArchiveResult:
    writer = DeterministicZip(out, max_bytes=max_zipped)
    try:
        with closing(pack_all(tree.entries, active_codec(), workers)) as packed_entries:
            for packed in packed_entries:
                try:
                    writer.add(packed)
                finally:
                    packed.close()
        writer.close()
        out.flush()
    except ZipLimitExceeded as exc:
        raise zipped_limit_error(tree.entries, exc.written, max_zipped or 0) from None
    except OSError as exc:
        raise ArchiveError(f"{dest or 'output'}: cannot write: {exc.strerror}") from exc
    return ArchiveResult(
        sha256_b64=base64.b64encode(writer.digest()).decode("ascii"),
        size=writer.size,
        uncompressed_size=writer.uncompressed_size,
        file_count=writer.count,
        path=dest,
        warnings=tuple(tree.warnings),
        skipped_links=tuple(tree.skipped_links),
    )
