"""The root ``lambherd`` group: global options, lazy sub-commands, and the one exit-code gate.

``lambherd --help`` and ``lambherd deploy --help`` import click and little else: ``logging``,
``pathlib``, ``shutil``, ``lambherd.app`` (and ``aws``), ``lambherd.errors`` are imported by
the functions that need them, when a real command runs (tests/test_architecture.py checks it).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from lambherd import __version__, exit_codes
from lambherd.cli import global_options
from lambherd.cli.registry import COMMANDS

if TYPE_CHECKING:
    from pathlib import Path

    from lambherd.app import App

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: ``ctx.meta`` key: the sub-command about to run, with its arguments (see ``_help_requested``)
_SUBCOMMAND = "lambherd.subcommand"


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)  # commands attached directly
        from importlib import import_module

        module = import_module(f"lambherd.cli.{entry[0]}")
        global_options.assign_envvars(module.command, (cmd_name,))  # LAMBHERD_<CMD>_<FLAG>
        global_options.note_global_options(module.command)
        return module.command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, cmd, rest = super().resolve_command(ctx, args)
        ctx.meta[_SUBCOMMAND] = (name, cmd, list(rest))  # resolved before the group's callback
        return name, cmd, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=option)
        out[key] = val
    return out


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="lambherd")
@click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile (assume-role and MFA ok).")
@click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region.")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Send AWS calls to this endpoint.")
@click.option(
    "--sandbox/--no-sandbox",
    envvar="LAMBHERD_SANDBOX",
    default=False,
    help="Use the embedded local AWS on 127.0.0.1 (started if needed).",
)
@click.option(
    "-C",
    "workdir",
    type=click.Path(file_okay=False),  # made a Path in the callback: no pathlib for --help
    default=None,
    help="Run as if started in DIR.",
)
@click.option("--function", "function_path", help="Definition file (default function.json[net]).")
@click.option("--envfile", multiple=True, help="dotenv file loaded before rendering (repeatable).")
@click.option("--ext-str", multiple=True, metavar="K=V", help="Jsonnet external string.")
@click.option("--ext-code", multiple=True, metavar="K=EXPR", help="Jsonnet external code.")
@click.option("--tfstate", help="Terraform state (path or s3://bucket/key) for {{ tfstate }}.")
@click.option(
    "--prefixed-tfstate",
    multiple=True,
    metavar="PREFIX=PATH",
    help="Extra tfstate with its own function prefix, e.g. net_=s3://b/net.tfstate.",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json", "table"]),
    default="text",
    show_default=True,
    help="table is text (lambroll's spelling).",
)
@click.option(
    "--log-level",
    type=click.Choice(["trace", "debug", "info", "warn", "error"]),
    default="info",
    show_default=True,
    help="trace is debug (lambroll's spelling).",
)
@click.option(
    "--color/--no-color", default=None, help="Force colour on or off (NO_COLOR honoured)."
)
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Answer yes to every confirmation.")
@click.option("--stage", envvar="LAMBHERD_STAGE", help="Project stage ([stages.NAME]).")
@click.option(
    global_options.OPTION_FLAG,
    "option_file",
    metavar="FILE",
    help="lambroll's option file (JSON/Jsonnet): options by name, a command's under its name.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    sandbox: bool,
    workdir: str | None,
    function_path: str | None,
    envfile: tuple[str, ...],
    ext_str: tuple[str, ...],
    ext_code: tuple[str, ...],
    tfstate: str | None,
    prefixed_tfstate: tuple[str, ...],
    output: str,
    log_level: str,
    color: bool | None,
    assume_yes: bool,
    stage: str | None,
    option_file: str | None,
) -> None:
    """lambherd manages AWS Lambda functions as code.

    The definition file (function.json) is the Lambda CreateFunction input itself, so any
    existing function can be imported with `lambherd init --download`.

    The options below may come before or after the command; every option can also be set with
    LAMBHERD_<OPTION> (a command's with LAMBHERD_<COMMAND>_<OPTION>) or in an --option file.
    """
    if workdir is not None and not os.path.isdir(workdir):
        raise click.BadParameter(f"{workdir} is not a directory", param_hint="-C")
    pairs = {
        option: _pairs(values, option)
        for option, values in (
            ("--ext-str", ext_str),
            ("--ext-code", ext_code),
            ("--prefixed-tfstate", prefixed_tfstate),
        )
    }
    # help needs no App (nor aws, pathlib), no project (a broken lambherd.toml or a bad --stage
    # must not hide it) and no logging: all three are made only for a command that runs
    if _help_requested(ctx):
        return
    from pathlib import Path

    from lambherd.app import App, AwsSettings, RenderOptions

    if color is None and os.environ.get("NO_COLOR"):
        color = False
    base = Path(workdir or Path.cwd()).resolve()
    app = App(
        workdir=base,
        function_path=function_path,
        render=RenderOptions(
            envfiles=tuple(str(base / e) for e in envfile),
            ext_str=pairs["--ext-str"],
            ext_code=pairs["--ext-code"],
            tfstate=_local_path(base, tfstate),
            prefixed_tfstate={
                prefix: _local_path(base, where) or where
                for prefix, where in pairs["--prefixed-tfstate"].items()
            },
        ),
        aws=AwsSettings(
            profile=None if sandbox else profile,
            region=region,
            endpoint_url=_endpoint_override(ctx, endpoint_url, sandbox),
            sandbox=sandbox,
        ),
        output="text" if output == "table" else output,
        log_level="debug" if log_level == "trace" else log_level,
        color=color,
        assume_yes=assume_yes,
        stage=stage,
        explicit_aws=frozenset(
            name
            for name in ("region", "profile")
            if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
        ),
    )
    _setup_logging(app.log_level)
    ctx.obj = _in_project(ctx, app)


global_options.assign_envvars(cli)  # LAMBHERD_<FLAG> for every global option


def _help_requested(ctx: click.Context) -> bool:
    """True when the rest of the command line asks for help (``deploy --help``,
    ``local invoke -h``, ``local`` alone), found by parsing it as click will, leniently."""
    found = ctx.meta.get(_SUBCOMMAND)
    if found is None:
        return False
    name, cmd, args = found
    parent = ctx
    while cmd is not None:
        if not args:
            return cmd.no_args_is_help
        sub = cmd.context_class(cmd, info_name=name, parent=parent, resilient_parsing=True)
        try:
            opts, rest, _ = cmd.make_parser(sub).parse_args(list(args))
        except click.ClickException:
            return False  # the real parse reports it
        help_option = cmd.get_help_option(sub)
        if help_option is not None and opts.get(help_option.name):
            return True
        if not isinstance(cmd, click.Group) or not rest:
            return False
        try:
            name, cmd, args = cmd.resolve_command(sub, rest)
        except click.ClickException:
            return False
        parent = sub
    return False


def _in_project(ctx: click.Context, app: App) -> App:
    """``app`` inside its project (if any): every command then uses the stage's region, profile
    and envfiles, and single-function commands the project's defaults and ownership tag."""
    from lambherd.services.project import enter_project

    label = None
    if app.stage and ctx.get_parameter_source("stage") is ParameterSource.ENVIRONMENT:
        label = f"LAMBHERD_STAGE={app.stage}"
    app, note = enter_project(app, stage_label=label)
    if note:
        from lambherd.cli.output import warn

        warn(note)
    return app


def _endpoint_override(ctx: click.Context, endpoint_url: str | None, sandbox: bool) -> str | None:
    """The endpoint to use: with the sandbox, an inherited AWS_ENDPOINT_URL does not redirect it."""
    if sandbox and ctx.get_parameter_source("endpoint_url") is not ParameterSource.COMMANDLINE:
        return None
    return endpoint_url


def _local_path(base: Path, location: str | None) -> str | None:
    """A local path made relative to ``-C DIR``; URLs (s3://, file://) pass through."""
    if location is None or "://" in location:
        return location
    return str(base / location)


def _setup_logging(level: str) -> None:
    import logging

    numeric = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING}.get(
        level, logging.ERROR
    )
    logging.basicConfig(level=numeric, format="%(levelname)s: %(message)s", stream=sys.stderr)
    from lambherd.services.logging_setup import redact_credentials

    redact_credentials()  # no credential in any record (botocore's debug log shows them)
    if numeric > logging.DEBUG:
        for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every outcome into an exit code, in one place."""
    if argv is None:  # the lambherd script, python -m lambherd: a process of lambherd's own
        from lambherd import gcpolicy

        gcpolicy.own_process()
    args = sys.argv[1:] if argv is None else argv
    debug = _wants_debug(args)
    try:
        # global options anywhere, --option files, --flag=false (lambroll's command line)
        args = global_options.normalise_argv(cli, args)
        debug = _wants_debug(args)
        code: Any = cli.main(
            args=args,
            prog_name="lambherd",
            standalone_mode=False,
            terminal_width=_help_width(),
        )
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            click.echo("interrupted", err=True)  # click turns Ctrl-C into Abort
            sys.exit(exit_codes.INTERRUPTED)
        click.echo("aborted", err=True)
        sys.exit(exit_codes.FAILURE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(exit_codes.INTERRUPTED)
    except Exception as exc:
        if not _is_lambherd_error(exc):
            if debug:
                raise
            botocore_error = _describe_botocore(exc)
            if botocore_error is None:
                raise
            click.echo(f"error: {botocore_error}", err=True)
            sys.exit(exit_codes.FAILURE)
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else exit_codes.SUCCESS)


def _is_lambherd_error(exc: BaseException) -> bool:
    """``exc`` is a LambherdError (none can be raised before ``lambherd.errors`` is imported,
    so a help path never imports it)."""
    errors = sys.modules.get("lambherd.errors")
    return errors is not None and isinstance(exc, errors.LambherdError)


def _help_width() -> int | None:
    """The help text's width as click computes it (terminal columns or COLUMNS, at most
    ``max_content_width``, less 2, at least 50) without importing ``shutil`` (and lzma/bz2
    with it) for it; None under click's test runner, which forces its own width."""
    from click import formatting

    if formatting.FORCED_WIDTH is not None:
        return None
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80  # shutil.get_terminal_size's fallback
    return max(min(columns, CONTEXT_SETTINGS["max_content_width"]) - 2, 50)


def _wants_debug(args: list[str]) -> bool:
    """True when the log level is debug or trace (on the line, else from the environment)."""
    level = next(
        (v for v in (os.environ.get(n) for n in ("LAMBHERD_LOG_LEVEL", "LAMBHERD_LOGLEVEL")) if v),
        None,
    )
    for i, arg in enumerate(args):
        if arg.startswith("--log-level="):
            level = arg.partition("=")[2]
        elif arg == "--log-level" and i + 1 < len(args):
            level = args[i + 1]
    return level in ("debug", "trace")


def _describe_botocore(exc: Exception) -> str | None:
    """One line for an AWS failure that escaped a service (credentials, endpoint, API error)."""
    if "botocore" not in sys.modules:
        return None
    import botocore.exceptions as bx

    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        return f"{exc.operation_name}: {err.get('Code')}: {err.get('Message')}"
    if isinstance(exc, bx.NoCredentialsError):
        return "no AWS credentials found (use --profile, environment variables, or --sandbox)"
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError):
        return f"cannot reach AWS endpoint: {exc}"
    if isinstance(exc, bx.BotoCoreError):
        return str(exc)
    return None
