"""``render``: the evaluated definition (templates, Jsonnet, tfstate), as its project deploys it,
with values masked on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambherd.app import App

#: ``--mask`` alone: every Environment.Variables value.
MASK_ALL = "\0all"


@dataclass
class RenderResult:
    """The rendered definition, and the ``--mask`` paths that matched nothing."""

    config: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def render(app: App, mask: tuple[str, ...] = ()) -> RenderResult:
    """Render the definition named by the global options; mask ``mask`` paths (``MASK_ALL``:
    every environment variable)."""
    from lambherd.definition.masking import ENVIRONMENT_VARIABLES, mask_config, unmatched_paths
    from lambherd.project.context import load_app_definition

    definition = load_app_definition(app)
    config = definition.config
    warnings: list[str] = []
    if mask:
        paths = [ENVIRONMENT_VARIABLES if m == MASK_ALL else m for m in mask]
        explicit = [m for m in mask if m != MASK_ALL]
        for missing in unmatched_paths(config, explicit):
            warnings.append(f"--mask {missing}: no such value in {definition.display_path}")
        config = mask_config(config, paths)
    return RenderResult(config, warnings)
