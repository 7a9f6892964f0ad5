"""The vocabulary of ``lint``: severities, check descriptions, hits and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any


class Severity(IntEnum):
    """How much a finding matters; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """``error``, ``warning`` or ``info``."""
        return self.name.lower()

    @property
    def sarif_level(self) -> str:
        """SARIF's name for the level: ``error``, ``warning`` or ``note``."""
        return {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(self, "note")

    @classmethod
    def parse(cls, text: str, where: str) -> Severity:
        """``error``/``warning``/``info`` -> Severity (ValueError naming ``where`` otherwise)."""
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"{where}: {text!r} is not one of error, warning, info") from None


#: What a check needs besides the definition: the code, the package, AWS, a local run.
CATEGORIES = ("definition", "code", "package", "config", "live", "measure")


@dataclass(frozen=True)
class Check:
    """One check: its id, what it looks for, how to fix it and why it matters."""

    id: str
    name: str  # a short kebab-case name (SARIF's rule name)
    severity: Severity
    category: str
    summary: str  # one line: what the check finds
    fix: str  # one line: what to change
    explanation: str  # the reason and the expected effect, for ``lint --explain``
    source: str  # where the fact behind the check comes from

    @property
    def needs_live(self) -> bool:
        """True for checks that read what AWS reports (``--live``)."""
        return self.category == "live"

    @property
    def needs_measure(self) -> bool:
        """True for checks that run the function locally (``--measure``)."""
        return self.category == "measure"


@dataclass(frozen=True)
class Hit:
    """What a check function reports: the message and where; the runner adds the rest."""

    message: str
    path: Path | None = None  # the file (absolute); None: the definition file
    line: int | None = None
    column: int | None = None
    fix: str | None = None  # replaces the check's default fix when the case needs its own
    severity: Severity | None = None  # only for checks whose severity depends on the case


@dataclass(frozen=True)
class Finding:
    """A hit with its check, function and location relative to the root being linted."""

    check: str
    severity: Severity
    message: str
    fix: str
    function: str
    folder: str  # the function's folder relative to the root ("." for a single function)
    file: str  # relative to the root, forward slashes
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (``lint --output json``)."""
        return {
            "check": self.check,
            "severity": self.severity.label,
            "function": self.function,
            "folder": self.folder,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class FunctionReport:
    """The findings of one function, and what lint could not look at."""

    function: str
    folder: str
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0
    notes: list[str] = field(default_factory=list)
    measured_init_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "function": self.function,
            "folder": self.folder,
            "findings": [f.as_dict() for f in self.findings],
            "suppressed": self.suppressed,
            "notes": list(self.notes),
            "measured_init_ms": self.measured_init_ms,
        }


@dataclass
class LintReport:
    """Every function's report, in a stable order, plus the checks that ran."""

    root: Path
    functions: list[FunctionReport] = field(default_factory=list)
    checks: tuple[Check, ...] = ()
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        """All findings, function by function."""
        return [f for report in self.functions for f in report.findings]

    def count(self, severity: Severity) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def suppressed(self) -> int:
        """Findings left out by ``[lint] disable`` or ``# lambherd: ignore``."""
        return sum(r.suppressed for r in self.functions)

    def fails(self, threshold: Severity | None) -> bool:
        """True when a finding is at or above ``threshold`` (None: never; info never fails)."""
        if threshold is None:
            return False
        level = max(threshold, Severity.WARNING)
        return any(f.severity >= level for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The ``lint --output json`` document."""
        return {
            "root": str(self.root),
            "seconds": round(self.seconds, 3),
            "summary": {
                "functions": len(self.functions),
                "error": self.count(Severity.ERROR),
                "warning": self.count(Severity.WARNING),
                "info": self.count(Severity.INFO),
                "suppressed": self.suppressed,
            },
            "functions": [r.as_dict() for r in self.functions],
        }
