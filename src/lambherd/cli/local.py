"""``lambherd local invoke`` / ``local start``: run the function on this machine, no Docker."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from lambherd.cli.output import app_of, emit_json, info, warn
from lambherd.services.local import MEMORY_RANGE

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(name="local")
def command() -> None:
    """Run the function locally in the Lambda emulator (awslambdaric, no Docker)."""


@command.command("invoke")
@click.option(
    "--event", "-e", metavar="FILE|-", help="Event JSON file, or - for stdin (default {})."
)
@click.option(
    "--env-vars",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SAM-style JSON of variables.",
)
@click.option("--memory", type=click.IntRange(*MEMORY_RANGE), help="Override MemorySize (MB).")
@click.option("--timeout", type=click.FloatRange(0.001, 900), help="Override Timeout (seconds).")
@click.option(
    "--layer-dir", "layer_dirs", multiple=True, type=_DIR, help="A layer's folder (repeatable)."
)
@click.pass_context
def invoke_cmd(
    ctx: click.Context,
    event: str | None,
    env_vars: Path | None,
    memory: int | None,
    timeout: float | None,
    layer_dirs: tuple[Path, ...],
) -> int:
    """Invoke once: the response goes to stdout, the logs to stderr; exit 1 on a function error."""
    from lambherd.services.local import LocalInvokeRequest, invoke_locally

    app = app_of(ctx)
    request = LocalInvokeRequest(event, sys.stdin, env_vars, layer_dirs, memory, timeout)
    invocation = invoke_locally(app, request)
    for message in invocation.warnings:
        warn(message)
    result = invocation.result
    click.echo(result.log, err=True, nl=False)
    if app.json_output:
        try:
            body: Any = json.loads(result.payload)
        except ValueError:
            body = result.payload.decode("utf-8", "replace")
        emit_json(
            {
                "StatusCode": result.status_code,
                "FunctionError": result.function_error,
                "ExecutedVersion": result.executed_version,
                "RequestId": result.request_id,
                "Payload": body,
                "DurationMs": round(result.duration_ms, 2),
                "BilledDurationMs": result.billed_duration_ms,
                "MaxMemoryUsedMB": result.max_memory_used_mb,
                "InitDurationMs": None
                if result.init_duration_ms is None
                else round(result.init_duration_ms, 2),
            }
        )
    else:
        click.echo(result.payload.decode("utf-8", "replace"))
    return 1 if result.function_error else 0


@command.command("start")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=3001, show_default=True)
@click.option(
    "--warm",
    type=click.Choice(["eager", "lazy"]),
    default="lazy",
    show_default=True,
    help="eager: start an environment now; lazy: on the first invoke.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(0),
    help="Reserved concurrency (default: definition or 10).",
)
@click.option(
    "--provisioned",
    type=click.IntRange(0),
    help="Pre-initialise N environments [default: concurrency.json's for the alias, else 0].",
)
@click.option(
    "--idle-timeout", type=click.FloatRange(0.1), default=300.0, show_default=True, help="Seconds."
)
@click.option(
    "--env-vars",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SAM-style JSON of variables.",
)
@click.option(
    "--layer-dir", "layer_dirs", multiple=True, type=_DIR, help="A layer's folder (repeatable)."
)
@click.option(
    "--watch",
    is_flag=True,
    help="Reload on save: a change of the function's files (.lambdaignore respected) replaces "
    "its environments before the next invocation.",
)
@click.pass_context
def start_cmd(
    ctx: click.Context,
    host: str,
    port: int,
    warm: str,
    concurrency: int | None,
    provisioned: int | None,
    idle_timeout: float,
    env_vars: Path | None,
    layer_dirs: tuple[Path, ...],
    watch: bool,
) -> int:
    """Serve the Lambda Invoke API for the function (boto3 / aws --endpoint-url work), and its
    function URL when the folder has a function_url.json (curl / a browser work)."""
    from lambherd.services.local import LocalStartRequest, start_local

    app = app_of(ctx)
    request = LocalStartRequest(
        host,
        port,
        warm,
        concurrency,
        provisioned,
        idle_timeout,
        env_vars,
        layer_dirs,
        watch=watch,
        notify=info,
    )
    serving = start_local(app, request)
    server = serving.api
    # Each invocation's START / output / END / REPORT lines, as `local invoke` shows them.
    server.runtime.add_listener(lambda _spec, result: click.echo(result.log, err=True, nl=False))
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for message in serving.warnings + server.runtime.warnings + server.warm_failures:
            warn(message)
        info(f"serving {serving.name} on {server.url} (Ctrl-C to stop)")
        if serving.url:
            info(f"function URL of {serving.name}: {serving.url}")
        if serving.watcher is not None:
            info(f"watching {serving.name}'s files: a saved change reloads it")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        serving.close()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    info("stopped")
    return 0
