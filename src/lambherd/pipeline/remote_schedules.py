"""The schedules concern's remote part: the schedule groups schedules.json uses (do they exist,
does lambherd own them), the schedules in them that target the function, and whether each
dead-letter queue exists (read even for a new function)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambherd.errors import describe_client_error
from lambherd.pipeline.remote import RemotePart, RemoteReader, strip_metadata
from lambherd.pipeline.trigger_facts import read_arn_facts
from lambherd.plan.schedules_planner import SIDECAR, GroupFact, SchedulesRemote
from lambherd.triggers import ownership
from lambherd.triggers.files import schedules
from lambherd.triggers.validation import destination_arns


def _call(fn: Any, action: str, missing: Any = None) -> Any:
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    try:
        return call_with_retry(fn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return missing
        raise describe_client_error(exc, action) from exc


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in doc.items():
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def group_fact(scheduler: Any, group: str) -> GroupFact:
    """Whether a schedule group exists, and its tags."""
    got = _call(lambda: scheduler.get_schedule_group(Name=group), f"read schedule group {group}")
    if got is None:
        return GroupFact(False)
    tagged = _call(
        lambda: scheduler.list_tags_for_resource(ResourceArn=got["Arn"]),
        f"list tags of schedule group {group}",
        missing={},
    )
    tags = {t["Key"]: t["Value"] for t in (tagged or {}).get("Tags", [])}
    return GroupFact(True, tags)


def schedules_of(
    scheduler: Any, group: str, function_arn: str | None, name: str
) -> list[dict[str, Any]]:
    """The schedules of ``group`` whose target is the function (any qualifier)."""

    def targets_function(arn: str) -> bool:
        if function_arn is not None:
            return arn == function_arn or arn.startswith(function_arn + ":")
        return arn.split(":function:", 1)[-1].split(":")[0] == name

    def listed() -> list[dict[str, Any]]:
        pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
        return [s for page in pages for s in page.get("Schedules", [])]

    found = []
    for summary in _call(listed, f"list schedules of group {group}", missing=[]) or []:
        arn = str((summary.get("Target") or {}).get("Arn", ""))
        if not targets_function(arn):
            continue
        full = _call(
            lambda s=summary: scheduler.get_schedule(GroupName=group, Name=s["Name"]),
            f"read schedule {group}/{summary['Name']}",
        )
        if full is not None:
            found.append(_plain(strip_metadata(full) or {}))
    return found


def read_schedules(reader: RemoteReader, name: str, sidecar: Any) -> SchedulesRemote:
    """The groups, the function's schedules in them and the dead-letter queues' facts."""
    scheduler = reader.clients.client("scheduler")
    function = reader.optional(
        lambda: reader.lam.get_function_configuration(FunctionName=name), f"read {name}"
    )
    function_arn = (function or {}).get("FunctionArn")
    own = ownership.default_group(name)
    groups = [own, *(s.group for s in schedules(sidecar, None, False, own))]
    facts = {g: group_fact(scheduler, g) for g in dict.fromkeys(groups)}
    found = [
        doc
        for group, fact in facts.items()
        if fact.exists
        for doc in schedules_of(scheduler, group, function_arn, name)
    ]
    return SchedulesRemote(
        groups=facts,
        schedules=tuple(found),
        facts=read_arn_facts(reader, destination_arns({SIDECAR: sidecar})),
    )


PART = RemotePart(SIDECAR, read_schedules, new_functions=True)
