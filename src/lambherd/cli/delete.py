"""``lambherd delete``: delete the function (asks first unless ``--yes``)."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, confirm, emit_json


@click.command("delete")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted.")
@click.option("--force", is_flag=True, help="Delete without asking (lambroll's; as --yes).")
@click.pass_context
def command(ctx: click.Context, dry_run: bool, force: bool) -> None:
    """Delete the function with all its versions and aliases."""
    from lambherd.services.delete import delete

    app = app_of(ctx)
    result = delete(
        app,
        dry_run=dry_run,
        confirm=lambda name: force or confirm(app, f"Delete function {name}?"),
    )
    if app.json_output:
        name = result.plan.function_name
        emit_json({"function": name, "deleted": not dry_run, "dry_run": dry_run})
        return
    prefix = "[dry-run] " if dry_run else ""
    for r in result.results:
        click.echo(f"{prefix}{r.step.describe()}")
