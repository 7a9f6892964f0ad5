"""The deterministic code package: same content => same zip bytes => same ``CodeSha256``.

    build_archive(source_dir, dest, ...) -> ArchiveResult     write the zip (file or stream)
    code_sha256(source_dir, ...) -> str                       the hash only, nothing written

Modules: ``ignore`` (.lambdaignore: lambroll's wildcard, or gitignore), ``tree`` (walk,
symlinks), ``limits`` (Lambda's size limits), ``zipwriter`` (the byte format and parallel
deflate), ``build`` (the pipeline).
"""

from lambherd.archive.build import ArchiveResult, build_archive, code_sha256
from lambherd.archive.ignore import (
    GITIGNORE_DEFAULT_EXCLUDES,
    IGNORE_STYLES,
    LAMBROLL_DEFAULT_EXCLUDES,
)
from lambherd.archive.limits import UNZIPPED_LIMIT, ZIPPED_LIMIT, human_size

__all__ = [
    "GITIGNORE_DEFAULT_EXCLUDES",
    "IGNORE_STYLES",
    "LAMBROLL_DEFAULT_EXCLUDES",
    "UNZIPPED_LIMIT",
    "ZIPPED_LIMIT",
    "ArchiveResult",
    "build_archive",
    "code_sha256",
    "human_size",
]
