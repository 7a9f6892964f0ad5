"""``lambherd plan``: what a deploy would change — a changeset table for a project, the
function's plan for a single-function folder. Read-only.
"""

from __future__ import annotations

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, warn


@click.command("plan")
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Limit to these functions.")
@click.option("--exit-code", is_flag=True, help="Exit 2 when anything would change.")
@click.pass_context
def command(ctx: click.Context, only: tuple[str, ...], exit_code: bool) -> int:
    """Show the changeset (+ Add, * Modify, - Delete, no change) without changing anything."""
    from lambherd.cli.project_view import report_builds, show_changeset
    from lambherd.services.plan import plan

    app = app_of(ctx)
    report = plan(app, only)
    single = report.single
    if single is not None:
        from lambherd.cli.project_view import plan_lines

        for message in single.warnings:
            warn(message)
        if app.json_output:
            emit_json(single.to_json())
        else:
            for line in plan_lines(single.plan):
                click.echo(line)
        changed = single.changed
    else:
        report_builds(report.builds)
        changeset = report.changeset
        for message in changeset.warnings:
            warn(message)
        if app.json_output:
            emit_json(changeset.to_json())
        else:
            show_changeset(app, changeset)
        changed = changeset.changed
    return exit_codes.DIFFERENCES if exit_code and changed else exit_codes.SUCCESS
