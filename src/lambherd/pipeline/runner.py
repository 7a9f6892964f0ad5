"""Run a changeset: changed functions deployed ``parallel`` at a time (by default an adaptive
number: ``pipeline/pacing.py``), orphans pruned — for a project and for a single function (a
one-row changeset) alike.

Each function's plan runs through the executor ``executor_for`` picks (the real one: waits,
RevisionId chain, throttling and conflicts retried with backoff; the display-only one for a dry
run). One function failing does not stop the others unless ``fail_fast``; functions not yet
started are then skipped, and the run's stop signal ends the long steps of those running (a
rollout rolls back). A Ctrl-C stops the run the same way; rollouts under way are then left split
and marked interrupted (``RunResult.interrupted``), for the command to roll back or leave.
Progress is reported through ``on_event`` (called from worker threads); nothing here prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from typing import Any

from lambherd.apply import ExecutionResult, StepResult, executor_for
from lambherd.apply.stopping import FAIL_FAST, INTERRUPTED, StopSignal
from lambherd.defaults import DEFAULT_PARALLEL, PARALLEL_MAX, PARALLEL_START
from lambherd.errors import AlreadyExistsError, LambherdError, RolloutInterrupted
from lambherd.pipeline.pacing import AdaptiveLimit, PacingReport, watch_calls
from lambherd.pipeline.planning import DELETE, Changeset, PlannedFunction, replan
from lambherd.retry import RetryPolicy

#: Outcome statuses.
DEPLOYED, DELETED, UNCHANGED, FAILED, SKIPPED = (
    "deployed",
    "deleted",
    "unchanged",
    "failed",
    "skipped",
)


@dataclass(frozen=True)
class ProgressEvent:
    """``kind`` is start, step, progress, done, failed or skipped; ``detail`` a short text; a
    step event carries the step's ``result`` (its duration and what it returned); a progress
    event (a long step under way) its ``data`` (a rollout's ``weight`` and ``gates``)."""

    function: str
    kind: str
    detail: str = ""
    step_index: int = 0
    step_count: int = 0
    result: StepResult | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class FunctionOutcome:
    """What happened to one function."""

    name: str
    operation: str
    status: str
    seconds: float = 0.0
    version: str | None = None
    bytes_uploaded: int = 0
    error: str | None = None
    #: What the executor did (None: not run); the exception that stopped it, if any.
    execution: ExecutionResult | None = field(default=None, compare=False)
    exception: Exception | None = field(default=None, compare=False)

    @property
    def timeline(self) -> list[dict[str, Any]]:
        """What the long steps did when (a rollout's shifts and gate readings), even on failure."""
        if self.execution is not None:
            return list(self.execution.timeline)
        return list(getattr(self.exception, "timeline", None) or [])

    def to_json(self) -> dict[str, Any]:
        """This outcome as a JSON document."""
        doc = {
            "function": self.name,
            "operation": self.operation,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "bytes_uploaded": self.bytes_uploaded,
            "error": self.error,
        }
        if self.timeline:
            doc["timeline"] = self.timeline
        return doc


@dataclass
class RunResult:
    """Every function's outcome, in the changeset's order."""

    outcomes: list[FunctionOutcome] = field(default_factory=list)
    seconds: float = 0.0
    #: True when a Ctrl-C stopped the run with rollouts left split (their outcomes carry a
    #: ``RolloutInterrupted``).
    interrupted: bool = False
    #: What the adaptive parallelism did (None: a fixed ``--parallel``, or one function).
    pacing: PacingReport | None = None

    @property
    def interruptions(self) -> list[RolloutInterrupted]:
        """The rollouts a Ctrl-C left split."""
        return [o.exception for o in self.outcomes if isinstance(o.exception, RolloutInterrupted)]

    @property
    def ok(self) -> bool:
        """True when nothing failed or was skipped because of a failure."""
        return all(o.status not in (FAILED, SKIPPED) for o in self.outcomes)

    def count(self, status: str) -> int:
        """How many outcomes have ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def bytes_uploaded(self) -> int:
        """Code bytes sent, all functions together."""
        return sum(o.bytes_uploaded for o in self.outcomes)

    def summary(self) -> str:
        """``3 deployed, 1 deleted, 46 unchanged, 0 failed, 0 skipped``."""
        parts = [f"{self.count(s)} {s}" for s in (DEPLOYED, DELETED, UNCHANGED, FAILED, SKIPPED)]
        return ", ".join(parts) + f" in {self.seconds:.1f}s"

    def to_json(self) -> dict[str, Any]:
        """The ``deploy --output json`` document for a project."""
        doc = {
            "ok": self.ok,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "bytes_uploaded": self.bytes_uploaded,
            "functions": [o.to_json() for o in self.outcomes],
        }
        if self.pacing is not None:
            doc["parallel"] = self.pacing.to_json()
        return doc


def run_changeset(
    clients: Any,
    changeset: Changeset,
    *,
    parallel: int | None = DEFAULT_PARALLEL,
    fail_fast: bool = False,
    prune: bool = False,
    dry_run: bool = False,
    on_event: Callable[[ProgressEvent], None] | None = None,
    retry: RetryPolicy | None = None,
) -> RunResult:
    """Execute every non-empty plan (deletes only with ``prune``), ``parallel`` at a time
    (None: an adaptive number, ``pacing.AdaptiveLimit`` fed by every AWS answer); with
    ``dry_run``, display them (no AWS call)."""
    start = time.monotonic()
    notify = on_event or (lambda _event: None)
    stop = StopSignal()
    outcomes: dict[str, FunctionOutcome] = {}
    pacing: PacingReport | None = None
    work: list[PlannedFunction] = []
    for change in changeset.changes:
        if change.applied(prune):
            work.append(change)
        else:
            outcomes[change.name] = FunctionOutcome(change.name, change.operation, UNCHANGED)

    def one(change: PlannedFunction) -> FunctionOutcome:
        if stop.is_set():
            why = "interrupted" if stop.reason == INTERRUPTED else "an earlier function failed"
            notify(ProgressEvent(change.name, "skipped", why))
            return FunctionOutcome(change.name, change.operation, SKIPPED)
        outcome = _run_one(clients, change, notify, retry, dry_run, stop)
        if isinstance(outcome.exception, RolloutInterrupted):
            stop.stop(INTERRUPTED)
        elif outcome.status == FAILED and fail_fast:
            stop.stop(FAIL_FAST)
        return outcome

    if parallel is not None and parallel < 1:
        raise ValueError(f"parallel must be at least 1, got {parallel}")
    if parallel == 1 or len(work) <= 1:
        # in this thread: Ctrl-C stops the function being deployed where it is, as a single
        # function's deploy always has (a pool would let it run to its end first); a rollout
        # turns it into a RolloutInterrupted outcome
        for change in work:
            outcome = one(change)
            outcomes[outcome.name] = outcome
    elif parallel is not None:
        _run_pool(one, work, parallel, stop, outcomes)
    else:
        limit = AdaptiveLimit(maximum=max(PARALLEL_START, min(PARALLEL_MAX, len(work))))

        def paced(change: PlannedFunction) -> FunctionOutcome:
            with limit.slot():  # closed (a Ctrl-C): ``one`` skips it on the stop signal
                return one(change)

        with watch_calls(clients, limit):
            _run_pool(paced, work, limit.maximum, stop, outcomes, on_stop=limit.close)
        pacing = limit.report()
    ordered = [outcomes[c.name] for c in changeset.changes]
    result = RunResult(ordered, time.monotonic() - start, pacing=pacing)
    result.interrupted = stop.reason == INTERRUPTED and bool(result.interruptions)
    return result


def _run_pool(
    one: Callable[[PlannedFunction], FunctionOutcome],
    work: list[PlannedFunction],
    parallel: int,
    stop: StopSignal,
    outcomes: dict[str, FunctionOutcome],
    on_stop: Callable[[], None] | None = None,
) -> None:
    """``one`` over ``work`` in a pool. On Ctrl-C nothing more starts and the stop signal ends
    the waits of the functions under way (a rollout leaves its split, marked interrupted); the
    Ctrl-C is raised again unless a rollout was interrupted (the caller reports those)."""
    pool = ThreadPoolExecutor(max_workers=parallel)
    futures = [pool.submit(one, change) for change in work]
    interrupted = False
    try:
        wait_for(futures)
    except KeyboardInterrupt:
        interrupted = True
        stop.stop(INTERRUPTED)
        if on_stop is not None:
            on_stop()  # waiters for a slot go on (and are skipped)
        for future in futures:
            future.cancel()
        wait_for(futures)  # those under way stop at their next wait
    finally:
        pool.shutdown(wait=True)
    for change, future in zip(work, futures, strict=True):
        if future.cancelled():
            outcomes[change.name] = FunctionOutcome(change.name, change.operation, SKIPPED)
        else:
            outcomes[change.name] = future.result()
    if interrupted and not any(
        isinstance(o.exception, RolloutInterrupted) for o in outcomes.values()
    ):
        raise KeyboardInterrupt


def _run_one(
    clients: Any,
    change: PlannedFunction,
    notify: Callable[[ProgressEvent], None],
    retry: RetryPolicy | None,
    dry_run: bool,
    stop: StopSignal | None = None,
) -> FunctionOutcome:
    total = len(change.plan.steps)
    done_steps = [0]
    notify(ProgressEvent(change.name, "start", ", ".join(change.changes), 0, total))

    def on_progress(step: Any, detail: str, data: dict[str, Any]) -> None:
        notify(ProgressEvent(change.name, "progress", detail, done_steps[0], total, data=data))

    def on_step(result: StepResult) -> None:
        done_steps[0] += 1
        notify(
            ProgressEvent(change.name, "step", result.step.describe(), done_steps[0], total, result)
        )

    start = time.monotonic()
    replanned = False
    try:
        executor = executor_for(
            clients,
            dry_run=dry_run,
            retry=retry,
            on_step=on_step,
            stop=stop,
            on_progress=on_progress,
        )
        try:
            execution = executor.run(change.plan)
        except AlreadyExistsError:
            # a create found it there (a racing deploy, our own lost answer): re-plan from
            # what is there, once; a second "already exists" is reported as it is
            change, replanned = replan(change, clients, retry=retry), True
            execution = executor.run(change.plan)
    except Exception as exc:  # one function's failure must not take the others down
        message = exc.message if isinstance(exc, LambherdError) else _describe(exc)
        notify(ProgressEvent(change.name, "failed", message, done_steps[0], total))
        return FunctionOutcome(
            change.name,
            change.operation,
            FAILED,
            time.monotonic() - start,
            error=message,
            exception=exc,
        )
    status = DELETED if change.operation == DELETE else DEPLOYED
    if execution.version is None and replanned:
        execution.version = _served_version(change)  # published before the re-plan
    detail = f"version {execution.version}" if execution.version else status
    notify(ProgressEvent(change.name, "done", detail, total, total))
    return FunctionOutcome(
        change.name,
        change.operation,
        status,
        time.monotonic() - start,
        execution.version,
        execution.bytes_uploaded,
        execution=execution,
    )


def _served_version(change: PlannedFunction) -> str | None:
    """The version a re-planned function's alias serves: where its plan moved it, else where
    the re-plan found it."""
    from lambherd.plan.steps import PUBLISHED, CreateAlias, MoveAlias

    for step in change.plan.steps:
        if isinstance(step, CreateAlias | MoveAlias) and step.version != PUBLISHED:
            return step.version
    alias = change.remote.alias or {}
    return str(alias["FunctionVersion"]) if alias.get("FunctionVersion") else None


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}"
    return f"{type(exc).__name__}: {exc}"
