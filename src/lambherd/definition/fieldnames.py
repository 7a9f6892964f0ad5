"""Field names read as lambroll reads them: Go's ``encoding/json`` into the SDK's structs.

lambroll decodes function.json into ``lambda.CreateFunctionInput`` (function_url.json into
``{Config: CreateFunctionUrlConfigInput, Permissions: [{Principal, PrincipalOrgID, SourceArn,
SourceAccount}]}``, its ``FunctionURLPermission``), first strictly
to log ``[warn] json: unknown field "X"``, then leniently. Go matches an object key to a struct
field exactly if it can, else ignoring case (ASCII letters; also the long s for ``s`` and the
Kelvin sign for ``k``, Go's simple case folding), and drops keys that match no field; map keys
(Tags, Environment.Variables) are data and stay as written; when two keys land on one field the last
one wins. So ``memorysize`` is ``MemorySize`` at any depth (``environment.variables``) and an
unknown field deploys as if absent.

``conform_function`` / ``conform_url`` return the config with the canonical names and a note
for each renamed or dropped key; the loader keeps the notes on the definition, ``validate``
reports them as errors and a deploy as warnings. The field names come from botocore's model of
the Lambda API, read as JSON (no botocore import: a render stays fast).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FieldNote:
    """A key Go's decoding reads differently: renamed to ``canonical``, or dropped (None)."""

    path: str
    canonical: str | None
    choices: tuple[str, ...] = ()

    def message(self, source: str) -> str:
        if self.canonical is not None:
            return (
                f"{source}: {self.path}: read as {self.canonical} (lambroll ignores the case of "
                f"field names, as Go does); write {self.canonical}"
            )
        from lambherd.definition.validate import did_you_mean

        name = self.path.rsplit(".", 1)[-1].split("[")[0]
        hint = did_you_mean(name, list(self.choices))
        return f"{source}: {self.path}: unknown field, ignored as lambroll ignores it{hint}"


def go_fold(name: str) -> str:
    """encoding/json's ``foldName`` for the ASCII names of the SDK's fields."""
    out = []
    for c in name:
        if "a" <= c <= "z":
            c = chr(ord(c) - 32)
        elif c == "\u017f":  # long s folds with s/S
            c = "S"
        elif c == "\u212a":  # Kelvin sign folds with k/K
            c = "K"
        out.append(c)
    return "".join(out)


def conform_function(config: dict[str, Any]) -> tuple[dict[str, Any], list[FieldNote]]:
    """function.json as ``lambda.CreateFunctionInput`` reads it."""
    notes: list[FieldNote] = []
    shapes = _shapes()
    value = _conform(config, shapes[_input("CreateFunction")], shapes, "", notes)
    return value, notes


def conform_url(url_config: dict[str, Any]) -> tuple[dict[str, Any], list[FieldNote]]:
    """function_url.json as lambroll's ``FunctionURL`` struct reads it."""
    notes: list[FieldNote] = []
    shapes = _shapes()
    top = {
        "type": "structure",
        "members": {
            "Config": {"shape": _input("CreateFunctionUrlConfig")},
            "Permissions": {"shape": "\0permissions"},
        },
    }
    permission = {  # lambroll's FunctionURLPermission: four strings
        "type": "structure",
        "members": {
            key: {"shape": "\0string"}
            for key in ("Principal", "PrincipalOrgID", "SourceArn", "SourceAccount")
        },
    }
    shapes = {
        **shapes,
        "\0permissions": {"type": "list", "member": {"shape": "\0permission"}},
        "\0permission": permission,
        "\0string": {"type": "string"},
    }
    return _conform(url_config, top, shapes, "", notes), notes


def _conform(
    value: Any, shape: dict[str, Any], shapes: dict[str, Any], path: str, notes: list
) -> Any:
    kind = shape.get("type")
    if kind == "structure" and isinstance(value, dict):
        members: dict[str, Any] = shape.get("members", {})
        folded = {}
        for member in members:
            folded.setdefault(go_fold(member), member)
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            name = key if key in members else folded.get(go_fold(key))
            if name is None:
                notes.append(FieldNote(sub, None, tuple(members)))
                continue
            if name != key:
                notes.append(FieldNote(sub, name))
            out[name] = _conform(item, shapes[members[name]["shape"]], shapes, sub, notes)
        return out
    if kind == "list" and isinstance(value, list):
        member = shapes[shape["member"]["shape"]]
        return [_conform(v, member, shapes, f"{path}[{i}]", notes) for i, v in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        item_shape = shapes[shape["value"]["shape"]]
        return {
            k: _conform(v, item_shape, shapes, f"{path}.{k}" if path else k, notes)
            for k, v in value.items()
        }
    return value


def _input(operation: str) -> str:
    return _model()["operations"][operation]["input"]["shape"]


def _shapes() -> dict[str, Any]:
    return _model()["shapes"]


@cache
def _model() -> dict[str, Any]:
    """botocore's Lambda model (service-2.json), the newest API version it ships."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "lambda"
    version = max(p.name for p in folder.iterdir() if p.is_dir())
    for name in ("service-2.json.gz", "service-2.json"):
        path = folder / version / name
        if path.is_file():
            data = path.read_bytes()
            return json.loads(gzip.decompress(data) if name.endswith(".gz") else data)
    raise RuntimeError(f"{folder / version}: no service-2.json")
