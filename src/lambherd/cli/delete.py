"""``lambherd delete``: delete the function (asks first unless ``--yes``)."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, confirm, emit_json
from lambherd.errors import UsageError


@click.command("delete")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted.")
@click.pass_context
def command(ctx: click.Context, dry_run: bool) -> None:
    """Delete the function with all its versions and aliases."""
    from lambherd.delete import plan_delete, run_delete

    app = app_of(ctx)
    plan = plan_delete(app)
    if not dry_run and not confirm(app, f"Delete function {plan.function_name}?"):
        raise UsageError(f"{plan.function_name}: not deleted (confirm, or pass --yes)")
    result = run_delete(app, plan, dry_run=dry_run)
    if app.json_output:
        emit_json({"function": plan.function_name, "deleted": not dry_run, "dry_run": dry_run})
        return
    prefix = "[dry-run] " if dry_run else ""
    for r in result.results:
        click.echo(f"{prefix}{r.step.describe()}")
