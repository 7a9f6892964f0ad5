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
    from lambherd.sandbox.server import serve

    info(f"sandbox starting on port {port}; Ctrl-C stops it")
    serve(port, state_dir, account_concurrency=account_concurrency)
    return exit_codes.SUCCESS


@command.command("stop")
@_STATE_DIR
@click.pass_context
def stop(ctx: click.Context, state_dir: Path | None) -> int:
    """Stop the background sandbox (its state is kept)."""
    from lambherd import sandbox

    stopped = sandbox.stop(state_dir)
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
    else:
        click.echo(f"not running (would listen on {current.endpoint}, state {current.state_dir})")
    return exit_codes.SUCCESS if current.running else exit_codes.FAILURE


@command.command("reset")
@_PORT
@click.pass_context
def reset(ctx: click.Context, port: int | None) -> int:
    """Delete everything the running sandbox holds (functions, logs, metrics, buckets...)."""
    from lambherd import sandbox

    app = app_of(ctx)
    if not confirm(app, "Delete everything in the sandbox?"):
        click.echo("nothing deleted (use --yes to confirm)", err=True)
        return exit_codes.FAILURE
    sandbox.reset(port)
    click.echo("sandbox reset")
    return exit_codes.SUCCESS
