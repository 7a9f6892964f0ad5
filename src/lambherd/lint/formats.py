"""The report as text for people, as JSON (``report.as_dict()``) and as SARIF 2.1.0 for CI.

Only strings and dicts come out of here; the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from typing import Any

from lambherd import __version__
from lambherd.lint.model import Check, LintReport, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_ROOT_ID = "%SRCROOT%"

Style = Callable[[str, Severity], str]


def _plain(text: str, _severity: Severity) -> str:
    return text


def render_text(report: LintReport, style: Style = _plain) -> str:
    """Findings grouped by function, then by file, each with its fix; notes; a summary line."""
    lines: list[str] = []
    for function in report.functions:
        if not function.findings and not function.notes:
            continue
        header = (
            function.function
            if function.folder in {".", function.function}
            else (f"{function.function} ({function.folder})")
        )
        lines.append(header)
        for file, group in groupby(function.findings, key=lambda f: f.file):
            lines.append(f"  {file}")
            for finding in group:
                where = ":".join(str(p) for p in (finding.line, finding.column) if p) or "-"
                label = style(f"{finding.severity.label:<7}", finding.severity)
                lines.append(f"    {where:<8} {label} {finding.check}  {finding.message}")
                lines.append(f"    {'':<8} {'':<7} fix: {finding.fix}")
        for note in function.notes:
            lines.append(f"  note: {note}")
    lines.append(summary_line(report))
    return "\n".join(lines)


def summary_line(report: LintReport) -> str:
    """``12 functions: 1 error, 3 warnings, 2 info (1 suppressed)`` or ``... no findings``."""
    count = len(report.functions)
    head = f"{count} function{'s' if count != 1 else ''} linted"
    parts = []
    for severity, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning")):
        n = report.count(severity)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    if report.count(Severity.INFO):
        parts.append(f"{report.count(Severity.INFO)} info")
    body = ", ".join(parts) if parts else "no findings"
    tail = f" ({report.suppressed} suppressed)" if report.suppressed else ""
    return f"{head}: {body}{tail}"


def explain_text(check: Check) -> str:
    """``lint --explain ID``: what the check finds, its severity, why, the fix, the source."""
    return "\n".join(
        [
            f"{check.id} {check.name} ({check.severity.label}, {check.category})",
            f"  {check.summary}",
            "",
            _wrap(check.explanation, "  "),
            "",
            f"  fix: {check.fix}",
            f"  source: {check.source}",
        ]
    )


def list_text(checks: list[Check]) -> str:
    """``lint --list``: one line per check."""
    width = max(len(c.name) for c in checks)
    return "\n".join(
        f"{c.id}  {c.severity.label:<7}  {c.name:<{width}}  {c.summary}" for c in checks
    )


def _wrap(text: str, indent: str, width: int = 96) -> str:
    import textwrap

    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)


def render_sarif(report: LintReport) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: every check as a rule, every finding as a result."""
    checks = sorted(report.checks, key=lambda c: c.id)
    index = {c.id: i for i, c in enumerate(checks)}
    rules = [
        {
            "id": c.id,
            "name": c.name,
            "shortDescription": {"text": c.summary},
            "fullDescription": {"text": c.explanation},
            "help": {"text": f"{c.fix}\n\n{c.explanation}\n\nSource: {c.source}"},
            "defaultConfiguration": {"level": c.severity.sarif_level},
            "properties": {"tags": ["lambda", c.category]},
        }
        for c in checks
    ]
    results = []
    for finding in report.findings:
        region: dict[str, Any] = {}
        if finding.line:
            region["startLine"] = finding.line
            if finding.column:
                region["startColumn"] = finding.column
        location: dict[str, Any] = {"artifactLocation": _artifact(finding.file)}
        if region:
            location["region"] = region
        results.append(
            {
                "ruleId": finding.check,
                "ruleIndex": index[finding.check],
                "level": finding.severity.sarif_level,
                "message": {"text": f"{finding.message} (fix: {finding.fix})"},
                "locations": [{"physicalLocation": location}],
                "properties": {"function": finding.function, "folder": finding.folder},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lambherd",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {_ROOT_ID: {"uri": report.root.resolve().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _artifact(file: str) -> dict[str, Any]:
    if file.startswith("/"):
        from pathlib import Path

        return {"uri": Path(file).as_uri()}
    return {"uri": file, "uriBaseId": _ROOT_ID}
