"""``lambherd metrics``: invocations, errors, throttles, durations and concurrency, with a trend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lambherd.cli.output import app_of, console, emit_json, warn

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.ops.metrics import MetricsReport


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
    from lambherd.ops.durations import parse_duration
    from lambherd.ops.metrics import (
        auto_period,
        collect_metrics,
        function_exists,
        has_provisioned_concurrency,
    )
    from lambherd.project.context import resolve_target

    app = app_of(ctx)
    since_delta = parse_duration(since, option="--since")
    period_delta = parse_duration(period, option="--period") if period else auto_period(since_delta)
    target = resolve_target(app, function_name)
    lambda_client = app.clients.client("lambda")
    if function_exists(lambda_client, target.name, qualifier) is False:
        # Metrics outlive a deleted function or alias, so this is a warning, not an error.
        shown = f"{target.name}:{qualifier}" if qualifier else target.name
        warn(f"function {shown} was not found; showing whatever metrics it left")
        provisioned = bool(provisioned)
    elif provisioned is None:
        provisioned = has_provisioned_concurrency(lambda_client, target.name, qualifier)
    report = collect_metrics(
        app.clients.client("cloudwatch"),
        target.name,
        qualifier=qualifier,
        since=since_delta,
        period=period_delta,
        provisioned=provisioned,
    )
    if app.json_output:
        emit_json(report.as_dict())
        return
    _print_table(app, report)
    for note in report.notes:
        warn(note)


def _print_table(app: App, report: MetricsReport) -> None:
    from rich.table import Table

    from lambherd.ops.metrics import LABELS, format_value, sparkline

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
