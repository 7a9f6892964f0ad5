"""Execution environments of one function version, and the concurrency limit of a function.

A ``ConcurrencyLimit`` counts in-flight invocations of a function (all versions, as reserved
concurrency does on Lambda). A ``FunctionPool`` keeps the warm environments of one version:
an invocation takes the most recently used idle one, or a new one (cold start) while the limit
allows; provisioned environments are started ahead and never reaped; idle on-demand
environments older than the idle timeout are stopped; a drained pool (code replaced) stops its
environments as they come back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambherd.local.environment import Environment
from lambherd.local.interpreters import Interpreter
from lambherd.local.spec import FunctionSpec, InitFailure

#: Provisioned environments per version (``LocalRuntime.set_concurrency``).
Counts = dict[str, int] | None
#: Called as each new provisioned environment is up.
Started = Callable[[], None] | None


class ConcurrencyLimit:
    """In-flight invocations of one function against its reserved concurrency."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self._cond = threading.Condition()

    def try_acquire(self) -> bool:
        """Take a slot if one is free (synchronous invokes: no slot means throttled)."""
        with self._cond:
            if self.in_flight >= self.limit:
                return False
            self.in_flight += 1
            return True

    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a slot (asynchronous invokes queue); False if ``stop`` is set meanwhile."""
        with self._cond:
            while self.in_flight >= self.limit:
                if stop.is_set():
                    return False
                self._cond.wait(0.5)
            self.in_flight += 1
            return True

    def release(self) -> None:
        """Give a slot back."""
        with self._cond:
            self.in_flight -= 1
            self._cond.notify()

    def set(self, limit: int) -> None:
        """Change the limit (running invocations are not interrupted)."""
        with self._cond:
            self.limit = limit
            self._cond.notify_all()


class FunctionPool:
    """Warm environments of one function version."""

    def __init__(self, spec: FunctionSpec, interpreter: Interpreter, limit: ConcurrencyLimit):
        self.spec = spec
        self.interpreter = interpreter
        self.limit = limit
        self.draining = False
        self._idle: list[Environment] = []
        self._all: set[Environment] = set()
        self._lock = threading.Lock()

    def checkout(self) -> tuple[Environment, bool]:
        """A warm idle environment (a provisioned one first, as Lambda serves from provisioned
        concurrency before spilling over), or a new unstarted one; ``(env, cold)``."""
        with self._lock:
            while self._idle:
                chosen = next((e for e in reversed(self._idle) if e.provisioned), None)
                env = chosen or self._idle[-1]
                self._idle.remove(env)
                if env.alive:
                    env.provisioned_use = self._use()
                    return env, False
                self._all.discard(env)
                env.stop()
            env = Environment(self.spec, self.interpreter)
            self._all.add(env)
            env.provisioned_use = self._use()
            return env, True

    def provisioned_use(self) -> tuple[int, int]:
        """(busy, total) provisioned environments of this version right now."""
        with self._lock:
            return self._use()

    def _use(self) -> tuple[int, int]:
        total = [e for e in self._all if e.provisioned]
        idle = sum(1 for e in self._idle if e.provisioned)
        return len(total) - idle, len(total)

    def checkin(self, env: Environment) -> None:
        """Return an environment after an invocation; dead or drained ones are stopped."""
        with self._lock:
            keep = env.alive and not self.draining
            if keep:
                self._idle.append(env)
            else:
                self._all.discard(env)
        if not keep:
            env.stop()

    def prewarm(
        self,
        count: int,
        *,
        provisioned: bool,
        on_started: Callable[[], None] | None = None,
    ) -> list[InitFailure]:
        """Start ``count`` environments in parallel and park them idle; returns init failures.
        ``on_started()`` is called as each one finishes its init successfully."""
        envs = [
            Environment(self.spec, self.interpreter, provisioned=provisioned) for _ in range(count)
        ]
        with self._lock:
            self._all.update(envs)

        def start(env: Environment) -> None:
            if env.start() and on_started is not None:
                on_started()

        threads = [threading.Thread(target=start, args=(e,), daemon=True) for e in envs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failures: list[InitFailure] = []
        for env in envs:
            if env.init_failure is not None:
                failures.append(env.init_failure)
                with self._lock:
                    self._all.discard(env)
                env.stop()
            else:
                self.checkin(env)
        return failures

    def set_provisioned(
        self, count: int, on_started: Callable[[], None] | None = None
    ) -> list[InitFailure]:
        """Keep exactly ``count`` provisioned environments (extra ones become on-demand)."""
        with self._lock:
            current = [e for e in self._all if e.provisioned and e.alive]
            for env in current[count:]:
                env.provisioned = False
                env.last_used = time.monotonic()
        missing = count - len(current)
        if missing <= 0:
            return []
        return self.prewarm(missing, provisioned=True, on_started=on_started)

    def reap(self, idle_timeout_s: float) -> int:
        """Stop on-demand environments idle for longer than ``idle_timeout_s``."""
        cutoff = time.monotonic() - idle_timeout_s
        with self._lock:
            old = [e for e in self._idle if not e.provisioned and e.last_used <= cutoff]
            for env in old:
                self._idle.remove(env)  # no longer handed out...
        for env in old:
            env.stop()
        with self._lock:
            for env in old:
                self._all.discard(env)  # ...and counted until its process is gone
        return len(old)

    def drain(self) -> None:
        """Stop idle environments now and busy ones when their invocation ends."""
        with self._lock:
            self.draining = True
            idle, self._idle = self._idle, []
            for env in idle:
                self._all.discard(env)
        for env in idle:
            env.stop()

    def close(self, reason: str | None = None) -> None:
        """Stop every environment, busy or not; running invocations end with ``reason``."""
        with self._lock:
            self.draining = True
            envs = list(self._all)
            self._all.clear()
            self._idle.clear()
        for env in envs:
            env.stop(reason)

    def pids(self) -> list[int]:
        """PIDs of the children of this pool (for tests and status)."""
        with self._lock:
            return [e.pid for e in self._all if e.pid is not None]

    @property
    def idle_count(self) -> int:
        """How many warm environments wait for work."""
        with self._lock:
            return len(self._idle)

    @property
    def size(self) -> int:
        """How many environments exist (idle, busy, starting)."""
        with self._lock:
            return len(self._all)
