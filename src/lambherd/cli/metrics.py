"""``lambherd metrics``: invocations, errors, throttles, durations and concurrency, with a trend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lambherd.cli.output import app_of, console, emit_json, warn

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.services.metrics import MetricsReport


@click.command("metrics")
@click.option("--function-name", help="Read this function's metrics instead of the definition's.")
@click.option("--qualifier", help="An alias or version (Resource dimension name:qualifier).")
@click.option("--since", default="24h", show_default=True, help="Window: 3h, 24h, 7d...")
@click.option(
    "--period",
    default=None,
    help="One trend step: 5m, 1h, 1d... [default: the shortest of 1m/5m/15m/1h/3h/6h/1d "
    "giving at most 24 steps]",
)
@click.option(
    "--provisioned/--no-provisioned",
    default=None,
    help="Show provisioned concurrency figures (default: when provisioned concurrency is set).",
)
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str | None,
    qualifier: str | None,
    since: str,
    period: str | None,
    provisioned: bool | None,
) -> None:
    """Show the function's CloudWatch metrics over a window, with a per-period trend."""
    from lambherd.services.metrics import MetricsRequest, metrics

    app = app_of(ctx)
    request = MetricsRequest(function_name, qualifier, since, period, provisioned)
    result = metrics(app, request)
    for message in result.warnings:
        warn(message)
    report = result.report
    if app.json_output:
        emit_json(report.as_dict())
        return
    _print_table(app, report)
    for note in report.notes:
        warn(note)


def _print_table(app: App, report: MetricsReport) -> None:
    from rich.table import Table

    from lambherd.services.metrics import LABELS, format_value, sparkline

    name = (
        f"{report.function_name}:{report.qualifier}" if report.qualifier else report.function_name
    )
    first = report.start.strftime("%Y-%m-%d %H:%M")
    last = report.end.strftime("%Y-%m-%d %H:%M")
    table = Table(title=f"{name}  {first} → {last} UTC, {report.period_seconds // 60} min periods")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("trend")
    for key in report.rows():
        series = report.series.get(key, [])
        table.add_row(LABELS[key].label, format_value(key, report.totals[key]), sparkline(series))
    console(app).print(table)
