"""``build``: install the function's (or the project's functions') Python dependencies for
Lambda's platform into .lambherd/build (cached). AWS is needed only when Runtime or
Architectures come from AWS (ssm, caller_identity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambherd.errors import UsageError

if TYPE_CHECKING:
    from lambherd.app import App


def build(
    app: App, only: tuple[str, ...] = (), *, force: bool = False, installer: str | None = None
) -> list[Any]:
    """Build every selected function's dependencies (a project's in parallel); the results."""
    from lambherd.build import BUILD_FIELDS, build_function
    from lambherd.build.installer import find_installer
    from lambherd.pipeline.targets import build_targets, project_targets, selected
    from lambherd.project.context import load_app_definition
    from lambherd.project.scope import project_clients, project_scope

    scope = project_scope(app, only)
    if scope is None:
        if only:
            why = "--function names one" if app.project is not None else "no lambherd.toml here"
            raise UsageError(f"--only: selects functions of a project; {why}")
        defn = load_app_definition(app, fields=BUILD_FIELDS)  # as its project defines it
        tool = find_installer(installer)
        return [build_function(defn.source_dir, defn.config, force=force, installer=tool)]
    project = scope.project
    targets = project_targets(
        project, app.render, lambda: project_clients(app, project), fields=BUILD_FIELDS
    )
    chosen = selected(targets, scope.only)
    return build_targets(chosen, force=force, installer=find_installer(installer))
