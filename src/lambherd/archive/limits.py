"""Lambda's package size limits, checked before anything is uploaded.

A zip uploaded directly (``ZipFile``) may be at most 50 MiB; through S3 the zip itself has no
such limit, but the unzipped package may never exceed 250 MiB. The error names the biggest
top-level folders and files so the user knows what to exclude.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from operator import attrgetter

from lambherd.archive.tree import SourceEntry
from lambherd.errors import ArchiveError

_SIZE = attrgetter("size")

MIB = 1024 * 1024
#: Largest zip Lambda accepts in a CreateFunction / UpdateFunctionCode request.
ZIPPED_LIMIT = 50 * MIB
#: Largest unzipped deployment package (function code plus layers).
UNZIPPED_LIMIT = 250 * MIB

_HINT = "leave files out with .lambdaignore, or move dependencies to a layer"


def human_size(n: float) -> str:
    """Bytes in a short human form: ``812 B``, ``3.4 KiB``, ``51.2 MiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def biggest_contributors(entries: Iterable[SourceEntry], top: int = 5) -> list[tuple[str, int]]:
    """The ``top`` biggest top-level folders (``name/``) and files, by uncompressed size."""
    sizes: dict[str, int] = defaultdict(int)
    for e in entries:
        head, sep, _ = e.arcname.partition("/")
        sizes[head + sep] += e.size
    return sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def _describe(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {human_size(size)}" for name, size in items)


def check_unzipped(entries: list[SourceEntry], limit: int | None) -> None:
    """Raise ``ArchiveError`` when the files add up to more than ``limit`` bytes."""
    if limit is None:
        return
    total = sum(map(_SIZE, entries))  # (map: one C loop over ~20,000 entries, not a generator)
    if total > limit:
        raise ArchiveError(
            f"code package is {human_size(total)} unzipped, over Lambda's limit of "
            f"{human_size(limit)}; biggest: {_describe(biggest_contributors(entries))}",
            hint=_HINT,
        )


def zipped_limit_error(entries: list[SourceEntry], written: int, limit: int) -> ArchiveError:
    """The error for a zip that grew past ``limit`` bytes (direct upload)."""
    return ArchiveError(
        f"zip is over {human_size(limit)} (reached {human_size(written)} before stopping), "
        f"Lambda's limit for a direct upload; biggest: "
        f"{_describe(biggest_contributors(entries))}",
        hint="upload through S3 (Code.S3Bucket / S3Key in function.json), or " + _HINT,
    )
