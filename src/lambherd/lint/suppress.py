"""Inline suppressions in source files (Python ``#``, JavaScript/TypeScript ``//`` comments).

client = boto3.client("s3")  # lambherd: ignore[LH101]       this line, this check
client = boto3.client("s3")  # lambherd: ignore[LH101,LH102]  several checks
client = boto3.client("s3")  # lambherd: ignore               every check on this line
# lambherd: ignore-file[LH105]                                 the whole file, anywhere in it
"""

from __future__ import annotations

import re
from pathlib import Path

_LINE = re.compile(r"(?:#|//)\s*lambherd:\s*ignore(?![-\w])(?:\[([A-Za-z0-9_,\s]*)\])?")
_FILE = re.compile(r"(?:#|//)\s*lambherd:\s*ignore-file\[([A-Za-z0-9_,\s]*)\]")
ALL = "*"


def _ids(text: str | None) -> frozenset[str]:
    if text is None:
        return frozenset({ALL})
    return frozenset(i.strip().upper() for i in text.split(",") if i.strip())


class Suppressions:
    """The suppressions of the files lint reports on, read once per file."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[list[frozenset[str]], frozenset[str]]] = {}

    def _read(self, path: Path) -> tuple[list[frozenset[str]], frozenset[str]]:
        cached = self._files.get(path)
        if cached is not None:
            return cached
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        per_line: list[frozenset[str]] = []
        whole: set[str] = set()
        for line in lines:
            if "lambherd:" not in line:
                per_line.append(frozenset())
                continue
            match = _LINE.search(line)
            per_line.append(_ids(match.group(1)) if match else frozenset())
            for found in _FILE.finditer(line):
                whole |= _ids(found.group(1))
        entry = (per_line, frozenset(whole))
        self._files[path] = entry
        return entry

    def suppressed(self, check_id: str, path: Path, line: int | None) -> bool:
        """True when ``check_id`` is silenced at ``path``:``line`` (or in the whole file)."""
        if path.suffix == ".json":
            return False  # JSON has no comments; use [lint] disable in lambherd.toml
        per_line, whole = self._read(path)
        if check_id in whole:
            return True
        if line is None or not 1 <= line <= len(per_line):
            return False
        ids = per_line[line - 1]
        return ALL in ids or check_id in ids
