"""What one folder's dependency build did (Python's ``builder`` and Node's ``node`` alike)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BuildResult:
    """One folder's build: ``none``, ``fresh`` (already built), ``cached`` or ``installed``."""

    folder: Path
    status: str
    seconds: float = 0.0
    key: str | None = None
    installer: str | None = None
    detail: str = ""
