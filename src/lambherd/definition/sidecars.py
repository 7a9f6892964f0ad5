"""The sidecar files a function folder may hold next to its definition, in one table.

A sidecar is a JSON (or Jsonnet) document a concern reads: ``function_url.json`` today;
``concurrency.json``, ``event_sources.json``, ``event_invoke.json``, ``permissions.json``,
``schedules.json`` as their concerns arrive. Every sidecar is found, rendered (the same
templates and Jsonnet as function.json) and loaded by ``lambherd.definition.loader`` into
``FunctionDefinition.sidecars[key]``. Adding one is one line here.

In the zip: lambroll's own sidecar (``function_url.json``) follows lambroll's rule — packaged
unless ``.lambdaignore`` lists it (``lambroll init`` lists it). lambherd's own sidecars, which a
lambroll folder never has, are always left out (``lambherd_sidecar_names``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sidecar:
    """A sidecar file: its key in ``FunctionDefinition.sidecars`` and its file names (the
    first one present is read)."""

    key: str
    names: tuple[str, ...]
    #: True for a file lambroll reads too (it then follows lambroll's packaging rule).
    lambroll: bool = False
    #: True when the file's top level may be a JSON list (event_sources.json...), not only an
    #: object.
    list_ok: bool = False
    #: True for a trigger file (``lambherd.triggers``: validated and planned together).
    trigger: bool = False


#: Every sidecar, by concern. One line per sidecar.
SIDECARS: tuple[Sidecar, ...] = (
    Sidecar("url", ("function_url.json", "function_url.jsonnet"), lambroll=True),
    # triggers (lambherd.triggers.files describes their shapes)
    Sidecar(
        "event_sources", ("event_sources.json", "event_sources.jsonnet"), trigger=True, list_ok=True
    ),
    Sidecar("event_invoke", ("event_invoke.json", "event_invoke.jsonnet"), trigger=True),
    Sidecar("permissions", ("permissions.json", "permissions.jsonnet"), trigger=True, list_ok=True),
    Sidecar("schedules", ("schedules.json", "schedules.jsonnet"), trigger=True, list_ok=True),
    Sidecar("import_record", ("lambherd-import.json",)),  # importing/record.py
    Sidecar("concurrency", ("concurrency.json", "concurrency.jsonnet")),
)


def present(sidecars: Mapping[str, Any]) -> frozenset[str]:
    """The keys of the sidecars a definition has (a document, not None): what decides which
    concerns plan, which remote parts are read and which files are validated."""
    return frozenset(key for key, doc in sidecars.items() if doc is not None)


def trigger_keys() -> tuple[str, ...]:
    """The trigger files' keys, in table order."""
    return tuple(sidecar.key for sidecar in SIDECARS if sidecar.trigger)


def sidecar_names() -> tuple[str, ...]:
    """Every sidecar file name (the ``gitignore`` style leaves them all out of the zip)."""
    return tuple(name for sidecar in SIDECARS for name in sidecar.names)


def lambherd_sidecar_names() -> tuple[str, ...]:
    """The sidecar file names only lambherd reads (never packaged, in either style)."""
    return tuple(name for sidecar in SIDECARS if not sidecar.lambroll for name in sidecar.names)
