"""The display-only executor: what ``deploy --dry-run``, ``diff`` and ``plan`` show. It makes no
AWS call at all, so a dry run cannot mutate anything.
"""

from __future__ import annotations

from lambherd.apply.executor import ExecutionResult, StepResult
from lambherd.plan.steps import Plan


def plan_lines(plan: Plan) -> list[str]:
    """One line per step, numbered; ``no changes`` for an empty plan."""
    if plan.empty:
        return [f"{plan.function_name}: no changes"]
    return [f"{i}. {step.describe()}" for i, step in enumerate(plan.steps, 1)]


class DisplayExecutor:
    """Same interface as ``Executor.run``; returns the steps unexecuted."""

    def run(self, plan: Plan) -> ExecutionResult:
        """The plan's steps as results of zero duration, marked as a dry run."""
        return ExecutionResult(
            plan=plan, results=[StepResult(step) for step in plan.steps], dry_run=True
        )
