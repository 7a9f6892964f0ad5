"""``lambherd validate``: check the definition against the Lambda API model and Lambda's limits."""

from __future__ import annotations

import click

from lambherd import exit_codes
from lambherd.cli.output import app_of, emit_json, warn


@click.command("validate")
@click.pass_context
def command(ctx: click.Context) -> int:
    """Check function.json (and function_url.json) before anything is sent to AWS.

    Lists every problem with its JSON path; exits 1 when there is any. Deprecated runtimes
    are warnings. With --output json prints {"valid", "errors", "warnings"}.
    """
    from lambherd.errors import ValidationError
    from lambherd.services.validate import validate

    app = app_of(ctx)
    display_path, report = validate(app)
    if app.json_output:
        emit_json({"valid": report.valid, "errors": report.errors, "warnings": report.warnings})
        return exit_codes.SUCCESS if report.valid else exit_codes.FAILURE
    for message in report.warnings:
        warn(message)
    if not report.valid:
        raise ValidationError(report.errors, source=display_path)
    click.echo(f"{display_path}: ok")
    return exit_codes.SUCCESS
