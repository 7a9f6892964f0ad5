"""``lambherd deploy``: apply the definition (configuration, code, version, alias, URL, tags)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lambherd.cli.output import app_of, emit_json, info, warn

#: Options that name one function's code or part: refused in a project (lambherd.toml).
SINGLE_FUNCTION_ONLY = ("src", "skip_archive", "skip_function")
#: Options that select or schedule a project's functions: refused without a lambherd.toml.
PROJECT_ONLY = ("parallel", "only", "fail_fast", "prune")
_SECTIONS = (
    ("Options for a function and for a project (applied to every function)", None),
    ("Single-function options (refused in a project)", SINGLE_FUNCTION_ONLY),
    ("Project options (refused without lambherd.toml)", PROJECT_ONLY),
    ("Other options", ("help",)),
)


class DeployCommand(click.Command):
    """``deploy`` whose ``--help`` groups its options by where they apply."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        grouped = {n for _, names in _SECTIONS if names for n in names}
        for title, names in _SECTIONS:
            rows = [
                record
                for p in self.get_params(ctx)
                if (p.name in names if names else p.name not in grouped)
                and (record := p.get_help_record(ctx)) is not None
            ]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.command("deploy", cls=DeployCommand)
@click.option("--dry-run", is_flag=True, help="Show the plan; send no mutating call.")
@click.option(
    "--alias",
    help="Alias to move [default: current; a project: its alias setting].",
)
@click.option("--alias-to-latest", is_flag=True, help="Point the alias at $LATEST (no publish).")
@click.option(
    "--publish/--no-publish",
    default=None,
    help="Publish a version [default: publish; a project: its publish setting].",
)
@click.option(
    "--keep-versions",
    type=int,
    help="Delete older versions, keeping the newest N [a project: its keep_versions].",
)
@click.option("--force-code", is_flag=True, help="Upload the code even when its hash matches.")
@click.option("--skip-configuration", is_flag=True, help="Leave the configuration untouched.")
@click.option("--skip-archive", is_flag=True, help="Deploy the S3 object as is (no zip built).")
@click.option("--skip-function", is_flag=True, help="Only the function URL (function_url.json).")
@click.option(
    "--src",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to zip (default: the definition's folder).",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    help="Functions deployed at once [default: 4].",
)
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Only these functions.")
@click.option("--fail-fast", is_flag=True, help="Start no more after a failure.")
@click.option("--prune", is_flag=True, help="Delete owned functions whose folder is gone.")
@click.pass_context
def command(
    ctx: click.Context,
    dry_run: bool,
    alias: str | None,
    alias_to_latest: bool,
    publish: bool | None,
    keep_versions: int | None,
    force_code: bool,
    skip_configuration: bool,
    skip_archive: bool,
    skip_function: bool,
    src: Path | None,
    parallel: int | None,
    only: tuple[str, ...],
    fail_fast: bool,
    prune: bool,
) -> int | None:
    """Deploy the function: only what changed is sent; an unchanged function uploads nothing.

    In a project (lambherd.toml here or above) every function whose plan is not empty is
    deployed, or only the function folder run in (or named by --function).
    """
    from lambherd.errors import UsageError
    from lambherd.project.service import project_scope

    app = app_of(ctx)
    given = {"src": src, "skip_archive": skip_archive, "skip_function": skip_function}
    scope = project_scope(app, only)
    if scope is not None:
        refused = [_flag(n) for n in SINGLE_FUNCTION_ONLY if given[n]]
        if refused:
            raise UsageError(
                f"{', '.join(refused)}: a single-function option; this folder is in a project "
                "(lambherd.toml), whose deploy does not take it",
                hint="drop the option: a project deploys each function folder's own code",
            )
        from lambherd.cli.project_view import run_project_deploy
        from lambherd.project.changeset import PlanOverrides
        from lambherd.project.runner import DEFAULT_PARALLEL

        return run_project_deploy(
            app,
            scope.project,
            scope.only,
            parallel=parallel or DEFAULT_PARALLEL,
            fail_fast=fail_fast,
            prune=prune,
            dry_run=dry_run,
            overrides=PlanOverrides(
                alias=alias,
                keep_versions=keep_versions,
                publish=publish,
                alias_to_latest=alias_to_latest,
                force_code=force_code,
                skip_configuration=skip_configuration,
            ),
        )
    project_given = {"parallel": parallel, "only": only, "fail_fast": fail_fast, "prune": prune}
    refused = [_flag(n) for n in PROJECT_ONLY if project_given[n]]
    if refused:
        raise UsageError(
            f"{', '.join(refused)}: a project option; "
            + ("--function names one definition" if app.function_path else "no lambherd.toml here")
        )
    return _deploy_one(
        app,
        dry_run=dry_run,
        alias=alias,
        alias_to_latest=alias_to_latest,
        publish=publish,
        keep_versions=keep_versions,
        skip_archive=skip_archive,
        skip_configuration=skip_configuration,
        skip_function=skip_function,
        force_code=force_code,
        src=src,
    )


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _deploy_one(app: Any, *, dry_run: bool, src: Path | None, **switches: Any) -> int | None:
    """Deploy a single function; in a project's function folder (``--function`` naming another
    definition there) the project's alias / keep_versions / publish settings are the defaults."""
    from lambherd.apply.display import plan_lines
    from lambherd.deploy import DeployOptions, deploy
    from lambherd.project.context import function_settings

    settings = function_settings(app)
    if settings is not None:
        if switches["alias"] is None:
            switches["alias"] = settings.alias
        if switches["keep_versions"] is None:
            switches["keep_versions"] = settings.keep_versions
        if switches["publish"] is None and not switches["alias_to_latest"]:
            switches["publish"] = settings.publish
    if switches["alias"] is None:
        switches["alias"] = "current"
    switches["publish"] = True if switches["publish"] is None else switches["publish"]
    options = DeployOptions(dry_run=dry_run, src=app.resolve(src) if src else None, **switches)

    def progress(done) -> None:  # type: ignore[no-untyped-def]
        if not app.json_output:
            suffix = f": {done.detail}" if done.detail else ""
            click.echo(f"{done.step.describe()} ({done.seconds:.2f}s){suffix}")

    result = deploy(app, options, on_step=progress)
    for message in result.warnings:
        warn(message)
    if app.json_output:
        emit_json(result.to_json())
        return None
    if dry_run:
        for line in plan_lines(result.plan):
            click.echo(f"[dry-run] {line}")
        return None
    if not result.changed:
        click.echo(f"{result.plan.function_name}: no changes")
        return None
    done = f"{result.plan.function_name}: deployed"
    if result.version:
        done += f" version {result.version}"
    info(done + f", {result.execution.bytes_uploaded} bytes uploaded")
    return None
