"""Which files stay out of the zip: ``.lambdaignore`` (gitignore rules) plus lambroll's defaults.

The ignore file uses gitignore pattern syntax, evaluated by ``pathspec.GitIgnoreSpec``:
``*.pyc`` matches at any depth, ``/build`` only at the top, ``tests/`` only directories and
what they hold, ``**`` any depth, the last matching pattern wins and ``!keep.txt`` re-includes
a file. One difference from git: ``docs/`` then ``!docs/keep.md`` does keep ``docs/keep.md``
(git would not look inside an excluded folder). lambroll matches its
patterns with a simple wildcard against the relative path; its usual files (``*.pyc``,
``tests/*``, ``.git/*``, ``*.md``) mean the same here.

Like lambroll, some files are always left out (``DEFAULT_EXCLUDES``): the definition files, the
ignore file itself, ``function.zip``, ``.git/``, ``.terraform/``, ``terraform.tfstate`` and
lambherd's own ``.lambherd/`` (builds and stamps; the dependency build enters the zip as an
extra tree, see ``function_package``), all anchored at the source root. A ``!pattern`` in the
ignore file re-includes any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lambherd.definition.sidecars import sidecar_names
from lambherd.errors import ArchiveError

#: Left out of every zip unless the ignore file re-includes them (lambroll does the same).
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "/.lambdaignore",
    "/function.json",
    "/function.jsonnet",
    *(f"/{name}" for name in sidecar_names()),
    "/function.zip",
    "/.git/",
    "/.terraform/",
    "/terraform.tfstate",
    "/.lambherd/",
)


@dataclass(frozen=True)
class IgnoreRules:
    """A compiled set of gitignore patterns; paths are relative, with forward slashes."""

    patterns: tuple[str, ...]
    source: str = "ignore pattern"

    def __post_init__(self) -> None:
        import pathspec

        try:
            spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        except Exception as exc:  # pathspec raises several types for a bad pattern
            raise ArchiveError(f"{self.source}: {exc}") from exc
        object.__setattr__(self, "_spec", spec)
        negations = any(p.include is False for p in spec.patterns)
        object.__setattr__(self, "_can_prune", not negations)

    def ignores_file(self, rel: str) -> bool:
        """True when the file at ``rel`` is excluded."""
        return bool(self._spec.match_file(rel))  # type: ignore[attr-defined]

    def ignores_dir(self, rel: str) -> bool:
        """True when nothing under the directory ``rel`` can be included (skip walking it).

        With a ``!`` pattern anywhere, no directory is skipped and every file is decided by
        its own path, so re-inclusions always work.
        """
        if not self._can_prune:  # type: ignore[attr-defined]
            return False
        return bool(self._spec.match_file(rel.rstrip("/") + "/"))  # type: ignore[attr-defined]


def read_ignore_file(path: Path) -> list[str]:
    """The patterns of an ignore file (missing file: none); comments and blanks dropped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path.name}: cannot read: {exc}") from exc
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append(line.rstrip())
    return lines


def load_rules(
    source_dir: Path,
    ignore_file: str | Path | None = ".lambdaignore",
    extra_ignores: Iterable[str] = (),
    *,
    defaults: Iterable[str] = DEFAULT_EXCLUDES,
) -> IgnoreRules:
    """Defaults, then the ignore file's patterns, then ``extra_ignores`` (later ones win)."""
    patterns = list(defaults)
    source = "ignore pattern"
    if ignore_file:
        path = Path(ignore_file)
        path = path if path.is_absolute() else source_dir / path
        patterns.extend(_self_pattern(source_dir, path))
        patterns.extend(read_ignore_file(path))
        source = path.name
    patterns.extend(extra_ignores)
    return IgnoreRules(tuple(patterns), source)


def _self_pattern(source_dir: Path, ignore_path: Path) -> list[str]:
    """An anchored pattern leaving a custom-named ignore file inside the source out."""
    try:
        rel = ignore_path.resolve().relative_to(source_dir.resolve()).as_posix()
    except (ValueError, OSError):
        return []
    return ["/" + re.sub(r"([\\*?\[\]!#])", r"\\\1", rel)]
