"""The functions a command deploys: each a ``DeployTarget`` (its rendered definition, its
resolved settings, its project folder) — one for a single-function folder, every selected one
for a project. Loading renders and validates; every problem of a project is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.errors import DefinitionError, UsageError, ValidationError
from lambherd.settings import DeploySettings, SettingsLayer, resolve_settings

if TYPE_CHECKING:
    from lambherd.app import App, RenderOptions
    from lambherd.definition import FunctionDefinition
    from lambherd.project.config import ProjectConfig
    from lambherd.project.discovery import FunctionFolder


@dataclass(frozen=True)
class DeployTarget:
    """One function to plan and deploy."""

    definition: FunctionDefinition
    settings: DeploySettings
    #: The project function folder it comes from (None: a single function).
    folder: FunctionFolder | None = None
    #: What validation found worth saying (deprecated runtime...).
    warnings: tuple[str, ...] = ()
    #: The package's walk made for validation (``function_package.function_listing``), handed
    #: on to the code identity so that one deploy walks the tree once; None: walk again.
    listing: Any = None

    @property
    def name(self) -> str:
        """The function's name."""
        return self.definition.name

    def matches(self, only: tuple[str, ...]) -> bool:
        """True when ``--only`` selects it (by name, folder or folder name; always without)."""
        from lambherd.project.discovery import matches_any

        if self.folder is None:
            return matches_any(only, self.name)
        return matches_any(only, self.name, self.folder.key, self.folder.basename)


def single_target(
    app: App,
    command_line: SettingsLayer | None = None,
    *,
    sidecar_files: dict[str, Path] | None = None,
) -> DeployTarget:
    """The definition named by the global options, as its project deploys it (when it is in a
    project's function folder: its [defaults], owner tag and settings), validated.
    ``sidecar_files``: a sidecar from a file of its own (``--function-url PATH``)."""
    from lambherd.definition.validate import check_definition
    from lambherd.project.context import function_settings, load_app_definition

    resolve_settings(command_line)  # a bad switch is refused before anything is read
    definition = load_app_definition(app, sidecar_files=sidecar_files)
    settings = function_settings(app, command_line)
    listing = package_listing(definition, settings)
    warnings = check_definition(definition, settings, listing)
    return DeployTarget(definition, settings, None, tuple(warnings), listing)


def package_listing(definition: FunctionDefinition, settings: DeploySettings) -> Any:
    """The walk of the folder the deploy zips (None when it zips none): validation's handler
    check and then the code identity read it, so the tree is walked once."""
    from lambherd.archive.handler import handler_language

    if settings.skip_function or settings.skip_archive or settings.src_is_zip:
        return None
    if not handler_language(definition.config):  # no handler check: no walk before the plan's
        return None
    from lambherd.archive.function_package import function_listing

    return function_listing(definition, settings.src, **settings.packaging)


def after_builds(targets: list[DeployTarget], builds: list[Any]) -> list[DeployTarget]:
    """``targets`` without the walks their dependency build may have made stale: one that
    linked a tree (``cached``, ``installed``), or found nothing to build (``none``) where the
    walk had seen a build (it removes it). ``fresh`` touched nothing."""
    status = {b.folder: b.status for b in builds}
    out = []
    for t in targets:
        done, listing = status.get(t.definition.source_dir), t.listing
        if listing is not None and done not in (None, "fresh"):
            t = t if done == "none" and not listing.extra_trees else replace(t, listing=None)
        out.append(t)
    return out


def project_targets(
    project: ProjectConfig,
    render: RenderOptions,
    clients: Any = None,
    *,
    command_line: SettingsLayer | None = None,
    fields: tuple[str, ...] | None = None,
) -> list[DeployTarget]:
    """Render and validate every function of the project; every problem reported at once.

    ``command_line`` settings apply to every function, over each folder's lambherd.toml
    settings. With ``fields`` (besides FunctionName), each is rendered without AWS unless those
    fields come from AWS, and not validated: use only ``fields`` of the results (``build``).
    """
    from lambherd.definition import load_function
    from lambherd.definition.loader import load_function_for
    from lambherd.definition.validate import check_definition
    from lambherd.project.config import PROJECT_FILE, project_definition, project_sidecars
    from lambherd.project.context import stage_render
    from lambherd.project.discovery import discover_functions, unmatched_globs

    render = stage_render(render, project)  # a no-op for the CLI's, which has the envfiles
    resolve_settings(command_line)  # a bad switch is refused before any folder is read
    unmatched = unmatched_globs(project)
    if unmatched:  # a typo must not deploy nothing (nor let --prune delete those functions)
        globs = ", ".join(repr(g) for g in unmatched)
        raise DefinitionError(
            f"{PROJECT_FILE}: [project] functions: {globs} "
            f"match{'es' if len(unmatched) == 1 else ''} no function folder "
            "(each needs a function.json or function.jsonnet)",
            hint="fix the glob, or remove it from lambherd.toml",
        )
    if fields is None:
        from lambherd.definition.validate import check_project_defaults

        check_project_defaults(project)  # at lambherd.toml, once, not at each function's file
    loaded: list[DeployTarget] = []
    problems: list[str] = []
    owners: dict[str, str] = {}
    for folder in discover_functions(project):
        where = f"{folder.key}/{folder.definition.name}"
        try:
            if fields is None:
                raw = load_function(folder.definition, render, clients)
            else:
                named = ("FunctionName", *fields)
                raw = load_function_for(folder.definition, named, render, clients)
            defn = replace(
                raw,
                config=project_definition(project, raw.config),
                sidecars=project_sidecars(project, raw.sidecars),
            )
            settings = resolve_settings(command_line, *project.settings_layers(folder.key))
            listing = package_listing(defn, settings) if fields is None else None
            warnings = check_definition(defn, settings, listing) if fields is None else []
        except ValidationError as exc:
            problems.extend(f"{where}: {p}" for p in exc.problems)
            continue
        except DefinitionError as exc:
            problems.append(f"{folder.key}: {exc.message}")
            continue
        if defn.name in owners:
            problems.append(f"{where}: FunctionName {defn.name} is also in {owners[defn.name]}")
            continue
        owners[defn.name] = where
        loaded.append(DeployTarget(defn, settings, folder, tuple(warnings), listing))
    if problems:
        raise ValidationError(problems, source=f"project {project.name}")
    return loaded


def selected(targets: list[DeployTarget], only: tuple[str, ...]) -> list[DeployTarget]:
    """The targets ``--only`` selects (every one without it); none selected is an error."""
    chosen = [t for t in targets if t.matches(only)]
    if only and not chosen:
        raise UsageError(f"--only {', '.join(only)}: matches no function of the project")
    return chosen


def build_targets(
    targets: list[DeployTarget], *, force: bool = False, installer: Any = None
) -> list[Any]:
    """Build the dependencies of every target that zips its own folder (parallel, cached)."""
    from concurrent.futures import ThreadPoolExecutor

    from lambherd.build import build_function

    building = [t for t in targets if t.settings.builds_code]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(
            pool.map(
                lambda t: build_function(
                    t.definition.source_dir, t.definition.config, force=force, installer=installer
                ),
                building,
            )
        )
