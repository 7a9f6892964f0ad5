"""Where a command stands in a project, decided once when the ``App`` is built.

attach_project(app) -> App           the lambherd.toml around -C DIR (or --function PATH), with
                                     the stage's region, profile and envfiles applied to the App
definition_folder(app) -> FunctionFolder | None
                                     the project function folder of the definition a command uses
function_settings(app, command_line) -> DeploySettings
                                     its deploy settings (``lambherd.settings`` precedence)
load_app_definition(app, fields=...) -> FunctionDefinition
                                     that definition as the project deploys it (defaults, owner
                                     tag); with ``fields``, rendered without AWS when it can be
defined_function_name(app) -> str    only its FunctionName (rollback, status, versions, delete)
resolve_target(app, name) -> FunctionTarget
                                     --function-name, or the definition (invoke, logs, metrics...)
outside_note(app) -> str | None      why a definition in a project gets neither

Precedence of AWS settings: a command-line flag > the stage's setting > environment variables
(AWS_REGION, AWS_PROFILE) and profile defaults. A stage's envfiles load before ``--envfile``'s,
so a file given on the command line wins over them too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.defaults import IGNORE_FILE
from lambherd.errors import UsageError
from lambherd.project.config import (
    OWNER_TAG,
    PROJECT_FILE,
    ProjectConfig,
    find_project,
    load_project,
    project_definition,
)
from lambherd.settings import DeploySettings, SettingsLayer, resolve_settings

if TYPE_CHECKING:
    from lambherd.app import App, RenderOptions
    from lambherd.aws import AwsSettings
    from lambherd.definition import FunctionDefinition
    from lambherd.project.discovery import FunctionFolder


def attach_project(app: App, *, stage_label: str | None = None) -> App:
    """``app`` with ``project`` set and the stage applied to its AWS settings and render options.

    The project is the ``lambherd.toml`` in ``app.workdir`` or above; failing that, the one
    around ``--function PATH``. A stage without a project, or an unknown stage, is a one-line
    error (``stage_label``, e.g. ``LAMBHERD_STAGE=prod``, says where the stage came from).
    """
    path = find_project(app.workdir)
    if path is None and app.function_path:
        path = find_project(app.resolve(app.function_path).parent)
    if path is None:
        if app.stage:
            raise UsageError(
                f"{stage_label or '--stage ' + app.stage}: no {PROJECT_FILE} in {app.workdir} "
                "or above"
            )
        return app
    project = load_project(path, app.stage)
    return replace(
        app,
        project=project,
        aws=stage_aws(app.aws, project, app.explicit_aws),
        render=stage_render(app.render, project),
    )


def stage_aws(aws: AwsSettings, project: ProjectConfig, explicit: frozenset[str]) -> AwsSettings:
    """``aws`` with the stage's region and profile, unless given as command-line flags.

    The sandbox ignores profiles (its credentials are fixed), so a stage's profile too.
    """
    stage = project.stage
    if stage is None:
        return aws
    region = None if "region" in explicit else stage.region
    profile = None if "profile" in explicit or aws.sandbox else stage.profile
    return aws.with_overrides(region=region, profile=profile)


def stage_render(render: RenderOptions, project: ProjectConfig) -> RenderOptions:
    """``render`` with the stage's envfiles (relative to the project root) loaded first."""
    if project.stage is None or not project.stage.envfiles:
        return render
    staged = tuple(str(project.root / e) for e in project.stage.envfiles)
    rest = tuple(e for e in render.envfiles if e not in staged)
    return replace(render, envfiles=(*staged, *rest))


def definition_path(app: App) -> Path | None:
    """The definition a single-function command would use, or None when there is none."""
    from lambherd.definition import find_definition
    from lambherd.errors import DefinitionError

    try:
        return find_definition(app.workdir, app.function_path).resolve()
    except DefinitionError:
        return None


def folder_of(project: ProjectConfig, definition: Path) -> FunctionFolder | None:
    """The project function folder holding ``definition`` (None when it is in none)."""
    from lambherd.project.discovery import discover_functions

    here = definition.resolve().parent
    return next((f for f in discover_functions(project) if f.path == here), None)


def definition_folder(app: App) -> FunctionFolder | None:
    """The project function folder of the definition ``app`` points at (None outside one)."""
    if app.project is None:
        return None
    path = definition_path(app)
    return folder_of(app.project, path) if path is not None else None


def function_settings(app: App, command_line: SettingsLayer | None = None) -> DeploySettings:
    """The deploy settings of the definition ``app`` points at: ``command_line`` over its
    project folder's settings (when it is in one) over its import record's over the defaults.

    Outside a project's function folder the zip's ignore file is lambroll's: ``.lambdaignore``
    in the folder lambherd runs in (``-C``), also when ``--function`` or ``--src`` name another
    folder; in a function folder, that folder's own."""
    from lambherd.importing.record import settings_layer

    folder = definition_folder(app)
    if folder and app.project:
        return resolve_settings(command_line, *app.project.settings_layers(folder.key))
    path = definition_path(app)
    imported = settings_layer(path.parent) if path is not None else None
    settings = resolve_settings(command_line, imported)
    if folder is None and settings.exclude_file is None:
        settings = replace(settings, exclude_file=app.workdir / IGNORE_FILE)
    return settings


def in_project(project: ProjectConfig | None, definition: FunctionDefinition) -> FunctionDefinition:
    """``definition`` as its project deploys it: ``[defaults]`` under it and the owner tag on it
    (unchanged when it is in no function folder of the project)."""
    if project is None or folder_of(project, definition.path) is None:
        return definition
    from lambherd.project.config import project_sidecars

    return replace(
        definition,
        config=project_definition(project, definition.config),
        sidecars=project_sidecars(project, definition.sidecars),
    )


def load_app_definition(
    app: App,
    clients: Any = None,
    *,
    fields: tuple[str, ...] | None = None,
    sidecar_files: dict[str, Path] | None = None,
) -> FunctionDefinition:
    """Find and render the definition named by the global options, as its project deploys it.

    The one loader of single-function commands. With ``fields`` (e.g. the code package's or the
    build's), it renders without AWS unless one of those fields comes from AWS (``ssm``,
    ``caller_identity``, S3 tfstate); other fields may then hold placeholders, so use only
    ``fields`` of the result. ``clients`` defaults to ``app.clients``, made only when needed.
    ``sidecar_files``: a sidecar read from a file of its own (``--function-url PATH``).
    """
    from lambherd.definition import find_definition, load_function
    from lambherd.definition.loader import load_function_for
    from lambherd.errors import DefinitionError

    try:
        path = find_definition(app.workdir, app.function_path)
    except DefinitionError as exc:
        if app.project is None or app.function_path:
            raise
        raise DefinitionError(
            exc.message,
            hint="this command acts on one function of the project: run it in a function "
            "folder (-C functions/NAME) or pass --function PATH",
        ) from exc
    aws = (lambda: app.clients) if clients is None else clients
    if fields is None:
        definition = load_function(path, app.render, aws, sidecar_files=sidecar_files)
    else:
        definition = load_function_for(path, fields, app.render, aws)
    placed = in_project(app.project, definition)
    if fields is None and placed is not definition and app.project is not None:
        from lambherd.definition.validate import check_project_defaults

        check_project_defaults(app.project)  # a bad default is lambherd.toml's, not the file's
    return placed


def defined_function_name(app: App) -> str:
    """The FunctionName of the definition named by the global options (only the name is
    rendered for real: rollback, status, versions and delete need nothing else)."""
    return load_app_definition(app, fields=("FunctionName",)).name


@dataclass(frozen=True)
class FunctionTarget:
    """The deployed function a command acts on, and its local configuration when there is one."""

    name: str
    config: dict[str, Any] | None = None
    definition_dir: Any = None


#: The definition fields invoke, logs, metrics and test read.
TARGET_FIELDS = ("FunctionName", "LoggingConfig")


def resolve_target(app: App, function_name: str | None = None) -> FunctionTarget:
    """``--function-name`` when given, else the definition in the working folder."""
    if function_name:
        return FunctionTarget(name=function_name, definition_dir=app.workdir)
    # Only the fields operations read are rendered for real (a Role built from
    # {{ caller_identity }} costs no STS call); in a project, with its defaults.
    definition = load_app_definition(app, fields=TARGET_FIELDS)
    if not definition.name:
        raise UsageError(
            f"{definition.display_path}: FunctionName is missing",
            hint="set FunctionName or pass --function-name",
        )
    return FunctionTarget(definition.name, definition.config, definition.source_dir)


def outside_note(app: App) -> str | None:
    """A warning when ``--function`` names a definition outside the project's function folders:
    the project's ``[defaults]`` and ownership tag do not apply to it."""
    project = app.project
    if project is None or not app.function_path:
        return None
    path = definition_path(app)
    if path is None or folder_of(project, path) is not None:
        return None
    globs = ", ".join(project.function_globs)
    return (
        f"--function {app.function_path}: not in a function folder of project {project.name} "
        f"({globs}); it is used on its own, without the project's [defaults] and "
        f"{OWNER_TAG} tag"
    )
