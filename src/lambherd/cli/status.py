"""``lambherd status``: state, last update, aliases, code size and URL of the function."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, emit_json


@click.command("status")
@click.option("--qualifier", help="A version or alias instead of $LATEST.")
@click.pass_context
def command(ctx: click.Context, qualifier: str | None) -> None:
    """Show the deployed function's status."""
    from lambherd.services.status import status as function_status

    app = app_of(ctx)
    status = function_status(app, qualifier)
    if app.json_output:
        emit_json(status)
        return
    update = status["last_update_status"] or ""
    if status.get("last_update_status_reason"):
        update += f" ({status['last_update_status_reason']})"
    rows = [
        ("Name", status["name"]),
        ("ARN", status["arn"]),
        ("Version", status["version"]),
        ("State", status["state"]),
        ("LastUpdateStatus", update),
        ("Runtime", status["runtime"]),
        ("MemorySize", status["memory_size"]),
        ("CodeSize", status["code_size"]),
        ("CodeSha256", status["code_sha256"]),
        ("LastModified", status["last_modified"]),
        ("URL", status["url"] or "-"),
    ]
    for alias in status["aliases"]:
        target = alias["version"]
        if alias["weights"]:
            target += " + " + ", ".join(f"{v}:{w}" for v, w in alias["weights"].items())
        rows.append((f"Alias {alias['name']}", target))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key:<{width}}  {value}")
