"""``lambherd rollback``: move the alias back to an older version."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, emit_json


@click.command("rollback")
@click.option(
    "--alias",
    help="Alias to move back [default: the project's alias setting for the function, else "
    "current].",
)
@click.option("--version", "version", help="Version to roll back to (default: the previous one).")
@click.option("--delete-version", is_flag=True, help="Delete the version rolled back from.")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.pass_context
def command(
    ctx: click.Context, alias: str | None, version: str | None, delete_version: bool, dry_run: bool
) -> None:
    """Point the alias at an older published version."""
    from lambherd.services.rollback import RollbackOptions, rollback

    app = app_of(ctx)
    result = rollback(
        app,
        RollbackOptions(
            alias=alias, version=version, delete_version=delete_version, dry_run=dry_run
        ),
    )
    if app.json_output:
        emit_json(
            {
                "function": result.plan.function_name,
                "dry_run": result.dry_run,
                "steps": [
                    {"step": r.step.kind, "description": r.step.describe(), "detail": r.detail}
                    for r in result.results
                ],
            }
        )
        return
    prefix = "[dry-run] " if result.dry_run else ""
    for r in result.results:
        timing = "" if result.dry_run else f" ({r.seconds:.2f}s)"
        click.echo(f"{prefix}{r.step.describe()}{timing}")
