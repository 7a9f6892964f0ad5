"""The delete service: plan and run DeleteFunction (the CLI asks for confirmation)."""

from __future__ import annotations

from lambherd.app import App
from lambherd.apply.display import DisplayExecutor
from lambherd.apply.executor import ExecutionResult, Executor
from lambherd.errors import NotFoundError
from lambherd.plan.remote import read_remote_state
from lambherd.plan.steps import DeleteFunction, Plan


def plan_delete(app: App) -> Plan:
    """The plan deleting the function of ``app.workdir``; NotFoundError if it does not exist."""
    from lambherd.deploy import defined_function_name

    name = defined_function_name(app)
    remote = read_remote_state(app.clients, name, details=False)
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    return Plan(function_name=name, steps=(DeleteFunction(name=name),))


def run_delete(app: App, plan: Plan, *, dry_run: bool = False) -> ExecutionResult:
    """Execute (or display) a delete plan."""
    runner = DisplayExecutor() if dry_run else Executor(app.clients)
    return runner.run(plan)
