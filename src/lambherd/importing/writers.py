"""The registry of import writers: each concern contributes the files it writes on import.

A writer module exposes ``WRITER = ImportWriter(name, write)``; ``write(ctx)`` reads the
``ImportContext`` (what AWS reported, where the files go, what was asked) and returns the files it
contributes, by name relative to the function's folder. A text may be given as a function: it is
called after every plain text is written and the code is unzipped (the import record hashes the
folder as deploy will zip it). Writers may add notes (``ctx.notes``) and read more from AWS
through ``ctx.clients``. Adding one is one module and one line in ``WRITER_MODULES``; the core
(``services.init.import_function``, behind both ``init`` and ``import --all``) never names a
writer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lambherd.importing.remote import RemoteFunction

#: Writer modules, in the order their files are written. One line per concern.
WRITER_MODULES: tuple[str, ...] = (
    "lambherd.importing.definition_writer",  # function.json / function.jsonnet
    "lambherd.importing.url_writer",  # function_url.json (with --function-url)
    "lambherd.importing.record",  # lambherd-import.json: code baseline, alias, versions
    "lambherd.importing.concurrency_file",  # concurrency.json (reserved, provisioned, scaling)
    "lambherd.importing.triggers",  # event_sources, event_invoke, permissions, schedules .json
    "lambherd.importing.layers",  # no file: the layer versions cached for local runs
    "lambherd.importing.unmanaged",  # no file: notes on what deploys leave alone
)

#: A file's text, or a function giving it once the plain texts are written and the code unzipped.
FileText = str | Callable[[], str | None]


@dataclass
class ImportContext:
    """What every writer reads, and where it leaves its notes."""

    remote: RemoteFunction
    #: the function's folder (the definition and its sidecars go there)
    target: Path
    qualifier: str | None = None
    jsonnet: bool = False
    function_url: bool = False
    #: where the code was unzipped (None: it was not)
    code_dir: Path | None = None
    #: the function goes into a project (the project, not function.json, carries the owner tag)
    in_project: bool = False
    clients: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def function_name(self) -> str:
        """The imported function's name."""
        return self.remote.name

    def definition_names(self) -> tuple[str, str]:
        """(function definition, URL sidecar) file names for the chosen format."""
        if self.jsonnet:
            return "function.jsonnet", "function_url.jsonnet"
        return "function.json", "function_url.json"


@dataclass(frozen=True)
class ImportWriter:
    """One concern's writer: ``write(ctx)`` -> {file name: text}."""

    name: str
    write: Callable[[ImportContext], dict[str, FileText]]
    #: False for files lambherd regenerates on every import (replaced without asking)
    ask_before_replacing: bool = True


@cache
def import_writers() -> tuple[ImportWriter, ...]:
    """The registered writers, in order (each module's ``WRITER``)."""
    return tuple(importlib.import_module(name).WRITER for name in WRITER_MODULES)
