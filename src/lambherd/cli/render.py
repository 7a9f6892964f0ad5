"""``lambherd render``: print the evaluated definition."""

from __future__ import annotations

from pathlib import Path

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, warn
from lambherd.services.render import MASK_ALL


@click.command("render")
@click.option(
    "--mask",
    "mask",
    multiple=True,
    is_flag=False,
    flag_value=MASK_ALL,
    metavar="[PATH]",
    help="Hide values: alone, every Environment.Variables value; with a dotted PATH "
    "(e.g. Environment.Variables.TOKEN, VpcConfig.SubnetIds) just that one. Repeatable.",
)
@click.option("--jsonnet", is_flag=True, help="Print it as Jsonnet (jsonnetfmt's style).")
@click.option(
    "--function-url",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Render this function URL definition instead, as lambroll reads it.",
)
@click.pass_context
def command(
    ctx: click.Context, mask: tuple[str, ...], jsonnet: bool, function_url: Path | None
) -> int:
    """Print function.json[net] with templates, Jsonnet and tfstate evaluated, as JSON.

    In a project's function folder, as the project deploys it: its [defaults] (and the
    stage's) under the definition, its ownership tag on it.
    """
    from lambherd.services.render import as_jsonnet, render

    app = app_of(ctx)
    result = render(app, mask, function_url=app.resolve(function_url) if function_url else None)
    for message in result.warnings:
        warn(message)
    if jsonnet:
        click.echo(as_jsonnet(result.config), nl=False)
    else:
        emit_json(result.config)
    return exit_codes.SUCCESS
