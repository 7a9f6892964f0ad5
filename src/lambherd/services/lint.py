"""``lambherd lint``: which functions to lint and with which settings; the checks do the rest.

    lint(app, options) -> LintResult      one function, or every function of the project
    explain_text(check_id) -> str         what ``lint --explain`` shows
    list_text() -> str                    every check (``lint --list``)
    render(result, fmt, style) -> str|dict the report as text (styled), SARIF or JSON

In a project (lambherd.toml) every function folder is linted, in parallel, with the project's
[defaults] under each definition and its [lint] table applied; run inside one function's folder
(or with --only) just those. Outside a project, the definition of -C DIR / --function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lambherd.app import App
from lambherd.errors import UsageError
from lambherd.lint.model import Check, LintReport, Severity
from lambherd.lint.runner import DEFAULT_PARALLEL, LintRun, LintTarget, run_lint

if TYPE_CHECKING:
    from lambherd.lint.settings import LintSettings
    from lambherd.project.config import ProjectConfig


@dataclass(frozen=True)
class LintOptions:
    """The command line of ``lint``."""

    live: bool = False
    measure: bool = False
    only: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    fail_on: str | None = None  # None: lambherd.toml's [lint] fail_on, else warning
    since: timedelta | str = timedelta(days=7)  # a string is parsed (``7d``, ``12h``...)
    parallel: int = DEFAULT_PARALLEL


@dataclass(frozen=True)
class LintResult:
    """The report and the threshold it is judged by."""

    report: LintReport
    fail_on: Severity | None

    @property
    def failed(self) -> bool:
        """True when a finding is at or above the threshold (info never fails)."""
        return self.report.fails(self.fail_on)


def explain_text(check_id: str) -> str:
    """``lint --explain ID``: the check's reason, expected effect and source."""
    from lambherd.lint import formats

    return formats.explain_text(explain(check_id))


def list_text() -> str:
    """``lint --list``: every check, one line each."""
    from lambherd.lint import formats

    return formats.list_text(checks())


def render(result: LintResult, fmt: str, style: Any = None) -> str | dict[str, Any]:
    """The report in ``fmt``: ``json`` and ``sarif`` documents, or ``text`` (``style(text,
    severity)`` colours it)."""
    from lambherd.lint import formats

    if fmt == "json":
        return result.report.as_dict()
    if fmt == "sarif":
        return formats.render_sarif(result.report)
    if style is None:
        return formats.render_text(result.report)
    return formats.render_text(result.report, style)


def checks() -> list[Check]:
    """Every check, in id order."""
    from lambherd.lint.registry import all_checks

    return [c for c, _ in all_checks()]


def explain(check_id: str) -> Check:
    """The check named ``check_id`` (UsageError listing the ids when there is none)."""
    from lambherd.lint.registry import get_check

    return get_check(check_id)


def lint(app: App, options: LintOptions) -> LintResult:
    """Lint the function(s) ``app`` points at."""
    from lambherd.lint.registry import known_ids
    from lambherd.lint.settings import load_settings
    from lambherd.project.scope import project_clients, project_scope

    if options.parallel < 1:
        raise UsageError("--parallel must be at least 1")
    if isinstance(options.since, str):
        from dataclasses import replace

        from lambherd.durations import parse_duration

        options = replace(options, since=parse_duration(options.since, option="--since"))
    known = known_ids()
    unknown = sorted({i.upper() for i in options.disable} - known)
    if unknown:
        raise UsageError(f"--disable {unknown[0]}: no such check (see `lambherd lint --list`)")
    scope = project_scope(app, options.only)
    if scope is None:
        if options.only:
            why = "--function names one" if app.project is not None else "no lambherd.toml here"
            raise UsageError(f"--only: selects functions of a project; {why}")
        settings = load_settings(None, known).with_cli(options.disable, options.fail_on)
        targets, root, project = _single(app, settings), None, None
        clients = app.clients if options.live else None
    else:
        project = scope.project
        settings = load_settings(project.lint, known).with_cli(options.disable, options.fail_on)
        targets = _project_targets(project, scope.only, settings)
        root = project.root
        clients = project_clients(app, project) if options.live else None
    run = LintRun(
        root=root or targets[0].definition.parent,
        render=app.render,
        project=project,
        clients=clients,
        window=options.since,
        measure=options.measure,
        region=app.aws.region,
        parallel=options.parallel,
    )
    return LintResult(run_lint(targets, run), settings.fail_on)


def _single(app: App, settings: LintSettings) -> list[LintTarget]:
    from lambherd.definition import find_definition

    path = find_definition(app.workdir, app.function_path).resolve()
    return [LintTarget(path, ".", settings.base)]


def _project_targets(
    project: ProjectConfig, only: tuple[str, ...], settings: LintSettings
) -> list[LintTarget]:
    from lambherd.project.discovery import discover_functions, matches_any

    folders = [f for f in discover_functions(project) if matches_any(only, f.key, f.basename)]
    if not folders:
        if only:
            raise UsageError(f"--only {', '.join(only)}: matches no function folder of the project")
        globs = ", ".join(project.function_globs)
        raise UsageError(f"project {project.name}: no function folder matches {globs}")
    targets = []
    for folder in folders:
        deploy = project.settings_for(folder.key)
        targets.append(
            LintTarget(
                folder.definition,
                folder.key,
                settings.for_folder(folder.key),
                publish=deploy.publish,
                alias=deploy.alias,
            )
        )
    return targets
