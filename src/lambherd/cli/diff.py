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
    "--ignore", multiple=True, metavar="PATH", help="Leave a dotted path out (repeatable)."
)
@click.option("--exit-code", is_flag=True, help="Exit 2 when there are differences.")
@click.option("--src", type=click.Path(file_okay=False, path_type=Path), help="Folder to zip.")
@click.pass_context
def command(
    ctx: click.Context,
    code: bool,
    qualifier: str | None,
    mask: bool,
    ignore: tuple[str, ...],
    exit_code: bool,
    src: Path | None,
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
