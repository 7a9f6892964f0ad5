"""Jobs that run when sandbox time passes their time: the room for scheduled behaviour.

Other rooms register callbacks (a scheduled scaling action, the next step of a rollout, an
EventBridge schedule) with ``at`` / ``every`` / ``schedule``. A background thread runs each job
when its time comes; moving the clock runs every job it moved past at once, before the move
returns, in time order (a periodic job once per occurrence passed). A callback gets the sandbox
time it was due at; its exceptions are logged, never raised.

    job = app.scheduler.at(parse_time("2026-12-02T09:00:00+09:00"), scale_up)
    app.scheduler.every(60, sample_utilisation)
    app.scheduler.cancel(job)
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lambherd.sandbox.clock import SandboxClock

log = logging.getLogger("lambherd.sandbox")
Callback = Callable[[datetime], None]
#: The next time of a periodic job after the occurrence it was given; None ends the job.
Repeat = Callable[[datetime], "datetime | None"]
#: How long the background thread sleeps at most between two looks at the clock.
MAX_WAIT_S = 60.0


@dataclass(eq=False)
class Job:
    """One registered job (``due`` moves on after each run of a periodic job)."""

    name: str
    due: datetime
    callback: Callback
    repeat: Repeat | None = None
    cancelled: bool = False
    runs: int = field(default=0)


class Scheduler:
    """Runs jobs when the sandbox clock passes their time."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[datetime, int, Job]] = []
        self._order = itertools.count()
        self._run_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        clock.on_move(self._clock_moved)

    # -- registering ----------------------------------------------------------------------
    def schedule(
        self, when: datetime, callback: Callback, *, repeat: Repeat | None = None, name: str = ""
    ) -> Job:
        """Run ``callback(due)`` when sandbox time passes ``when`` (then at ``repeat(due)``...)."""
        job = Job(name or getattr(callback, "__name__", "job"), when, callback, repeat)
        with self._cond:
            if self._closed:
                raise RuntimeError("the scheduler is closed")
            heapq.heappush(self._heap, (job.due, next(self._order), job))
            self._start()
            self._cond.notify_all()
        if when <= self.clock.now():
            self.run_due()
        return job

    def at(self, when: datetime, callback: Callback, *, name: str = "") -> Job:
        """Run ``callback(when)`` once, when sandbox time passes ``when``."""
        return self.schedule(when, callback, name=name)

    def every(
        self,
        seconds: float,
        callback: Callback,
        *,
        first: datetime | None = None,
        name: str = "",
    ) -> Job:
        """Run ``callback`` every ``seconds`` of sandbox time (first at ``first``, default now +
        ``seconds``)."""
        if seconds <= 0:
            raise ValueError("a periodic job needs an interval above 0 seconds")
        step = timedelta(seconds=seconds)
        start = first or self.clock.now() + step
        return self.schedule(start, callback, repeat=lambda due: due + step, name=name)

    def cancel(self, job: Job) -> None:
        """The job never runs again."""
        with self._cond:
            job.cancelled = True
            self._cond.notify_all()

    def jobs(self) -> list[Job]:
        """The jobs still to run, soonest first."""
        with self._cond:
            return [
                j for _, _, j in sorted(self._heap, key=lambda e: (e[0], e[1])) if not j.cancelled
            ]

    # -- running ---------------------------------------------------------------------------
    def _clock_moved(self) -> None:
        self.run_due()
        with self._cond:  # the background thread plans its next wake-up again
            self._cond.notify_all()

    def run_due(self) -> int:
        """Run every job whose time has passed, in time order; returns how many runs there were."""
        ran = 0
        with self._run_lock:  # one job at a time, whoever calls
            while True:
                job = self._pop_due()
                if job is None:
                    break
                due = job.due
                try:
                    job.callback(due)
                except Exception:
                    log.exception("scheduled job %s (due %s) failed", job.name, due.isoformat())
                job.runs += 1
                ran += 1
                self._again(job, due)
        return ran

    def _pop_due(self) -> Job | None:
        now = self.clock.now()
        with self._cond:
            while self._heap:
                due, _, job = self._heap[0]
                if job.cancelled:
                    heapq.heappop(self._heap)
                    continue
                if due > now:
                    return None
                heapq.heappop(self._heap)
                return job
        return None

    def _again(self, job: Job, due: datetime) -> None:
        if job.repeat is None or job.cancelled:
            return
        following = job.repeat(due)
        if following is None:
            return
        if following <= due:
            log.error("scheduled job %s: its next time does not move forward; dropped", job.name)
            return
        job.due = following
        with self._cond:
            heapq.heappush(self._heap, (following, next(self._order), job))
            self._cond.notify_all()

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="sandbox-scheduler", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                pending = [d for d, _, j in self._heap if not j.cancelled]
                wait = MAX_WAIT_S
                if pending:
                    wait = min(wait, max(0.0, (min(pending) - self.clock.now()).total_seconds()))
                if wait > 0:
                    self._cond.wait(wait)
                if self._closed:
                    return
            self.run_due()

    def close(self) -> None:
        """Stop the background thread; no job starts after this returns."""
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
