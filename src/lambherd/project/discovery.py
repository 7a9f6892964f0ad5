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
    found: dict[str, FunctionFolder] = {}
    for pattern in project.function_globs:
        for folder in _matched(project, pattern):
            found.setdefault(folder.key, folder)
    return [found[k] for k in sorted(found)]


def unmatched_globs(project: ProjectConfig) -> list[str]:
    """The ``[project] functions`` globs that match no function folder (a folder with a
    function.json or function.jsonnet): ``plan`` and ``deploy`` refuse to run with one, since a
    typo would otherwise deploy nothing of those functions (and ``--prune`` delete them)."""
    return [pattern for pattern in project.function_globs if not _matched(project, pattern)]


def _matched(project: ProjectConfig, pattern: str) -> list[FunctionFolder]:
    root = project.root.resolve()
    out: list[FunctionFolder] = []
    for folder in sorted(root.glob(pattern)):
        if not folder.is_dir():
            continue
        definition = next((folder / n for n in DEFINITION_NAMES if (folder / n).is_file()), None)
        if definition is None:
            continue
        key = folder.relative_to(root).as_posix()  # a symlinked folder keeps its own name
        out.append(FunctionFolder(key, folder.resolve(), definition.resolve()))
    return out


def matches_any(patterns: Iterable[str], *names: str) -> bool:
    """True when any of ``names`` (function name, folder path, folder name) matches a glob."""
    pats = list(patterns)
    return not pats or any(fnmatch.fnmatchcase(n, p) for p in pats for n in names if n)
