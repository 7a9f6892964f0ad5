"""Everything a check reads about one function, each part loaded once and only when asked for.

ctx.config            the rendered definition (project [defaults] merged in)
ctx.sidecar(name)     concurrency.json, event_sources.json, event_invoke.json, permissions.json
ctx.package           the files the deploy zip holds (lint.package)
ctx.handler_module    where the Handler's module is in the package
ctx.code              what the handler does (lint.pycode / lint.jscode)
ctx.live              what AWS reports (``--live``), ctx.measured_init_ms (``--measure``)
ctx.locate(key)       the file and line where a definition field is written
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.archive.handler import HandlerModule, find_handler_module
from lambherd.lint.code_model import CodeFacts

if TYPE_CHECKING:
    from lambherd.definition import FunctionDefinition
    from lambherd.lint.live import LiveFacts
    from lambherd.lint.package import PackageFacts
    from lambherd.lint.settings import FunctionSettings

#: lambherd's sidecar files beside function.json that lint reads.
SIDECAR_FILES = {
    "concurrency": "concurrency.json",
    "event_sources": "event_sources.json",
    "event_invoke": "event_invoke.json",
    "permissions": "permissions.json",
}


@dataclass(frozen=True)
class Sidecar:
    """A sidecar file as rendered."""

    path: Path
    data: Any


@dataclass(frozen=True)
class ProjectFacts:
    """What lint knows about the other functions of the project."""

    #: folder keys of the functions whose LoggingConfig.LogFormat is JSON
    json_logging: tuple[str, ...] = ()
    project_file: Path | None = None


@dataclass
class FunctionContext:
    """One function as lint sees it."""

    definition: FunctionDefinition
    folder: str  # relative to the root being linted, "." for a single function
    root: Path
    settings: FunctionSettings
    project: ProjectFacts = field(default_factory=ProjectFacts)
    publish: bool = True
    alias: str = "current"
    sidecars: dict[str, Sidecar] = field(default_factory=dict)
    live: LiveFacts | None = None
    measured_init_ms: float | None = None
    #: (file, problem) for the definition or sidecar files that did not load
    load_problems: list[tuple[Path, str]] = field(default_factory=list)
    #: True when the definition itself did not load: only the definition checks run
    broken: bool = False

    # -- the definition ----------------------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        """The rendered CreateFunction input."""
        return self.definition.config

    @property
    def name(self) -> str:
        """FunctionName (or the folder when the name is not known)."""
        return self.definition.name or self.folder

    @property
    def source_dir(self) -> Path:
        """The function's folder."""
        return self.definition.source_dir

    @property
    def runtime(self) -> str:
        """Runtime, or '' (container images have none)."""
        value = self.config.get("Runtime")
        return value if isinstance(value, str) else ""

    @property
    def is_image(self) -> bool:
        """True for a container image function (no zip, no handler file)."""
        code = self.config.get("Code")
        image = isinstance(code, dict) and "ImageUri" in code
        return self.config.get("PackageType") == "Image" or image

    @property
    def timeout(self) -> int:
        """Timeout in seconds (Lambda's default 3)."""
        value = self.config.get("Timeout", 3)
        return value if isinstance(value, int) and not isinstance(value, bool) else 3

    def sidecar(self, name: str) -> Sidecar | None:
        """A sidecar by its short name (``concurrency``...), None when the file is absent."""
        return self.sidecars.get(name)

    # -- locations ---------------------------------------------------------------------------
    def locate(self, key: str, path: Path | None = None) -> tuple[Path, int | None]:
        """The file and line where ``key`` is written: the definition (or ``path``), else the
        project's lambherd.toml when the value comes from its [defaults]."""
        path = path or self.definition.path
        line = line_of(path, key)
        if line is None and path == self.definition.path and self.project.project_file:
            toml_line = line_of(self.project.project_file, key, toml=True)
            if toml_line is not None:
                return self.project.project_file, toml_line
        return path, line

    # -- the package and the code --------------------------------------------------------------
    @cached_property
    def package(self) -> PackageFacts | None:
        """The deploy zip's entries (None for a container image)."""
        if self.is_image:
            return None
        from lambherd.lint.package import package_facts

        return package_facts(self.definition)

    @cached_property
    def handler_module(self) -> HandlerModule | None:
        """Where the Handler's module is in the package (None: not a Python or Node.js zip
        function); the one finder ``validate``, ``deploy`` and ``local`` use too."""
        if self.is_image:
            return None
        package = self.package
        entries = package.entries if package is not None else []
        return find_handler_module(self.config, entries, self.source_dir)

    @cached_property
    def code(self) -> CodeFacts | None:
        """What the handler does (None when its module is not there or is compiled)."""
        where = self.handler_module
        if where is None or where.path is None or where.path.suffix in {".so", ".pyd"}:
            return None
        if where.language == "python":
            from lambherd.lint.pycode import analyse_python

            return analyse_python(where.path, where.function)
        from lambherd.lint.jscode import analyse_javascript

        return analyse_javascript(where.path, where.function)


def line_of(path: Path, key: str, *, toml: bool = False) -> int | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    needles = (f"{key} =", f"{key}=") if toml else (f'"{key}"', f"{key}:", f"'{key}'")
    for number, line in enumerate(text.splitlines(), 1):
        if any(n in line for n in needles):
            return number
    return None


def load_sidecars(
    folder: Path, functions: Any
) -> tuple[dict[str, Sidecar], list[tuple[Path, str]]]:
    """The sidecar files present in ``folder``, templates rendered with ``functions`` (a
    ``DefinitionFunctions``); and the (file, problem) pairs of those that do not load."""
    found: dict[str, Sidecar] = {}
    problems: list[tuple[Path, str]] = []
    for name, filename in SIDECAR_FILES.items():
        path = folder / filename
        if not path.is_file():
            continue
        try:
            found[name] = Sidecar(path, _render(path, functions))
        except json.JSONDecodeError as exc:
            problems.append((path, f"invalid JSON: {exc.msg} (line {exc.lineno})"))
        except Exception as exc:  # a template or read failure: reported, the rest goes on
            problems.append((path, getattr(exc, "message", str(exc))))
    return found, problems


def _render(path: Path, functions: Any) -> Any:
    from lambherd.definition.template import render_template

    text = path.read_text(encoding="utf-8")
    return json.loads(render_template(text, functions.template_functions(), path.name))
