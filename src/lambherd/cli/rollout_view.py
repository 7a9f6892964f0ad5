"""What ``deploy`` and ``rollout`` share about rollouts on the command line: the gate options,
the answer to a Ctrl-C (ask, or ``--on-interrupt``), and how a stopped rollout is shown."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from lambherd import exit_codes
from lambherd.cli.output import emit_json, info
from lambherd.errors import RolloutError, RolloutInterrupted

if TYPE_CHECKING:
    from lambherd.app import App

ROLLBACK, LEAVE = "rollback", "leave"


def gate_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The gate options of a rollout (over the ``rollout`` settings of lambherd.toml)."""
    return _gate_options(command, pre_traffic=True)


def resume_gate_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The gate options of a resumed rollout (its traffic has moved: no pre-traffic tests)."""
    return _gate_options(command, pre_traffic=False)


def _gate_options(command: Callable[..., Any], *, pre_traffic: bool) -> Callable[..., Any]:
    options = [
        click.option(
            "--alarm",
            "alarms",
            multiple=True,
            metavar="NAME",
            help="A CloudWatch alarm gating the rollout (any in ALARM rolls back); repeatable.",
        ),
        click.option(
            "--require-traffic",
            is_flag=True,
            help="A rollout step whose new version served too few invocations fails.",
        ),
    ]
    if pre_traffic:
        options.append(
            click.option(
                "--pre-traffic",
                is_flag=True,
                help="Run the tests.* cases against the new version before any traffic moves.",
            )
        )
    options += [
        click.option(
            "--post-traffic",
            is_flag=True,
            help="Run the tests.* cases against the alias once it serves the new version.",
        ),
        click.option(
            "--on-interrupt",
            type=click.Choice([ROLLBACK, LEAVE]),
            help="What a Ctrl-C during a rollout does [default: ask on a terminal, else rollback].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def gate_table(
    alarms: tuple[str, ...], require_traffic: bool, pre_traffic: bool, post_traffic: bool
) -> dict[str, Any] | None:
    """The command line's ``rollout`` settings (None when no gate option was given)."""
    table: dict[str, Any] = {}
    if alarms:
        table["alarms"] = list(alarms)
    if require_traffic:
        table["require_traffic"] = True
    if pre_traffic:
        table["pre_traffic"] = True
    if post_traffic:
        table["post_traffic"] = True
    return table or None


def answer_interrupt(app: App, interrupted: list[RolloutInterrupted], choice: str | None) -> int:
    """After a Ctrl-C: roll the interrupted rollouts back or leave them split, as asked (on a
    terminal without ``--on-interrupt``) or as ``choice`` says (default: roll back)."""
    from lambherd.services.rollout import ROLLOUT_ON_INTERRUPT, abort_interrupted

    for exc in interrupted:
        info(exc.message)
    if choice is None:
        choice = ROLLOUT_ON_INTERRUPT
        if sys.stdin.isatty() and not app.assume_yes:
            names = ", ".join(e.function for e in interrupted)
            keep = click.confirm(
                f"roll back {names} to the old version? (no: leave the split as it is)",
                default=True,
                err=True,
            )
            choice = ROLLBACK if keep else LEAVE
    if choice == LEAVE:
        for exc in interrupted:
            info(
                f"{exc.function}: left split; `lambherd rollout status` shows it, "
                "`lambherd rollout resume` goes on, `lambherd rollout abort` rolls it back"
            )
        return exit_codes.INTERRUPTED
    for exc, result in zip(interrupted, abort_interrupted(app, interrupted), strict=True):
        detail = result.results[-1].detail if result.results else ""
        info(f"{exc.function}: rolled back ({detail})")
    return exit_codes.INTERRUPTED


def show_stopped(app: App, exc: RolloutError) -> None:
    """With ``--output json``, a stopped rollout's timeline on stdout (the error line follows
    on stderr, as for any error)."""
    if app.json_output:
        emit_json(
            {
                "function": exc.function,
                "alias": exc.alias,
                "ok": False,
                "rolled_back": exc.rolled_back,
                "error": exc.message,
                "timeline": exc.timeline,
            }
        )


class GateLines:
    """A single function's rollout progress on stderr: one line when the weight or the gates'
    state changes (the figures are in the step lines and the JSON timeline)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.last: tuple[Any, Any] | None = None

    def __call__(self, event: Any) -> None:
        if event.kind != "progress" or self.app.json_output or not event.data:
            return
        key = (event.data.get("weight"), event.data.get("gates"))
        if key != self.last:
            self.last = key
            info(f"  {event.detail} [gates: {event.data.get('gates')}]")
