"""A stop signal for steps that take long (a rollout's bake, a wait for an allocation): the
runner raises it when a function fails under ``--fail-fast`` or on Ctrl-C in a parallel run,
and a step that waits ends its wait early and acts on the reason.
"""

from __future__ import annotations

import threading

#: Why a run stops: another function failed (``--fail-fast``), or the user pressed Ctrl-C.
FAIL_FAST, INTERRUPTED = "fail-fast", "interrupted"


class StopSignal:
    """Set once, with a reason; ``wait`` returns early when it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        """Ask every waiting step to stop (the first reason given is kept)."""
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def is_set(self) -> bool:
        """True once ``stop`` was called."""
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the signal was (or gets) set."""
        return self._event.wait(max(0.0, seconds))
