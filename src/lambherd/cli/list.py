"""``lambherd list``: the functions in the account and region; ``*`` marks those managed here."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, console, emit_json, warn


@click.command("list")
@click.option("--prefix", help="Only functions whose name starts with this.")
@click.option(
    "--definitions",
    is_flag=True,
    help="Each function as lambroll's list prints it: its definition (with Tags), one JSON "
    "document after another.",
)
@click.pass_context
def command(ctx: click.Context, prefix: str | None, definitions: bool) -> int:
    """List functions (name, runtime, memory, timeout, last modified)."""
    from lambherd.services.list import list_definitions, list_functions

    app = app_of(ctx)
    if definitions:
        for document in list_definitions(app, prefix):
            emit_json(document)
        return 0
    result = list_functions(app, prefix)
    for message in result.warnings:
        warn(message)
    rows = result.rows
    if app.json_output:
        emit_json([r.to_dict() for r in rows])
        return 0
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for title, justify in (
        ("", "left"),
        ("name", "left"),
        ("runtime", "left"),
        ("memory", "right"),
        ("timeout", "right"),
        ("last modified", "left"),
    ):
        table.add_column(title, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            "*" if r.managed else "",
            r.name,
            r.runtime,
            f"{r.memory} MB",
            f"{r.timeout} s",
            _short_time(r.last_modified),
        )
    out = console(app)
    out.print(table)
    managed = sum(r.managed for r in rows)
    out.print(f"{len(rows)} functions" + (f", {managed} managed here (*)" if managed else ""))
    return 0


def _short_time(value: str) -> str:
    """``2024-05-01T10:20:30.000+0000`` -> ``2024-05-01 10:20:30`` (UTC, as Lambda reports)."""
    return value[:19].replace("T", " ") if len(value) >= 19 and value[10] == "T" else value
