"""``lambherd test``: run the cases of tests.yaml / tests.json against the deployed function."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, console, emit_json

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.ops.testcases import CaseResult, TestCase


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
    from lambherd.ops.invoke import lambda_invoker
    from lambherd.ops.testcases import find_tests_file, junit_xml, load_cases, run_cases
    from lambherd.project.context import resolve_target

    app = app_of(ctx)
    target = resolve_target(app, function_name)
    path = app.resolve(cases_file) if cases_file else find_tests_file(target.definition_dir)
    cases = load_cases(path)
    if local:
        results = _run_locally(app, cases, qualifier)
    else:
        invoker = lambda_invoker(app.clients.client("lambda"), target.name)
        results = run_cases(cases, invoker, qualifier=qualifier)
    if junit is not None:
        out = app.resolve(junit)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(junit_xml(results, target.name), encoding="utf-8")
    if app.json_output:
        emit_json({"function": target.name, "cases": [r.as_dict() for r in results]})
    else:
        _print_results(app, results)
    return exit_codes.SUCCESS if all(r.passed for r in results) else exit_codes.FAILURE


def _run_locally(app: App, cases: list[TestCase], qualifier: str | None) -> list[CaseResult]:
    from lambherd.cli.output import warn
    from lambherd.local import LocalRuntime
    from lambherd.local.definition_spec import load_local_spec
    from lambherd.local.invoker import local_invoker
    from lambherd.ops.testcases import run_cases

    spec = load_local_spec(app)
    with LocalRuntime() as runtime:
        runtime.register(spec)
        for message in runtime.warnings:
            warn(message)
        return run_cases(cases, local_invoker(runtime, spec.name), qualifier=qualifier)


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
