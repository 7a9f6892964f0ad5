"""``validate``: the definition (and its sidecars) checked against botocore's Lambda model and
Lambda's limits, every problem listed, before anything is sent to AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambherd.app import App


def validate(app: App) -> tuple[str, Any]:
    """The definition's file name and its ``ValidationReport`` (in a project folder: with the
    project's [defaults] under it)."""
    from lambherd.definition.validate import validate_definition
    from lambherd.project.context import load_app_definition

    definition = load_app_definition(app)
    return definition.display_path, validate_definition(definition)
