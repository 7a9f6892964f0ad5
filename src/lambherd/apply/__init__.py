"""Executing a Plan against AWS; a display-only executor shows the same Plan for dry runs.

``executor_for`` is the one place that picks which of the two runs a plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambherd.apply.display import DisplayExecutor
from lambherd.apply.executor import ExecutionResult, Executor, StepResult
from lambherd.apply.stopping import StopSignal
from lambherd.retry import RetryPolicy

__all__ = [
    "DisplayExecutor",
    "ExecutionResult",
    "Executor",
    "StepResult",
    "StopSignal",
    "executor_for",
]


def executor_for(
    clients: Any,
    *,
    dry_run: bool,
    retry: RetryPolicy | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    stop: StopSignal | None = None,
    on_progress: Callable[..., None] | None = None,
) -> Executor | DisplayExecutor:
    """The executor of a run: the display-only one for a dry run (no AWS call at all).
    ``on_progress(step, text, data)`` hears how a long step is going (an allocation, a
    rollout's shift)."""
    if dry_run:
        return DisplayExecutor()
    return Executor(clients, retry=retry, on_step=on_step, stop=stop, on_progress=on_progress)
