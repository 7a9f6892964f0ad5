"""``lambherd build``: install dependencies for Lambda's platform into .lambherd/build (cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lambherd.cli.output import app_of, emit_json

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.build import BuildResult


@click.command("build")
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Limit to these functions.")
@click.option("--force", is_flag=True, help="Install again even when the build is up to date.")
@click.option("--installer", type=click.Choice(["uv", "pip"]), help="Default: uv, else pip.")
@click.pass_context
def command(ctx: click.Context, only: tuple[str, ...], force: bool, installer: str | None) -> None:
    """Build the function's (or the project's functions') Python dependencies.

    In a project: every function, or the one whose folder you are in (--only to choose).
    AWS is not needed unless Runtime or Architectures come from AWS (ssm, caller_identity).
    """
    from lambherd.project.service import build_project, project_scope

    app = app_of(ctx)
    scope = project_scope(app, only)
    if scope is None:
        if only:
            from lambherd.errors import UsageError

            why = "--function names one" if app.project is not None else "no lambherd.toml here"
            raise UsageError(f"--only: selects functions of a project; {why}")
        results = [_build_single(app, force, installer)]
    else:
        results = build_project(app, scope.project, scope.only, force=force, installer=installer)
    if app.json_output:
        emit_json(
            [
                {
                    "folder": str(r.folder),
                    "status": r.status,
                    "seconds": round(r.seconds, 3),
                    "installer": r.installer,
                    "detail": r.detail,
                }
                for r in results
            ]
        )
        return
    for r in results:
        where = r.folder.name
        text = {
            "none": f"{where}: nothing to build ({r.detail})",
            "fresh": f"{where}: up to date",
            "cached": f"{where}: from cache ({r.detail})",
            "installed": f"{where}: installed with {r.installer} ({r.detail})",
        }[r.status]
        click.echo(f"{text} [{r.seconds:.2f}s]")


def _build_single(app: App, force: bool, installer: str | None) -> BuildResult:
    """Build the one definition's dependencies (as its project defines it, if in one)."""
    from lambherd.build import BUILD_FIELDS, build_function
    from lambherd.build.installer import find_installer
    from lambherd.project.context import load_app_definition

    defn = load_app_definition(app, fields=BUILD_FIELDS)
    tool = find_installer(installer)
    return build_function(defn.source_dir, defn.config, force=force, installer=tool)
