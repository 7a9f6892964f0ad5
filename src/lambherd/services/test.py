"""``test``: run the cases of tests.yaml / tests.json against the deployed function, or in the
local emulator (warm between cases); optionally write JUnit XML. The case format and how a
case is judged live in ``lambherd.testcases``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lambherd.testcases import CaseResult, find_tests_file, junit_xml, load_cases, run_cases

if TYPE_CHECKING:
    from lambherd.app import App


@dataclass(frozen=True)
class TestRequest:
    """What ``test`` was asked."""

    __test__ = False  # not a pytest class

    function_name: str | None = None
    cases_file: Path | None = None
    qualifier: str | None = None
    junit: Path | None = None
    local: bool = False


@dataclass
class TestReport:
    """Every case's result, and what the local emulator had to say."""

    __test__ = False

    function: str
    results: list[CaseResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every case passed."""
        return all(r.passed for r in self.results)


def run_tests(app: App, request: TestRequest) -> TestReport:
    """Load the cases, invoke each (on AWS or locally), judge them, write JUnit if asked."""
    from lambherd.project.context import resolve_target

    target = resolve_target(app, request.function_name)
    if request.cases_file:
        path = app.resolve(request.cases_file)
    else:
        path = find_tests_file(target.definition_dir)
    cases = load_cases(path)
    report = TestReport(target.name)
    if request.local:
        from lambherd.local import LocalRuntime
        from lambherd.local.definition_spec import load_local_spec
        from lambherd.local.invoker import local_invoker

        spec = load_local_spec(app)
        with LocalRuntime() as runtime:
            runtime.register(spec)
            report.warnings.extend(runtime.warnings)
            invoker = local_invoker(runtime, spec.name)
            report.results = run_cases(cases, invoker, qualifier=request.qualifier)
    else:
        from lambherd.invocation import lambda_invoker

        invoker = lambda_invoker(app.clients.client("lambda"), target.name)
        report.results = run_cases(cases, invoker, qualifier=request.qualifier)
    if request.junit is not None:
        out = app.resolve(request.junit)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(junit_xml(report.results, target.name), encoding="utf-8")
    return report
