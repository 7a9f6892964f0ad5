"""``lambherd versions``: table of versions and their aliases; ``--delete`` prunes old ones."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, console, emit_json


@click.command("versions")
@click.option("--delete", is_flag=True, help="Delete old versions (needs --keep-versions).")
@click.option("--keep-versions", type=int, help="With --delete: how many newest versions to keep.")
@click.option("--dry-run", is_flag=True, help="With --delete: show what would be deleted.")
@click.option(
    "--output",
    "fmt",
    type=click.Choice(["table", "text", "json", "tsv"]),
    help="lambroll's formats: table, json, tsv [default: the global --output].",
)
@click.pass_context
def command(
    ctx: click.Context, delete: bool, keep_versions: int | None, dry_run: bool, fmt: str | None
) -> None:
    """List published versions (aliases with their weights), or delete old ones.

    JSON and TSV have lambroll's columns (Version, Aliases, LastModified, Runtime), published
    versions first, then $LATEST.
    """
    from lambherd.services.versions import list_versions, prune

    app = app_of(ctx)
    fmt = fmt or ("json" if app.json_output else "table")
    if delete:
        result = prune(app, keep_versions, dry_run=dry_run)
        if fmt == "json":
            emit_json({"deleted": [r.step.version for r in result.results], "dry_run": dry_run})  # type: ignore[attr-defined]
            return
        if not result.results:
            click.echo("nothing to delete")
        prefix = "[dry-run] " if dry_run else ""
        for r in result.results:
            click.echo(f"{prefix}{r.step.describe()}")
        return
    rows = list_versions(app)
    if fmt == "json":
        emit_json([row.to_json() for row in rows])
        return
    if fmt == "tsv":
        for row in rows:
            click.echo(row.tsv())
        return
    from rich.table import Table

    table = Table(box=None)
    for title in ("version", "last modified", "code sha256", "aliases", "runtime"):
        table.add_column(title)
    for row in rows:
        table.add_row(
            row.version,
            row.last_modified,
            row.code_sha256[:10],
            ", ".join(row.aliases),
            row.runtime,
        )
    console(app).print(table)
