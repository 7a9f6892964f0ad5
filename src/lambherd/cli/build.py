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
    """Build the function's (or the project's functions') Python dependencies.

    In a project: every function, or the one whose folder you are in (--only to choose).
    AWS is not needed unless Runtime or Architectures come from AWS (ssm, caller_identity).
    """
    from lambherd.services.build import build

    app = app_of(ctx)
    results = build(app, only, force=force, installer=installer)
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
