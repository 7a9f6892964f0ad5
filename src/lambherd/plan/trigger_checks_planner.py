"""Before any trigger step: the trigger files checked against what planning read (queues and
their visibility timeout, streams, destinations, aliases), every problem at once.

It plans no step; it raises ``ValidationError`` listing every problem
(``lambherd.triggers.validation.fact_problems``), so a deploy stops before its first call
instead of half-way (a function created, its mapping refused).
"""

from __future__ import annotations

from lambherd.errors import ValidationError
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.event_invoke_planner import EventInvokeRemote
from lambherd.plan.event_sources_planner import EventSourcesRemote, publishes
from lambherd.plan.schedules_planner import SchedulesRemote
from lambherd.plan.steps import Step
from lambherd.triggers.files import FILES
from lambherd.triggers.validation import ArnFact, fact_problems


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    sidecars = ctx.desired.sidecars
    if not any(key in sidecars for key in FILES):
        return ()
    facts: dict[str, ArnFact] = {}
    for kind in (EventSourcesRemote, EventInvokeRemote, SchedulesRemote):
        part = ctx.remote.part(kind)
        if part is not None:
            facts.update(part.facts)
    aliases = {str(a.get("Name")) for a in ctx.remote.aliases}
    if ctx.remote.alias is not None:
        aliases.add(str(ctx.remote.alias.get("Name")))
    problems = fact_problems(
        sidecars,
        ctx.desired.config,
        facts,
        aliases=aliases,
        deploy_alias=ctx.settings.alias if publishes(ctx) else None,
    )
    if problems:
        raise ValidationError(problems, source=ctx.desired.name)
    return ()


CONCERN = Concern("trigger_checks", _plan)
