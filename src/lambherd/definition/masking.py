"""Hide secret values of a rendered definition before it is printed (render, diff)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

MASK = "********"
ENVIRONMENT_VARIABLES = "Environment.Variables"


def mask_config(config: dict[str, Any], paths: Iterable[str] | None = None) -> dict[str, Any]:
    """A copy of ``config`` with values replaced by ``MASK``; ``config`` is left untouched.

    With no paths, every ``Environment.Variables`` value is masked. Each path is dotted
    (``Environment.Variables.TOKEN``, ``VpcConfig.SubnetIds``, a list index as ``.0``; a leading
    ``.`` is allowed). A path that names an object or a list masks every value inside it and
    keeps its shape, so a diff still shows which entries exist. Absent paths are ignored (see
    ``unmatched_paths``).
    """
    wanted = list(paths or ()) or [ENVIRONMENT_VARIABLES]
    masked = copy.deepcopy(config)
    for path in wanted:
        parts = _split(path)
        if not parts:
            continue
        parent = _find(masked, parts[:-1])
        last = parts[-1]
        if isinstance(parent, dict) and last in parent:
            parent[last] = _mask_all(parent[last])
        elif isinstance(parent, list) and (i := _index(parent, last)) is not None:
            parent[i] = _mask_all(parent[i])
    return masked


def unmatched_paths(config: dict[str, Any], paths: Iterable[str]) -> list[str]:
    """The paths that name nothing in ``config`` (to warn about likely typos)."""
    return [path for path in paths if _find(config, _split(path)) is _MISSING]


def _split(path: str) -> list[str]:
    return [part for part in path.strip().removeprefix(".").split(".") if part != ""]


_MISSING = object()


def _find(node: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and (i := _index(node, part)) is not None:
            node = node[i]
        else:
            return _MISSING
    return node


def _index(items: list[Any], part: str) -> int | None:
    if part.isdigit() and int(part) < len(items):
        return int(part)
    return None


def _mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _mask_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_all(item) for item in value]
    return MASK
