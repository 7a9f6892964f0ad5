"""What a function depends on and the Lambda platform it runs on.

Dependencies come from the folder's ``requirements.txt`` (with its ``-r``/``-c`` includes), or
else from ``[project] dependencies`` of its ``pyproject.toml``. The platform is the runtime's
Python version and the function's architecture (x86_64 unless ``Architectures`` says arm64).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambherd.errors import DefinitionError

_INCLUDE = re.compile(r"^\s*(-r|-c|--requirement|--constraint)[\s=]+(\S+)")
_PYTHON_RUNTIME = re.compile(r"^python(\d+\.\d+)$")


@dataclass(frozen=True)
class DependencySpec:
    """A function's dependency set: where it was read and the text that identifies it."""

    source: Path
    requirements: tuple[str, ...]
    #: every file the set depends on and its content (the cache key hashes these)
    fingerprint: tuple[tuple[str, str], ...]


def find_dependencies(folder: Path) -> DependencySpec | None:
    """The folder's dependency set, or None when it has no requirements file."""
    req = folder / "requirements.txt"
    if req.is_file():
        lines, files = _read_requirements(req, folder, set())
        return DependencySpec(req, tuple(lines), tuple(files))
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        deps = _pyproject_dependencies(pyproject)
        if deps is not None:
            text = "\n".join(deps)
            return DependencySpec(pyproject, tuple(deps), (("pyproject.toml", text),))
    return None


def _read_requirements(
    path: Path, folder: Path, seen: set[Path]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Requirement lines (comments and blanks dropped) and the files read, includes first."""
    resolved = path.resolve()
    if resolved in seen:
        return [], []
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(f"{path}: cannot read: {exc.strerror}") from exc
    lines: list[str] = []
    files: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = _INCLUDE.match(line)
        if include:
            sub_lines, sub_files = _read_requirements(path.parent / include.group(2), folder, seen)
            if include.group(1) in {"-r", "--requirement"}:
                lines.extend(sub_lines)
            files.extend(sub_files)
            continue
        lines.append(line)
    files.append((_rel(path, folder), "\n".join(lines)))
    return lines, files


def _pyproject_dependencies(path: Path) -> list[str] | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot read dependencies: {exc}") from exc
    deps = (data.get("project") or {}).get("dependencies")
    if deps is None:
        return None
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise DefinitionError(f"{path}: [project] dependencies: expected a list of strings")
    return [d.strip() for d in deps if d.strip()]


def python_version(runtime: Any) -> str | None:
    """``python3.12`` -> ``3.12``; None for other runtimes."""
    match = _PYTHON_RUNTIME.match(str(runtime or ""))
    return match.group(1) if match else None


def lambda_machine(config: dict[str, Any]) -> str:
    """The function's CPU as a wheel platform machine: ``x86_64`` or ``aarch64``."""
    archs = config.get("Architectures") or ["x86_64"]
    return "aarch64" if "arm64" in archs else "x86_64"


def _rel(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)
