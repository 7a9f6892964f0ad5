"""``lambherd test``: run the cases of tests.yaml / tests.json against the deployed function."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, console, emit_json

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.testcases import CaseResult


@click.command("test")
@click.option("--function-name", help="Test this function instead of the definition's.")
@click.option(
    "--cases",
    "cases_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tests file (default: tests.yaml or tests.json beside the definition).",
)
@click.option("--qualifier", help="Alias or version to test (overrides each case's).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML.")
@click.option("--local", is_flag=True, help="Run the cases in the local emulator, not on AWS.")
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str | None,
    cases_file: Path | None,
    qualifier: str | None,
    junit: Path | None,
    local: bool,
) -> int:
    """Invoke each case and check the result; exit 1 when any case fails.

    With --local the function runs from its folder in the local emulator (warm between cases).
    """
    from lambherd.cli.output import warn
    from lambherd.services.test import TestRequest, run_tests

    app = app_of(ctx)
    report = run_tests(app, TestRequest(function_name, cases_file, qualifier, junit, local))
    for message in report.warnings:
        warn(message)
    if app.json_output:
        emit_json({"function": report.function, "cases": [r.as_dict() for r in report.results]})
    else:
        _print_results(app, report.results)
    return exit_codes.SUCCESS if report.passed else exit_codes.FAILURE


def _print_results(app: App, results: list[CaseResult]) -> None:
    from rich.markup import escape

    out = console(app)
    for result in results:
        took = ""
        if result.outcome is not None and result.outcome.duration_ms is not None:
            took = f" [dim]({result.outcome.duration_ms:.0f} ms)[/dim]"
        mark = "[green]PASS[/green]" if result.passed else "[red]FAIL[/red]"
        out.print(f"{mark} {escape(result.case.name)}{took}")
        for failure in result.failures:
            out.print(f"  {escape(failure)}")
        for line in result.diff.splitlines():
            style = "red" if line.startswith("-") else "green" if line.startswith("+") else ""
            out.print(f"    [{style}]{escape(line)}[/{style}]" if style else f"    {escape(line)}")
    passed = sum(1 for r in results if r.passed)
    out.print(f"{passed} passed, {len(results) - passed} failed")
