"""``lambherd lint``: the field notes' lessons as checks; text, JSON or SARIF; exit 1 on failure."""

from __future__ import annotations

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json


@click.command("lint")
@click.option("--live", is_flag=True, help="Also read what AWS reports (logs, metrics, settings).")
@click.option("--measure", is_flag=True, help="Measure Init Duration locally (Python handlers).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    help="Output format (default: --output's; sarif = SARIF 2.1.0 for code scanning).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "none"]),
    help="Exit 1 at or above this severity (default: [lint] fail_on, else warning).",
)
@click.option("--disable", multiple=True, metavar="ID", help="Turn a check off (repeatable).")
@click.option("--only", multiple=True, metavar="GLOB", help="Limit to these function folders.")
@click.option("--since", default="7d", show_default=True, help="--live: logs/metrics window.")
@click.option("--parallel", default=8, show_default=True, help="Functions linted at once.")
@click.option("--explain", "explain_id", metavar="ID", help="Explain one check and exit.")
@click.option("--list", "list_checks", is_flag=True, help="List every check and exit.")
@click.pass_context
def command(
    ctx: click.Context,
    live: bool,
    measure: bool,
    fmt: str | None,
    fail_on: str | None,
    disable: tuple[str, ...],
    only: tuple[str, ...],
    since: str,
    parallel: int,
    explain_id: str | None,
    list_checks: bool,
) -> int:
    """Check functions against what makes Lambda fast and cheap.

    SDK clients, HTTP sessions and database connections made in the handler, heavy imports in
    it, logging the whole event, keep-alive, the handler missing from the package, package
    size and contents, timeouts against API Gateway and SQS, runtime deprecation dates, arm64,
    concurrency, SnapStart and recursion settings; with --live what the deployed function's
    logs and metrics show (memory, throttles, provisioned concurrency use, init time).

    Code checks read Python handlers (Python's ast) and JavaScript/TypeScript handlers
    (tree-sitter). In a project every function is linted, in parallel. Silence a check with
    [lint] disable = [...] in lambherd.toml or `# lambherd: ignore[ID]` on the line. Exit 1
    when a finding is at or above --fail-on (info never fails).
    """
    from lambherd.services import lint as service

    if explain_id:
        click.echo(service.explain_text(explain_id))
        return exit_codes.SUCCESS
    if list_checks:
        click.echo(service.list_text())
        return exit_codes.SUCCESS
    app = app_of(ctx)
    options = service.LintOptions(
        live=live,
        measure=measure,
        only=only,
        disable=disable,
        fail_on=fail_on,
        since=since,
        parallel=parallel,
    )
    result = service.lint(app, options)
    chosen = fmt or ("json" if app.json_output else "text")
    if chosen in ("json", "sarif"):
        emit_json(service.render(result, chosen))
    else:
        colours = {"error": "red", "warning": "yellow", "info": "cyan"}
        text = service.render(
            result, "text", lambda text, severity: click.style(text, fg=colours[severity.label])
        )
        click.echo(text, color=app.color)
    return exit_codes.FAILURE if result.failed else exit_codes.SUCCESS
