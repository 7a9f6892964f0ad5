"""The trigger files and what AWS has, as two comparable documents for ``diff`` (pure).

Each side holds, per trigger file present, what the planners compare: mappings by identity with
their updatable fields (Lambda's defaults filled), async configurations per qualifier, the
grants permissions.json is about, schedules by group/name. Only what a deploy would touch is on
the remote side (a mapping or statement lambherd does not own and the file does not name is
not shown), so an empty diff means the trigger steps of a deploy are empty too.
"""

from __future__ import annotations

import json
from typing import Any

from lambherd.plan.event_invoke_planner import EventInvokeRemote, comparable_config
from lambherd.plan.event_sources_planner import (
    EventSourcesRemote,
    comparable,
    remote_enabled,
    remote_key,
)
from lambherd.plan.permissions_planner import PermissionsRemote
from lambherd.plan.policy import (
    grant_from_permission,
    grant_from_statement,
    is_invoke_statement,
    statement_qualifier,
)
from lambherd.plan.remote import RemoteState
from lambherd.plan.schedules_planner import SchedulesRemote, comparable_schedule, target_arn
from lambherd.triggers import ownership, sources
from lambherd.triggers.files import (
    describe_key,
    event_sources,
    invoke_configs,
    permissions,
    qualifier_of_arn,
    schedules,
)


def _grant_text(qualifier: str | None, grant: Any) -> str:
    return f"{qualifier or '$LATEST'}: {grant.describe()}"


def _mapping_view(doc: dict[str, Any]) -> dict[str, Any]:
    kind = sources.source_type(doc)
    defaults = {**sources.RESET, **sources.reported_defaults(kind)}
    out = {}
    for name in sources.UPDATABLE:
        raw = doc.get(name, defaults.get(name))
        value = comparable(name, raw)
        if value is not None:
            out[name] = _readable(value) if isinstance(raw, (list, dict)) else value
    return out


def _readable(value: Any) -> Any:
    """A comparable form's JSON text back as JSON, so the diff shows objects, not strings."""
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def trigger_documents(
    sidecars: dict[str, Any],
    remote: RemoteState,
    *,
    function: str,
    alias: str | None,
    publishes: bool,
    project: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(local, remote) documents of the trigger files present in ``sidecars``."""
    local: dict[str, Any] = {}
    there: dict[str, Any] = {}
    if "event_sources" in sidecars:
        part = remote.part(EventSourcesRemote) or EventSourcesRemote()
        wanted = {
            s.describe(): _mapping_view(s.params)
            for s in event_sources(sidecars["event_sources"], alias, publishes)
        }
        have = {}
        for mapping in part.mappings:
            key = describe_key(remote_key(mapping))
            if key in wanted or ownership.owns(mapping.get("Tags"), function, project):
                have[key] = _mapping_view({**mapping, "Enabled": remote_enabled(mapping)})
        local["EventSources"], there["EventSources"] = wanted, have
    if "event_invoke" in sidecars:
        part_i = remote.part(EventInvokeRemote) or EventInvokeRemote()
        local["EventInvoke"] = {
            s.qualifier or "$LATEST": comparable_config(s.params)
            for s in invoke_configs(sidecars["event_invoke"], alias, publishes)
        }
        there["EventInvoke"] = {
            qualifier_of_arn(str(c.get("FunctionArn", ""))) or "$LATEST": comparable_config(c)
            for c in part_i.configs
        }
    if "permissions" in sidecars:
        part_p = remote.part(PermissionsRemote) or PermissionsRemote(statements={})
        local["Permissions"] = sorted(
            _grant_text(p.qualifier, grant_from_permission(p.params))
            for p in permissions(sidecars["permissions"])
        )
        there["Permissions"] = sorted(
            _grant_text(qualifier, grant)
            for qualifier, found in part_p.statements.items()
            for s in found
            if statement_qualifier(s) == qualifier and is_invoke_statement(s)
            for grant in grant_from_statement(s)
        )
    if "schedules" in sidecars:
        part_s = remote.part(SchedulesRemote) or SchedulesRemote()
        arn = remote.function_arn
        wanted_s = {}
        for spec in schedules(
            sidecars["schedules"], alias, publishes, ownership.default_group(function)
        ):
            doc = dict(spec.params)
            if arn:
                doc["Target"] = {**doc["Target"], "Arn": target_arn(arn, spec.qualifier)}
            wanted_s[f"{spec.group}/{spec.name}"] = comparable_schedule(doc, with_arn=bool(arn))
        local["Schedules"] = wanted_s
        there["Schedules"] = {
            f"{s.get('GroupName')}/{s.get('Name')}": comparable_schedule(s, with_arn=bool(arn))
            for s in part_s.schedules
        }
    return local, there
