"""``lambherd sandbox start|stop|status|reset``: the embedded local AWS on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, confirm, emit_json, info
from lambherd.defaults import sandbox_endpoint
from lambherd.errors import UsageError

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
    from lambherd import sandbox

    app = app_of(ctx)
    port = port or sandbox.default_port()
    state_dir = (state_dir or sandbox.default_state_dir()).resolve()
    if detach:
        endpoint = sandbox.start_background(
            port, state_dir, account_concurrency=account_concurrency
        )
        current = sandbox.status(port, state_dir)
        if app.json_output:
            emit_json(current.to_dict())
        else:
            click.echo(f"sandbox running at {endpoint} (state {current.state_dir})")
        return exit_codes.SUCCESS
    from lambherd.sandbox.process import check_can_start, prepare_state_dir
    from lambherd.sandbox.server import serve

    prepare_state_dir(state_dir)
    running = check_can_start(port, state_dir)
    if running:
        raise UsageError(
            f"the sandbox of {state_dir} already runs at {running}",
            hint="stop it first with `lambherd sandbox stop`",
        )
    info(f"sandbox starting on {sandbox_endpoint(port)} (state {state_dir}); Ctrl-C stops it")
    serve(port, state_dir, account_concurrency=account_concurrency)
    info("sandbox stopped (its state is kept)")
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
    from lambherd import sandbox

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
    from lambherd import sandbox

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
    from lambherd import sandbox

    app = app_of(ctx)
    if not assume_yes and not confirm(app, "Delete everything in the sandbox?"):
        raise UsageError("sandbox: nothing deleted (confirm, or pass --yes)")
    was_running = sandbox.reset(port, state_dir)
    if app.json_output:
        emit_json({"reset": True, "running": was_running})
    else:
        click.echo("sandbox reset" if was_running else "sandbox state deleted (it was not running)")
    return exit_codes.SUCCESS
