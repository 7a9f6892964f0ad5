"""``tune``: run the function at several memory sizes and say which size is best, and why.

tune(app, TuneRequest) -> TuneResult        (``cost/tuning.py`` has the figures and strategies)

1. Check everything before the first change: the sizes, counts, payloads, strategy, price
   of the region and architecture, the report's folder, the definition for ``--apply``.
2. Read $LATEST (waiting for an update in progress) and the versions that exist now.
3. Ask before invoking (``confirm``; ``--yes`` answers): tune invokes the function
   sizes x invocations times with the given payloads, so a function with side effects has
   them that many times. No answer (no terminal) is no.
4. Setup: one plan run by the one executor (``plan/tune_planner.py``): per size a version
   with that MemorySize and an alias to it (per invocation with ``--cold-only``: a fresh
   version, so a fresh environment, for each), then $LATEST put back.
5. Invoke: ``parallel`` invocations in flight, the sizes taking turns (so that whatever
   else runs meanwhile weighs on all of them alike), ``LogType=Tail``; each invocation's REPORT line
   gives Duration, Billed Duration, Init Duration and Max Memory Used. A function error stops
   the run (the size and the error are said).
6. Clean-up, always (also after a failure or Ctrl-C): the run's aliases, then its versions,
   found by name and description; $LATEST put back if the setup stopped half-way. A second
   Ctrl-C during the clean-up abandons it and the error lists what is left
   (``lambherd tune --cleanup`` removes it later).
7. Figures per size (trimmed, INIT in the cost), the strategy's choice, the line about
   function.json (``--apply`` writes it where MemorySize is a literal), the terminal chart and
   the HTML report.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd import defaults, exit_codes
from lambherd.cost.tuning import (
    DEFAULT_TRIM,
    MAX_TRIM,
    STRATEGIES,
    Choice,
    SizeResult,
    UnitPrices,
    choose,
    measure,
    parse_sizes,
    recommend,
    render_html,
    result_document,
    terminal_chart,
)
from lambherd.errors import LambherdError, UsageError, describe_client_error
from lambherd.plan.steps import Plan
from lambherd.plan.tune_planner import Slot, plan_cleanup, plan_restore, plan_setup, slots

if TYPE_CHECKING:
    from lambherd.app import App
    from lambherd.definition.literal_edit import FieldEdit
    from lambherd.report import ReportRecord

#: The command's defaults (``defaults.py``), for its help.
DEFAULT_PRESET = defaults.TUNE_PRESET
DEFAULT_INVOCATIONS = defaults.TUNE_INVOCATIONS
DEFAULT_PARALLEL = defaults.TUNE_PARALLEL


@dataclass(frozen=True)
class TuneRequest:
    """The ``tune`` command line, unparsed (the service checks every value)."""

    function_name: str | None = None
    memory: str | None = None
    invocations: int = defaults.TUNE_INVOCATIONS
    parallel: int = defaults.TUNE_PARALLEL
    payload: str | None = None
    payload_file: Path | None = None
    cold_only: bool = False
    trim: str | None = None
    strategy: str = "cost"
    weight: str = "0.5"
    report: Path | None = None
    apply: bool = False
    dry_run: bool = False
    cleanup: bool = False
    #: asked before the first invocation unless ``--yes``; None (no terminal) answers no
    confirm: Callable[[str], bool] | None = None
    #: progress lines (the CLI prints them on stderr)
    progress: Callable[[str], None] | None = None


@dataclass
class TuneResult:
    """What a run measured and decided, and what it left behind (nothing, normally)."""

    function: str
    region: str
    arch: str
    run_id: str
    current_mb: int
    results: list[SizeResult] = field(default_factory=list)
    choice: Choice | None = None
    recommendation: str = ""
    chart: str = ""
    edit: FieldEdit | None = None
    report_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)
    invocations: int = 0
    wall_seconds: float = 0.0
    invoke_seconds: float = 0.0
    #: the sum of every invocation's own Duration (its REPORT line), trimmed ones included
    function_ms: float = 0.0
    parallel: int = 1
    setup_plan: Plan | None = None
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """``--output json``: ``results`` and ``best`` (as the issue says), with context."""
        doc: dict[str, Any] = {
            "function": self.function,
            "region": self.region,
            "architecture": self.arch,
            "run_id": self.run_id,
            "current_memory": self.current_mb,
        }
        if self.dry_run:
            assert self.setup_plan is not None
            doc["dry_run"] = True
            doc["plan"] = [s.describe() for s in self.setup_plan.steps]
            return doc
        if self.choice is not None:
            doc.update(result_document(self.results, self.choice))
        doc["recommendation"] = self.recommendation
        doc["function_json"] = (
            None
            if self.edit is None
            else {
                "path": str(self.edit.path),
                "old": self.edit.old,
                "new": self.edit.new,
                "written": self.edit.written,
                "edit": self.edit.describe(),
            }
        )
        doc["report"] = str(self.report_path) if self.report_path else None
        doc["invocations"] = self.invocations
        doc["parallel"] = self.parallel
        doc["wall_seconds"] = round(self.wall_seconds, 3)
        doc["invoke_seconds"] = round(self.invoke_seconds, 3)
        doc["function_duration_ms_total"] = round(self.function_ms, 3)
        doc["cleaned_up"] = self.cleaned
        doc["notes"] = self.notes
        return doc


@dataclass(frozen=True)
class _Checked:
    sizes: tuple[int, ...]
    payloads: list[bytes]
    trim: Decimal
    weight: Decimal
    parallel: int


def _check(app: App, request: TuneRequest) -> _Checked:
    """Every option, before anything is read or sent."""
    from lambherd.cost.payloads import plan_payloads, read_payload_document

    sizes = parse_sizes(request.memory or defaults.TUNE_PRESET)
    if request.invocations < 1:
        raise UsageError(f"--invocations: {request.invocations} must be 1 or more")
    if not 1 <= request.parallel <= defaults.TUNE_MAX_PARALLEL:
        raise UsageError(
            f"--parallel: {request.parallel} must be between 1 and {defaults.TUNE_MAX_PARALLEL}"
        )
    if request.strategy not in STRATEGIES:
        raise UsageError(f"--strategy: {request.strategy!r} is not one of {', '.join(STRATEGIES)}")
    weight = _decimal(request.weight, "--weight")
    if not Decimal(0) <= weight <= 1:
        raise UsageError(f"--weight: {weight} must be between 0 and 1")
    if request.trim is None:  # --cold-only: every invocation is a cold start, none is an outlier
        trim = Decimal(0) if request.cold_only else DEFAULT_TRIM
    else:
        trim = _decimal(request.trim.rstrip("%"), "--trim")
        if request.trim.endswith("%"):
            trim /= 100
    if not Decimal(0) <= trim <= MAX_TRIM:
        raise UsageError(f"--trim: {request.trim} must be between 0 and {MAX_TRIM}")
    if request.payload is not None and request.payload_file is not None:
        raise UsageError("give --payload or --payload-file, not both")
    if request.payload_file is not None:
        path = app.resolve(request.payload_file)
        try:
            raw: str | bytes = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"--payload-file {request.payload_file}: {exc.strerror}") from None
        source = str(request.payload_file)
    else:
        raw, source = request.payload if request.payload is not None else "{}", "--payload"
    payloads = plan_payloads(read_payload_document(raw, source), request.invocations, source=source)
    if request.report is not None:
        folder = app.resolve(request.report).parent
        if not folder.is_dir():
            raise UsageError(f"--report {request.report}: folder {folder} does not exist")
    return _Checked(sizes, payloads, trim, weight, min(request.parallel, request.invocations))


def _decimal(text: str, option: str) -> Decimal:
    try:
        return Decimal(str(text).strip())
    except InvalidOperation:
        raise UsageError(f"{option}: {text!r} is not a number") from None


def tune(app: App, request: TuneRequest) -> TuneResult:
    """Tune the function's memory size (see the module docstring)."""
    from lambherd.cost.pricelist import current_table
    from lambherd.project.context import resolve_target

    started = time.perf_counter()
    checked = _check(app, request)
    target = resolve_target(app, request.function_name)
    definition = _definition_path(app, request) if request.apply else None
    name = target.name
    clients = app.clients
    lam = clients.client("lambda")
    if request.cleanup:
        return _cleanup_only(app, name)
    config = _read_ready(app, name)
    region = clients.region
    arch = str((config.get("Architectures") or ["x86_64"])[0])
    table, table_note = current_table()
    table.require_region(region)
    prices = UnitPrices.from_table(table, region, arch)
    current = int(config.get("MemorySize") or defaults.MEMORY_SIZE)
    sizes = checked.sizes
    result = TuneResult(name, region, arch, _run_id(), current, parallel=checked.parallel)
    if table_note:
        result.notes.append(table_note)
    if current not in sizes:
        sizes = tuple(sorted((*sizes, current)))
        result.notes.append(f"{current} MB (the current size) measured too, to compare with")
    planned = slots(
        result.run_id, sizes, cold_only=request.cold_only, invocations=request.invocations
    )
    setup = plan_setup(name, config, planned)
    result.setup_plan = setup
    if request.dry_run:
        result.dry_run = True
        return result
    total = len(sizes) * request.invocations
    question = (
        f"tune invokes {name} {total} times ({len(sizes)} sizes x {request.invocations}); "
        "anything an invocation writes or sends is done that many times. Go on?"
    )
    if not app.assume_yes and not (request.confirm and request.confirm(question)):
        raise UsageError(
            f"tune invokes {name} {total} times with real payloads: refused without --yes",
            hint="pass --yes when its invocations have no side effects (or are safe to repeat)",
        )
    existing = {str(v.get("Version")) for v in _versions(app, name)}
    say = request.progress or (lambda _line: None)
    records: dict[int, list[ReportRecord]] = {}
    failure: BaseException | None = None
    try:
        say(f"setting up {len(planned)} temporary version(s) and alias(es) of {name}")
        _executor(app).run(setup)
        records = _invoke_all(lam, name, planned, checked, request, say, result)
    except BaseException as exc:
        failure = exc
        raise
    finally:
        result.cleaned, problems = _clean_up(app, name, config, result.run_id, existing, say)
        if problems:
            left = f"clean-up incomplete: {'; '.join(problems)}"
            if isinstance(failure, LambherdError):
                failure.message += f" ({left})"
                failure.args = (failure.message,)
            elif failure is None:
                raise LambherdError(
                    f"tune: {left}", hint="run `lambherd tune --cleanup` to remove what is left"
                )
    result.results = [measure(size, records[size], prices, trim=checked.trim) for size in sizes]
    result.choice = choose(result.results, request.strategy, checked.weight)
    result.recommendation = recommend(result.results, result.choice, current)
    result.chart = terminal_chart(result.results, result.choice)
    best = result.choice.best.memory_mb
    if definition is not None:
        from lambherd.definition.literal_edit import set_number_field

        if best != current:
            result.edit = set_number_field(definition, "MemorySize", best)
    if request.report is not None:
        path = app.resolve(request.report)
        page = render_html(name, result.results, result.choice, region=region, arch=arch)
        path.write_text(page, encoding="utf-8")
        result.report_path = path
    result.notes += _sandbox_notes(clients)
    result.wall_seconds = time.perf_counter() - started
    return result


def _run_id() -> str:
    """A short id naming everything one run makes (lower-case letters and digits)."""
    return secrets.token_hex(4)


def _definition_path(app: App, request: TuneRequest) -> Path:
    """The definition file ``--apply`` edits."""
    from lambherd.definition import find_definition
    from lambherd.errors import DefinitionError

    try:
        return find_definition(app.workdir, app.function_path)
    except DefinitionError as exc:
        raise UsageError(f"--apply writes MemorySize into the definition: {exc.message}") from None


def _executor(app: App) -> Any:
    from lambherd.apply import executor_for

    return executor_for(app.clients, dry_run=False)


def _read_ready(app: App, name: str) -> dict[str, Any]:
    """$LATEST's configuration once no update is in progress."""
    from botocore.exceptions import ClientError

    from lambherd.apply.waiters import wait_until_ready

    lam = app.clients.client("lambda")

    def read() -> dict[str, Any]:
        try:
            return lam.get_function_configuration(FunctionName=name)
        except ClientError as exc:
            raise describe_client_error(exc, f"reading function {name}") from exc

    config = wait_until_ready(read, name)
    if config.get("PackageType") == "Image" and not config.get("CodeSha256"):
        raise UsageError(f"{name}: an image function without a CodeSha256 cannot be tuned")
    return config


def _versions(app: App, name: str) -> list[dict[str, Any]]:
    return _paginate(app, "list_versions_by_function", "Versions", name)


def _aliases(app: App, name: str) -> list[dict[str, Any]]:
    return _paginate(app, "list_aliases", "Aliases", name)


def _paginate(app: App, operation: str, key: str, name: str) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    lam = app.clients.client("lambda")
    try:
        return [
            item
            for page in lam.get_paginator(operation).paginate(FunctionName=name)
            for item in page.get(key, [])
        ]
    except ClientError as exc:
        raise describe_client_error(exc, f"listing {key.lower()} of {name}") from exc


# -- invocations --------------------------------------------------------------------------------
class _Stopped(Exception):
    """A run stopped before this invocation was sent."""


def _invoke_all(
    lam: Any,
    name: str,
    planned: list[Slot],
    checked: _Checked,
    request: TuneRequest,
    say: Callable[[str], None],
    result: TuneResult,
) -> dict[int, list[ReportRecord]]:
    """Every size's invocations, ``parallel`` in flight; the REPORT records per size.

    The sizes take turns (invocation 1 of every size, then invocation 2...), so that whatever
    else the machine (or the account) is doing meanwhile weighs on every size alike.
    """
    by_size: dict[int, list[str]] = {}
    for slot in planned:
        by_size.setdefault(slot.memory_mb, []).append(slot.alias)
    order = [(size, i) for i in range(request.invocations) for size in by_size]
    say(
        f"invoking: {len(by_size)} sizes x {request.invocations} invocation(s), "
        f"{checked.parallel} at a time"
    )
    stop = threading.Event()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=checked.parallel, thread_name_prefix="tune") as pool:
        try:
            jobs = [
                pool.submit(
                    _invoke_one,
                    lam,
                    name,
                    by_size[size][i if request.cold_only else 0],
                    checked.payloads[i],
                    stop,
                    size,
                    i,
                )
                for size, i in order
            ]
            wait(jobs, return_when=FIRST_EXCEPTION)
            failed = next((j for j in jobs if j.done() and j.exception()), None)
            if failed is not None:
                stop.set()
                raise failed.exception()  # type: ignore[misc]
        except BaseException:
            stop.set()  # queued invocations return at once; those in flight finish
            raise
    result.invoke_seconds = time.perf_counter() - started
    result.invocations = len(jobs)
    records: dict[int, list[ReportRecord]] = {size: [] for size in by_size}
    for (size, _), job in zip(order, jobs, strict=True):
        records[size].append(job.result())
    result.function_ms = sum(r.duration_ms or 0 for rs in records.values() for r in rs)
    return records


def _invoke_one(
    lam: Any, name: str, alias: str, payload: bytes, stop: threading.Event, size: int, index: int
) -> ReportRecord:
    """One invocation with its log tail; its REPORT line's figures."""
    from lambherd.invocation import invoke_function
    from lambherd.report import parse_report

    if stop.is_set():
        raise _Stopped()
    outcome = invoke_function(lam, name, payload, qualifier=alias, log_tail=True)
    where = f"{size} MB, invocation {index + 1}"
    if outcome.failed:
        detail = outcome.error_type or outcome.function_error
        message = outcome.error_message
        raise LambherdError(
            f"tune stopped: {where} failed: {detail}" + (f": {message}" if message else ""),
            hint="fix the payload, or leave out the memory sizes the function cannot run in",
        )
    for line in reversed((outcome.log_tail or "").splitlines()):
        record = parse_report(line)
        if record is not None:
            return record
    raise LambherdError(f"tune stopped: {where}: no REPORT line in the invocation's log tail")


# -- clean-up -----------------------------------------------------------------------------------
def _clean_up(
    app: App,
    name: str,
    original: dict[str, Any],
    run_id: str,
    existing: set[str],
    say: Callable[[str], None],
) -> tuple[list[str], list[str]]:
    """Delete what the run made and put $LATEST back: (what was done, what failed).

    Runs on every exit; a failing step does not stop the others. A second Ctrl-C here
    abandons it: the error lists what is left.
    """
    done: list[str] = []
    problems: list[str] = []
    try:
        executor = _executor(app)
        try:
            now = _read_ready(app, name)
            restore = plan_restore(name, now, original, run_id)
            if not restore.empty:
                executor.run(restore)
                done.append(f"$LATEST MemorySize {original.get('MemorySize')} put back")
            plan = plan_cleanup(
                name, _aliases(app, name), _versions(app, name), run_id, existing=existing
            )
        except LambherdError as exc:
            return done, [exc.message]
        if plan.steps:
            say(f"cleaning up: {len(plan.steps)} temporary alias(es) and version(s)")
        for step in plan.steps:
            try:
                executor.run(Plan(function_name=name, steps=(step,)))
                done.append(step.describe())
            except LambherdError as exc:
                problems.append(exc.message)
    except KeyboardInterrupt:
        error = LambherdError(
            f"tune interrupted during its clean-up; left behind: {_leftovers(app, name, run_id)}",
            hint=f"run `lambherd tune --cleanup` to remove them (run id {run_id})",
        )
        error.exit_code = exit_codes.INTERRUPTED
        raise error from None
    return done, problems


def _leftovers(app: App, name: str, run_id: str) -> str:
    try:
        plan = plan_cleanup(name, _aliases(app, name), _versions(app, name), run_id)
    except (LambherdError, KeyboardInterrupt):
        return f"unknown (aliases lambherd-tune-{run_id}-*)"
    return ", ".join(s.describe() for s in plan.steps) or "nothing"


def _cleanup_only(app: App, name: str) -> TuneResult:
    """``tune --cleanup``: remove every tune run's aliases and versions left on the function."""
    result = TuneResult(name, app.clients.region, "", "", 0)
    plan = plan_cleanup(name, _aliases(app, name), _versions(app, name), None)
    executor = _executor(app)
    for step in plan.steps:
        executor.run(Plan(function_name=name, steps=(step,)))
        result.cleaned.append(step.describe())
    return result


def _sandbox_notes(clients: Any) -> list[str]:
    """On the sandbox: whether its environments get Lambda's CPU share (its health says)."""
    endpoint = clients.endpoint_url
    if not endpoint:
        return []
    try:
        with urllib.request.urlopen(f"{endpoint}/_lambherd/health", timeout=2) as resp:
            health = json.loads(resp.read())
    except (OSError, ValueError):
        return []
    if not isinstance(health, dict) or health.get("service") != "lambherd-sandbox":
        return []
    warnings = [w for w in health.get("warnings") or [] if "CPU share" in str(w)]
    if warnings:
        return [f"sandbox: {w}" for w in warnings]
    return ["sandbox: execution environments get Lambda's CPU share of each memory size"]
