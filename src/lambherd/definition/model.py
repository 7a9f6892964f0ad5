"""Typed result of loading a function's definition files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FunctionDefinition:
    """A rendered function definition and its sidecars.

    ``config`` is the CreateFunction input exactly as rendered (PascalCase keys, including
    ``Tags`` and ``Code`` when present). ``sidecars`` holds each rendered sidecar file present,
    by its key in ``lambherd.definition.sidecars.SIDECARS`` (e.g. ``url``: function_url.json).
    Field names are read as lambroll (Go) reads them: ``field_notes`` has one line per key that
    was renamed (``memorysize`` -> ``MemorySize``) or dropped as unknown (definition.fieldnames).
    """

    path: Path
    config: dict[str, Any]
    sidecars: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    field_notes: tuple[str, ...] = ()

    @property
    def url_config(self) -> dict[str, Any] | None:
        """The rendered function_url.json (``{"Config": ..., "Permissions": [...]}``), or None."""
        return self.sidecars.get("url")

    @property
    def source_dir(self) -> Path:
        """The folder whose files make the code package (the definition's folder)."""
        return self.path.parent

    @property
    def name(self) -> str:
        """The function's name (FunctionName)."""
        return str(self.config.get("FunctionName", ""))

    @property
    def display_path(self) -> str:
        """The definition file's name as shown in error messages."""
        return self.path.name
