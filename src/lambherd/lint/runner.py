"""Run the checks over functions: load them in parallel, read AWS for ``--live``, measure for
``--measure`` (one at a time, so the figures are not skewed), check in parallel, and drop
what ``[lint] disable`` or an inline ``# lambherd: ignore`` silences. Nothing here prints.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from lambherd.defaults import IGNORE_STYLE
from lambherd.lint.context import FunctionContext, ProjectFacts, load_sidecars
from lambherd.lint.model import Finding, FunctionReport, Hit, LintReport
from lambherd.lint.registry import CheckFunction, all_checks
from lambherd.lint.settings import FunctionSettings
from lambherd.lint.suppress import Suppressions

DEFAULT_PARALLEL = 8


@dataclass(frozen=True)
class LintTarget:
    """One function to lint: its definition file and how the project treats it."""

    definition: Path
    folder: str  # relative to the root, "." for a single function
    settings: FunctionSettings
    publish: bool = True
    alias: str = "current"
    ignore_style: str = IGNORE_STYLE  # the project's (lambherd.toml), as deploy reads it


@dataclass(frozen=True)
class LintRun:
    """How to lint: rendering, the project, AWS for ``--live``, ``--measure``."""

    root: Path
    render: Any  # RenderOptions
    project: Any = None  # ProjectConfig: its [defaults] go under every definition
    clients: Any = None  # AwsClients for --live (None: no AWS at all)
    window: timedelta = timedelta(days=7)
    measure: bool = False
    region: str | None = None
    parallel: int = DEFAULT_PARALLEL


def run_lint(targets: list[LintTarget], run: LintRun) -> LintReport:
    """Lint every target; the report keeps the targets' order."""
    start = time.monotonic()
    workers = max(1, min(run.parallel, len(targets) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        contexts = list(pool.map(lambda t: _load(t, run), targets))
        facts = ProjectFacts(
            json_logging=tuple(
                c.folder
                for c in contexts
                if not c.broken and (c.config.get("LoggingConfig") or {}).get("LogFormat") == "JSON"
            ),
            project_file=run.project.path if run.project is not None else None,
        )
        contexts = [replace(c, project=facts) for c in contexts]
        if run.clients is not None:
            contexts = list(pool.map(lambda c: _with_live(c, run), contexts))
        notes: list[list[str]] = [[] for _ in contexts]
        if run.measure:
            contexts = [_with_measure(c, run, n) for c, n in zip(contexts, notes, strict=True)]
        checks = all_checks()
        suppressions = Suppressions()
        reports = list(
            pool.map(
                lambda pair: _check(pair[0], checks, suppressions, run.root, pair[1]),
                zip(contexts, notes, strict=True),
            )
        )
    return LintReport(run.root, reports, tuple(c for c, _ in checks), time.monotonic() - start)


def _load(target: LintTarget, run: LintRun) -> FunctionContext:
    from lambherd.definition.loader import load_function
    from lambherd.definition.model import FunctionDefinition
    from lambherd.definition.template_functions import DefinitionFunctions
    from lambherd.errors import LambherdError

    live = run.clients is not None
    functions = DefinitionFunctions(
        run.render, run.clients if live else None, base_dir=target.definition.parent, aws=live
    )
    base = {
        "folder": target.folder,
        "root": run.root,
        "settings": target.settings,
        "publish": target.publish,
        "alias": target.alias,
        "ignore_style": target.ignore_style,
    }
    try:
        definition = load_function(
            target.definition, run.render, functions=functions, sidecars=False
        )
    except LambherdError as exc:
        stub = FunctionDefinition(path=target.definition, config={})
        problems = [(target.definition, exc.message)]
        return FunctionContext(stub, load_problems=problems, broken=True, **base)
    if run.project is not None:
        from lambherd.project.config import project_definition

        definition = replace(definition, config=project_definition(run.project, definition.config))
    sidecars, problems = load_sidecars(definition.source_dir, functions)
    return FunctionContext(definition, sidecars=sidecars, load_problems=problems, **base)


def _with_live(ctx: FunctionContext, run: LintRun) -> FunctionContext:
    if ctx.broken or not ctx.definition.name:
        return ctx
    from lambherd.lint.live import gather_live, queue_visibility_for
    from lambherd.triggers.files import event_source_arns

    facts = gather_live(run.clients, ctx.definition.name, ctx.config, window=run.window)
    sources = ctx.sidecar("event_sources")
    if facts.deployed and sources is not None:
        queue_visibility_for(run.clients, event_source_arns(sources.data), facts)
    return replace(ctx, live=facts)


def _with_measure(ctx: FunctionContext, run: LintRun, notes: list[str]) -> FunctionContext:
    if ctx.broken:
        return ctx
    from lambherd.lint.measure import measure_init

    measurement = measure_init(ctx.definition, run.region)
    if measurement.note:
        notes.append(measurement.note)
    return replace(ctx, measured_init_ms=measurement.init_ms)


def _check(
    ctx: FunctionContext,
    checks: list[tuple[Any, CheckFunction]],
    suppressions: Suppressions,
    root: Path,
    notes: list[str],
) -> FunctionReport:
    report = FunctionReport(ctx.name, ctx.folder, notes=list(notes))
    if ctx.live is not None:
        report.notes.extend(ctx.live.notes)
    report.measured_init_ms = ctx.measured_init_ms
    for meta, function in checks:
        if ctx.broken and meta.id != "LH001":
            continue
        for hit in _hits(function, ctx, meta.id, report):
            path = hit.path or ctx.definition.path
            severity = hit.severity or meta.severity
            if meta.id in ctx.settings.disabled or suppressions.suppressed(meta.id, path, hit.line):
                report.suppressed += 1
                continue
            report.findings.append(
                Finding(
                    meta.id,
                    severity,
                    hit.message,
                    hit.fix or meta.fix,
                    ctx.name,
                    ctx.folder,
                    relative(path, root),
                    hit.line,
                    hit.column,
                )
            )
    package = ctx.__dict__.get("package")  # only when a check listed the package
    if package is not None:
        report.notes.extend(f"package: {w}" for w in package.warnings)
    report.findings.sort(key=lambda f: (f.file, f.line or 0, f.column or 0, f.check))
    return report


def _hits(
    function: CheckFunction, ctx: FunctionContext, check_id: str, report: FunctionReport
) -> list[Hit]:
    """The check's hits; a check that crashes becomes a note, never a failed lint."""
    from lambherd.errors import LambherdError

    try:
        return list(function(ctx))
    except LambherdError as exc:
        report.notes.append(f"{check_id} could not run: {exc.message}")
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
        # a file of an unexpected shape (validate's job to reject): say so, lint the rest
        report.notes.append(f"{check_id} could not run: {type(exc).__name__}: {exc}")
    return []


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (absolute when outside it)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
