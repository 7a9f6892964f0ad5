"""How many functions a project deploy runs at once when ``--parallel`` is not given: an
adaptive limit that follows what the account's API rate allows.

The limit grows while calls succeed and halves when the API throttles (additive increase,
multiplicative decrease, as TCP's congestion window does): it starts at ``PARALLEL_START``,
grows by one per successful call until the first throttle (slow start), then by one per
``limit`` successful calls; a throttle halves it (never below ``PARALLEL_MIN``), once per
``PARALLEL_BACKOFF_WINDOW_S``, so that the burst of throttles one overload produces counts
once. It never exceeds ``PARALLEL_MAX``. Lambda publishes its control-plane rates (see
``lambherd.defaults``) but not how much of them other clients of the account are using, so
the limit is learnt from the answers rather than computed.

``AdaptiveLimit`` is pure (a lock and a condition, an injectable clock): the runner acquires a
slot per function and releases it when the function is done; ``call_succeeded`` and
``call_throttled`` are fed from every AWS answer (``watch_calls``: a botocore ``needs-retry``
hook, which sees every attempt, those botocore retries itself included).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lambherd.defaults import (
    PARALLEL_BACKOFF_WINDOW_S,
    PARALLEL_MAX,
    PARALLEL_MIN,
    PARALLEL_START,
)

#: Error codes that mean "slow down" (any HTTP 429 does too).
THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)


@dataclass(frozen=True)
class PacingReport:
    """What the adaptive limit did over a run."""

    start: int
    peak: int
    final: int
    #: The lowest the limit went after backing off (None: it never backed off).
    lowest: int | None
    maximum: int
    throttles: int
    decreases: int
    successes: int

    def to_json(self) -> dict[str, Any]:
        """This report as a JSON document (``deploy --output json``'s ``parallel``)."""
        return {
            "mode": "adaptive",
            "start": self.start,
            "peak": self.peak,
            "final": self.final,
            "lowest": self.lowest,
            "maximum": self.maximum,
            "throttles": self.throttles,
            "decreases": self.decreases,
        }

    def describe(self) -> str:
        """``adaptive: 4 -> peak 32 (max 32), low 16, final 20; 3 throttles, 1 decreases``."""
        low = "" if self.lowest is None else f"low {self.lowest}, "
        return (
            f"adaptive: {self.start} -> peak {self.peak} (max {self.maximum}), {low}final "
            f"{self.final}; {self.throttles} throttles, {self.decreases} decreases"
        )


class AdaptiveLimit:
    """A concurrency limit that grows on success and halves on throttling (thread-safe)."""

    def __init__(
        self,
        start: int = PARALLEL_START,
        maximum: int = PARALLEL_MAX,
        minimum: int = PARALLEL_MIN,
        window: float = PARALLEL_BACKOFF_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= minimum <= start <= maximum:
            raise ValueError(
                f"need 1 <= minimum <= start <= maximum, got {minimum}/{start}/{maximum}"
            )
        self.start, self.minimum, self.maximum = start, minimum, maximum
        self.window = window
        self._clock = clock
        self._limit = float(start)
        self._slow_start = True
        self._last_decrease: float | None = None
        self._in_flight = 0
        self._closed = False
        self._peak = start
        self._lowest: int | None = None
        self._throttles = self._decreases = self._successes = 0
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        """How many may run at once now."""
        with self._cond:
            return self._current()

    def _current(self) -> int:
        return max(self.minimum, min(self.maximum, int(self._limit)))

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    # -- slots ----------------------------------------------------------------------------
    def acquire(self) -> bool:
        """Wait for a free slot and take it; False (no slot taken) once ``close`` was called."""
        with self._cond:
            while not self._closed and self._in_flight >= self._current():
                self._cond.wait()
            if self._closed:
                return False
            self._in_flight += 1
            return True

    def release(self) -> None:
        """Give a slot back."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def close(self) -> None:
        """Wake every waiter; no slot is given any more (a stopping run)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """``acquire`` ... ``release`` (yields False, holding nothing, when closed)."""
        taken = self.acquire()
        try:
            yield taken
        finally:
            if taken:
                self.release()

    # -- signals --------------------------------------------------------------------------
    def call_succeeded(self) -> None:
        """One AWS call answered without throttling: grow."""
        with self._cond:
            self._successes += 1
            if self._slow_start:
                self._limit += 1.0
            else:
                self._limit += 1.0 / max(1.0, self._limit)
            self._limit = min(float(self.maximum), self._limit)
            self._peak = max(self._peak, self._current())
            self._cond.notify_all()

    def call_throttled(self) -> None:
        """One AWS call was throttled: halve, unless it already did within the window."""
        with self._cond:
            self._throttles += 1
            self._slow_start = False
            now = self._clock()
            if self._last_decrease is not None and now - self._last_decrease < self.window:
                return
            self._last_decrease = now
            self._decreases += 1
            self._limit = max(float(self.minimum), self._limit / 2.0)
            low = self._current()
            self._lowest = low if self._lowest is None else min(self._lowest, low)

    def report(self) -> PacingReport:
        with self._cond:
            return PacingReport(
                start=self.start,
                peak=self._peak,
                final=self._current(),
                lowest=self._lowest,
                maximum=self.maximum,
                throttles=self._throttles,
                decreases=self._decreases,
                successes=self._successes,
            )


def is_throttle(status: int | None, code: str | None) -> bool:
    """True for an answer that asks the client to slow down."""
    return status == 429 or (code is not None and code in THROTTLE_CODES)


def answer_signal(response: Any) -> str | None:
    """``"throttled"``, ``"ok"`` or None (no answer, or another error) for a botocore
    ``needs-retry`` ``response`` (``(http_response, parsed)`` or None)."""
    if not response:
        return None
    _http, parsed = response
    meta = (parsed or {}).get("ResponseMetadata", {}) or {}
    status = meta.get("HTTPStatusCode")
    code = ((parsed or {}).get("Error", {}) or {}).get("Code")
    if is_throttle(status, code):
        return "throttled"
    if status is not None and status < 400:
        return "ok"
    return None


@contextmanager
def watch_calls(clients: Any, limit: AdaptiveLimit) -> Iterator[None]:
    """Feed ``limit`` from every answer the ``clients`` receive, for the ``with`` block."""
    register = getattr(clients, "register_hook", None)
    unregister = getattr(clients, "unregister_hook", None)
    if register is None or unregister is None:  # no AWS behind it (tests of the runner)
        yield
        return

    def on_answer(response: Any = None, **_kwargs: Any) -> None:
        signal = answer_signal(response)
        if signal == "throttled":
            limit.call_throttled()
        elif signal == "ok":
            limit.call_succeeded()
        # None: botocore decides on retrying as it would

    register("needs-retry", on_answer)
    try:
        yield
    finally:
        unregister("needs-retry", on_answer)
