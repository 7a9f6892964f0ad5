"""The trigger files written from what a deployed function has (``init`` from AWS and
``import --all``): event_sources.json, event_invoke.json, permissions.json and schedules.json,
each only when there is something to write, in the shapes ``lambherd.triggers.files``
describes, so that the first plan after an import is empty.

Every entry names its ``Qualifier`` (``$LATEST`` for the function itself), so the files mean the
same whatever the project's alias and publish settings. Values Lambda or the Scheduler report by
default are left out; a permission keeps no StatementId (statements are matched by what they
allow, so the existing one keeps its own); function URL grants stay in function_url.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambherd.importing.function_files import definition_text
from lambherd.importing.writers import FileText, ImportContext, ImportWriter
from lambherd.triggers import ownership, sources
from lambherd.triggers.files import FILES, LATEST, qualifier_of_arn

_MAPPING_DROP = (
    "UUID",
    "FunctionArn",
    "LastModified",
    "LastProcessingResult",
    "State",
    "StateTransitionReason",
    "EventSourceMappingArn",
    "FilterCriteriaError",
    "Tags",
)


def trigger_files(
    clients: Any, name: str, target: Path, *, jsonnet: bool = False, notes: list[str]
) -> dict[Path, str]:
    """File path -> text for each trigger file the function's current triggers make. A kind
    that cannot be read (no permission to read schedules...) is skipped with a note."""
    from botocore.exceptions import BotoCoreError, ClientError

    from lambherd.errors import AwsError
    from lambherd.pipeline.remote import RemoteReader

    reader = RemoteReader(clients)
    readers = {
        "event_sources": lambda: event_sources_doc(reader, name),
        "event_invoke": lambda: event_invoke_doc(reader, name),
        "permissions": lambda: permissions_doc(reader, name),
        "schedules": lambda: schedules_doc(clients, reader, name),
    }
    out = {}
    for key, read in readers.items():
        filename = FILES[key].replace(".json", ".jsonnet") if jsonnet else FILES[key]
        try:
            doc = read()
        except (AwsError, ClientError, BotoCoreError) as exc:
            notes.append(f"{filename} not written: {getattr(exc, 'message', exc)}")
            continue
        if doc:
            out[target / filename] = definition_text(doc, jsonnet=jsonnet)  # type: ignore[arg-type]
    return out


def _qualifier(function_arn: str) -> str:
    return qualifier_of_arn(function_arn) or LATEST


def mapping_entry(mapping: dict[str, Any]) -> dict[str, Any]:
    """One mapping as its event_sources.json entry."""
    kind = sources.source_type(mapping)
    defaults = sources.reported_defaults(kind)
    entry: dict[str, Any] = {}
    for key, value in mapping.items():
        if key in _MAPPING_DROP or key == "ResponseMetadata":
            continue
        if value in (None, "", [], {}, {"OnFailure": {}}) or defaults.get(key) == value:
            continue
        entry[key] = value
    if str(mapping.get("State")) in ("Disabled", "Disabling"):
        entry["Enabled"] = False
    tags = {k: v for k, v in (mapping.get("Tags") or {}).items() if not k.startswith("lambherd:")}
    if tags:
        entry["Tags"] = tags
    entry["Qualifier"] = _qualifier(str(mapping.get("FunctionArn", "")))
    return entry


def event_sources_doc(reader: Any, name: str) -> list[dict[str, Any]]:
    """event_sources.json: every mapping invoking the function."""
    from lambherd.pipeline.remote_event_sources import list_mappings

    return [mapping_entry(m) for m in list_mappings(reader, name)]


def event_invoke_doc(reader: Any, name: str) -> dict[str, Any]:
    """event_invoke.json: each qualifier's configuration and a RecursiveLoop of Allow."""
    from lambherd.pipeline.remote_event_invoke import read_recursion
    from lambherd.pipeline.remote_event_sources import items_if_any

    configs = []
    listed = items_if_any(
        reader,
        "list_function_event_invoke_configs",
        "FunctionEventInvokeConfigs",
        FunctionName=name,
    )
    for config in listed:
        entry: dict[str, Any] = {"Qualifier": _qualifier(str(config.get("FunctionArn", "")))}
        for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
            if key in config:
                entry[key] = config[key]
        destinations = {
            side: value
            for side, value in (config.get("DestinationConfig") or {}).items()
            if isinstance(value, dict) and value.get("Destination")
        }
        if destinations:
            entry["DestinationConfig"] = destinations
        configs.append(entry)
    doc: dict[str, Any] = {}
    if read_recursion(reader, name) == "Allow":
        doc["RecursiveLoop"] = "Allow"
    if len(configs) == 1:
        doc.update(configs[0])
    elif configs:
        doc["EventInvokeConfigs"] = configs
    return doc


def permission_entry(statement: dict[str, Any], qualifier: str | None) -> dict[str, Any] | None:
    """A policy statement as the AddPermission input that makes it (no StatementId); None when
    AddPermission cannot express it (conditions of its own, several actions)."""
    from lambherd.plan.policy import grant_from_statement, permission_params

    grants = grant_from_statement(statement)
    if len(grants) != 1 or grants[0].other_conditions:
        return None
    entry = permission_params(grants[0])
    if entry["Action"] == "lambda:InvokeFunction":
        del entry["Action"]
    if qualifier:
        entry["Qualifier"] = qualifier
    return entry


def permissions_doc(reader: Any, name: str) -> list[dict[str, Any]]:
    """permissions.json: the statements letting others invoke the function (not URL grants)."""
    from lambherd.pipeline.remote_event_sources import items_if_any
    from lambherd.pipeline.remote_permissions import policy_statements
    from lambherd.plan.policy import is_invoke_statement, statement_qualifier

    aliases = items_if_any(reader, "list_aliases", "Aliases", FunctionName=name)
    out = []
    for qualifier in [None, *(str(a["Name"]) for a in aliases)]:
        for statement in policy_statements(reader, name, qualifier):
            if statement_qualifier(statement) != qualifier:
                continue
            if statement.get("Effect", "Allow") != "Allow":
                continue
            if not is_invoke_statement(statement):
                continue
            entry = permission_entry(statement, qualifier)
            if entry is not None:
                out.append(entry)
    return out


def schedule_entry(schedule: dict[str, Any], function: str) -> dict[str, Any]:
    """A GetSchedule document as its schedules.json entry."""
    from lambherd.plan.schedules_planner import REPORTED_DEFAULTS, TARGET_DEFAULTS

    entry: dict[str, Any] = {}
    for key in (
        "Name",
        "GroupName",
        "Description",
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "StartDate",
        "EndDate",
        "State",
        "KmsKeyArn",
        "FlexibleTimeWindow",
        "ActionAfterCompletion",
    ):
        value = schedule.get(key)
        if value in (None, "", {}) or REPORTED_DEFAULTS.get(key) == value:
            continue
        entry[key] = value
    if entry.get("GroupName") == ownership.default_group(function):
        del entry["GroupName"]
    if entry.get("FlexibleTimeWindow") == {"Mode": "OFF"}:
        del entry["FlexibleTimeWindow"]
    target = dict(schedule.get("Target") or {})
    arn = str(target.pop("Arn", ""))
    for key, value in TARGET_DEFAULTS.items():
        if target.get(key) == value:
            del target[key]
    entry["Target"] = {k: v for k, v in target.items() if v not in (None, "", {})}
    entry["Qualifier"] = _qualifier(arn)
    return json.loads(json.dumps(entry, default=str))


def schedules_doc(clients: Any, reader: Any, name: str) -> list[dict[str, Any]]:
    """schedules.json: the schedules of every group that target the function."""
    from lambherd.pipeline.remote_schedules import schedules_of

    function = reader.optional(
        lambda: reader.lam.get_function_configuration(FunctionName=name), f"read {name}"
    )
    if function is None:
        return []
    scheduler = clients.client("scheduler")
    pages = scheduler.get_paginator("list_schedule_groups").paginate()
    groups = [g["Name"] for page in pages for g in page.get("ScheduleGroups", [])]
    found = []
    for group in groups:
        for schedule in schedules_of(scheduler, group, function["FunctionArn"], name):
            found.append(schedule_entry(schedule, name))
    return found


def _write(ctx: ImportContext) -> dict[str, FileText]:
    """The import writer: the trigger files, by name in the function's folder."""
    files = trigger_files(
        ctx.clients, ctx.function_name, ctx.target, jsonnet=ctx.jsonnet, notes=ctx.notes
    )
    return {path.name: text for path, text in files.items()}


WRITER = ImportWriter("triggers", _write)
