"""Handlers of the permissions concern: AddPermission / RemovePermission of permissions.json's
statements (on the function, guarded by its RevisionId as the URL grants are; on a qualifier,
unguarded)."""

from __future__ import annotations

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.plan.permissions_planner import GrantInvoke, RevokeInvoke


@handles(GrantInvoke)
def grant(run: StepRun, step: GrantInvoke) -> tuple[str, int]:
    run.call(
        f"add permission {step.statement_id}",
        "add_permission",
        **run.qualified(step.qualifier),
        StatementId=step.statement_id,
        **step.params,
        **(run.revision() if step.guarded_by_function else {}),
    )
    return step.statement_id, 0


@handles(RevokeInvoke)
def revoke(run: StepRun, step: RevokeInvoke) -> tuple[str, int]:
    run.call(
        f"remove permission {step.statement_id}",
        "remove_permission",
        **run.qualified(step.qualifier),
        StatementId=step.statement_id,
        **(run.revision() if step.guarded_by_function else {}),
    )
    return step.statement_id, 0
