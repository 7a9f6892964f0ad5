"""``rollback``: move an alias back to an older published version (and delete the one left)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lambherd.apply import ExecutionResult, executor_for
from lambherd.plan.rollback_planner import RollbackOptions, plan_rollback

if TYPE_CHECKING:
    from lambherd.app import App

__all__ = ["RollbackOptions", "rollback"]


def rollback(app: App, options: RollbackOptions) -> ExecutionResult:
    """Plan the rollback from what AWS reports and run it (or display it).

    Without ``options.alias``, the alias is the function's deploy alias (``alias`` in
    lambherd.toml for a project function, else ``current``)."""
    from lambherd.pipeline.remote import read_remote_state
    from lambherd.project.context import defined_function_name, function_settings
    from lambherd.settings import command_line

    alias = function_settings(app, command_line(alias=options.alias)).alias
    options = replace(options, alias=alias)
    name = defined_function_name(app)
    remote = read_remote_state(app.clients, name, alias=alias)
    plan = plan_rollback(name, remote, options)
    return executor_for(app.clients, dry_run=options.dry_run).run(plan)
