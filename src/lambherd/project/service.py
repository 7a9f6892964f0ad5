"""The project commands' services: open the project, build, plan, deploy (with prune).

open_project(app) -> ProjectConfig | None       lambherd.toml in -C DIR or a parent
project_scope(app, only) -> ProjectScope | None the project and functions plan/deploy act on
build_project(app, project, only) -> [BuildResult]
plan_changeset(app, project, only) -> PlanReport (builds first)
DeploySession(app, project, options)            build + plan (zips kept) -> run
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.app import App
from lambherd.errors import UsageError
from lambherd.project import config
from lambherd.project.changeset import (
    Changeset,
    PlanOverrides,
    ProjectFunction,
    load_project_functions,
    plan_project,
)
from lambherd.project.config import ProjectConfig
from lambherd.project.runner import DEFAULT_PARALLEL, ProgressEvent, ProjectRunResult, run_changeset


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


def selected(functions: list[ProjectFunction], only: tuple[str, ...]) -> list[ProjectFunction]:
    """The functions ``--only`` selects (every one without it)."""
    chosen = [f for f in functions if f.matches(only)]
    if only and not chosen:
        raise UsageError(f"--only {', '.join(only)}: matches no function of the project")
    return chosen


def build_project(
    app: App,
    project: ProjectConfig,
    only: tuple[str, ...] = (),
    *,
    force: bool = False,
    installer: str | None = None,
    functions: list[ProjectFunction] | None = None,
) -> list[Any]:
    """Build every selected function's dependencies (parallel; one install per dependency set).

    Without ``functions`` (already loaded by plan / deploy), they are rendered as far as the
    build needs them, without AWS unless Runtime or Architectures come from AWS.
    """
    from lambherd.build import BUILD_FIELDS, build_function
    from lambherd.build.installer import find_installer

    if functions is None:
        functions = load_project_functions(
            project, app.render, lambda: project_clients(app, project), fields=BUILD_FIELDS
        )
    chosen = selected(functions, only)
    tool = find_installer(installer)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(
            pool.map(
                lambda f: build_function(
                    f.folder.path, f.definition.config, force=force, installer=tool
                ),
                chosen,
            )
        )


@dataclass
class PlanReport:
    """``plan``'s result: the changeset and the dependency builds made first."""

    changeset: Changeset
    builds: list[Any]


def plan_changeset(
    app: App, project: ProjectConfig, only: tuple[str, ...] = (), *, build: bool = True
) -> PlanReport:
    """The project's changeset: dependencies built first (local and cached, so the code hash is
    the one a deploy would send), then AWS read and every function planned. No AWS call mutates.
    """
    clients = project_clients(app, project)
    functions = load_project_functions(project, app.render, lambda: clients)
    selected(functions, only)
    builds = build_project(app, project, only, functions=functions) if build else []
    return PlanReport(plan_project(clients, project, functions, only=only), builds)


@dataclass(frozen=True)
class ProjectDeployOptions:
    """``deploy`` switches for a project."""

    parallel: int = DEFAULT_PARALLEL
    only: tuple[str, ...] = ()
    fail_fast: bool = False
    prune: bool = False
    build: bool = True
    overrides: PlanOverrides = field(default_factory=PlanOverrides)


class DeploySession:
    """Build and plan on entry (zips kept in a temporary folder), ``run`` applies the plan."""

    def __init__(self, app: App, project: ProjectConfig, options: ProjectDeployOptions) -> None:
        if options.parallel < 1:
            raise UsageError("--parallel must be at least 1")
        self.app = app
        self.project = project
        self.options = options
        self.clients = project_clients(app, project)
        self.builds: list[Any] = []
        self.changeset: Changeset | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> DeploySession:
        functions = load_project_functions(self.project, self.app.render, lambda: self.clients)
        selected(functions, self.options.only)
        if self.options.prune and not functions:
            globs = ", ".join(self.project.function_globs)
            raise UsageError(
                f"--prune: no function folder matches {globs} in {self.project.root}; "
                f"refusing to delete every function of project {self.project.name}"
            )
        if self.options.build:
            self.builds = build_project(
                self.app, self.project, self.options.only, functions=functions
            )
        self._tmp = tempfile.TemporaryDirectory(prefix="lambherd-project-")
        self.changeset = plan_project(
            self.clients,
            self.project,
            functions,
            only=self.options.only,
            zip_dir=Path(self._tmp.name),
            overrides=self.options.overrides,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def run(self, on_event: Callable[[ProgressEvent], None] | None = None) -> ProjectRunResult:
        """Deploy what changed (and prune, if asked), ``parallel`` at a time."""
        assert self.changeset is not None, "use DeploySession as a context manager"
        return run_changeset(
            self.clients,
            self.changeset,
            parallel=self.options.parallel,
            fail_fast=self.options.fail_fast,
            prune=self.options.prune,
            on_event=on_event,
        )
