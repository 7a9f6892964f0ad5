"""Find and load function.json / function.jsonnet and its sidecar function_url.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambherd.app import RenderOptions
from lambherd.definition.model import FunctionDefinition
from lambherd.errors import DefinitionError

DEFINITION_NAMES = ("function.json", "function.jsonnet")
URL_CONFIG_NAMES = ("function_url.json", "function_url.jsonnet")


def find_definition(workdir: Path, explicit: str | None = None) -> Path:
    """The definition file: ``--function PATH`` if given, else function.json[net] in workdir."""
    if explicit:
        path = Path(explicit)
        path = path if path.is_absolute() else workdir / path
        if path.is_dir():
            return find_definition(path)
        if not path.is_file():
            raise DefinitionError(f"{explicit}: no such definition file")
        return path
    for name in DEFINITION_NAMES:
        candidate = workdir / name
        if candidate.is_file():
            return candidate
    raise DefinitionError(
        f"{workdir}: no function.json or function.jsonnet here",
        hint="run `lambherd init --function-name NAME` or pass --function PATH",
    )


def load_function(
    path: Path,
    options: RenderOptions | None = None,
    clients: Any = None,
) -> FunctionDefinition:
    """Read and render a definition and its sidecars (no validation)."""
    config = _load_document(path)
    url_config = None
    for name in URL_CONFIG_NAMES:
        sidecar = path.parent / name
        if sidecar.is_file():
            url_config = _load_document(sidecar)
            break
    return FunctionDefinition(path=path, config=config, url_config=url_config)


def _load_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(f"{path.name}: cannot read: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(
            f"{path.name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
        ) from exc
    if not isinstance(data, dict):
        raise DefinitionError(f"{path.name}: expected a JSON object at the top level")
    return data
