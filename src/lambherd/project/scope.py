"""What a command acts on in a project: the project, the functions it is limited to, and the
AWS clients of its stage.

open_project(app) -> ProjectConfig | None       lambherd.toml in -C DIR or a parent
project_scope(app, only) -> ProjectScope | None the project and functions plan/deploy/build act on
project_clients(app, project) -> AwsClients     the stage's region and profile, unless flagged
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambherd.errors import UsageError
from lambherd.project import config
from lambherd.project.config import ProjectConfig

if TYPE_CHECKING:
    from lambherd.app import App


def open_project(app: App) -> ProjectConfig | None:
    """The project around ``app.workdir`` (None with ``--function`` or without lambherd.toml).

    The CLI has already found it (``app.project``, see ``project.context``); an ``App`` made
    in code without it is looked up here.
    """
    if app.project is not None:
        return None if app.function_path else app.project
    return config.open_project(app.workdir, app.function_path, app.stage)


@dataclass(frozen=True)
class ProjectScope:
    """A project command's target: the project and the functions it is limited to."""

    project: ProjectConfig
    only: tuple[str, ...] = ()


def project_scope(app: App, only: tuple[str, ...] = ()) -> ProjectScope | None:
    """What ``plan``, ``deploy`` and ``build`` act on: the project (limited by ``--only``, or
    to the function folder run in), or None for a single function (no lambherd.toml, or
    ``--function`` naming a definition that is not a project folder's own definition file).

    ``--function functions/a`` (or its function.json) in a project is that project function.
    """
    project = app.project if app.project is not None else open_project(app)
    if project is None:
        return None
    if app.function_path:
        from lambherd.project.context import definition_path, folder_of

        path = definition_path(app)
        folder = folder_of(project, path) if path is not None else None
        if folder is None or folder.definition != path:
            return None  # used on its own (project.context warns when it is outside folders)
        if only:
            raise UsageError("--only: selects functions of a project; --function names one")
        return ProjectScope(project, (folder.key,))
    return ProjectScope(project, folder_scope(app, project, only))


def folder_scope(app: App, project: ProjectConfig, only: tuple[str, ...]) -> tuple[str, ...]:
    """``--only``, or, run inside one function's folder of the project, just that function."""
    if only:
        return only
    root, here = project.root.resolve(), app.workdir.resolve()
    if here != root and here.is_relative_to(root):
        from lambherd.definition.loader import DEFINITION_NAMES

        if any((here / n).is_file() for n in DEFINITION_NAMES):
            return (here.relative_to(root).as_posix(),)
    return ()


def project_clients(app: App, project: ProjectConfig) -> Any:
    """AWS clients for the project. Region and profile: a command-line flag wins over the
    stage's setting, which wins over the environment (AWS_REGION, AWS_PROFILE) and defaults."""
    stage = project.stage
    if stage is None or app.project is project:  # the CLI's App has the stage applied already
        return app.clients
    region = None if "region" in app.explicit_aws else stage.region
    profile = None if "profile" in app.explicit_aws else stage.profile
    if not (region or profile):
        return app.clients
    from lambherd.aws import AwsClients

    return AwsClients(app.aws.with_overrides(region=region, profile=profile))
