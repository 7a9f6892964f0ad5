"""``lambherd tune``: power tuning — which memory size runs the function best, measured."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambherd.cli.output import app_of, confirm, console, emit_json, info
from lambherd.services.tune import DEFAULT_INVOCATIONS, DEFAULT_PARALLEL, DEFAULT_PRESET

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.services.tune import TuneResult


@click.command("tune")
@click.option("--function-name", help="Tune this deployed function instead of the definition's.")
@click.option(
    "--memory",
    metavar="MB,MB,...|PRESET",
    help=f"Memory sizes (128-10240) or a preset: quick, standard, wide "
    f"[default: {DEFAULT_PRESET}]. The current size is always measured too.",
)
@click.option(
    "--invocations",
    type=int,
    default=DEFAULT_INVOCATIONS,
    show_default=True,
    help="Invocations per memory size.",
)
@click.option(
    "--parallel",
    type=int,
    default=DEFAULT_PARALLEL,
    show_default=True,
    help="Invocations in flight at once (the sizes take turns).",
)
@click.option(
    "--payload",
    help='The JSON payload, or a weighted list [{"payload": {...}, "weight": 3}, ...].',
)
@click.option(
    "--payload-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the payload (or weighted list) from this file.",
)
@click.option(
    "--cold-only",
    is_flag=True,
    help="Every invocation a cold start: a fresh version (and environment) per invocation.",
)
@click.option(
    "--trim",
    metavar="SHARE",
    help="Drop this share of the fastest and of the slowest invocations (0-0.4) "
    "[default: 0.2; 0 with --cold-only].",
)
@click.option(
    "--strategy",
    type=click.Choice(["cost", "speed", "balanced"]),
    default="cost",
    show_default=True,
    help="What 'best' means.",
)
@click.option(
    "--weight",
    default="0.5",
    show_default=True,
    help="With --strategy balanced: 1 is all cost, 0 all speed.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML report (self-contained) to this file.",
)
@click.option(
    "--apply", is_flag=True, help="Write the best MemorySize into function.json (if a literal)."
)
@click.option("--dry-run", is_flag=True, help="Show the setup plan; invoke nothing.")
@click.option(
    "--cleanup", is_flag=True, help="Only remove what earlier tune runs left on the function."
)
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str | None,
    memory: str | None,
    invocations: int,
    parallel: int,
    payload: str | None,
    payload_file: Path | None,
    cold_only: bool,
    trim: str | None,
    strategy: str,
    weight: str,
    report: Path | None,
    apply: bool,
    dry_run: bool,
    cleanup: bool,
) -> None:
    """Run the function at each memory size and say which is best (cost, speed, balanced).

    For each size a temporary version and alias are made, invoked --invocations times with
    the payload, and deleted afterwards (also on failure and Ctrl-C). Durations, billed
    durations, INIT and memory come from each invocation's REPORT line, so INIT is in the cost.

    Side effects: tune really invokes the function, sizes x invocations times. Anything an
    invocation writes, sends or deletes happens that many times, so tune refuses to run
    without --yes (or a yes at the prompt). Pass --yes only for a function whose invocations
    have no side effects, or are safe to repeat. $LATEST's MemorySize changes for a moment
    while the versions are made (and is put back).
    """
    from lambherd.services.tune import TuneRequest, tune

    app = app_of(ctx)
    result = tune(
        app,
        TuneRequest(
            function_name=function_name,
            memory=memory,
            invocations=invocations,
            parallel=parallel,
            payload=payload,
            payload_file=payload_file,
            cold_only=cold_only,
            trim=trim,
            strategy=strategy,
            weight=weight,
            report=report,
            apply=apply,
            dry_run=dry_run,
            cleanup=cleanup,
            confirm=lambda question: confirm(app, question),
            progress=None if app.json_output else info,
        ),
    )
    if app.json_output:
        emit_json(result.as_dict())
        return
    if cleanup:
        for line in result.cleaned:
            click.echo(line)
        info(
            f"{len(result.cleaned)} step(s): nothing of earlier tune runs is left on "
            f"{result.function}"
        )
        return
    if result.dry_run:
        _print_plan(result)
        return
    _print_result(app, result)


def _print_plan(result: TuneResult) -> None:
    assert result.setup_plan is not None
    click.echo(f"dry run: tune of {result.function} would run this setup (then invoke, clean up)")
    for step in result.setup_plan.steps:
        click.echo(f"  {step.describe()}")


def _print_result(app: App, result: TuneResult) -> None:
    from rich.table import Table

    assert result.choice is not None
    table = Table(
        title=f"{result.function}  {result.region} {result.arch}  strategy {result.choice.strategy}"
    )
    for column in (
        "memory",
        "p50 ms",
        "p90 ms",
        "billed ms",
        "INIT ms",
        "cold",
        "max MB",
        "USD per 1 M",
    ):
        table.add_column(column, justify="right")
    for r in sorted(result.results, key=lambda r: r.memory_mb):
        mark = "*" if r.memory_mb == result.choice.best.memory_mb else ""
        table.add_row(
            f"{mark}{r.memory_mb} MB",
            f"{r.duration_p50_ms or 0:.1f}",
            f"{r.duration_p90_ms or 0:.1f}",
            f"{r.billed_ms:.1f}",
            f"{r.init_billed_ms:.1f}",
            str(r.cold_starts),
            "-" if r.max_memory_used_mb is None else f"{r.max_memory_used_mb:.0f}",
            f"{r.cost_per_million:.4f}",
        )
    out = console(app)
    out.print(table)
    click.echo(result.chart)
    click.echo(result.recommendation)
    if result.edit is not None:
        click.echo(result.edit.describe())
    if result.report_path is not None:
        click.echo(f"report: {result.report_path}")
    for note in result.notes:
        info(f"note: {note}")
    info(
        f"{result.invocations} invocations in {result.invoke_seconds:.1f} s "
        f"({result.parallel} at a time); cleaned up: {len(result.cleaned)} step(s)"
    )
