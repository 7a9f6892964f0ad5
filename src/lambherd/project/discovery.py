"""Find a project's function folders: every folder matched by a ``functions`` glob that holds a
function.json or function.jsonnet, in a stable (sorted) order.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lambherd.definition.loader import DEFINITION_NAMES
from lambherd.project.config import ProjectConfig


@dataclass(frozen=True)
class FunctionFolder:
    """One function of a project: its folder and definition file."""

    key: str  # the folder relative to the project root, with forward slashes
    path: Path
    definition: Path

    @property
    def basename(self) -> str:
        """The folder's own name."""
        return self.path.name


def discover_functions(project: ProjectConfig) -> list[FunctionFolder]:
    """Function folders matched by the project's globs, sorted by relative path."""
    root = project.root.resolve()
    found: dict[str, FunctionFolder] = {}
    for pattern in project.function_globs:
        for folder in sorted(root.glob(pattern)):
            if not folder.is_dir():
                continue
            definition = next(
                (folder / n for n in DEFINITION_NAMES if (folder / n).is_file()), None
            )
            if definition is None:
                continue
            key = folder.relative_to(root).as_posix()  # a symlinked folder keeps its own name
            found.setdefault(key, FunctionFolder(key, folder.resolve(), definition.resolve()))
    return [found[k] for k in sorted(found)]


def matches_any(patterns: Iterable[str], *names: str) -> bool:
    """True when any of ``names`` (function name, folder path, folder name) matches a glob."""
    pats = list(patterns)
    return not pats or any(fnmatch.fnmatchcase(n, p) for p in pats for n in names if n)
