"""The four trigger files, as typed values: what each entry asks for and what identifies it.

Shapes (beside function.json; templates and Jsonnet work in them as in function.json):

- ``event_sources.json``: a list of CreateEventSourceMapping inputs without ``FunctionName``,
  each with an optional ``Qualifier`` (lambherd's own key). Identity: the source (its
  ``EventSourceArn``, or a self-managed Kafka cluster's bootstrap servers) with its ``Topics`` /
  ``Queues``, and the qualifier it invokes.
- ``event_invoke.json``: an object. ``RecursiveLoop`` (``Allow`` / ``Terminate``, the default)
  is PutFunctionRecursionConfig's; the PutFunctionEventInvokeConfig fields
  (``MaximumRetryAttempts``, ``MaximumEventAgeInSeconds``, ``DestinationConfig``, optional
  ``Qualifier``) configure one qualifier, or ``EventInvokeConfigs`` lists several such objects.
- ``permissions.json``: a list of AddPermission inputs without ``FunctionName``; ``Action``
  defaults to ``lambda:InvokeFunction``, ``StatementId`` is made by lambherd when left out,
  ``Qualifier`` (optional) puts the statement on an alias or version's policy.
- ``schedules.json``: a list of CreateSchedule inputs whose ``Target.Arn`` is left out (it is
  the function), each with an optional ``Qualifier``; ``GroupName`` defaults to the function's
  own group (``ownership.default_group``), ``FlexibleTimeWindow`` to ``{"Mode": "OFF"}``.

Qualifiers: a mapping, an async configuration and a schedule invoke what the deploy serves, so
their ``Qualifier`` defaults to the deploy's alias (``current``, or ``--alias`` / lambherd.toml)
when the deploy publishes, and to the unqualified function when it does not; ``"$LATEST"``
names the unqualified function. A permission is for a caller configured elsewhere (an S3
notification, an API Gateway integration) with the ARN it invokes, so its ``Qualifier``
defaults to none, as AddPermission's does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambherd.defaults import SCHEDULE_FLEXIBLE_WINDOW
from lambherd.definition.sidecars import SIDECARS
from lambherd.triggers.sources import source_type

#: Sidecar keys (``lambherd.definition.sidecars``) and their file names.
EVENT_SOURCES, EVENT_INVOKE, PERMISSIONS, SCHEDULES = (
    "event_sources",
    "event_invoke",
    "permissions",
    "schedules",
)
FILES = {s.key: s.names[0] for s in SIDECARS if s.trigger}
LATEST = "$LATEST"
QUALIFIER = "Qualifier"
#: event_invoke.json's list of configurations, and the fields of one.
CONFIGS_KEY = "EventInvokeConfigs"
INVOKE_CONFIG_FIELDS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
RECURSION_KEY = "RecursiveLoop"
DEFAULT_ACTION = "lambda:InvokeFunction"


def deploy_qualifier(written: Any, alias: str | None, publishes: bool) -> str | None:
    """The qualifier an entry targets: its own (``$LATEST``: none), else the deploy's alias
    when the deploy publishes (or points the alias at $LATEST), else none."""
    if isinstance(written, str) and written:
        return None if written == LATEST else written
    return alias if publishes else None


def qualifier_of_arn(function_arn: str) -> str | None:
    """The qualifier of a function ARN (``...:function:name:current`` -> ``current``)."""
    parts = function_arn.split(":")
    if len(parts) >= 8 and parts[7] != LATEST:
        return parts[7]
    return None


# -- event_sources.json ---------------------------------------------------------------------------
MappingKey = tuple[str, tuple[str, ...], str | None]


@dataclass(frozen=True)
class MappingSpec:
    """One entry of event_sources.json: the CreateEventSourceMapping input (no FunctionName,
    no Qualifier) and the qualifier it targets."""

    params: dict[str, Any]
    qualifier: str | None
    index: int

    @property
    def kind(self) -> str | None:
        """The source type (``sources.SQS``...)."""
        return source_type(self.params)

    @property
    def key(self) -> MappingKey:
        """What identifies the mapping."""
        return mapping_key(self.params, self.qualifier)

    def describe(self) -> str:
        """The mapping's source, as shown (its ARN or Kafka servers, then the qualifier)."""
        return describe_key(self.key)


def source_id(params: Mapping[str, Any]) -> str:
    """A mapping's source: EventSourceArn, or the bootstrap servers of a self-managed cluster."""
    arn = params.get("EventSourceArn")
    if isinstance(arn, str) and arn:
        return arn
    endpoints = (params.get("SelfManagedEventSource") or {}).get("Endpoints") or {}
    servers = endpoints.get("KAFKA_BOOTSTRAP_SERVERS") or []
    return "kafka://" + ",".join(sorted(str(s) for s in servers))


def mapping_key(params: Mapping[str, Any], qualifier: str | None) -> MappingKey:
    """(source, topics or queues, qualifier): what identifies a mapping."""
    extra = [str(t) for t in (params.get("Topics") or [])]
    extra += [str(q) for q in (params.get("Queues") or [])]
    return (source_id(params), tuple(sorted(extra)), qualifier)


def describe_key(key: MappingKey) -> str:
    """``arn (topics) -> qualifier`` for messages and dry runs."""
    source, extra, qualifier = key
    what = source + (f" ({', '.join(extra)})" if extra else "")
    return f"{what} -> {qualifier or LATEST}"


def event_sources(doc: Any, alias: str | None, publishes: bool) -> list[MappingSpec]:
    """event_sources.json's entries (non-object entries are skipped: validation reports them)."""
    out = []
    for i, entry in enumerate(doc if isinstance(doc, list) else []):
        if not isinstance(entry, dict):
            continue
        params = {k: v for k, v in entry.items() if k not in (QUALIFIER, "FunctionName")}
        qualifier = deploy_qualifier(entry.get(QUALIFIER), alias, publishes)
        out.append(MappingSpec(params, qualifier, i))
    return out


def event_source_arns(doc: Any) -> list[str]:
    """The EventSourceArn of each entry of event_sources.json (for lint)."""
    entries = doc if isinstance(doc, list) else []
    arns = [e.get("EventSourceArn") for e in entries if isinstance(e, dict)]
    return [a for a in arns if isinstance(a, str)]


# -- event_invoke.json ----------------------------------------------------------------------------
@dataclass(frozen=True)
class InvokeConfigSpec:
    """One qualifier's asynchronous invocation settings."""

    qualifier: str | None
    params: dict[str, Any]


def invoke_configs(doc: Any, alias: str | None, publishes: bool) -> list[InvokeConfigSpec]:
    """The configurations event_invoke.json asks for, one per qualifier."""
    if not isinstance(doc, dict):
        return []
    entries = doc.get(CONFIGS_KEY)
    if entries is None:
        own = {k: v for k, v in doc.items() if k in INVOKE_CONFIG_FIELDS}
        entries = [{**own, QUALIFIER: doc.get(QUALIFIER)}] if own or QUALIFIER in doc else []
    out: list[InvokeConfigSpec] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        params = {k: v for k, v in entry.items() if k in INVOKE_CONFIG_FIELDS}
        out.append(
            InvokeConfigSpec(deploy_qualifier(entry.get(QUALIFIER), alias, publishes), params)
        )
    return out


def recursion_setting(doc: Any) -> str | None:
    """event_invoke.json's RecursiveLoop (None when the file leaves it out)."""
    value = doc.get(RECURSION_KEY) if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


# -- permissions.json -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PermissionSpec:
    """One statement of permissions.json: AddPermission's input without FunctionName,
    StatementId and Qualifier (``Action`` filled in)."""

    params: dict[str, Any]
    qualifier: str | None
    statement_id: str | None
    index: int


def permissions(doc: Any) -> list[PermissionSpec]:
    """permissions.json's statements."""
    out = []
    for i, entry in enumerate(doc if isinstance(doc, list) else []):
        if not isinstance(entry, dict):
            continue
        params = {
            k: v
            for k, v in entry.items()
            if k not in ("FunctionName", "StatementId", QUALIFIER, "RevisionId")
        }
        params.setdefault("Action", DEFAULT_ACTION)
        qualifier = entry.get(QUALIFIER)
        qualifier = qualifier if isinstance(qualifier, str) and qualifier != LATEST else None
        sid = entry.get("StatementId")
        out.append(
            PermissionSpec(params, qualifier or None, sid if isinstance(sid, str) else None, i)
        )
    return out


def permission_principals(doc: Any) -> list[str]:
    """The Principal of each statement of permissions.json (for lint)."""
    return [str(p.params.get("Principal")) for p in permissions(doc) if p.params.get("Principal")]


# -- schedules.json -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleSpec:
    """One schedule: CreateSchedule's input (``Target.Arn`` left for the deploy to fill in),
    its group and the qualifier its target invokes."""

    name: str
    group: str
    params: dict[str, Any]
    qualifier: str | None
    index: int
    #: True when the group is the function's own (lambherd's), not one the file names.
    own_group: bool


def schedules(
    doc: Any, alias: str | None, publishes: bool, default_group: str
) -> list[ScheduleSpec]:
    """schedules.json's schedules."""
    out = []
    for i, entry in enumerate(doc if isinstance(doc, list) else []):
        if not isinstance(entry, dict):
            continue
        params = {k: v for k, v in entry.items() if k not in (QUALIFIER, "ClientToken")}
        group = params.pop("GroupName", None)
        own = not isinstance(group, str) or not group or group == default_group
        params.setdefault("FlexibleTimeWindow", dict(SCHEDULE_FLEXIBLE_WINDOW))
        target = dict(params.get("Target") or {})
        target.pop("Arn", None)
        params["Target"] = target
        out.append(
            ScheduleSpec(
                name=str(params.get("Name", "")),
                group=default_group if own else str(group),
                params=params,
                qualifier=deploy_qualifier(entry.get(QUALIFIER), alias, publishes),
                index=i,
                own_group=own,
            )
        )
    return out
