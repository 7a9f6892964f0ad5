"""``[lint]`` in lambherd.toml: checks turned off, the failure threshold, the budgets.

    [lint]
    disable = ["LH307"]              # checks off for every function
    fail_on = "warning"              # error | warning | none (info never fails)
    package_budget_mb = 10           # cold-start budget of the zipped package (MiB)
    init_budget_ms = 1000            # budget of the measured Init Duration (lint --measure)

    [lint.functions."functions/legacy"]   # one function folder (its path or folder name)
    disable = ["LH101"]
    package_budget_mb = 40

Values are checked when lint runs, with the table they came from in the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lambherd.errors import DefinitionError
from lambherd.lint.model import Severity

PROJECT_FILE = "lambherd.toml"
#: lambherd's own cold-start budget for the zipped package (AWS publishes no threshold).
DEFAULT_PACKAGE_BUDGET_MB = 10.0
#: lambherd's own budget for a locally measured Init Duration.
DEFAULT_INIT_BUDGET_MS = 1000.0
_FUNCTION_KEYS = {"disable", "package_budget_mb", "init_budget_ms"}
_TOP_KEYS = _FUNCTION_KEYS | {"fail_on", "functions"}
FAIL_ON_CHOICES = ("error", "warning", "none")


@dataclass(frozen=True)
class FunctionSettings:
    """What lint applies to one function."""

    disabled: frozenset[str] = frozenset()
    package_budget_bytes: int = int(DEFAULT_PACKAGE_BUDGET_MB * 1024 * 1024)
    init_budget_ms: float = DEFAULT_INIT_BUDGET_MS


@dataclass(frozen=True)
class LintSettings:
    """The ``[lint]`` table, checked; per-folder tables kept by folder key or name."""

    fail_on: Severity | None = Severity.WARNING
    base: FunctionSettings = field(default_factory=FunctionSettings)
    folders: Mapping[str, FunctionSettings] = field(default_factory=dict)

    def for_folder(self, key: str) -> FunctionSettings:
        """Settings of a function folder (``[lint.functions."<path>"]`` or its basename)."""
        base = key.rsplit("/", 1)[-1]
        return self.folders.get(key) or self.folders.get(base) or self.base

    def with_cli(self, disable: Iterable[str], fail_on: str | None) -> LintSettings:
        """These settings with the command line's ``--disable`` and ``--fail-on`` applied."""
        extra = frozenset(i.upper() for i in disable)
        threshold = self.fail_on if fail_on is None else parse_fail_on(fail_on, "--fail-on")
        folders = {k: replace(v, disabled=v.disabled | extra) for k, v in self.folders.items()}
        base = replace(self.base, disabled=self.base.disabled | extra)
        return LintSettings(threshold, base, folders)


def parse_fail_on(text: str, where: str) -> Severity | None:
    """``error``/``warning`` -> Severity, ``none`` -> None."""
    if text == "none":
        return None
    if text not in FAIL_ON_CHOICES:
        raise DefinitionError(f"{where}: {text!r} is not one of {', '.join(FAIL_ON_CHOICES)}")
    return Severity.parse(text, where)


def load_settings(table: Mapping[str, Any] | None, known: frozenset[str]) -> LintSettings:
    """``LintSettings`` from a project's ``[lint]`` table (empty or None: the defaults)."""
    table = dict(table or {})
    where = f"{PROJECT_FILE}: [lint]"
    _no_unknown(table, _TOP_KEYS, where)
    fail_on = table.get("fail_on", "warning")
    if not isinstance(fail_on, str):
        raise DefinitionError(f"{where} fail_on: expected a string, got {fail_on!r}")
    base = _function_settings(table, FunctionSettings(), known, where)
    folders_table = table.get("functions", {})
    if not isinstance(folders_table, dict):
        raise DefinitionError(f"{where} functions: expected a table of function folders")
    folders: dict[str, FunctionSettings] = {}
    for key, values in folders_table.items():
        sub = f"{PROJECT_FILE}: [lint.functions.{key}]"
        if not isinstance(values, dict):
            raise DefinitionError(f"{sub}: expected a table")
        _no_unknown(values, _FUNCTION_KEYS, sub)
        own = _function_settings(values, base, known, sub)
        folders[key] = replace(own, disabled=base.disabled | own.disabled)
    return LintSettings(parse_fail_on(fail_on, f"{where} fail_on"), base, folders)


def _function_settings(
    values: Mapping[str, Any], base: FunctionSettings, known: frozenset[str], where: str
) -> FunctionSettings:
    disable = values.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(i, str) for i in disable):
        raise DefinitionError(f"{where} disable: expected a list of check ids")
    ids = frozenset(i.upper() for i in disable)
    unknown = sorted(ids - known)
    if unknown:
        raise DefinitionError(
            f"{where} disable: unknown check {unknown[0]} (see `lambherd lint --list`)"
        )
    out = replace(base, disabled=ids)
    if "package_budget_mb" in values:
        mb = _positive(values["package_budget_mb"], f"{where} package_budget_mb")
        out = replace(out, package_budget_bytes=int(mb * 1024 * 1024))
    if "init_budget_ms" in values:
        out = replace(
            out, init_budget_ms=_positive(values["init_budget_ms"], f"{where} init_budget_ms")
        )
    return out


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise DefinitionError(f"{where}: expected a positive number, got {value!r}")
    return float(value)


def _no_unknown(table: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise DefinitionError(
            f"{where}: unknown key {unknown[0]!r} (expected one of: {', '.join(sorted(known))})"
        )
