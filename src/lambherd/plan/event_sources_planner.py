"""The event sources concern: event_sources.json's mappings created, updated and deleted.

A mapping is identified by its source (``EventSourceArn``, or a self-managed Kafka cluster)
with its topics/queues, and the qualifier it invokes (``lambherd.triggers.files``). A wanted
mapping that exists is updated in the fields that differ (a field the file leaves out is put
back to what Lambda reports by default; fields only CreateEventSourceMapping takes are not
compared, see ``sources.CREATE_ONLY``); one that does not is created, tagged as lambherd's. A
mapping the file no longer names is deleted only when lambherd created it for this function
(``ownership.owns``). Mappings target the deploy's alias by default, so a published version is
served by them as soon as the alias moves: they never point at a stale version. Deletes run
first (a mapping moving to another qualifier is never doubled), and each step waits until the
mapping has left Creating/Updating/Deleting (``apply.handlers.event_sources``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.steps import Step
from lambherd.triggers import ownership, sources
from lambherd.triggers.files import (
    EVENT_SOURCES,
    MappingKey,
    describe_key,
    event_sources,
    mapping_key,
    qualifier_of_arn,
)
from lambherd.triggers.validation import ArnFact

SIDECAR = EVENT_SOURCES


@dataclass(frozen=True)
class EventSourcesRemote:
    """The concern's remote part: the function's mappings (GetEventSourceMapping documents,
    each with its ``Tags``), and what was read about the ARNs the file names."""

    mappings: tuple[dict[str, Any], ...] = ()
    facts: dict[str, ArnFact] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateEventSourceMapping(Step):
    """CreateEventSourceMapping for the function (at ``qualifier``), tagged as lambherd's."""

    params: dict[str, Any]
    qualifier: str | None
    tags: dict[str, str]

    def describe(self) -> str:
        key = mapping_key(self.params, self.qualifier)
        return f"CreateEventSourceMapping {describe_key(key)}"

    def labels(self) -> tuple[str, ...]:
        return ("event sources",)


@dataclass(frozen=True)
class UpdateEventSourceMapping(Step):
    """UpdateEventSourceMapping with the fields that differ."""

    uuid: str
    changes: dict[str, Any]
    source: str

    def describe(self) -> str:
        fields = ", ".join(sorted(self.changes))
        return f"UpdateEventSourceMapping {self.source} ({self.uuid}): {fields}"

    def labels(self) -> tuple[str, ...]:
        return ("event sources",)


@dataclass(frozen=True)
class TagEventSourceMapping(Step):
    """TagResource of a mapping whose Tags in the file changed."""

    arn: str
    tags: dict[str, str]
    source: str

    def describe(self) -> str:
        return f"TagEventSourceMapping {self.source}: " + ", ".join(sorted(self.tags))

    def labels(self) -> tuple[str, ...]:
        return ("event sources",)


@dataclass(frozen=True)
class DeleteEventSourceMapping(Step):
    """DeleteEventSourceMapping of a mapping lambherd created that left the file."""

    uuid: str
    source: str

    def describe(self) -> str:
        return f"DeleteEventSourceMapping {self.source} ({self.uuid})"

    def labels(self) -> tuple[str, ...]:
        return ("event sources",)


def remote_key(mapping: dict[str, Any]) -> MappingKey:
    """The identity of a mapping as GetEventSourceMapping reports it."""
    return mapping_key(mapping, qualifier_of_arn(str(mapping.get("FunctionArn", ""))))


def comparable(field_name: str, value: Any) -> Any:
    """A field's value in one comparable form (empty structures are "not set")."""
    if value in (None, "", [], {}, {"OnFailure": {}}, {"Filters": []}, {"Metrics": []}):
        return None
    if field_name == "FilterCriteria" and isinstance(value, dict):
        patterns = []
        for entry in value.get("Filters") or []:
            text = entry.get("Pattern", "") if isinstance(entry, dict) else entry
            try:
                patterns.append(json.dumps(json.loads(text), sort_keys=True))
            except (TypeError, ValueError):
                patterns.append(str(text))
        return sorted(patterns) or None
    if field_name == "DestinationConfig" and isinstance(value, dict):
        kept = {k: v for k, v in value.items() if v not in (None, {}, {"Destination": None})}
        return json.dumps(kept, sort_keys=True) if kept else None
    if isinstance(value, list):
        return sorted(json.dumps(v, sort_keys=True) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def remote_enabled(mapping: dict[str, Any]) -> bool:
    """Whether a mapping is (becoming) enabled, from its State."""
    return str(mapping.get("State", "Enabled")) not in ("Disabled", "Disabling")


def mapping_changes(params: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any]:
    """The UpdateEventSourceMapping fields turning ``mapping`` into ``params``."""
    kind = sources.source_type(params)
    defaults = sources.reported_defaults(kind)
    have_doc = {**mapping, "Enabled": remote_enabled(mapping)}
    changes: dict[str, Any] = {}
    for name in sources.UPDATABLE:
        if name in params:
            want = params[name]
        elif name in defaults:
            want = defaults[name]
        elif name in sources.RESET:
            want = sources.RESET[name]
        else:
            continue  # Lambda's own value (e.g. a Kafka batching window): not compared
        have = have_doc.get(name, defaults.get(name))
        if comparable(name, want) != comparable(name, have):
            changes[name] = want
    return changes


def plan_event_sources(
    sidecar: Any,
    part: EventSourcesRemote | None,
    *,
    function: str,
    project: str | None,
    alias: str | None,
    publishes: bool,
) -> tuple[Step, ...]:
    """Delete, create and update steps turning the function's mappings into the file's."""
    part = part or EventSourcesRemote()
    wanted = event_sources(sidecar, alias, publishes)
    existing = {remote_key(m): m for m in part.mappings}
    wanted_keys = {spec.key for spec in wanted}
    steps: list[Step] = []
    for key, mapping in sorted(existing.items(), key=lambda kv: describe_key(kv[0])):
        if key in wanted_keys:
            continue
        if ownership.owns(mapping.get("Tags"), function, project):
            steps.append(DeleteEventSourceMapping(str(mapping["UUID"]), describe_key(key)))
    for spec in wanted:
        mapping = existing.get(spec.key)
        user_tags = {str(k): str(v) for k, v in (spec.params.get("Tags") or {}).items()}
        if mapping is None:
            params = {k: v for k, v in spec.params.items() if k != "Tags"}
            tags = {**user_tags, **ownership.owner_tags(function, project)}
            steps.append(CreateEventSourceMapping(params, spec.qualifier, tags))
            continue
        changes = mapping_changes(spec.params, mapping)
        if changes:
            steps.append(UpdateEventSourceMapping(str(mapping["UUID"]), changes, spec.describe()))
        have_tags = mapping.get("Tags") or {}
        changed_tags = {k: v for k, v in user_tags.items() if have_tags.get(k) != v}
        arn = mapping.get("EventSourceMappingArn")
        if changed_tags and arn:
            steps.append(TagEventSourceMapping(str(arn), changed_tags, spec.describe()))
    return tuple(steps)


def publishes(ctx: PlanContext) -> bool:
    """True when the deploy serves through its alias (it publishes, or moves it to $LATEST)."""
    return bool(ctx.settings.publish or ctx.settings.alias_to_latest)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    sidecar = ctx.desired.sidecars.get(SIDECAR)
    if sidecar is None:
        return ()
    return plan_event_sources(
        sidecar,
        ctx.remote.part(EventSourcesRemote),
        function=ctx.desired.name,
        project=ownership.project_of(ctx.desired.config),
        alias=ctx.settings.alias,
        publishes=publishes(ctx),
    )


CONCERN = Concern("event_sources", _plan)
