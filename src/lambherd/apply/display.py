"""The display-only executor: what ``deploy --dry-run`` and ``plan`` run instead of the real
one (``lambherd.apply.executor_for`` picks it). It makes no AWS call at all, so a dry run
cannot mutate anything.
"""

from __future__ import annotations

from lambherd.apply.executor import ExecutionResult, StepResult
from lambherd.plan.steps import Plan


class DisplayExecutor:
    """Same interface as ``Executor.run``; returns the steps unexecuted."""

    def run(self, plan: Plan) -> ExecutionResult:
        """The plan's steps as results of zero duration, marked as a dry run."""
        return ExecutionResult(
            plan=plan, results=[StepResult(step) for step in plan.steps], dry_run=True
        )
