"""``lambherd deploy``: apply the definition (configuration, code, version, alias, URL, tags)."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd.cli.output import app_of, emit_json, info, warn


@click.command("deploy")
@click.option("--dry-run", is_flag=True, help="Show the plan; send no mutating call.")
@click.option("--alias", default="current", show_default=True, help="Alias to move.")
@click.option("--alias-to-latest", is_flag=True, help="Point the alias at $LATEST (no publish).")
@click.option("--publish/--no-publish", default=True, show_default=True, help="Publish a version.")
@click.option("--keep-versions", type=int, help="Delete older versions, keeping the newest N.")
@click.option("--skip-archive", is_flag=True, help="Deploy the S3 object as is (no zip built).")
@click.option("--skip-configuration", is_flag=True, help="Leave the configuration untouched.")
@click.option("--skip-function", is_flag=True, help="Only the function URL (function_url.json).")
@click.option("--force-code", is_flag=True, help="Upload the code even when its hash matches.")
@click.option(
    "--src",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to zip (default: the definition's folder).",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Project: functions deployed at once.",
)
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Project: only these functions.")
@click.option("--fail-fast", is_flag=True, help="Project: start no more after a failure.")
@click.option("--prune", is_flag=True, help="Project: delete owned functions whose folder is gone.")
@click.pass_context
def command(
    ctx: click.Context,
    dry_run: bool,
    alias: str,
    alias_to_latest: bool,
    publish: bool,
    keep_versions: int | None,
    skip_archive: bool,
    skip_configuration: bool,
    skip_function: bool,
    force_code: bool,
    src: Path | None,
    parallel: int,
    only: tuple[str, ...],
    fail_fast: bool,
    prune: bool,
) -> int | None:
    """Deploy the function: only what changed is sent; an unchanged function uploads nothing."""
    from lambherd.apply.display import plan_lines
    from lambherd.deploy import DeployOptions, deploy

    app = app_of(ctx)
    from lambherd.project.config import open_project

    project = open_project(app.workdir, app.function_path, app.stage)
    if project is not None:  # a lambherd.toml here or above: deploy the project
        from lambherd.cli.project_view import run_project_deploy

        return run_project_deploy(
            app,
            project,
            parallel=parallel,
            only=only,
            fail_fast=fail_fast,
            prune=prune,
            dry_run=dry_run,
        )
    options = DeployOptions(
        dry_run=dry_run,
        alias=alias,
        alias_to_latest=alias_to_latest,
        publish=publish,
        keep_versions=keep_versions,
        skip_archive=skip_archive,
        skip_configuration=skip_configuration,
        skip_function=skip_function,
        force_code=force_code,
        src=app.resolve(src) if src else None,
    )

    def progress(done) -> None:  # type: ignore[no-untyped-def]
        if not app.json_output:
            suffix = f": {done.detail}" if done.detail else ""
            click.echo(f"{done.step.describe()} ({done.seconds:.2f}s){suffix}")

    result = deploy(app, options, on_step=progress)
    for message in result.warnings:
        warn(message)
    if app.json_output:
        emit_json(result.to_json())
        return
    if dry_run:
        for line in plan_lines(result.plan):
            click.echo(f"[dry-run] {line}")
        return
    if not result.changed:
        click.echo(f"{result.plan.function_name}: no changes")
        return
    done = f"{result.plan.function_name}: deployed"
    if result.execution.version:
        done += f" version {result.execution.version}"
    info(done + f", {result.execution.bytes_uploaded} bytes uploaded")
