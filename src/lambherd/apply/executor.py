"""Run a Plan against AWS, step by step: waits after each function update, RevisionId chained
from one update to the next, throttling and conflicts retried, errors said in one line.

The chain: every change of ``$LATEST`` is sent with the RevisionId the plan read (or the one the
previous change left), so a function changed by another writer since it was read is refused
(PreconditionFailed) instead of overwritten. Updates return their new RevisionId; steps that
change it without returning it (``Step.changes_revision_silently``: PublishVersion, permission
changes on the unqualified function, URL updates) are followed by a read of the new one when a
later step needs it (``Step.guarded_by_revision``). A RevisionId is only ever sent when the
endpoint reported one (moto's server reports none, so gets none).

Lost answers: a write AWS applied but whose answer never came back is sent again (by botocore,
or by ``StepRun.call`` on 5xx and dropped connections) and refused — its RevisionId is stale,
the thing already exists, or is already gone. Each handler passes ``applied=``, a re-read that
says whether its write is in place (UpdateConfiguration: the fields equal the desired ones;
UploadCode: CodeSha256; PublishVersion: a version with that code and configuration; an alias:
it points where wanted; a permission: the statement is there...); that answer then stands for
the write's. A create whose thing exists otherwise raises ``AlreadyExistsError``: the runner
re-plans that function from what is there, once (``pipeline.runner``).

This is the core only: each step type's handler lives in its concern's module under
``lambherd.apply.handlers`` (see ``lambherd.apply.registry``).

For steps that take long (a rollout's bake, a wait for an allocation) a run also offers: a
``StopSignal`` its waits end on (``run.wait``), progress reports while a step runs
(``run.progress``), state a concern chains from one of its steps to the next (``run.state``), a
timeline of what happened when (``run.timeline``, kept on the result), and ``run.on_interrupt``:
while set, a Ctrl-C between or inside steps is raised as the exception it makes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambherd.apply.registry import handler_for
from lambherd.apply.stopping import StopSignal
from lambherd.apply.waiters import wait_until_ready
from lambherd.errors import AwsError, LambherdError, describe_client_error
from lambherd.plan.steps import PUBLISHED, Plan, Step
from lambherd.retry import RetryPolicy, dropped_connection, is_retryable

#: How a handler sees that its write is already in place (a stand-in answer), or None.
Applied = Callable[[], "dict[str, Any] | None"]
#: Refusals that a write already applied explains (our lost answer, or a racing writer).
SETTLING_CODES = frozenset(
    {"PreconditionFailedException", "ResourceNotFoundException", "ResourceConflictException"}
)


def settles(exc: Exception) -> bool:
    """True for a refusal worth checking against the desired state: a stale RevisionId,
    "already exists", "not found" (the handler's check says whether it applies)."""
    from lambherd.retry import already_exists

    if already_exists(exc):
        return True
    code = (getattr(exc, "response", {}) or {}).get("Error", {}).get("Code")
    return code in SETTLING_CODES and code != "ResourceConflictException"


@dataclass(frozen=True)
class StepResult:
    """One executed (or displayed) step: how long it took and what it returned worth showing."""

    step: Step
    seconds: float = 0.0
    detail: str = ""
    bytes_uploaded: int = 0


@dataclass
class ExecutionResult:
    """What running a plan did."""

    plan: Plan
    results: list[StepResult] = field(default_factory=list)
    version: str | None = None
    dry_run: bool = False
    #: Events of long steps in time order (a rollout's shifts and gate readings), JSON-ready.
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bytes_uploaded(self) -> int:
        """Bytes of code sent (zip bodies and S3 uploads)."""
        return sum(r.bytes_uploaded for r in self.results)


class StepRun:
    """One plan being run: the calls handlers make, and the state chained from step to step
    ($LATEST's RevisionId and CodeSha256, the function ARN, the version published)."""

    def __init__(self, executor: Executor, plan: Plan) -> None:
        self.name = plan.function_name
        self.revision_id = plan.revision_id
        self.code_sha256 = plan.code_sha256
        self.function_arn = plan.function_arn
        self.desired_config = plan.desired_config
        self.version: str | None = None
        #: What a concern's steps pass on to its later steps (key: the concern's name).
        self.state: dict[str, Any] = {}
        self.timeline: list[dict[str, Any]] = []
        #: While set, a Ctrl-C is raised as the exception this returns (see the module docstring).
        self.on_interrupt: Callable[[], BaseException] | None = None
        self._executor = executor

    @property
    def clients(self) -> Any:
        """The run's ``AwsClients``."""
        return self._executor.clients

    @property
    def stop(self) -> StopSignal | None:
        """The run's stop signal (None: nothing can stop it early)."""
        return self._executor.stop

    def now(self) -> float:
        """Wall time (epoch seconds)."""
        return self._executor.clock()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the stop signal ended the wait."""
        stop = self._executor.stop
        if stop is not None:
            return stop.wait(seconds)
        self._executor.sleep(max(0.0, seconds))
        return False

    def progress(self, step: Step, detail: str, **data: Any) -> None:
        """Report how a long step is going (shown by progress views, never required)."""
        if self._executor.on_progress is not None:
            self._executor.on_progress(step, detail, data)

    def call(
        self,
        action: str,
        operation: str,
        *,
        service: str = "lambda",
        applied: Applied | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """One AWS call, retried on throttling, conflicts, 5xx and dropped connections; a
        failure names ``action``.

        ``applied`` says how to see that the write is already in place: it re-reads and returns
        a stand-in for the answer, or None. It is asked when the write is refused in a way a
        lost answer (or a racing writer doing the same) explains — a stale RevisionId, "already
        exists", "not found" for a delete — and its answer is then taken as the write's.
        """
        from botocore.exceptions import ClientError

        method = getattr(self._executor.clients.client(service), operation)
        policy = self._executor.retry
        for attempt in range(policy.attempts):
            last = attempt == policy.attempts - 1
            try:
                return method(**params)
            except ClientError as exc:
                if applied is not None and settles(exc):
                    done = applied()
                    if done is not None:
                        return done
                if last or not is_retryable(exc):
                    raise describe_client_error(exc, action) from exc
            except Exception as exc:
                if not dropped_connection(exc):
                    raise
                if last:
                    raise AwsError(f"{action}: {exc}") from exc
            policy.sleep(policy.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def read_configuration(self, qualifier: str | None = None) -> dict[str, Any]:
        """GetFunctionConfiguration of the function (or of one version)."""
        where = self.name + (f":{qualifier}" if qualifier else "")
        params = {"Qualifier": qualifier} if qualifier else {}
        return self.call(
            f"read {where}", "get_function_configuration", FunctionName=self.name, **params
        )

    def gone(self, qualifier: str | None = None) -> bool:
        """True when the function (or that version of it) no longer exists."""
        from lambherd.errors import NotFoundError

        try:
            self.read_configuration(qualifier)
        except NotFoundError:
            return True
        return False

    def wait_ready(self) -> None:
        """Wait for $LATEST to settle after a change; take its RevisionId, CodeSha256, ARN."""
        config = wait_until_ready(
            self.read_configuration,
            self.name,
            timeout=self._executor.wait_timeout,
            sleep=self._executor.sleep,
        )
        self.revision_id = config.get("RevisionId") or self.revision_id
        self.code_sha256 = config.get("CodeSha256") or self.code_sha256
        self.function_arn = config.get("FunctionArn") or self.function_arn

    def wait_version(self, version: str) -> None:
        """Wait for a published version to settle."""
        wait_until_ready(
            lambda: self.read_configuration(version),
            f"{self.name}:{version}",
            timeout=self._executor.wait_timeout,
            sleep=self._executor.sleep,
        )

    @property
    def sleep(self) -> Callable[[float], None]:
        """The executor's sleep: waits use it (tests make it instant)."""
        return self._executor.sleep

    @property
    def wait_timeout(self) -> float:
        """How long a wait may take before it gives up."""
        return self._executor.wait_timeout

    def revision(self) -> dict[str, Any]:
        """``{"RevisionId": ...}`` to guard a change of $LATEST, or {} when none is known."""
        return {"RevisionId": self.revision_id} if self.revision_id else {}

    def refresh_revision(self) -> None:
        """Read the RevisionId our own last change left (it returned none).

        Only when a RevisionId is being chained: an endpoint that reports none is not asked.
        """
        if self.revision_id is None:
            return
        self.revision_id = self.read_configuration().get("RevisionId")

    def target(self, version: str) -> str:
        """``version``, with ``PUBLISHED`` replaced by the version this plan published."""
        if version == PUBLISHED:
            if self.version is None:
                raise LambherdError("the plan moves an alias to a version it never published")
            return self.version
        return version

    def arn(self) -> str:
        """The function's ARN (read when the plan did not know it)."""
        if not self.function_arn:
            self.function_arn = self.read_configuration()["FunctionArn"]
        assert self.function_arn is not None
        return self.function_arn

    def qualified(self, qualifier: str | None) -> dict[str, Any]:
        """``FunctionName`` (and ``Qualifier`` when given) parameters."""
        return {"FunctionName": self.name, **({"Qualifier": qualifier} if qualifier else {})}


class Executor:
    """Executes plans with real AWS calls through ``clients`` (an ``AwsClients``)."""

    def __init__(
        self,
        clients: Any,
        *,
        retry: RetryPolicy | None = None,
        wait_timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        on_step: Callable[[StepResult], None] | None = None,
        stop: StopSignal | None = None,
        on_progress: Callable[[Step, str, dict[str, Any]], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clients = clients
        self.retry = retry or RetryPolicy(sleep=sleep)
        self.wait_timeout = wait_timeout
        self.sleep = sleep
        self.on_step = on_step
        self.stop = stop
        self.on_progress = on_progress
        self.clock = clock

    def run(self, plan: Plan) -> ExecutionResult:
        """Run every step in order; the first failure stops the run (re-running converges)."""
        run = StepRun(self, plan)
        result = ExecutionResult(plan=plan, timeline=run.timeline)
        try:
            self._run_steps(run, plan, result)
        except KeyboardInterrupt:
            if run.on_interrupt is None:
                raise
            raise run.on_interrupt() from None
        result.version = run.version
        return result

    def _run_steps(self, run: StepRun, plan: Plan, result: ExecutionResult) -> None:
        for i, step in enumerate(plan.steps):
            handler = handler_for(type(step))
            if handler is None:
                raise LambherdError(f"no executor for step {step.kind}")
            start = time.monotonic()
            detail, sent = handler(run, step)
            if step.changes_revision_silently and any(
                later.guarded_by_revision for later in plan.steps[i + 1 :]
            ):
                run.refresh_revision()
            done = StepResult(step, time.monotonic() - start, detail, sent)
            result.results.append(done)
            if self.on_step:
                self.on_step(done)
