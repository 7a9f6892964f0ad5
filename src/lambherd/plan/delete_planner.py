"""Plan deleting a whole function (``delete``, and a project's ``--prune`` of a function whose
folder is gone)."""

from __future__ import annotations

from lambherd.plan.steps import DeleteFunction, Plan, Step


def plan_delete(
    name: str,
    *,
    function_arn: str | None = None,
    revision_id: str | None = None,
    before: tuple[Step, ...] = (),
) -> Plan:
    """DeleteFunction of ``name``: every version and alias with it (``before``: what goes
    first, e.g. the scalable targets of its aliases)."""
    return Plan(
        function_name=name,
        steps=(*before, DeleteFunction(name=name)),
        function_arn=function_arn,
        revision_id=revision_id,
    )
