"""Helpers shared by the lint tests (not a test module): function folders and lint runs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from lambherd.app import App
from lambherd.lint.model import Finding, LintReport
from lambherd.services.lint import LintOptions, LintResult, lint

ROLE = "arn:aws:iam::123456789012:role/lint-test"


def write_function(
    folder: Path,
    files: dict[str, str] | None = None,
    *,
    runtime: str = "python3.12",
    handler: str = "app.handler",
    sidecars: dict[str, Any] | None = None,
    **config: Any,
) -> Path:
    """A function folder: function.json (arm64 unless ``Architectures`` is given), its files
    (dedented) and sidecar JSON files (``{"concurrency.json": {...}}``)."""
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": folder.name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": ROLE,
        "Architectures": ["arm64"],
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition, indent=2) + "\n")
    default = {"app.py": "def handler(event, context):\n    return {}\n"}
    for name, text in (default if files is None else files).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    for name, data in (sidecars or {}).items():
        (folder / name).write_text(json.dumps(data, indent=2) + "\n")
    return folder


def run(folder: Path, **options: Any) -> LintResult:
    """Lint the function (or project) in ``folder`` as the CLI would, through the service."""
    from lambherd.project.context import attach_project

    app = attach_project(App(workdir=folder))
    return lint(app, LintOptions(**options))


def findings(report: LintReport | LintResult, check: str | None = None) -> list[Finding]:
    """The report's findings (of one check)."""
    if isinstance(report, LintResult):
        report = report.report
    return [f for f in report.findings if check is None or f.check == check]


def ids(report: LintReport | LintResult) -> set[str]:
    """The ids of the checks that found something."""
    return {f.check for f in findings(report)}
