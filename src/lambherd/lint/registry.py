"""The one table of checks: each check module registers its functions here with ``@check``.

    @check("LH101", "sdk-client-in-handler", Severity.WARNING, "code", summary=..., fix=...,
           explanation=..., source=...)
    def sdk_client_in_handler(ctx: FunctionContext) -> Iterable[Hit]: ...

``all_checks()`` imports the check modules (once) and returns the checks in id order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from lambherd.errors import UsageError
from lambherd.lint.model import CATEGORIES, Check, Hit, Severity

if TYPE_CHECKING:
    from lambherd.lint.context import FunctionContext

CheckFunction = Callable[["FunctionContext"], Iterable[Hit]]

#: Modules under ``lambherd.lint.checks`` that define checks.
_MODULES = ("definition", "code", "package", "config", "live")
_CHECKS: dict[str, tuple[Check, CheckFunction]] = {}
_loaded = False


def check(
    check_id: str,
    name: str,
    severity: Severity,
    category: str,
    *,
    summary: str,
    fix: str,
    explanation: str,
    source: str,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as check ``check_id``."""
    if category not in CATEGORIES:
        raise ValueError(f"{check_id}: unknown category {category!r}")

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in _CHECKS:
            raise ValueError(f"{check_id} is registered twice")
        text = " ".join(explanation.split())
        meta = Check(check_id, name, severity, category, summary, fix, text, source)
        _CHECKS[check_id] = (meta, function)
        return function

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(f"lambherd.lint.checks.{module}")
        _loaded = True


def all_checks() -> list[tuple[Check, CheckFunction]]:
    """Every check with its function, in id order."""
    _load()
    return [_CHECKS[k] for k in sorted(_CHECKS)]


def get_check(check_id: str) -> Check:
    """The check named ``check_id`` (case-insensitive); a UsageError listing the ids otherwise."""
    _load()
    entry = _CHECKS.get(check_id.upper())
    if entry is None:
        known = ", ".join(sorted(_CHECKS))
        raise UsageError(f"no check {check_id!r} (checks: {known})")
    return entry[0]


def known_ids() -> frozenset[str]:
    """The ids of every registered check."""
    _load()
    return frozenset(_CHECKS)
