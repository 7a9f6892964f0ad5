"""``lambherd logs``: the function's CloudWatch Logs, a window or followed live; ``--stats``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lambherd.cli.output import app_of, console, emit_json, warn

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.report import ReportStats


@click.command("logs")
@click.option("--function-name", help="Read this function's logs instead of the definition's.")
@click.option(
    "--log-group", help="Read this log group (default: LoggingConfig or /aws/lambda/NAME)."
)
@click.option("--since", default="10m", show_default=True, help="Start: 10m, 3h, 2d or ISO time.")
@click.option("--until", help="End: a duration ago or an ISO time (default: now).")
@click.option("--filter-pattern", help="CloudWatch Logs filter pattern.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events (Ctrl-C stops).")
@click.option("--poll-interval", default=2.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["short", "detailed", "json"]),
    default="short",
    show_default=True,
)
@click.option("--stats", is_flag=True, help="Summarise the REPORT lines instead of printing.")
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str | None,
    log_group: str | None,
    since: str,
    until: str | None,
    filter_pattern: str | None,
    follow: bool,
    poll_interval: float,
    fmt: str,
    stats: bool,
) -> None:
    """Print the function's log events (natively, no AWS CLI needed)."""
    from lambherd.services.logs import LogsRequest, format_event, logs

    app = app_of(ctx)
    request = LogsRequest(
        function_name=function_name,
        log_group=log_group,
        since=since,
        until=until,
        filter_pattern=filter_pattern,
        follow=follow,
        poll_interval=poll_interval,
        stats=stats,
    )
    result = logs(
        app, request, on_throttle=lambda delay: warn(f"throttled; next poll in {delay:.0f}s")
    )
    if result.stats is not None:
        _print_stats(app, result.stats, result.log_group)
        return
    try:
        for event in result.events or ():
            click.echo(format_event(event, "json" if app.json_output else fmt))
    except KeyboardInterrupt:
        if not follow:
            raise
        # Ctrl-C is how --follow ends: a normal exit, not an error.


def _print_stats(app: App, summary: ReportStats, group: str) -> None:
    if app.json_output:
        emit_json({"log_group": group, **summary.as_dict()})
        return
    from rich.table import Table

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.2f} ms"

    table = Table(title=f"REPORT lines in {group}", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("Invocations", str(summary.invocations))
    table.add_row("Cold starts", str(summary.cold_starts))
    table.add_row("Duration p50", ms(summary.duration_p50_ms))
    table.add_row("Duration p90", ms(summary.duration_p90_ms))
    table.add_row("Duration p99", ms(summary.duration_p99_ms))
    table.add_row("Duration max", ms(summary.duration_max_ms))
    table.add_row("Init duration max", ms(summary.init_duration_max_ms))
    table.add_row("Billed duration total", ms(summary.billed_duration_total_ms))
    memory = "-"
    if summary.max_memory_used_mb is not None:
        memory = f"{summary.max_memory_used_mb:g} MB"
        if summary.memory_size_mb:
            ratio = summary.memory_used_ratio or 0.0
            memory += f" of {summary.memory_size_mb:g} MB ({ratio:.0%})"
    table.add_row("Max memory used", memory)
    console(app).print(table)
