"""The sidecar files a function folder may hold next to its definition, in one table.

A sidecar is a JSON (or Jsonnet) document a concern reads: ``function_url.json`` today;
``concurrency.json``, ``event_sources.json``, ``event_invoke.json``, ``permissions.json``,
``schedules.json`` as their concerns arrive. Every sidecar is found, rendered (the same
templates and Jsonnet as function.json) and loaded by ``lambherd.definition.loader`` into
``FunctionDefinition.sidecars[key]``, and is left out of the zip. Adding one is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sidecar:
    """A sidecar file: its key in ``FunctionDefinition.sidecars`` and its file names (the
    first one present is read)."""

    key: str
    names: tuple[str, ...]


#: Every sidecar, by concern. One line per sidecar.
SIDECARS: tuple[Sidecar, ...] = (Sidecar("url", ("function_url.json", "function_url.jsonnet")),)


def sidecar_names() -> tuple[str, ...]:
    """Every sidecar file name (the archive leaves them all out of the zip)."""
    return tuple(name for sidecar in SIDECARS for name in sidecar.names)
