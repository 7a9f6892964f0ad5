"""A loaded function definition (function.json) -> a ``FunctionSpec`` for the local emulator."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.defaults import DEFAULT_REGION, MEMORY_SIZE
from lambherd.errors import DefinitionError, LocalRuntimeError, UsageError
from lambherd.local.spec import FunctionSpec

if TYPE_CHECKING:
    from lambherd.app import App

CONCURRENCY_FILE = "concurrency.json"

#: The definition fields the local emulator reads (the others may stay unrendered).
LOCAL_FIELDS = (
    "FunctionName",
    "Runtime",
    "Handler",
    "MemorySize",
    "Timeout",
    "Environment",
    "Layers",
    "LoggingConfig",
    "Architectures",
    "PackageType",
)


def load_env_vars_file(path: Path, function_name: str) -> dict[str, str]:
    """Variables from a SAM-style ``--env-vars`` file for ``function_name``.

    Accepted shapes: ``{"FunctionName": {"VAR": "v"}}`` (per function), ``{"Parameters":
    {...}}`` (every function; per-function values win), or a flat ``{"VAR": "v"}``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read --env-vars file: {exc.strerror}") from exc
    except ValueError as exc:
        raise UsageError(f"{path}: invalid JSON in --env-vars file: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: --env-vars must be a JSON object")
    nested = {k: v for k, v in data.items() if isinstance(v, dict)}
    if nested:
        out = dict(_scalars(path, nested.get("Parameters", {})))
        out.update(_scalars(path, nested.get(function_name, {})))
        return out
    return _scalars(path, data)


def _scalars(path: Path, values: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict | list):
            raise UsageError(f"{path}: {key}: expected a string, number or boolean")
        out[str(key)] = (
            "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
        )
    return out


def _reserved_concurrency(source_dir: Path) -> int | None:
    """The reservation of a folder's concurrency.json read alone (no template, no project)."""
    path = source_dir / CONCURRENCY_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return file_concurrency(data)[0]


def file_concurrency(doc: Any, alias: str | None = None) -> tuple[int | None, int]:
    """(reserved, provisioned of ``alias``) a rendered concurrency.json asks for (the model of
    ``lambherd.concurrency``); (None, 0) for what it leaves out."""
    from lambherd.concurrency.model import read_concurrency

    if doc is None:
        return None, 0
    config = read_concurrency(doc, [])
    reserved = config.reserved if isinstance(config.reserved, int) else None
    provisioned = config.provisioned.get(alias) if alias else None
    return reserved, provisioned if isinstance(provisioned, int) else 0


def spec_from_definition(
    config: Mapping[str, Any],
    source_dir: Path,
    *,
    memory_mb: int | None = None,
    timeout_s: float | None = None,
    env_overrides: Mapping[str, str] | None = None,
    layer_dirs: tuple[Path, ...] = (),
    reserved_concurrency: int | None = None,
    provisioned: int = 0,
    region: str | None = None,
    source: str = "function.json",
) -> FunctionSpec:
    """Build the spec from a CreateFunction input; command-line overrides win."""
    name = config.get("FunctionName")
    if not isinstance(name, str) or not name:
        raise DefinitionError(f"{source}: FunctionName is missing")
    if config.get("PackageType") == "Image":
        raise LocalRuntimeError(
            f"{source}: container image functions are not supported locally yet"
        )
    handler = config.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise DefinitionError(f"{source}: Handler must look like module.function, got {handler!r}")
    runtime = config.get("Runtime")
    if not isinstance(runtime, str):
        raise DefinitionError(f"{source}: Runtime is missing (the local emulator needs python3.x)")
    env = dict((config.get("Environment") or {}).get("Variables") or {})
    env.update(env_overrides or {})
    logging_config = config.get("LoggingConfig") or {}
    architectures = config.get("Architectures") or ["x86_64"]
    if reserved_concurrency is None:
        reserved_concurrency = _reserved_concurrency(source_dir)
    return FunctionSpec(
        name=name,
        handler=handler,
        runtime=runtime,
        code_dir=source_dir,
        memory_mb=int(memory_mb or config.get("MemorySize") or MEMORY_SIZE),
        timeout_s=float(timeout_s or config.get("Timeout") or 3),
        environment={str(k): str(v) for k, v in env.items()},
        layer_dirs=tuple(layer_dirs),
        reserved_concurrency=reserved_concurrency,
        provisioned=provisioned,
        region=region or DEFAULT_REGION,
        log_group=logging_config.get("LogGroup"),
        architecture=str(architectures[0]),
    )


def load_local_spec(
    app: App,
    *,
    env_vars: Path | None = None,
    layer_dirs: tuple[Path, ...] = (),
    warnings: list[str] | None = None,
    **overrides: Any,
) -> FunctionSpec:
    """The spec of the function defined in the app's folder (``--function``, ``-C``); in a
    project's function folder, with the project's defaults (Runtime, Handler, Environment...).
    Without ``layer_dirs``, the definition's Layers come from the layer cache (downloaded from
    the account the first time: ``importing.layers``).

    A Handler whose module is not in the package deploy would upload is refused, as deploy
    refuses it (the same finder, ``archive.handler``); when a layer may bring it (``Layers``,
    ``--layer-dir``) it is a warning, appended to ``warnings``.
    """
    return _load(app, env_vars, layer_dirs, warnings, overrides)[1]


def load_local_function(
    app: App,
    *,
    env_vars: Path | None = None,
    layer_dirs: tuple[Path, ...] = (),
    warnings: list[str] | None = None,
    **overrides: Any,
) -> tuple[FunctionSpec, dict[str, Any] | None]:
    """``load_local_spec`` plus the function URL's ``Config`` when the folder has a
    ``function_url.json`` (``local start`` serves it)."""
    from lambherd.local.url_server import url_config

    definition, spec = _load(app, env_vars, layer_dirs, warnings, overrides)
    sidecar = definition.sidecars.get("url")
    return spec, (None if sidecar is None else url_config(sidecar))


def _load(
    app: App,
    env_vars: Path | None,
    layer_dirs: tuple[Path, ...],
    warnings: list[str] | None,
    overrides: dict[str, Any],
) -> tuple[Any, FunctionSpec]:
    from lambherd.archive.handler import check_handler_in_package
    from lambherd.project.context import load_app_definition

    # Only what the emulator uses is rendered for real: a Role ARN built from
    # {{ caller_identity.Account }} must not need an AWS account to run the code locally.
    definition = load_app_definition(app, fields=LOCAL_FIELDS)
    env = load_env_vars_file(app.resolve(env_vars), definition.name) if env_vars else None
    if not layer_dirs and definition.config.get("Layers"):
        # the account's layer versions, from the layer cache (downloaded once when missing)
        from lambherd.importing.layers import account_layers

        arns = [str(a) for a in definition.config.get("Layers") or []]
        layer_dirs = account_layers(lambda: app.clients, arns)
    from lambherd.project.context import function_settings

    sidecar = definition.sidecars.get("concurrency")
    reserved, provisioned = file_concurrency(sidecar, function_settings(app).alias)
    if overrides.get("reserved_concurrency") is None:
        overrides["reserved_concurrency"] = reserved
    if "provisioned" in overrides and overrides["provisioned"] is None:  # local start's default
        overrides["provisioned"] = provisioned
    spec = spec_from_definition(
        definition.config,
        definition.source_dir,
        env_overrides=env,
        layer_dirs=tuple(app.resolve(d) for d in layer_dirs),
        region=app.aws.region,
        source=definition.display_path,
        **overrides,
    )
    # Only for runtimes the emulator runs (Python, Node.js): another runtime gets the
    # emulator's own "not supported locally" refusal first.
    if spec.runtime.startswith(("python", "nodejs")):
        problem = check_handler_in_package(definition, layer_dirs=layer_dirs)
        if problem is not None and problem.error:
            raise DefinitionError(problem.message)
        if problem is not None and warnings is not None:
            warnings.append(problem.message)
    return definition, spec
