"""``lambherd render``: print the evaluated definition."""

from __future__ import annotations

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, warn

MASK_ALL = "\0all"


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
    from lambherd.definition.masking import ENVIRONMENT_VARIABLES, mask_config, unmatched_paths
    from lambherd.project.context import load_app_definition

    app = app_of(ctx)
    definition = load_app_definition(app)
    config = definition.config
    if mask:
        paths = [ENVIRONMENT_VARIABLES if m == MASK_ALL else m for m in mask]
        explicit = [m for m in mask if m != MASK_ALL]
        for missing in unmatched_paths(config, explicit):
            warn(f"--mask {missing}: no such value in {definition.display_path}")
        config = mask_config(config, paths)
    emit_json(config)
    return exit_codes.SUCCESS
