"""The top-level planner: desired state + remote state + settings -> one ``Plan`` (pure).

It runs the registered concern planners (``lambherd.plan.concerns``) in order (those of sidecar
files the definition lacks left out: they would plan nothing) and puts their steps in one Plan,
with what the plan was read from (ARN, RevisionId, CodeSha256).
"""

from __future__ import annotations

from lambherd.plan.concerns import DesiredState, PlanContext, concerns
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import Plan
from lambherd.settings import DeploySettings

__all__ = ["DesiredState", "plan_deploy"]


def plan_deploy(desired: DesiredState, remote: RemoteState, settings: DeploySettings) -> Plan:
    """Every step a deploy takes, in order: each concern's steps, concern after concern."""
    ctx = PlanContext(desired=desired, remote=remote, settings=settings)
    for concern in concerns(desired.sidecars):
        ctx.steps.extend(concern.plan(ctx))
    function = ctx.decided.get("function")
    return Plan(
        function_name=desired.name,
        steps=tuple(ctx.steps),
        function_arn=remote.function_arn,
        revision_id=remote.revision_id,
        code_sha256=remote.code_sha256,
        changed_fields=function.changed_fields if function is not None else (),
        alias=settings.alias,
        desired_config=None if settings.skip_configuration else desired.config,
    )
