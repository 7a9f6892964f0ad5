"""``lambherd import --all``: every function of the account and region into a project."""

from __future__ import annotations

import click

from lambherd.cli.output import app_of, confirm, emit_json, info


@click.command("import")
@click.option("--all", "all_functions", is_flag=True, help="Import every matching function.")
@click.option("--prefix", help="Only functions whose name starts with this.")
@click.option("--tag", "tags", multiple=True, metavar="K=V", help="Only functions with this tag.")
@click.option("--project-name", help="Project name (default: lambherd.toml's, or the folder's).")
@click.option("--force", is_flag=True, help="Re-import folders that already exist.")
@click.option(
    "--adopt/--no-adopt",
    default=True,
    show_default=True,
    help="Tag imported functions lambherd:project=NAME (so plan is empty and prune may act); "
    "asks first unless --yes.",
)
@click.pass_context
def command(
    ctx: click.Context,
    all_functions: bool,
    prefix: str | None,
    tags: tuple[str, ...],
    project_name: str | None,
    force: bool,
    adopt: bool,
) -> None:
    """Import functions into a project: one folder each under functions/, plus lambherd.toml."""
    from lambherd.errors import UsageError
    from lambherd.services.import_all import ImportAllRequest, import_all

    if not all_functions:
        raise UsageError("import: pass --all (to import one function, use `lambherd init`)")
    app = app_of(ctx)
    wanted: dict[str, str] = {}
    for item in tags:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag: expected KEY=VALUE, got {item!r}")
        wanted[key] = value

    def confirm_adopt(project: str, names: list[str]) -> bool:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        return confirm(
            app,
            f"tag {len(names)} live function(s) lambherd:project={project} ({shown}), so this "
            "project owns them (plan empty; deploy --prune may delete them later)?",
        )

    request = ImportAllRequest(
        root=app.workdir,
        project_name=project_name,
        prefix=prefix,
        tags=wanted,
        force=force,
        adopt=adopt,
        confirm_adopt=confirm_adopt,
    )
    result = import_all(app.clients, request)
    if app.json_output:
        emit_json(result.to_json())
        return
    for name in result.imported:
        info(f"imported {name} -> functions/{name}")
    for name in result.skipped:
        info(f"skipped {name}: functions/{name} exists (use --force)")
    for name in result.adopted:
        info(f"adopted {name}: tagged lambherd:project={result.project_name}")
    for name in result.not_adopted:
        info(f"not adopted {name}: left untagged (answer yes, or pass --yes, to tag it)")
    for note in result.notes:
        info(note)
    if result.project_written:
        info(f"wrote {result.project_file.name} (project {result.project_name})")
    click.echo(
        f"{len(result.imported)} imported, {len(result.skipped)} skipped; "
        "next: `lambherd plan` should show no changes"
    )
