"""The event sources concern's remote part: the function's mappings with their tags, and what
the sources and destinations event_sources.json names are (read even for a new function)."""

from __future__ import annotations

from typing import Any

from lambherd.errors import NotFoundError
from lambherd.pipeline.remote import RemotePart, RemoteReader, strip_metadata
from lambherd.pipeline.trigger_facts import read_arn_facts
from lambherd.plan.event_sources_planner import SIDECAR, EventSourcesRemote
from lambherd.triggers.validation import destination_arns


def items_if_any(reader: RemoteReader, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of ``operation``'s pages; none when the function does not exist."""
    try:
        return reader.paginate(operation, key, **kwargs)
    except NotFoundError:
        return []


def list_mappings(reader: RemoteReader, name: str) -> list[dict[str, Any]]:
    """Every mapping invoking the function, unqualified or through any alias, with its Tags."""
    aliases = items_if_any(reader, "list_aliases", "Aliases", FunctionName=name)
    names = [name, *(f"{name}:{a['Name']}" for a in aliases)]
    found: dict[str, dict[str, Any]] = {}
    for function in names:
        listed = items_if_any(
            reader, "list_event_source_mappings", "EventSourceMappings", FunctionName=function
        )
        for mapping in listed:
            found.setdefault(str(mapping["UUID"]), strip_metadata(mapping) or {})
    for mapping in found.values():
        arn = mapping.get("EventSourceMappingArn")
        tags = (
            reader.optional(
                lambda arn=arn: reader.lam.list_tags(Resource=arn), f"list tags of mapping {arn}"
            )
            if arn
            else None
        )
        mapping["Tags"] = dict((tags or {}).get("Tags") or {})
    return sorted(found.values(), key=lambda m: str(m.get("UUID")))


def read_event_sources(reader: RemoteReader, name: str, sidecar: Any) -> EventSourcesRemote:
    """The mappings and the facts about the file's ARNs."""
    facts = read_arn_facts(reader, destination_arns({SIDECAR: sidecar}))
    return EventSourcesRemote(mappings=tuple(list_mappings(reader, name)), facts=facts)


PART = RemotePart(SIDECAR, read_event_sources, new_functions=True)
