"""Handlers of the URL concern: PutFunctionUrl, AddPermission, RemovePermission.

On the unqualified function AddPermission/RemovePermission take the function's RevisionId
(Lambda's policy revision is $LATEST's; GetPolicy reports the same one). On an alias or version
they would take that qualifier's; the plan does not read it, so none is sent. moto's server
reports no function RevisionId, so none is sent there either (its own check compares with a
policy revision no API reports, and RemovePermission's always fails).
"""

from __future__ import annotations

from typing import Any

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.plan.steps import AddPermission, PutFunctionUrl, RemovePermission


@handles(PutFunctionUrl)
def put_url(run: StepRun, step: PutFunctionUrl) -> tuple[str, int]:
    operation = "create_function_url_config" if step.create else "update_function_url_config"

    def applied() -> dict[str, Any] | None:  # the URL is there, configured as wanted
        from lambherd.errors import NotFoundError

        try:
            got = run.call(
                f"read function URL of {run.name}",
                "get_function_url_config",
                **run.qualified(step.qualifier),
            )
        except NotFoundError:
            return None
        same = all(got.get(k) == v for k, v in step.config.items() if k != "Cors")
        return got if same else None

    resp = run.call(
        f"{'create' if step.create else 'update'} function URL of {run.name}",
        operation,
        applied=applied,
        **run.qualified(step.qualifier),
        **step.config,
    )
    return str(resp.get("FunctionUrl", "")), 0


@handles(AddPermission)
def add_permission(run: StepRun, step: AddPermission) -> tuple[str, int]:
    run.call(
        f"add permission {step.statement_id}",
        "add_permission",
        applied=lambda: {} if _has_statement(run, step) else None,
        **run.qualified(step.qualifier),
        StatementId=step.statement_id,
        **step.params,
        **(run.revision() if step.guarded_by_function else {}),
    )
    return step.statement_id, 0


@handles(RemovePermission)
def remove_permission(run: StepRun, step: RemovePermission) -> tuple[str, int]:
    run.call(
        f"remove permission {step.statement_id}",
        "remove_permission",
        applied=lambda: None if _has_statement(run, step) else {},
        **run.qualified(step.qualifier),
        StatementId=step.statement_id,
        **(run.revision() if step.guarded_by_function else {}),
    )
    return step.statement_id, 0


def _has_statement(run: StepRun, step: AddPermission | RemovePermission) -> bool:
    """True when the resource policy holds the step's statement (by its Sid)."""
    import json

    from lambherd.errors import NotFoundError

    try:
        got = run.call(f"read policy of {run.name}", "get_policy", **run.qualified(step.qualifier))
    except NotFoundError:
        return False
    statements = json.loads(got.get("Policy") or "{}").get("Statement", [])
    return any(s.get("Sid") == step.statement_id for s in statements)
