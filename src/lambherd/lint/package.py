"""What ships: the package's file list as ``deploy`` zips it, its sizes and contents.

The entries come from the archive code itself (``package_options`` + the ignore rules + the
tree walk, exactly the steps ``build_archive`` takes with deploy's options), so lint sees the
files the zip holds: ``.lambdaignore`` and the default excludes applied, the dependency build
(``.lambherd/build``) merged at the root. The zipped size is only computed when an upper bound
of it (every file stored uncompressed) could pass a limit or the budget.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lambherd.archive.tree import SourceEntry
from lambherd.defaults import IGNORE_STYLE

if TYPE_CHECKING:
    from lambherd.definition import FunctionDefinition

#: Bytes a stored zip entry adds besides its data (local header, central directory record;
#: both carry the name) plus the end record, an upper bound for lambherd's zip writer.
_ENTRY_OVERHEAD = 30 + 46 + 32
_END_OVERHEAD = 22 + 56 + 20
NATIVE_SUFFIXES = (".so", ".pyd", ".node", ".dylib")


class _CountingSink:
    """A write-only stream that counts bytes (the zip is measured, not kept)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


@dataclass
class PackageFacts:
    """The entries of the function's zip and what can be said about them."""

    definition: FunctionDefinition
    entries: list[SourceEntry]
    warnings: list[str] = field(default_factory=list)
    build_dir: Path | None = None  # the dependency build merged into the zip, if any

    @cached_property
    def names(self) -> frozenset[str]:
        """Every arcname."""
        return frozenset(e.arcname for e in self.entries)

    @property
    def unzipped_size(self) -> int:
        """Bytes of all files, as Lambda unpacks them."""
        return sum(e.size for e in self.entries)

    def zipped_upper_bound(self) -> int:
        """The zip's size if nothing compressed at all (the zipped size is never above it)."""
        overhead = sum(_ENTRY_OVERHEAD + 2 * len(e.arcname.encode()) for e in self.entries)
        return self.unzipped_size + overhead + _END_OVERHEAD

    @cached_property
    def zipped_size(self) -> int:
        """The deploy zip's size in bytes (built into a counting sink, nothing written)."""
        from lambherd.archive.function_package import build_function_zip

        sink = _CountingSink()
        result = build_function_zip(self.definition, sink, max_zipped_bytes=None)  # type: ignore[arg-type]
        return result.size

    def contributors(self, top: int = 5) -> list[tuple[str, int]]:
        """The biggest top-level folders (``name/``) and files, by unzipped size."""
        from lambherd.archive.limits import biggest_contributors

        return biggest_contributors(self.entries, top)

    def folder_sizes(self, depth: int = 1) -> dict[str, int]:
        """Unzipped bytes per folder prefix of ``depth`` parts (``node_modules/@aws-sdk/``)."""
        sizes: dict[str, int] = defaultdict(int)
        for e in self.entries:
            parts = e.arcname.split("/")
            if len(parts) > depth:
                sizes["/".join(parts[:depth]) + "/"] += e.size
        return dict(sizes)

    @cached_property
    def native_files(self) -> list[str]:
        """Compiled extension modules and shared libraries in the package."""
        return [
            e.arcname
            for e in self.entries
            if e.arcname.endswith(NATIVE_SUFFIXES) or ".so." in e.arcname.rsplit("/", 1)[-1]
        ]

    def size_of(self, prefixes: tuple[str, ...]) -> int:
        """Unzipped bytes of the entries under any of ``prefixes``."""
        return sum(e.size for e in self.entries if e.arcname.startswith(prefixes))


def package_facts(defn: FunctionDefinition, ignore_style: str = IGNORE_STYLE) -> PackageFacts:
    """The package ``deploy`` would zip for ``defn`` (its dependency build as it is now), its
    .lambdaignore read in the project's ``ignore_style``."""
    from lambherd.archive.build import collect_package
    from lambherd.archive.function_package import package_options

    options = package_options(defn, ignore_style=ignore_style)
    _, tree = collect_package(defn.source_dir, **options)
    build = options["extra_trees"][0] if options["extra_trees"] else None
    return PackageFacts(defn, tree.entries, list(tree.warnings), build)
