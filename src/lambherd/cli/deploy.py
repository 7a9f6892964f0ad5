"""``lambherd deploy``: apply the definition (configuration, code, version, alias, URL, tags)."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, confirm, emit_json, info, warn
from lambherd.cli.params import PathArg
from lambherd.cli.project_view import progress_for, report_builds, show_changeset
from lambherd.cli.rollout_view import GateLines, answer_interrupt, gate_options, gate_table
from lambherd.cli.rollout_view import show_stopped as show_stopped_rollout
from lambherd.errors import RolloutError, RolloutInterrupted, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from lambherd.app import App
    from lambherd.pipeline.planning import Changeset
    from lambherd.pipeline.runner import ProgressEvent
    from lambherd.services.deploy import DeployReport, DeployResult

#: Options that name one function's code or part: refused in a project (lambherd.toml).
SINGLE_FUNCTION_ONLY = ("src", "skip_archive", "skip_function", "exclude_file", "function_url")
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
@click.option(
    "--strategy",
    metavar="NAME",
    help="How the alias moves: all-at-once, canary10-5m, linear10-1m, Canary10Percent5Minutes, "
    "canary:PCT:INTERVAL, linear:PCT:INTERVAL [default: all-at-once; a project: its strategy].",
)
@gate_options
@click.option("--force-code", is_flag=True, help="Upload the code even when its hash matches.")
@click.option("--skip-configuration", is_flag=True, help="Leave the configuration untouched.")
@click.option("--skip-archive", is_flag=True, help="Deploy the S3 object as is (no zip built).")
@click.option("--skip-function", is_flag=True, help="Only the function URL (function_url.json).")
@click.option(
    "--no-wait", is_flag=True, help="Do not wait for provisioned concurrency to be READY."
)
@click.option(
    "--src",
    type=PathArg(),
    help="Folder to zip, or a zip to upload as it is (default: the definition's folder).",
)
@click.option(
    "--exclude-file",
    type=PathArg(dir_okay=False),
    help="Ignore file, from the working folder [default: .lambdaignore].",
)
@click.option("--symlink", is_flag=True, help="Store symlinks as links (like zip -y).")
@click.option(
    "--ignore",
    multiple=True,
    metavar="QUERY",
    help="Leave these paths as deployed: lambroll's jq paths, e.g. '.Tags, .MemorySize'.",
)
@click.option(
    "--function-url",
    type=PathArg(dir_okay=False),
    help="The function URL definition [default: function_url.json[net] beside the definition].",
)
@click.option("--lint", is_flag=True, help="Lint first; stop on findings at or above --fail-on.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "none"]),
    help="With --lint: the severity that stops the deploy [default: [lint] fail_on, else warning].",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    help="Functions deployed at once [default: adaptive, 4 to 32: grows while calls "
    "succeed, halves when AWS throttles].",
)
@click.option("--only", multiple=True, metavar="NAME/GLOB", help="Only these functions.")
@click.option("--fail-fast", is_flag=True, help="Start no more after a failure.")
@click.option("--prune", is_flag=True, help="Delete owned functions whose folder is gone.")
@click.option(
    "--watch",
    is_flag=True,
    help="Deploy, then push each save: code-only (no publish) when only code changed, a full "
    "deploy when the definition did. Refuses a protected stage.",
)
@click.pass_context
def command(
    ctx: click.Context,
    dry_run: bool,
    alias: str | None,
    alias_to_latest: bool,
    publish: bool | None,
    keep_versions: int | None,
    strategy: str | None,
    alarms: tuple[str, ...],
    require_traffic: bool,
    pre_traffic: bool,
    post_traffic: bool,
    on_interrupt: str | None,
    force_code: bool,
    skip_configuration: bool,
    skip_archive: bool,
    skip_function: bool,
    no_wait: bool,
    src: Path | None,
    exclude_file: Path | None,
    symlink: bool,
    ignore: tuple[str, ...],
    function_url: Path | None,
    lint: bool,
    fail_on: str | None,
    parallel: int | None,
    only: tuple[str, ...],
    fail_fast: bool,
    prune: bool,
    watch: bool,
) -> int | None:
    """Deploy the function: only what changed is sent; an unchanged function uploads nothing.

    In a project (lambherd.toml here or above) every function whose plan is not empty is
    deployed, or only the function folder run in (or named by --function).
    """
    from lambherd.services.deploy import DeployRequest, RunSettings, command_line, deploy

    app = app_of(ctx)
    request = DeployRequest(
        settings=command_line(
            alias=alias,
            alias_to_latest=alias_to_latest,
            publish=publish,
            keep_versions=keep_versions,
            strategy=strategy,
            rollout=gate_table(alarms, require_traffic, pre_traffic, post_traffic),
            force_code=force_code,
            skip_configuration=skip_configuration,
            skip_archive=skip_archive,
            skip_function=skip_function,
            no_wait=no_wait,
            src=app.resolve(src) if src else None,
            exclude_file=app.resolve(exclude_file) if exclude_file else None,
            symlink=symlink,
            ignore=ignore,
        ),
        run=RunSettings(
            dry_run=dry_run, parallel=parallel, only=only, fail_fast=fail_fast, prune=prune
        ),
        function_url=app.resolve(function_url) if function_url else None,
        lint=lint or fail_on is not None,
        lint_fail_on=fail_on,
    )
    if watch:
        return _watch(app, request)
    try:
        report = deploy(
            app,
            request,
            on_planned=lambda cs, builds: _view(app, cs, builds, prune),
            on_linted=lambda result: _show_lint(app, result),
        )
    except RolloutInterrupted as exc:  # one function: Ctrl-C during its rollout
        show_stopped_rollout(app, exc)
        return answer_interrupt(app, [exc], on_interrupt)
    except RolloutError as exc:
        show_stopped_rollout(app, exc)
        raise
    if report.run.interrupted:
        _show_project(app, report, prune, dry_run)
        return answer_interrupt(app, report.run.interruptions, on_interrupt)
    single = report.single
    if single is not None:
        return _show_single(app, single, dry_run)
    return _show_project(app, report, prune, dry_run)


def _show_lint(app: App, result: Any) -> None:
    """``--lint``: the lint report on stderr (stdout keeps the deploy's own output)."""
    from lambherd.services.lint import render

    if not result.report.findings:
        return
    if app.json_output:
        import json

        click.echo(json.dumps(render(result, "json"), indent=2), err=True)
    else:
        click.echo(render(result, "text", lambda text, _severity: text), err=True)


def _view(
    app: App, changeset: Changeset, builds: list[Any], prune: bool
) -> AbstractContextManager[Any]:
    """Before the run: what is about to happen (and, for a prune, the question); the view
    that shows the run's progress."""
    if changeset.project is None:
        return contextlib.nullcontext(_StepLines(app))
    for message in changeset.warnings:
        warn(message)
    report_builds(builds)
    if not app.json_output:  # the whole changeset is shown before any question
        show_changeset(app, changeset, prune=prune)
    doomed = [c.name for c in changeset.changes if c.operation == "delete"]
    if prune and doomed:
        question = f"delete {len(doomed)} function(s) of project {changeset.project}: "
        if not confirm(app, question + ", ".join(doomed) + "?"):
            raise UsageError("prune not confirmed; nothing deployed", hint="pass --yes to confirm")
    return progress_for(app, changeset, prune)


class _StepLines:
    """A single function's progress: one stdout line per step, with its duration."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.gates = GateLines(app)

    def __call__(self, event: ProgressEvent) -> None:
        self.gates(event)
        done = event.result
        if event.kind == "progress" and not event.data and not self.app.json_output:
            click.echo(f"  ... {event.detail}", err=True)  # (a rollout's: GateLines)
        if done is None or self.app.json_output:
            return
        suffix = f": {done.detail}" if done.detail else ""
        click.echo(f"{done.step.describe()} ({done.seconds:.2f}s){suffix}")


def _show_single(app: App, result: DeployResult, dry_run: bool) -> int:
    from lambherd.cli.project_view import plan_lines

    for message in result.warnings:
        warn(message)
    if app.json_output:
        emit_json(result.to_json())
        return exit_codes.SUCCESS
    if dry_run:
        for line in plan_lines(result.plan):
            click.echo(f"[dry-run] {line}")
        return exit_codes.SUCCESS
    if not result.changed:
        click.echo(f"{result.plan.function_name}: no changes")
        return exit_codes.SUCCESS
    done = f"{result.plan.function_name}: deployed"
    if result.version:
        done += f" version {result.version}"
    info(done + f", {result.execution.bytes_uploaded} bytes uploaded")
    return exit_codes.SUCCESS


def _show_project(app: App, report: DeployReport, prune: bool, dry_run: bool) -> int:
    changeset, result = report.changeset, report.run
    if dry_run:
        for message in changeset.warnings:
            warn(message)
        report_builds(report.builds)
        if app.json_output:
            emit_json(changeset.to_json())
        else:
            show_changeset(app, changeset, prune=prune)
        return exit_codes.SUCCESS
    if app.json_output:
        emit_json({"plan": changeset.to_json(), "deploy": result.to_json()})
    else:
        for outcome in result.outcomes:
            if outcome.error:
                click.echo(f"error: {outcome.name}: {outcome.error}", err=True)
        click.echo(f"Deploy: {result.summary()}, {result.bytes_uploaded} bytes uploaded.")
        if result.pacing is not None and result.pacing.throttles:
            click.echo(f"Parallel: {result.pacing.describe()}.")
    return exit_codes.SUCCESS if result.ok else exit_codes.FAILURE


def _watch(app: App, request: Any) -> int:
    """``--watch``: one line per push, until Ctrl-C (or SIGTERM)."""
    import signal
    import threading

    from lambherd.services.deploy_watch import DeployWatch, Push

    def line(push: Push) -> None:
        who = ", ".join(push.names) or "every function"
        what = {"initial": "deploy", "code": "code-only push", "full": "full deploy"}[push.kind]
        head = f"{what} of {who}"
        if push.trigger:
            head += f" ({push.trigger} changed)"
        if push.error:
            warn(f"{head}: failed after {push.seconds:.2f}s: {push.error}")
            return
        sent = f"{push.bytes_uploaded} bytes uploaded" if push.changed else "no changes"
        info(f"{head}: {push.seconds:.2f}s, {sent}")

    watcher = DeployWatch(app, request, line)
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    main = threading.current_thread() is threading.main_thread()
    if main:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        watcher.start()
        info("watching for saves (Ctrl-C to stop)")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        if main:
            signal.signal(signal.SIGTERM, previous)
    info("stopped watching")
    return exit_codes.SUCCESS
