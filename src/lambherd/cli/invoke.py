"""``lambherd invoke``: invoke the deployed function with one payload or a stream of them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, info, warn


@click.command("invoke")
@click.option("--function-name", help="Invoke this function instead of the definition's.")
@click.option(
    "--payload",
    help="The JSON payload; several JSON documents make one invocation each (default: stdin).",
)
@click.option(
    "--payload-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the JSON payload from this file.",
)
@click.option("--qualifier", help="Alias or version to invoke.")
@click.option("--async", "is_async", is_flag=True, help="Invoke asynchronously (Event).")
@click.option("--dry-run", is_flag=True, help="Check permissions and input only (DryRun).")
@click.option("--log-tail", is_flag=True, help="Print the last 4 KB of the function's log.")
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str | None,
    payload: str | None,
    payload_file: Path | None,
    qualifier: str | None,
    is_async: bool,
    dry_run: bool,
    log_tail: bool,
) -> int:
    """Invoke the function. Several JSON documents on stdin make one invocation each.

    Every document is read and checked (JSON, size) before the first one is sent.
    """
    from lambherd.services.invoke import InvokeRequest, invoke

    app = app_of(ctx)
    from_stdin = payload is None and payload_file is None
    if from_stdin and sys.stdin.isatty():
        info("reading JSON documents from stdin (end with Ctrl-D; or pass --payload)")
    request = InvokeRequest(
        function_name=function_name,
        payload=payload,
        payload_file=payload_file,
        stdin=sys.stdin if from_stdin else None,
        qualifier=qualifier,
        is_async=is_async,
        dry_run=dry_run,
        log_tail=log_tail,
    )
    invocations = invoke(app, request)
    for message in invocations.warnings:
        warn(message)
    code = exit_codes.SUCCESS
    for outcome in invocations.outcomes:
        if outcome.log_tail:
            click.echo(outcome.log_tail.rstrip("\n"), err=True)
        if app.json_output:
            emit_json(outcome.as_dict())
        else:
            if outcome.payload:
                click.echo(outcome.body_text)
            parts = [f"status: {outcome.status_code}"]
            if outcome.executed_version:
                parts.append(f"version: {outcome.executed_version}")
            if outcome.function_error:
                parts.append(f"function error: {outcome.function_error}")
            info("  ".join(parts))
        if outcome.failed:
            code = exit_codes.FAILURE
    return code
