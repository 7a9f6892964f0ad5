"""``build_archive``: source folder (+ extra trees) -> deterministic zip, with Lambda's limits."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lambherd.archive.ignore import Rules, WildcardRules, load_rules, unlisted_defaults
from lambherd.archive.limits import UNZIPPED_LIMIT, ZIPPED_LIMIT, check_unzipped, zipped_limit_error
from lambherd.archive.tree import SourceTree, collect_tree
from lambherd.archive.zipwriter import DeterministicZip, ZipLimitExceeded, active_codec, pack_all
from lambherd.errors import ArchiveError


@dataclass(frozen=True)
class ArchiveResult:
    """What was built: Lambda's ``CodeSha256`` of the zip, sizes, file count, warnings.

    ``written`` is False when the code manifest knew the zip and nothing was compressed or
    written (``build_archive(..., write_known=False)``).
    """

    sha256_b64: str
    size: int
    uncompressed_size: int
    file_count: int
    path: Path | None = None
    warnings: tuple[str, ...] = ()
    skipped_links: tuple[str, ...] = ()
    written: bool = True


class _HashSink:
    """A write-only stream that keeps nothing (the writer hashes what passes through)."""

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


@dataclass(frozen=True)
class PackageListing:
    """The files of one package as one walk saw them, and the walk's options: the handler
    check and the code identity of one deploy share it (one walk of the tree, not two).
    ``build_archive`` takes it only for the same folder and options."""

    source_dir: Path
    options: tuple[tuple[str, object], ...]
    rules: Rules
    tree: SourceTree

    @property
    def extra_trees(self) -> tuple[str, ...]:
        """The trees merged at the root besides the folder (the dependency build)."""
        return dict(self.options)["extra_trees"]  # type: ignore[return-value]

    def fits(self, source_dir: Path, options: dict[str, Any]) -> bool:
        """True when this walk is the one ``collect_package(source_dir, **options)`` makes."""
        return self.source_dir == Path(source_dir) and self.options == _walk_key(**options)

    def copy_tree(self) -> SourceTree:
        """The tree, as a new object (the archive adds its warnings to it)."""
        t = self.tree
        return SourceTree(list(t.entries), list(t.warnings), list(t.skipped_links))


def _walk_key(**options: Any) -> tuple[tuple[str, object], ...]:
    """``collect_package``'s options, its defaults filled in, as one comparable value: read
    from its own signature, so an option it gains is compared too. Paths compare as text."""
    import inspect

    bound = inspect.signature(collect_package).bind(Path(), **options)
    bound.apply_defaults()
    del bound.arguments["source_dir"]
    return tuple((name, _comparable(value)) for name, value in bound.arguments.items())


def _comparable(value: object) -> object:
    if isinstance(value, str | os.PathLike):
        return os.fspath(value)
    if isinstance(value, list | tuple):
        return tuple(os.fspath(v) for v in value)
    return value


def list_package(source_dir: Path, **options: Any) -> PackageListing:
    """``collect_package`` kept with its options, to be handed to ``build_archive``."""
    rules, tree = collect_package(source_dir, **options)
    return PackageListing(Path(source_dir), _walk_key(**options), rules, tree)


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
    manifest: Path | None = None,
    write_known: bool = True,
    listing: PackageListing | None = None,
) -> ArchiveResult:
    """Zip ``source_dir`` (and ``extra_trees`` merged at the root) into ``dest``.

    ``listing``: the walk of the same folder with the same options made just before (the
    deploy's handler check), used instead of walking again; any other is ignored.

    ``manifest``: the code manifest to consult and update (``archive.manifest``); with
    ``write_known=False`` a zip it knows is not compressed nor written (the result says
    ``written=False``, its hash and sizes come from the manifest).

    ``dest`` is a path (written to a temporary file next to it, then renamed; never part of
    its own content) or a binary stream. ``max_zipped_bytes=None`` when the zip goes through
    S3; the unzipped limit is checked before anything is compressed. A package with no file
    is an error (Lambda refuses an empty zip) unless ``allow_empty``.

    ``ignore_style`` is ``"lambroll"`` (lambroll's wildcard, no implicit excludes) or
    ``"gitignore"`` (see ``archive.ignore``); a relative ``ignore_file`` is read from
    ``ignore_base`` (default ``source_dir``).
    """
    source_dir = Path(source_dir)
    extra_ignores, extra_trees = list(extra_ignores), list(extra_trees)
    skip_paths = list(skip_paths)
    dest_path = Path(dest) if isinstance(dest, str | os.PathLike) else None
    walk = {
        "ignore_file": ignore_file,
        "extra_ignores": extra_ignores,
        "ignore_style": ignore_style,
        "ignore_base": ignore_base,
        "follow_symlinks": follow_symlinks,
        "store_symlinks": store_symlinks,
        "extra_trees": extra_trees,
    }
    roots = [source_dir, *extra_trees]
    if (
        listing is not None
        and listing.fits(source_dir, {**walk, "skip_paths": skip_paths})
        and (dest_path is None or not _inside(dest_path, roots))
    ):
        rules, tree = listing.rules, listing.copy_tree()
    else:
        skip = [*skip_paths, *([dest_path] if dest_path else [])]
        rules, tree = collect_package(source_dir, **walk, skip_paths=skip)
    if not tree.entries and not allow_empty:
        ignored_by = f" or left out by {rules.source}" if ignore_file else ""
        raise ArchiveError(
            f"{source_dir}: no file to put in the zip (the folder is empty{ignored_by}); "
            "Lambda refuses an empty package",
            hint="add the function's code here (or `lambherd init --download --unzip`)",
        )
    tree.warnings[:0] = [*rules.warnings, *_missing_ignore_warning(rules, tree, ignore_style)]
    check_unzipped(tree.entries, max_unzipped_bytes)
    book = None
    if manifest is not None:
        from lambherd.archive.manifest import CodeManifest, packaging_key

        book = CodeManifest.load(manifest)
        ignore_path = None
        if ignore_file:
            ignore_path = Path(ignore_file)
            if not ignore_path.is_absolute():
                ignore_path = Path(ignore_base or source_dir) / ignore_path
        key = packaging_key(
            roots,
            rules,
            ignore_path,
            {
                "extra_ignores": list(extra_ignores),
                "ignore_style": ignore_style,
                "follow_symlinks": follow_symlinks,
                "store_symlinks": store_symlinks,
            },
            active_codec(),
        )
        if not write_known:
            known = book.known_zip(key, tree.entries)
            book.save()  # files hashed again are remembered
            if known is not None:
                if max_zipped_bytes is not None and known.size > max_zipped_bytes:
                    raise zipped_limit_error(tree.entries, known.size, max_zipped_bytes)
                return ArchiveResult(
                    sha256_b64=known.sha256_b64,
                    size=known.size,
                    uncompressed_size=known.uncompressed_size,
                    file_count=known.file_count,
                    warnings=tuple(tree.warnings),
                    skipped_links=tuple(tree.skipped_links),
                    written=False,
                )
    digests: list[bytes | None] | None = [] if book is not None else None
    if dest_path is None:
        result = _write(tree, dest, max_zipped_bytes, workers, None, digests)  # type: ignore[arg-type]
    else:
        result = _write_file(tree, dest_path, max_zipped_bytes, workers, digests)
    if book is not None and digests is not None:
        from lambherd.archive.manifest import KnownZip

        made = KnownZip(result.sha256_b64, result.size, result.uncompressed_size, result.file_count)
        book.record(key, tree.entries, digests, made)
        book.save()
    return result


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    """True when ``path`` (the zip being written) may lie in one of the walked ``roots``."""
    from lambherd.archive.tree import within

    real = os.path.realpath(path)
    return any(within(real, os.path.realpath(r)) for r in roots)


def code_sha256(source_dir: Path, **options: object) -> str:
    """Lambda's ``CodeSha256`` (base64 SHA-256) of the zip ``build_archive`` would make.

    Nothing is written; size limits are not checked unless passed in ``options``. With a
    ``manifest`` (see ``build_archive``) a tree it knows is not compressed.
    """
    options.setdefault("max_zipped_bytes", None)
    options.setdefault("max_unzipped_bytes", None)
    options.setdefault("allow_empty", True)
    options.setdefault("write_known", False)
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
    tree: SourceTree,
    dest: Path,
    max_zipped: int | None,
    workers: int | None,
    digests: list[bytes | None] | None = None,
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
            result = _write(tree, out, max_zipped, workers, dest, digests)
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
    digests: list[bytes | None] | None = None,
) -> ArchiveResult:
    """Pack and write ``tree``; ``digests`` (a list) receives each file's content hash."""
    writer = DeterministicZip(out, max_bytes=max_zipped)
    want = digests is not None
    try:
        with closing(pack_all(tree.entries, active_codec(), workers, digest=want)) as batches:
            for batch in batches:
                try:
                    writer.add_batch(batch)
                    if digests is not None:
                        digests.extend(p.digest for p in batch.entries)
                finally:
                    batch.close()
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
