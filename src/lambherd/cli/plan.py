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
    from lambherd.project.service import project_scope

    app = app_of(ctx)
    scope = project_scope(app, only)
    if scope is None:
        if only:
            from lambherd.errors import UsageError

            where = (
                "--function names one definition" if app.function_path else "no lambherd.toml here"
            )
            raise UsageError(f"--only: selects functions of a project; {where}")
        changed = _single_function(app)
    else:
        from lambherd.cli.project_view import report_builds, show_changeset
        from lambherd.project.service import plan_changeset

        report = plan_changeset(app, scope.project, scope.only)
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
    from lambherd.project.context import function_settings

    settings = function_settings(app)  # a definition in a project folder: the project's alias
    options = DeployOptions(dry_run=True)
    if settings is not None:
        options = DeployOptions(
            dry_run=True,
            alias=settings.alias,
            keep_versions=settings.keep_versions,
            publish=settings.publish,
        )
    result = deploy(app, options)
    for message in result.warnings:
        warn(message)
    if app.json_output:
        emit_json(result.to_json())
    else:
        for line in plan_lines(result.plan):
            click.echo(line)
    return result.changed
