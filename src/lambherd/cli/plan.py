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
    from lambherd.project.service import open_project

    app = app_of(ctx)
    project = open_project(app)
    if project is None:
        if only:
            from lambherd.errors import UsageError

            raise UsageError("--only: selects functions of a project; no lambherd.toml here")
        changed = _single_function(app)
    else:
        from lambherd.cli.project_view import report_builds, show_changeset
        from lambherd.project.service import folder_scope, plan_changeset

        report = plan_changeset(app, project, folder_scope(app, project, only))
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


def _single_function(app) -> bool:  # type: ignore[no-untyped-def]
    from lambherd.apply.display import plan_lines
    from lambherd.deploy import DeployOptions, deploy

    result = deploy(app, DeployOptions(dry_run=True))
    for message in result.warnings:
        warn(message)
    if app.json_output:
        emit_json(result.to_json())
    else:
        for line in plan_lines(result.plan):
            click.echo(line)
    return result.changed
