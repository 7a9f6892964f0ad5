"""One normalisation of a function's configuration, shared by init, diff, plan and deploy.

Two directions meet here:

* ``definition_from_remote`` turns what GetFunction reports into a definition (the CreateFunction
  input): read-only fields (State, RevisionId, CodeSha256, ARNs...) are dropped by projecting onto
  botocore's own CreateFunction input shape, response-only shapes are mapped back (``Layers`` of
  objects -> ARNs, ``ImageConfigResponse`` -> ``ImageConfig``), and Lambda's defaults are kept so a
  later diff is empty.
* ``normalize_config`` is applied to *both* sides before comparing: defaults filled, empty values
  dropped, ID lists sorted, fields that are not configuration (Code, Tags, Publish) removed.

Empty means "not set" everywhere but in ``Environment.Variables``: there ``""`` is a value (a
variable set to the empty string is not the variable absent). ``Environment`` itself absent,
``{}`` and ``{"Variables": {}}`` all mean no variables.

Lambda's defaults themselves (and the values that reset a field) live in ``lambherd.defaults``.
"""

from __future__ import annotations

import copy
from typing import Any

from lambherd.defaults import lambda_defaults

#: Fields of the CreateFunction input that are not function *configuration*.
NON_CONFIG_FIELDS = frozenset({"Code", "Tags", "Publish", "PublishTo", "FunctionName"})

#: Lists whose order carries no meaning (sorted before comparing). Layers' order does matter.
UNORDERED_LISTS = frozenset({"SubnetIds", "SecurityGroupIds"})

#: Order of keys in a written definition: the familiar ones first, the rest alphabetically.
KEY_ORDER = (
    "FunctionName",
    "Description",
    "Runtime",
    "Handler",
    "Role",
    "MemorySize",
    "Timeout",
    "Architectures",
    "EphemeralStorage",
    "PackageType",
    "ImageConfig",
    "Environment",
    "Layers",
    "VpcConfig",
    "LoggingConfig",
    "TracingConfig",
    "SnapStart",
    "DeadLetterConfig",
    "FileSystemConfigs",
    "KMSKeyArn",
    "Tags",
)


def normalize_config(config: dict[str, Any]) -> dict[str, Any]:
    """The comparable configuration: defaults filled, empties dropped, ID lists sorted.

    Accepts a definition or a projected remote configuration; returns a new dict without
    non-configuration fields (Code, Tags, Publish, FunctionName).
    """
    out = {k: copy.deepcopy(v) for k, v in config.items() if k not in NON_CONFIG_FIELDS}
    for key, default in lambda_defaults(config).items():
        if isinstance(default, dict):
            merged = dict(default)
            merged.update(out.get(key) or {})
            out[key] = merged
        elif out.get(key) in (None, [], ""):
            out[key] = copy.deepcopy(default)
    if out.get("PackageType") == "Image":
        out.pop("Runtime", None)
        out.pop("Handler", None)
    cleaned = _drop_empty_keeping_variables(out)
    return _sort_unordered(cleaned)


def definition_from_remote(
    configuration: dict[str, Any], tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """A function.json body from GetFunction's ``Configuration`` (and ListTags' tags)."""
    shape = _create_function_shape()
    projected = _project(_map_response_fields(configuration), shape)
    projected.pop("Code", None)
    projected.pop("Publish", None)
    for key, default in lambda_defaults(projected).items():
        if key not in projected:
            projected[key] = copy.deepcopy(default)
    result = _drop_empty_keeping_variables(projected)
    user_tags = comparable_tags(tags)
    if user_tags:
        result["Tags"] = user_tags
    return order_keys(_sort_unordered(result))


def comparable_tags(tags: dict[str, str] | None) -> dict[str, str]:
    """Tags as compared: ``aws:`` tags (set by AWS itself) left out, sorted by key."""
    return {k: v for k, v in sorted((tags or {}).items()) if not k.startswith("aws:")}


def order_keys(config: dict[str, Any]) -> dict[str, Any]:
    """The definition with its keys in the conventional order (stable, readable files)."""
    rank = {k: i for i, k in enumerate(KEY_ORDER)}
    return {k: config[k] for k in sorted(config, key=lambda k: (rank.get(k, len(rank)), k))}


def _map_response_fields(configuration: dict[str, Any]) -> dict[str, Any]:
    """Response-only field shapes mapped back to their CreateFunction input shapes."""
    out = dict(configuration)
    layers = out.get("Layers")
    if isinstance(layers, list):
        out["Layers"] = [layer.get("Arn") if isinstance(layer, dict) else layer for layer in layers]
    image = out.pop("ImageConfigResponse", None)
    if isinstance(image, dict) and isinstance(image.get("ImageConfig"), dict):
        out["ImageConfig"] = image["ImageConfig"]
    return out


def _create_function_shape() -> Any:
    from lambherd.definition.validate import lambda_model

    return lambda_model().operation_model("CreateFunction").input_shape


def _project(value: Any, shape: Any) -> Any:
    """Keep only what the input ``shape`` accepts, recursively."""
    if shape is None:
        return value
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return value
        return {k: _project(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_project(v, shape.member) for v in value]
    return value


def _drop_empty_keeping_variables(config: dict[str, Any]) -> dict[str, Any]:
    """``_drop_empty`` of a configuration, except that environment variables keep ``""``."""
    env = config.get("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    cleaned = _drop_empty({k: v for k, v in config.items() if k != "Environment"})
    assert isinstance(cleaned, dict)
    if isinstance(variables, dict) and variables:
        cleaned["Environment"] = {
            "Variables": {str(k): "" if v is None else v for k, v in variables.items()}
        }
    return cleaned


def _drop_empty(value: Any) -> Any:
    """Remove None, "", [] and {} (recursively); they mean "not set" to Lambda."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _drop_empty(v)
            if v in (None, "", [], {}):
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def _sort_unordered(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _sort_unordered(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_unordered(v) for v in value]
        if key in UNORDERED_LISTS and all(isinstance(i, str) for i in items):
            return sorted(items)
        return items
    return value
