"""``lambherd build``: install dependencies for Lambda's platform into .lambherd/build (cached)."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, emit_json


@click.command("build")
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Limit to these functions.")
@click.option("--force", is_flag=True, help="Install again even when the build is up to date.")
@click.option("--installer", type=click.Choice(["uv", "pip"]), help="Default: uv, else pip.")
@click.pass_context
def command(ctx: click.Context, only: tuple[str, ...], force: bool, installer: str | None) -> None:
    """Build the function's (or every project function's) Python dependencies."""
    from lambherd.project.config import open_project

    app = app_of(ctx)
    project = open_project(app.workdir, app.function_path, app.stage)
    if project is None:
        if only:
            from lambherd.errors import UsageError

            raise UsageError("--only: selects functions of a project; no lambherd.toml here")
        results = [_build_single(app, force, installer)]
    else:
        from lambherd.project.service import build_project

        results = build_project(app, project, only, force=force, installer=installer)
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


def _build_single(app, force: bool, installer: str | None):  # type: ignore[no-untyped-def]
    from lambherd.build import build_function
    from lambherd.build.installer import find_installer
    from lambherd.definition import find_definition, load_function

    path = find_definition(app.workdir, app.function_path)
    defn = load_function(path, app.render, app.clients)
    tool = find_installer(installer)
    return build_function(defn.source_dir, defn.config, force=force, installer=tool)
