"""``lambherd sandbox start|stop|status|reset``: the embedded local AWS on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, confirm, emit_json, info

_STATE_DIR = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State folder (default $LAMBHERD_SANDBOX_DIR or ~/.lambherd/sandbox).",
)
_PORT = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port on 127.0.0.1 (default $LAMBHERD_SANDBOX_PORT or 4566).",
)


@click.group("sandbox")
def command() -> None:
    """The embedded local AWS: Lambda, IAM, S3, STS, SSM, CloudWatch, Auto Scaling.

    Any command with --sandbox (or LAMBHERD_SANDBOX=1) talks to it, starting it if needed.
    """


@command.command("start")
@_PORT
@_STATE_DIR
@click.option("--detach", "-d", is_flag=True, help="Run in the background and return.")
@click.option(
    "--account-concurrency",
    type=click.IntRange(100, None),
    default=None,
    help="The account's concurrent executions limit (default 1000).",
)
@click.pass_context
def start(
    ctx: click.Context,
    port: int | None,
    state_dir: Path | None,
    detach: bool,
    account_concurrency: int | None,
) -> int:
    """Start the sandbox (in the foreground unless --detach)."""
    from lambherd.services import sandbox

    app = app_of(ctx)
    started = sandbox.start(
        port,
        state_dir,
        detach=detach,
        account_concurrency=account_concurrency,
        on_serving=lambda endpoint, folder: info(
            f"sandbox starting on {endpoint} (state {folder}); Ctrl-C stops it"
        ),
    )
    if started is None:
        info("sandbox stopped (its state is kept)")
    elif app.json_output:
        emit_json(started.status.to_dict())
    else:
        click.echo(f"sandbox running at {started.endpoint} (state {started.status.state_dir})")
    return exit_codes.SUCCESS


@command.command("stop")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Stop the sandbox answering on this port (default: the one of the state folder).",
)
@_STATE_DIR
@click.pass_context
def stop(ctx: click.Context, port: int | None, state_dir: Path | None) -> int:
    """Stop the background sandbox (its state is kept)."""
    from lambherd.services import sandbox

    stopped = sandbox.stop(state_dir, port=port)
    if app_of(ctx).json_output:
        emit_json({"stopped": stopped})
    else:
        click.echo("sandbox stopped" if stopped else "sandbox was not running")
    return exit_codes.SUCCESS


@command.command("status")
@_PORT
@_STATE_DIR
@click.pass_context
def status(ctx: click.Context, port: int | None, state_dir: Path | None) -> int:
    """Say whether the sandbox runs, where, and how many functions it holds."""
    from lambherd.services import sandbox

    current = sandbox.status(port, state_dir)
    if app_of(ctx).json_output:
        emit_json(current.to_dict())
    elif current.running:
        click.echo(
            f"running at {current.endpoint} (pid {current.pid}, functions: {current.functions}, "
            f"state {current.state_dir})"
        )
        for warning in current.warnings:
            click.echo(f"note: {warning}")
    else:
        click.echo(f"not running (would listen on {current.endpoint}, state {current.state_dir})")
    return exit_codes.SUCCESS if current.running else exit_codes.FAILURE


@command.command("reset")
@_PORT
@_STATE_DIR
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def reset(ctx: click.Context, port: int | None, state_dir: Path | None, assume_yes: bool) -> int:
    """Delete everything the sandbox holds (functions, logs, metrics, buckets...).

    A running sandbox is emptied in place; a stopped one has its saved state deleted.
    """
    from lambherd.services import sandbox

    app = app_of(ctx)
    question = "Delete everything in the sandbox?"
    was_running = sandbox.reset(
        port, state_dir, confirm=lambda: assume_yes or confirm(app, question)
    )
    if app.json_output:
        emit_json({"reset": True, "running": was_running})
    else:
        click.echo("sandbox reset" if was_running else "sandbox state deleted (it was not running)")
    return exit_codes.SUCCESS
