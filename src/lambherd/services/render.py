"""``render``: the evaluated definition (templates, Jsonnet, tfstate), as its project deploys it,
with values masked on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
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


def render(
    app: App, mask: tuple[str, ...] = (), *, function_url: Path | None = None
) -> RenderResult:
    """Render the definition named by the global options; mask ``mask`` paths (``MASK_ALL``:
    every environment variable). With ``function_url`` (lambroll's ``render --function-url
    FILE``), that URL definition instead, as lambroll reads it: its function's name in
    ``Config.FunctionName`` and lambroll's default Permissions filled in."""
    from lambherd.definition.masking import ENVIRONMENT_VARIABLES, mask_config, unmatched_paths
    from lambherd.project.context import load_app_definition

    if function_url is not None:
        return RenderResult(_url_document(app, function_url))
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


def _url_document(app: App, path: Path) -> dict[str, Any]:
    from lambherd.plan.url_planner import url_permissions
    from lambherd.project.context import load_app_definition

    definition = load_app_definition(app, sidecar_files={"url": path})
    url = dict(definition.url_config or {})
    url["Config"] = {**(url.get("Config") or {}), "FunctionName": definition.name}
    url["Permissions"] = url_permissions(url)
    return url


def as_jsonnet(config: dict[str, Any]) -> str:
    """The rendered document as Jsonnet (``render --jsonnet``)."""
    from lambherd.definition.jsonnet_text import to_jsonnet

    return to_jsonnet(config)
