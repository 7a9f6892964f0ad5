"""``lambherd diff``: unified, coloured diff of the definition against the deployed function."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, console, emit_json


@click.command("diff")
@click.option("--code", is_flag=True, help="Compare the zip's SHA-256 with CodeSha256 too.")
@click.option("--qualifier", help="Compare against this version or alias.")
@click.option("--mask", is_flag=True, help="Hide environment variable values.")
@click.option(
    "--ignore",
    multiple=True,
    metavar="QUERY",
    help="Leave paths out: lambroll's jq paths ('.Tags, .MemorySize') or a dotted path.",
)
@click.option("--exit-code", is_flag=True, help="Exit 2 when there are differences.")
@click.option(
    "--src", type=click.Path(path_type=Path), help="Folder to zip, or a zip (with --code)."
)
@click.option(
    "--unified/--no-unified",
    "-u",
    default=True,
    help="A unified diff; --no-unified: the whole document, marked.",
)
@click.option(
    "--external",
    metavar="CMD",
    help="Show the diff with CMD REMOTE_FILE LOCAL_FILE (it must exit 0).",
)
@click.option(
    "--exclude-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --code: the ignore file, from the working folder [default: .lambdaignore].",
)
@click.option("--symlink", is_flag=True, help="With --code: store symlinks as links.")
@click.option(
    "--function-url",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The function URL definition [default: function_url.json[net] beside the definition].",
)
@click.option("--skip-function", is_flag=True, help="Compare the function URL only.")
@click.pass_context
def command(
    ctx: click.Context,
    code: bool,
    qualifier: str | None,
    mask: bool,
    ignore: tuple[str, ...],
    exit_code: bool,
    src: Path | None,
    unified: bool,
    external: str | None,
    exclude_file: Path | None,
    symlink: bool,
    function_url: Path | None,
    skip_function: bool,
) -> int:
    """Show what a deploy would change, field by field."""
    from lambherd.services.diff import DiffOptions, diff

    app = app_of(ctx)
    options = DiffOptions(
        code=code,
        qualifier=qualifier,
        mask=mask,
        ignore=ignore,
        src=app.resolve(src) if src else None,
        unified=unified,
        external=external,
        exclude_file=app.resolve(exclude_file) if exclude_file else None,
        symlink=symlink,
        function_url=app.resolve(function_url) if function_url else None,
        skip_function=skip_function,
    )
    result = diff(app, options)
    if app.json_output:
        emit_json(
            {
                "function": result.function_name,
                "exists": result.exists,
                "differences": result.has_differences,
                "diff": "\n".join(result.lines),
            }
        )
    elif result.has_differences and external:
        for line in result.lines:  # the external program's own output, as it wrote it
            click.echo(line)
    elif result.has_differences:
        out = console(app)
        for line in result.lines:
            out.print(line, style=_style(line), markup=False)
    if exit_code and result.has_differences:
        return exit_codes.DIFFERENCES
    return exit_codes.SUCCESS


def _style(line: str) -> str | None:
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    if line.startswith("@@"):
        return "cyan"
    return None
