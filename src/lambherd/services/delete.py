"""``delete``: plan and run DeleteFunction (the CLI asks for confirmation in between)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lambherd.apply import ExecutionResult, executor_for
from lambherd.errors import NotFoundError, UsageError
from lambherd.plan.delete_planner import plan_delete

if TYPE_CHECKING:
    from lambherd.app import App


def delete(
    app: App, *, dry_run: bool = False, confirm: Callable[[str], bool] = lambda _name: True
) -> ExecutionResult:
    """Delete the function of ``app.workdir`` (NotFoundError if it does not exist); unless a
    dry run, ``confirm(name)`` is asked first and a no deletes nothing."""
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.pipeline.trigger_prune import with_trigger_cleanup
    from lambherd.project.context import defined_function_name
    from lambherd.triggers.ownership import PROJECT_TAG

    name = defined_function_name(app)
    remote = read_remote_state(app.clients, name, details=False)
    if not remote.exists:
        raise NotFoundError(f"{name}: function not found")
    from lambherd.pipeline.remote_concurrency import cleanup_steps

    plan = plan_delete(name, before=cleanup_steps(app.clients, name))
    # with the mappings and the schedule group lambherd made for it (AWS keeps both)
    plan = with_trigger_cleanup(app.clients, plan, remote.tags.get(PROJECT_TAG))
    if not dry_run and not confirm(name):
        raise UsageError(f"{name}: not deleted (confirm, or pass --yes)")
    return executor_for(app.clients, dry_run=dry_run).run(plan)
