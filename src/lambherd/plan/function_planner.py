"""The function concern: create it, update the changed configuration fields, upload code."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from lambherd.defaults import RESET_VALUES
from lambherd.definition.normalize import (
    NON_CONFIG_FIELDS,
    definition_from_remote,
    normalize_config,
)
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource, CreateFunction, Step, UpdateConfiguration, UploadCode


@dataclass(frozen=True)
class FunctionChanges:
    """What the function planner decided: its steps and the configuration fields that differ."""

    steps: tuple[Step, ...]
    changed_fields: tuple[str, ...]
    code_changed: bool


def config_differences(desired: dict[str, Any], remote_config: dict[str, Any]) -> list[str]:
    """Configuration fields whose normalised values differ, sorted."""
    return sorted({path.split(".")[0] for path in changed_paths(desired, remote_config)})


def changed_paths(desired: dict[str, Any], remote_config: dict[str, Any]) -> list[str]:
    """The dotted paths that differ once both sides are normalised, e.g.
    ``Environment.Variables.GREETING`` or ``MemorySize`` (lists compare whole), sorted."""
    local = normalize_config(desired)
    deployed = normalize_config(definition_from_remote(remote_config))
    return _leaf_differences(deployed, local, "")


def _leaf_differences(old: Any, new: Any, path: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            out.extend(_leaf_differences(old.get(key), new.get(key), f"{path}{key}."))
        return out
    return [] if old == new else [path.rstrip(".")]


def plan_function_changes(
    desired: dict[str, Any],
    remote: RemoteState,
    code: CodeSource,
    *,
    skip_configuration: bool = False,
    force_code: bool = False,
) -> FunctionChanges:
    """Steps that bring $LATEST to ``desired`` with ``code``."""
    if not remote.exists:
        params = {k: v for k, v in desired.items() if k not in {"Code", "Publish", "PublishTo"}}
        if not params.get("Tags"):
            params.pop("Tags", None)
        else:
            params["Tags"] = {
                k: v for k, v in params["Tags"].items() if not str(k).startswith("aws:")
            }
        return FunctionChanges((CreateFunction(params=params, code=code),), (), True)
    steps: list[Step] = []
    changed: list[str] = []
    if not skip_configuration:
        paths = changed_paths(desired, remote.configuration or {})
        changed = sorted({path.split(".")[0] for path in paths})
        if changed:
            steps.append(_update_step(desired, changed, tuple(paths)))
    code_changed = force_code or code.sha256 is None or code.sha256 != remote.code_sha256
    if code.image_uri and not force_code:
        code_changed = code.image_uri != _remote_image(remote)
    if code_changed:
        steps.append(UploadCode(code=code, remote_sha256=remote.code_sha256))
    return FunctionChanges(tuple(steps), tuple(changed), code_changed)


def _update_step(
    desired: dict[str, Any], changed: list[str], paths: tuple[str, ...] = ()
) -> UpdateConfiguration:
    """UpdateFunctionConfiguration params: desired values, or Lambda's defaults when absent."""
    normalised = normalize_config(desired)
    params: dict[str, Any] = {}
    reset: list[str] = []
    for name in changed:
        if name in NON_CONFIG_FIELDS:
            continue
        raw = desired.get(name)
        if raw not in (None, "", [], {}):
            params[name] = raw
            continue
        if name in normalised:
            params[name] = normalised[name]
        elif name in RESET_VALUES:
            params[name] = copy.deepcopy(RESET_VALUES[name])
        else:
            continue
        reset.append(name)
    return UpdateConfiguration(
        params=params, changed=tuple(changed), reset=tuple(reset), paths=paths
    )


def _remote_image(remote: RemoteState) -> str | None:
    """The deployed image URI: GetFunction reports it under ``Code``, not ``Configuration``."""
    return remote.code.get("ImageUri") or (remote.configuration or {}).get("ImageUri")


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    if ctx.settings.skip_function:
        return ()
    changes = plan_function_changes(
        ctx.desired.config,
        ctx.remote,
        ctx.desired.code,
        skip_configuration=ctx.settings.skip_configuration,
        force_code=ctx.settings.force_code,
    )
    ctx.decided["function"] = changes
    return changes.steps


CONCERN = Concern("function", _plan)
