"""``lambherd rollout status|abort|resume``: a rollout as its alias records it."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, info
from lambherd.cli.rollout_view import GateLines, answer_interrupt, gate_table, resume_gate_options
from lambherd.cli.rollout_view import show_stopped as show_stopped_rollout
from lambherd.errors import RolloutError, RolloutInterrupted

if TYPE_CHECKING:
    from lambherd.app import App

_FUNCTION = click.option(
    "--function-name", help="A deployed function by name (default: the definition here)."
)
_ALIAS = click.option(
    "--alias", help="The alias [default: the function's alias setting, else current]."
)
_ONLY = click.option("--only", multiple=True, metavar="NAME/GLOB", help="Only these functions.")


@click.group("rollout")
def command() -> None:
    """Rollouts in progress: read from the alias itself, so from any machine.

    A rollout starts with `lambherd deploy --strategy canary10-5m` (or a strategy setting).
    """


def _request(
    function_name: str | None,
    alias: str | None,
    only: tuple[str, ...],
    rollout: dict[str, Any] | None = None,
    **run: Any,
) -> Any:
    from lambherd.services.rollout import RolloutRequest, RunSettings, command_line

    return RolloutRequest(
        function_name=function_name,
        settings=command_line(alias=alias, rollout=rollout),
        run=RunSettings(only=only, **run),
    )


@command.command("status")
@_FUNCTION
@_ALIAS
@_ONLY
@click.pass_context
def status(
    ctx: click.Context, function_name: str | None, alias: str | None, only: tuple[str, ...]
) -> int:
    """Show the alias's split and the rollout driving it (strategy, step, next shift)."""
    from lambherd.services.rollout import status as read_status

    app = app_of(ctx)
    report = read_status(app, _request(function_name, alias, only))
    if app.json_output:
        emit_json(report.to_json())
        return exit_codes.SUCCESS
    for s in report.aliases:
        for line in _status_lines(s):
            click.echo(line)
    return exit_codes.SUCCESS


def _status_lines(s: Any) -> list[str]:
    head = f"{s.function} alias {s.alias}"
    if not s.found:
        return [f"{head}: no such alias"]
    split = ", ".join(f"version {v} {w:g}%" for v, w in s.weights.items())
    lines = [f"{head}: {split}"]
    m = s.marker
    if s.state == "foreign-split":
        lines.append("  split, but not by a lambherd rollout")
    elif s.state == "rolled-back" and m is not None:
        lines.append(
            f"  last rollout ({m.strategy}) of version {m.to_version} rolled back: {m.reason}"
        )
    elif s.in_progress and m is not None:
        lines.append(
            f"  rollout {m.strategy}: version {m.from_version} -> {m.to_version}, {s.state}, "
            f"step {s.step}, by {m.by or '?'}"
        )
        started = _stamp(m.started)
        changed = _stamp(m.updated)
        lines.append(f"  started {started}, last shift {changed}")
        if s.next_weight is not None:
            when = _stamp(s.next_due) if s.next_due else "-"
            lines.append(f"  next: {s.next_weight:g}% to version {m.to_version} after {when}")
        if s.state != "running":
            lines.append("  `lambherd rollout resume` goes on; `lambherd rollout abort` rolls back")
    else:
        lines.append("  no rollout in progress")
    return lines


def _stamp(seconds: float | None) -> str:
    from datetime import UTC, datetime

    if not seconds:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


@command.command("abort")
@_FUNCTION
@_ALIAS
@_ONLY
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.pass_context
def abort(
    ctx: click.Context,
    function_name: str | None,
    alias: str | None,
    only: tuple[str, ...],
    dry_run: bool,
) -> int:
    """Move the alias back to the rollout's old version alone (the new one is kept)."""
    from lambherd.services.rollout import abort as run_abort

    app = app_of(ctx)
    result = run_abort(app, _request(function_name, alias, only, dry_run=dry_run))
    return _show_run(app, result, dry_run, "rolled back")


@command.command("resume")
@_FUNCTION
@_ALIAS
@_ONLY
@resume_gate_options
@click.option(
    "--parallel", type=click.IntRange(min=1), help="Rollouts run at once [default: adaptive]."
)
@click.option("--fail-fast", is_flag=True, help="A failure rolls the other rollouts back.")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.pass_context
def resume(
    ctx: click.Context,
    function_name: str | None,
    alias: str | None,
    only: tuple[str, ...],
    alarms: tuple[str, ...],
    require_traffic: bool,
    post_traffic: bool,
    on_interrupt: str | None,
    parallel: int | None,
    fail_fast: bool,
    dry_run: bool,
) -> int:
    """Go on with a rollout from the weight its alias has, with its strategy, to the end."""
    from lambherd.services.rollout import resume as run_resume

    app = app_of(ctx)
    gates = gate_table(alarms, require_traffic, False, post_traffic)
    request = _request(
        function_name,
        alias,
        only,
        gates,
        dry_run=dry_run,
        parallel=parallel,
        fail_fast=fail_fast,
    )
    view = _progress(app)
    try:
        with view as on_event:
            result = run_resume(app, request, on_event=on_event)
    except RolloutInterrupted as exc:
        show_stopped_rollout(app, exc)
        return answer_interrupt(app, [exc], on_interrupt)
    except RolloutError as exc:
        show_stopped_rollout(app, exc)
        raise
    if result.interrupted:
        _show_run(app, result, dry_run)
        return answer_interrupt(app, result.interruptions, on_interrupt)
    return _show_run(app, result, dry_run, "rollout done")


def _progress(app: App) -> Any:
    lines = GateLines(app)

    def on_event(event: Any) -> None:
        lines(event)
        done = event.result
        if done is not None and not app.json_output:
            suffix = f": {done.detail}" if done.detail else ""
            click.echo(f"{event.function}: {done.step.describe()} ({done.seconds:.2f}s){suffix}")

    return contextlib.nullcontext(on_event)


def _show_run(app: App, result: Any, dry_run: bool, done: str = "done") -> int:
    if app.json_output:
        doc = result.to_json()
        if dry_run:
            doc["plans"] = {
                o.name: [r.step.describe() for r in o.execution.results]
                for o in result.outcomes
                if o.execution is not None
            }
        emit_json(doc)
    else:
        for outcome in result.outcomes:
            if dry_run and outcome.execution is not None:
                for i, r in enumerate(outcome.execution.results, 1):
                    click.echo(f"[dry-run] {outcome.name}: {i}. {r.step.describe()}")
            elif outcome.error:
                click.echo(f"error: {outcome.name}: {outcome.error}", err=True)
            else:
                state = done if outcome.status == "deployed" else outcome.status
                info(f"{outcome.name}: {state}")
    return exit_codes.SUCCESS if result.ok else exit_codes.FAILURE
