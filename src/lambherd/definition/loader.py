"""Find, render and load function.json / function.jsonnet and its sidecar files.

Rendering is lambroll's: ``--envfile`` files are loaded into the environment first; a
``.jsonnet`` file is evaluated with ``--ext-str``/``--ext-code`` and the native functions;
then ``{{ ... }}`` template actions are evaluated in the text, which is finally parsed as JSON
and its field names read as Go reads them (``definition.fieldnames``: case ignored, unknown
fields dropped, each noted on the definition).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lambherd.app import RenderOptions
from lambherd.definition.model import FunctionDefinition
from lambherd.errors import DefinitionError

DEFINITION_NAMES = ("function.json", "function.jsonnet")


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
    *,
    functions: Any = None,
    sidecars: bool = True,
    sidecar_files: Mapping[str, Path] | None = None,
) -> FunctionDefinition:
    """Read and render a definition and its sidecars (no validation).

    ``sidecars=False`` reads function.json alone (lint reads the sidecars itself, one by one,
    so that a broken one is a finding and not a definition that does not load).
    ``clients`` (an ``AwsClients``, a zero-argument callable returning one, or None) is used
    only by ``ssm``, ``caller_identity`` and S3-hosted tfstate, when a file calls them.
    ``functions`` (a ``DefinitionFunctions``) replaces the default set, e.g. one without AWS.
    ``sidecar_files`` names a sidecar's file instead of the folder's (``--function-url PATH``).
    """
    from lambherd.definition.envfile import load_envfiles
    from lambherd.definition.template_functions import DefinitionFunctions

    options = options or RenderOptions()
    load_envfiles(options.envfiles)
    functions = functions or DefinitionFunctions(options, clients, base_dir=path.parent)
    from lambherd.definition.fieldnames import conform_function, conform_url
    from lambherd.definition.sidecars import SIDECARS

    config, notes = conform_function(render_document(path, options, functions))
    field_notes = [note.message(path.name) for note in notes]
    # lambroll's own sidecar is read as its Go struct reads it (field names folded, unknown dropped)
    conformers = {"url": conform_url}
    found_sidecars: dict[str, dict[str, Any]] = {}
    for sidecar in SIDECARS if sidecars else ():
        found = next((path.parent / n for n in sidecar.names if (path.parent / n).is_file()), None)
        explicit = (sidecar_files or {}).get(sidecar.key)
        if explicit is not None:
            if not explicit.is_file():
                raise DefinitionError(f"{explicit}: no such file")
            found = explicit
        if found is None:
            continue
        document = render_document(found, options, functions, list_ok=sidecar.list_ok)
        conform = conformers.get(sidecar.key)
        if conform is not None:
            document, notes = conform(document)
            field_notes.extend(note.message(found.name) for note in notes)
        found_sidecars[sidecar.key] = document
    return FunctionDefinition(
        path=path, config=config, sidecars=found_sidecars, field_notes=tuple(field_notes)
    )


def render_document(
    path: Path, options: RenderOptions, functions: Any, *, list_ok: bool = False
) -> Any:
    """One file rendered (Jsonnet, then templates) and parsed into a JSON object (or, with
    ``list_ok``, a JSON list)."""
    from lambherd.definition.template import render_template

    if path.suffix == ".jsonnet":
        from lambherd.definition.jsonnet_render import evaluate_jsonnet

        text = evaluate_jsonnet(
            path,
            ext_str=options.ext_str,
            ext_code=options.ext_code,
            natives=functions.jsonnet_natives(),
        )
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DefinitionError(f"{path.name}: cannot read: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise DefinitionError(f"{path.name}: not UTF-8 text: {exc.reason}") from exc
    had_actions = "{{" in text
    rendered = render_template(text, functions.template_functions(), path.name)
    return _parse_json(rendered, path.name, had_actions, list_ok=list_ok)


def _parse_json(text: str, source: str, had_actions: bool, *, list_ok: bool = False) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{source}:{exc.lineno}:{exc.colno}"
        if had_actions:
            raise DefinitionError(
                f"{where}: invalid JSON after rendering templates: {exc.msg}",
                hint="a template value containing quotes, backslashes or newlines needs "
                "`| json_escape` inside a JSON string",
            ) from exc
        raise DefinitionError(f"{where}: invalid JSON: {exc.msg}") from exc
    if list_ok and isinstance(data, list):
        return data
    if not isinstance(data, dict):
        what = "a JSON list or object" if list_ok else "a JSON object"
        raise DefinitionError(f"{source}: expected {what} at the top level")
    return data


def load_function_for(
    path: Path,
    fields: tuple[str, ...],
    options: RenderOptions | None = None,
    clients: Any = None,
) -> FunctionDefinition:
    """The definition as far as ``fields`` go, rendered without AWS when they allow it.

    AWS-backed calls (``ssm``, ``caller_identity``, S3 tfstate) first answer placeholders; when
    none reaches ``fields`` and the text still parses, that render is returned (other fields
    may hold placeholders: use only ``fields``). Otherwise it is rendered for real, with
    ``clients``.
    """
    from lambherd.definition.template_functions import AWS_PLACEHOLDER, DefinitionFunctions

    functions = DefinitionFunctions(options, None, base_dir=path.parent, aws=False)
    try:
        definition = load_function(path, options, functions=functions)
    except DefinitionError:
        if not functions.placeholders_used:
            raise  # not about an AWS value: a real render fails the same way
        return load_function(path, options, clients)
    if AWS_PLACEHOLDER in json.dumps([definition.config.get(name) for name in fields]):
        return load_function(path, options, clients)
    return definition
