"""What a project's ``--prune`` also deletes with a function whose folder is gone: the event
source mappings lambherd created for it and the schedule group it made for it (with its
schedules). Deleting a function leaves both behind on AWS; nothing else is touched (a mapping or
schedule someone else made stays, as the function's other resources do not exist any more)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lambherd.pipeline.remote import RemoteReader
from lambherd.pipeline.remote_event_sources import list_mappings
from lambherd.pipeline.remote_schedules import group_fact
from lambherd.plan.event_sources_planner import DeleteEventSourceMapping, remote_key
from lambherd.plan.schedules_planner import DeleteScheduleGroup
from lambherd.plan.steps import Plan, Step
from lambherd.triggers import ownership
from lambherd.triggers.files import describe_key


def trigger_cleanup(clients: Any, name: str, project: str | None) -> tuple[Step, ...]:
    """Delete steps of the triggers lambherd owns for ``name`` (read now)."""
    reader = RemoteReader(clients)
    steps: list[Step] = [
        DeleteEventSourceMapping(str(m["UUID"]), describe_key(remote_key(m)))
        for m in list_mappings(reader, name)
        if ownership.owns(m.get("Tags"), name, project)
    ]
    group = ownership.default_group(name)
    fact = group_fact(clients.client("scheduler"), group)
    if fact.exists and ownership.owns(fact.tags, name, project):
        steps.append(DeleteScheduleGroup(group))
    return tuple(steps)


def with_trigger_cleanup(clients: Any, plan: Plan, project: str | None) -> Plan:
    """``plan`` (a DeleteFunction) preceded by the deletes of the function's own triggers."""
    cleanup = trigger_cleanup(clients, plan.function_name, project)
    return replace(plan, steps=(*cleanup, *plan.steps)) if cleanup else plan
