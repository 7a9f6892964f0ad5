"""``lambherd init``: import an existing function as code, or scaffold a new one."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd.cli.output import app_of, confirm, emit_json, info


@click.command("init")
@click.option("--function-name", required=True, help="Name of the function to import or create.")
@click.option("--download", is_flag=True, help="Save the deployed code as function.zip.")
@click.option("--unzip", is_flag=True, help="Also extract function.zip (into --src).")
@click.option(
    "--src",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to extract the code into (default: the current folder).",
)
@click.option("--jsonnet", is_flag=True, help="Write function.jsonnet instead of function.json.")
@click.option("--function-url", is_flag=True, help="Also write function_url.json if it has one.")
@click.option("--qualifier", help="Read this version's or alias's configuration.")
@click.option(
    "--template",
    metavar="NAME",
    help="Start a new function from a starter: http-api, sqs-worker, scheduled-task, "
    "dynamodb-stream.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files without asking.")
@click.pass_context
def command(
    ctx: click.Context,
    function_name: str,
    download: bool,
    unzip: bool,
    src: Path | None,
    jsonnet: bool,
    function_url: bool,
    qualifier: str | None,
    template: str | None,
    force: bool,
) -> int:
    """Write function.json (and friends) for FUNCTION_NAME, or a starter function if it is new."""
    from lambherd.services.init import InitRequest, import_function, relative_names

    app = app_of(ctx)
    request = InitRequest(
        function_name=function_name,
        target=app.workdir,
        qualifier=qualifier,
        jsonnet=jsonnet,
        download=download or unzip,
        unzip=unzip,
        src=app.resolve(src) if src else None,
        function_url=function_url,
        template=template,
    )

    def allow_overwrite(paths: list[Path]) -> bool:
        if force:
            return True
        names = ", ".join(relative_names(paths[:5], app.workdir))
        more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
        return confirm(app, f"overwrite {names}{more}?")

    result = import_function(app.clients, request, allow_overwrite)
    written = relative_names(result.written, app.workdir)
    kept = relative_names(result.kept, app.workdir)
    if app.json_output:
        emit_json(
            {
                "function": result.function_name,
                "source": result.source,
                "qualifier": qualifier,
                "written": written,
                "kept": kept,
                "extracted": len(result.extracted),
                "notes": result.notes,
                "next_steps": result.next_steps,
            }
        )
        return 0
    for note in result.notes:
        info(note)
    for name in written:
        info(f"wrote {name}")
    for name in kept:
        info(f"kept existing {name}")
    if result.extracted:
        count = len(result.extracted)
        info(f"extracted {count} file{'' if count == 1 else 's'}")
    if result.next_steps:
        info("next steps:")
        for step in result.next_steps:
            info(f"  {step}")
    return 0
