"""``lambherd render``: print the evaluated definition."""

from __future__ import annotations

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
@click.pass_context
def command(ctx: click.Context, mask: tuple[str, ...]) -> int:
    """Print function.json[net] with templates, Jsonnet and tfstate evaluated, as JSON.

    In a project's function folder, as the project deploys it: its [defaults] (and the
    stage's) under the definition, its ownership tag on it.
    """
    from lambherd.services.render import render

    app = app_of(ctx)
    result = render(app, mask)
    for message in result.warnings:
        warn(message)
    emit_json(result.config)
    return exit_codes.SUCCESS
