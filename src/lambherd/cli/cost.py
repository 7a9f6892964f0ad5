"""``lambherd cost``: a month of the function's (or project's) bill, every price line."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import click

from lambherd.cli.output import app_of, console, emit_json, warn

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.services.cost import CostReport


@click.command("cost")
@click.option("--function-name", help="Price this deployed function instead of the definition's.")
@click.option(
    "--since", help="Read the usage from CloudWatch over this window: 1h, 7d... [default: 30d]"
)
@click.option("--invocations", metavar="N", help="Usage instead: invocations a month (10M, 250k).")
@click.option("--duration", metavar="TIME", help="With --invocations: each one's duration (120ms).")
@click.option(
    "--init-duration", metavar="TIME", help="With --invocations: an INIT's duration (300ms)."
)
@click.option(
    "--cold-start-rate", metavar="SHARE", help="With --init-duration: share of cold starts (2%)."
)
@click.option("--log-bytes", metavar="SIZE", help="With --invocations: log bytes per invocation.")
@click.option(
    "--log-class",
    type=click.Choice(["standard", "infrequent-access"]),
    help="With --invocations: the log group's class [default: standard].",
)
@click.option(
    "--memory", type=int, metavar="MB", help="Memory size (with --since: a what-if beside today's)."
)
@click.option(
    "--arch", type=click.Choice(["x86_64", "arm64"]), help="Architecture (with --since: a what-if)."
)
@click.option("--ephemeral-storage", type=int, metavar="MB", help="With --invocations: /tmp size.")
@click.option(
    "--provisioned", type=int, metavar="N", help="N provisioned environments all month (0: none)."
)
@click.option(
    "--schedule", is_flag=True, help="Provisioned concurrency from concurrency.json's schedule."
)
@click.option("--alias", help="The alias whose provisioned concurrency counts [default: current].")
@click.option(
    "--free-tier/--no-free-tier", default=True, show_default=True, help="Apply the free tier."
)
@click.option("--only", multiple=True, metavar="GLOB", help="In a project: these functions.")
@click.option(
    "--report-source",
    type=click.Choice(["auto", "insights", "events"]),
    default="auto",
    show_default=True,
    help="REPORT lines from Logs Insights (billed per GB scanned) or FilterLogEvents.",
)
@click.option(
    "--refresh-prices",
    is_flag=True,
    help="First read this region's prices from the AWS Price List API into the cache.",
)
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str | None,
    since: str | None,
    invocations: str | None,
    duration: str | None,
    init_duration: str | None,
    cold_start_rate: str | None,
    log_bytes: str | None,
    log_class: str | None,
    memory: int | None,
    arch: str | None,
    ephemeral_storage: int | None,
    provisioned: int | None,
    schedule: bool,
    alias: str | None,
    free_tier: bool,
    only: tuple[str, ...],
    report_source: str,
    refresh_prices: bool,
) -> None:
    """Estimate a month of the function's bill with every price that applies.

    The usage comes from CloudWatch (--since, scaled to a 30-day month) or from --invocations
    and --duration. Prices come from the table shipped with lambherd, with the cache that
    --refresh-prices writes from the AWS Price List API laid over it (the dates are shown).
    """
    from lambherd.services.cost import CostRequest, estimate_cost

    app = app_of(ctx)
    report = estimate_cost(
        app,
        CostRequest(
            function_name=function_name,
            since=since,
            invocations=invocations,
            duration=duration,
            memory=memory,
            arch=arch,
            ephemeral=ephemeral_storage,
            init_duration=init_duration,
            cold_start_rate=cold_start_rate,
            log_bytes=log_bytes,
            log_class=log_class,
            provisioned=provisioned,
            schedule=schedule,
            alias=alias,
            free_tier=free_tier,
            only=only,
            report_source=report_source,
            refresh_prices=refresh_prices,
        ),
    )
    if app.json_output:
        emit_json(report.as_dict())
        return
    if report.refreshed is not None:
        click.echo(report.refreshed.describe())
    if not report.functions:  # --refresh-prices with nothing to price here
        for line in report.notes:
            click.echo(f"note: {line}", err=True)
        return
    if report.project:
        _print_project(app, report)
    else:
        _print_function(app, report)
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    for line in report.estimate.missing:
        warn(line)


def _usd(value: Decimal | None) -> str:
    if value is None:
        return "no price"
    sign = "-" if value < 0 else ""
    return (
        f"{sign}${abs(value):,.2f}"
        if abs(value) >= Decimal("0.01") or value == 0
        else (f"{sign}${abs(value):.4f}")
    )


def _quantity(value: Decimal) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def _print_function(app: App, report: CostReport) -> None:
    from rich.table import Table

    f = report.functions[0]
    w = f.workload
    title = (
        f"{f.target.name}  {report.region} {w.arch} {w.memory_mb} MB  "
        f"({report.table.label} {report.table.date})"
    )
    table = Table(title=title)
    for name, justify in (("item", "left"), ("quantity", "right"), ("unit", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("unit price", justify="right")
    table.add_column("USD", justify="right")
    for line in report.estimate.lines:
        price = "-" if line.unit_price is None else format(line.unit_price.normalize(), "f")
        table.add_row(line.name, _quantity(line.quantity), line.unit, price, _usd(line.usd))
    total = _usd(report.estimate.total) + ("" if report.estimate.complete else " (incomplete)")
    table.add_row("total a month", "", "", "", total, style="bold")
    out = console(app)
    out.print(table)
    out.print(
        f"usage a month: {_quantity(w.invocations)} invocations, billed {w.billed_ms:.1f} ms "
        f"on average, cold starts {w.cold_start_rate * 100:.2f}% (INIT {w.init_ms:.0f} ms)"
    )
    if report.what_if_estimate is not None and f.what_if is not None:
        changes = ", ".join(f"{k} {v}" for k, v in report.what_if_changes.items())
        delta = report.what_if_estimate.total - report.estimate.total
        out.print(
            f"what-if ({changes}): {_usd(report.what_if_estimate.total)} a month "
            f"(today {_usd(report.estimate.total)}, {'+' if delta >= 0 else ''}{_usd(delta)})"
        )
        for line in report.what_if_estimate.missing:
            warn(f"what-if: {line}")
    if f.break_even is not None:
        seen = (
            f"; observed {f.provisioned_utilisation * 100:.1f}%"
            if f.provisioned_utilisation is not None
            else ""
        )
        out.print(
            f"provisioned concurrency is cheaper than on-demand above "
            f"{f.break_even * 100:.1f}% utilisation{seen}"
        )


def _print_project(app: App, report: CostReport) -> None:
    from rich.table import Table

    table = Table(
        title=f"project {report.project}  {report.region}  "
        f"({report.table.label} {report.table.date})"
    )
    table.add_column("function")
    table.add_column("memory", justify="right")
    table.add_column("arch")
    table.add_column("invocations a month", justify="right")
    table.add_column("USD a month", justify="right")
    what_if = report.what_if_estimate is not None
    if what_if:
        table.add_column("what-if USD", justify="right")
    for f in report.functions:
        row = [
            f.target.name,
            f"{f.workload.memory_mb} MB",
            f.workload.arch,
            _quantity(f.workload.invocations),
            _usd(f.usd),
        ]
        if what_if:
            row.append(_usd(f.what_if_usd))
        table.add_row(*row)
    total = [_usd(report.estimate.total) + ("" if report.estimate.complete else " (incomplete)")]
    if what_if and report.what_if_estimate is not None:
        total.append(_usd(report.what_if_estimate.total))
    table.add_row("total", "", "", "", *total, style="bold")
    console(app).print(table)
