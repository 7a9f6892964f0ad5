"""``lambherd invoke``: invoke the deployed function with one payload or a stream of them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, info, warn
from lambherd.errors import UsageError


@click.command("invoke")
@click.option("--function-name", help="Invoke this function instead of the definition's.")
@click.option("--payload", help="The JSON payload (default: JSON documents read from stdin).")
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
    from lambherd.ops.invoke import (
        check_payload_size,
        encode_payload,
        invoke_function,
        payload_limit,
    )
    from lambherd.project.context import resolve_target

    app = app_of(ctx)
    if payload is not None and payload_file is not None:
        raise UsageError("give --payload or --payload-file, not both")
    if is_async and dry_run:
        raise UsageError("--async and --dry-run are different invocation types; pick one")
    invocation_type = "Event" if is_async else "DryRun" if dry_run else "RequestResponse"
    if log_tail and invocation_type != "RequestResponse":
        warn("--log-tail has no effect with --async or --dry-run (Lambda returns no log then)")
    if payload is not None:
        document = encode_payload(payload, "--payload")
        check_payload_size(document, invocation_type, source="--payload")
        documents = [document]
    elif payload_file is not None:
        path = app.resolve(payload_file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"--payload-file {payload_file}: {exc.strerror}") from None
        documents = [encode_payload(raw, str(payload_file))]
        check_payload_size(raw, invocation_type, source=str(payload_file))
    else:
        documents = _read_stdin_documents(payload_limit(invocation_type))

    target = resolve_target(app, function_name)
    client = app.clients.client("lambda")
    code = exit_codes.SUCCESS
    for document in documents:
        outcome = invoke_function(
            client,
            target.name,
            document,
            qualifier=qualifier,
            invocation_type=invocation_type,
            log_tail=log_tail,
        )
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


def _read_stdin_documents(limit: int) -> list[bytes]:
    """Every JSON document on stdin, all checked (JSON, UTF-8, size) before the first call."""
    import io

    from lambherd.ops.invoke import iter_json_documents

    if sys.stdin.isatty():
        info("reading JSON documents from stdin (end with Ctrl-D; or pass --payload)")
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:
        documents = list(iter_json_documents(sys.stdin, max_bytes=limit))
    else:
        stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
        try:
            documents = list(iter_json_documents(stream, max_bytes=limit))
        finally:
            stream.detach()  # leave sys.stdin's buffer open
    if not documents:
        raise UsageError(
            "stdin: no JSON document to send",
            hint="pass --payload, --payload-file or JSON documents on stdin",
        )
    return documents
