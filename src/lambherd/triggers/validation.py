"""Every check of the four trigger files made before the first call, in one place.

``file_problems`` checks the files alone (shapes against botocore's models of
CreateEventSourceMapping, PutFunctionEventInvokeConfig, AddPermission and CreateSchedule, then
Lambda's rules per source type, filter patterns, schedule expressions and time zones,
duplicates): ``lambherd validate`` and every deploy run it. ``fact_problems`` checks them
against what AWS reports, read while planning (a read, never a change): the queues exist and
their visibility timeout is at least the function's Timeout (Lambda refuses the mapping
otherwise), the streams and every destination (OnSuccess / OnFailure, a schedule's dead-letter
queue) exist, and a named alias exists or is the one the deploy makes. Each problem is one line
naming the file and the entry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambherd.defaults import TIMEOUT
from lambherd.triggers import filter_patterns, schedule_expressions, sources
from lambherd.triggers.files import (
    CONFIGS_KEY,
    EVENT_INVOKE,
    EVENT_SOURCES,
    FILES,
    INVOKE_CONFIG_FIELDS,
    PERMISSIONS,
    QUALIFIER,
    RECURSION_KEY,
    SCHEDULES,
    mapping_key,
)
from lambherd.triggers.ownership import FUNCTION_TAG, PROJECT_TAG

_DESTINATION_SERVICES = {
    "event_invoke": ("sqs", "sns", "lambda", "events", "s3"),
    "event_sources": ("sqs", "sns", "s3"),
}


@dataclass
class Problems:
    """Errors (they stop a deploy) and warnings, each one line."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ShapeTools:
    """How a file is walked alongside an API model: ``checker(source, errors, **rules)``
    (``lambherd.definition.validate``'s walker) and ``did_you_mean(name, choices)``. Given by
    the caller, so this module does not import the definition validator (which calls it)."""

    checker: Any
    did_you_mean: Any


def model(service: str) -> Any:
    """botocore's model of ``service`` (loaded on first use)."""
    from lambherd.aws import service_model

    return service_model(service)


def file_problems(sidecars: Mapping[str, Any], tools: ShapeTools) -> Problems:
    """What is wrong with the trigger files present in ``sidecars`` (key -> rendered doc)."""
    out = Problems()
    if EVENT_SOURCES in sidecars:
        _event_sources(sidecars[EVENT_SOURCES], out, tools)
    if EVENT_INVOKE in sidecars:
        _event_invoke(sidecars[EVENT_INVOKE], out, tools)
    if PERMISSIONS in sidecars:
        _permissions(sidecars[PERMISSIONS], out, tools)
    if SCHEDULES in sidecars:
        _schedules(sidecars[SCHEDULES], out, tools)
    return out


def _list_of_objects(doc: Any, name: str, out: Problems) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(doc, list):
        out.errors.append(f"{name}: expected a list of objects at the top level")
        return []
    entries = []
    for i, entry in enumerate(doc):
        if isinstance(entry, dict):
            entries.append((i, entry))
        else:
            out.errors.append(f"{name}: [{i}]: expected an object")
    return entries


# -- event_sources.json ---------------------------------------------------------------------------
def _event_sources(doc: Any, out: Problems, tools: ShapeTools) -> None:
    name = FILES[EVENT_SOURCES]
    shape = model("lambda").operation_model("CreateEventSourceMapping").input_shape
    seen: dict[Any, int] = {}
    for i, entry in _list_of_objects(doc, name, out):
        where = f"[{i}]"
        params = {k: v for k, v in entry.items() if k != QUALIFIER}
        tools.checker(name, out.errors, managed={f"{where}.FunctionName"}).check(
            params, shape, where
        )
        _qualifier(entry, name, where, out)
        _managed_tags(params.get("Tags"), name, where, out)
        kind = sources.source_type(params)
        if kind is None:
            arn = params.get("EventSourceArn")
            out.errors.append(
                f"{name}: {where}.EventSourceArn: {json.dumps(arn)} is not an SQS queue, Kinesis "
                "or DynamoDB stream, MSK cluster, MQ broker or DocumentDB cluster ARN (a "
                "self-managed Kafka cluster is given as SelfManagedEventSource)"
            )
            continue
        _source_rules(params, kind, name, where, out.errors)
        key = mapping_key(params, entry.get(QUALIFIER))
        if key in seen:
            out.errors.append(f"{name}: {where}: the same source and qualifier as [{seen[key]}]")
        seen.setdefault(key, i)


def _source_rules(
    params: dict[str, Any], kind: str, name: str, where: str, errors: list[str]
) -> None:
    label = sources.LABELS[kind]

    def fail(path: str, message: str) -> None:
        errors.append(f"{name}: {where}.{path}: {message}")

    for key, allowed in sources.ONLY_FOR.items():
        if key in params and kind not in allowed:
            fail(key, f"{label}s do not take it")
    batch = params.get("BatchSize")
    window = params.get("MaximumBatchingWindowInSeconds")
    # above every source's limit is the API model's problem, already reported
    if isinstance(batch, int) and sources.BATCH_LIMIT >= batch > sources.batch_limit(kind):
        fail("BatchSize", f"{batch} is above the limit of {sources.batch_limit(kind)} for {label}s")
    if kind == sources.SQS_FIFO and isinstance(window, int) and window > 0:
        fail("MaximumBatchingWindowInSeconds", "FIFO queues take no batching window")
    if (
        kind == sources.SQS
        and isinstance(batch, int)
        and batch > sources.SQS_BATCH_WITHOUT_WINDOW
        and not (isinstance(window, int) and window >= 1)
    ):
        fail(
            "MaximumBatchingWindowInSeconds",
            f"BatchSize {batch} (over {sources.SQS_BATCH_WITHOUT_WINDOW}) needs a batching window "
            "of at least 1 second",
        )
    _ranges(params, kind, fail)
    _positions(params, kind, label, fail)
    if kind in sources.KAFKAS and len(params.get("Topics") or []) != 1:
        fail("Topics", "exactly one topic is required")
    if kind == sources.MQ:
        if len(params.get("Queues") or []) != 1:
            fail("Queues", "exactly one queue is required")
        if not params.get("SourceAccessConfigurations"):
            fail("SourceAccessConfigurations", "an MQ broker needs its credentials' secret")
    if kind == sources.DOCDB and not (params.get("DocumentDBEventSourceConfig") or {}).get(
        "DatabaseName"
    ):
        fail("DocumentDBEventSourceConfig.DatabaseName", "required for a DocumentDB cluster")
    _filters(params.get("FilterCriteria"), fail)
    _destinations(params.get("DestinationConfig"), "event_sources", fail)


def _ranges(params: dict[str, Any], kind: str, fail: Any) -> None:
    # the model carries the plain ranges (ParallelizationFactor 1-10...); not this one
    age = params.get("MaximumRecordAgeInSeconds")
    low, high = sources.RECORD_AGE
    if isinstance(age, int) and age != -1 and not low <= age <= high:
        fail("MaximumRecordAgeInSeconds", f"{age} is neither -1 (no limit) nor {low}..{high}")


def _positions(params: dict[str, Any], kind: str, label: str, fail: Any) -> None:
    allowed = sources.STARTING_POSITIONS.get(kind)
    position = params.get("StartingPosition")
    if allowed is None:
        return
    if position is None:
        fail("StartingPosition", f"required for a {label} ({' / '.join(allowed)})")
    elif position not in allowed:
        fail("StartingPosition", f"{position!r} is not one of {', '.join(allowed)} for a {label}")
    elif position == "AT_TIMESTAMP" and "StartingPositionTimestamp" not in params:
        fail("StartingPositionTimestamp", "required with StartingPosition AT_TIMESTAMP")


def _filters(criteria: Any, fail: Any) -> None:
    if not isinstance(criteria, dict):
        return
    filters = criteria.get("Filters") or []
    if not isinstance(filters, list):
        return
    if len(filters) > sources.MAX_FILTERS:
        fail("FilterCriteria.Filters", f"{len(filters)} filters, at most {sources.MAX_FILTERS}")
    for j, entry in enumerate(filters):
        pattern = entry.get("Pattern") if isinstance(entry, dict) else None
        path = f"FilterCriteria.Filters[{j}].Pattern"
        if isinstance(pattern, str) and len(pattern) > sources.MAX_PATTERN_CHARS:
            fail(path, f"{len(pattern)} characters, at most {sources.MAX_PATTERN_CHARS}")
        for problem in filter_patterns.problems(pattern):
            fail(path, problem)


def _destinations(config: Any, kind: str, fail: Any) -> None:
    if not isinstance(config, dict):
        return
    allowed = _DESTINATION_SERVICES[kind]
    for side in ("OnSuccess", "OnFailure"):
        arn = (config.get(side) or {}).get("Destination")
        if not arn:
            continue
        service = str(arn).split(":")[2] if str(arn).count(":") >= 5 else ""
        if service not in allowed or (service == "s3" and side == "OnSuccess"):
            fail(
                f"DestinationConfig.{side}.Destination", f"{arn} is not a destination {kind} takes"
            )
        elif str(arn).endswith(".fifo"):
            fail(f"DestinationConfig.{side}.Destination", "FIFO queues and topics are refused")


def _qualifier(entry: dict[str, Any], name: str, where: str, out: Problems) -> None:
    qualifier = entry.get(QUALIFIER)
    if qualifier is None:
        return
    if not isinstance(qualifier, str) or not qualifier:
        out.errors.append(f"{name}: {where}.Qualifier: expected an alias name or $LATEST")
    elif qualifier.isdigit():
        out.warnings.append(
            f"{name}: {where}.Qualifier: version {qualifier} never moves; an alias follows deploys"
        )


def _managed_tags(tags: Any, name: str, where: str, out: Problems) -> None:
    if isinstance(tags, dict):
        for key in tags:
            if key in (FUNCTION_TAG, PROJECT_TAG):
                out.errors.append(f"{name}: {where}.Tags.{key}: set by lambherd; remove it")


# -- event_invoke.json ----------------------------------------------------------------------------
def _event_invoke(doc: Any, out: Problems, tools: ShapeTools) -> None:
    did_you_mean = tools.did_you_mean
    name = FILES[EVENT_INVOKE]
    if not isinstance(doc, dict):
        out.errors.append(f"{name}: expected an object at the top level")
        return
    known = [RECURSION_KEY, CONFIGS_KEY, QUALIFIER, *INVOKE_CONFIG_FIELDS]
    for key in doc:
        if key not in known:
            out.errors.append(f"{name}: {key}: unknown field{did_you_mean(key, known)}")
    recursion = doc.get(RECURSION_KEY)
    if recursion is not None and recursion not in ("Allow", "Terminate"):
        out.errors.append(f"{name}: {RECURSION_KEY}: expected Allow or Terminate")
    inline = [k for k in doc if k in (*INVOKE_CONFIG_FIELDS, QUALIFIER)]
    entries: list[tuple[str, Any]]
    if CONFIGS_KEY in doc:
        if inline:
            out.errors.append(
                f"{name}: {', '.join(inline)}: give them inside {CONFIGS_KEY}, not beside it"
            )
        listed = doc[CONFIGS_KEY]
        if not isinstance(listed, list):
            out.errors.append(f"{name}: {CONFIGS_KEY}: expected a list")
            return
        entries = [(f"{CONFIGS_KEY}[{i}]", e) for i, e in enumerate(listed)]
    else:
        entries = [("", {k: doc[k] for k in inline})] if inline else []
    shape = model("lambda").operation_model("PutFunctionEventInvokeConfig").input_shape
    seen: dict[Any, str] = {}
    for where, entry in entries:
        if not isinstance(entry, dict):
            out.errors.append(f"{name}: {where}: expected an object")
            continue
        tools.checker(name, out.errors, managed={_at(where, "FunctionName")}).check(
            entry, shape, where
        )
        _qualifier(entry, name, where or "(top level)", out)

        def fail(path: str, message: str, where: str = where) -> None:
            out.errors.append(f"{name}: {_at(where, path)}: {message}")

        _destinations(entry.get("DestinationConfig"), "event_invoke", fail)
        qualifier = entry.get(QUALIFIER)
        if qualifier in seen:
            out.errors.append(
                f"{name}: {where}: qualifier {qualifier} is also in {seen[qualifier]}"
            )
        seen.setdefault(qualifier, where or "the top level")


def _at(where: str, path: str) -> str:
    return f"{where}.{path}" if where else path


# -- permissions.json -----------------------------------------------------------------------------
def _permissions(doc: Any, out: Problems, tools: ShapeTools) -> None:
    from lambherd.plan.policy import grant_from_permission

    name = FILES[PERMISSIONS]
    shape = model("lambda").operation_model("AddPermission").input_shape
    seen: dict[Any, int] = {}
    for i, entry in _list_of_objects(doc, name, out):
        where = f"[{i}]"
        tools.checker(
            name,
            out.errors,
            managed={f"{where}.FunctionName", f"{where}.RevisionId"},
            optional={f"{where}.StatementId", f"{where}.Action"},
        ).check(entry, shape, where)
        params = {k: v for k, v in entry.items() if k not in ("StatementId", QUALIFIER)}
        params.setdefault("Action", "lambda:InvokeFunction")
        try:
            grant = grant_from_permission(params)
        except ValueError:  # not AddPermission's shape: the checker above has said where
            continue
        if grant.for_function_url:
            out.errors.append(
                f"{name}: {where}: a function URL grant belongs in function_url.json's Permissions"
            )
        key = (grant, entry.get(QUALIFIER))
        if key in seen:
            out.errors.append(f"{name}: {where}: allows the same as [{seen[key]}]")
        seen.setdefault(key, i)


# -- schedules.json -------------------------------------------------------------------------------
def _schedules(doc: Any, out: Problems, tools: ShapeTools) -> None:
    name = FILES[SCHEDULES]
    shape = model("scheduler").operation_model("CreateSchedule").input_shape
    seen: dict[Any, int] = {}
    for i, entry in _list_of_objects(doc, name, out):
        where = f"[{i}]"
        params = {k: v for k, v in entry.items() if k != QUALIFIER}
        tools.checker(
            name,
            out.errors,
            managed={f"{where}.Target.Arn", f"{where}.ClientToken"},
            optional={f"{where}.FlexibleTimeWindow"},
        ).check(params, shape, where)
        _qualifier(entry, name, where, out)
        expression = params.get("ScheduleExpression")
        if isinstance(expression, str):
            for problem in schedule_expressions.problems(
                expression, params.get("ScheduleExpressionTimezone")
            ):
                out.errors.append(f"{name}: {where}.ScheduleExpression: {problem}")
        window = params.get("FlexibleTimeWindow") or {}
        flexible = isinstance(window, dict) and window.get("Mode") == "FLEXIBLE"
        if flexible and "MaximumWindowInMinutes" not in window:
            out.errors.append(
                f"{name}: {where}.FlexibleTimeWindow.MaximumWindowInMinutes: required with "
                "Mode FLEXIBLE"
            )
        key = (params.get("GroupName"), params.get("Name"))
        if key in seen:
            out.errors.append(f"{name}: {where}: schedule name {key[1]} is also [{seen[key]}]")
        seen.setdefault(key, i)


# -- against what AWS reports ---------------------------------------------------------------------
@dataclass(frozen=True)
class ArnFact:
    """What a read found about an ARN the files name: None for ``exists`` when not checked."""

    exists: bool | None
    visibility_timeout: int | None = None


def fact_problems(
    sidecars: Mapping[str, Any],
    config: Mapping[str, Any],
    facts: Mapping[str, ArnFact],
    *,
    aliases: set[str],
    deploy_alias: str | None,
) -> list[str]:
    """What AWS's answers make impossible: missing sources and destinations, a queue whose
    visibility timeout is below the function's Timeout, an alias that does not exist."""
    out: list[str] = []
    timeout = config.get("Timeout", TIMEOUT)
    name = FILES[EVENT_SOURCES]
    for i, entry in enumerate(_objects(sidecars.get(EVENT_SOURCES))):
        where = f"[{i}]"
        arn = entry.get("EventSourceArn")
        fact = facts.get(arn) if isinstance(arn, str) else None
        if fact is not None and fact.exists is False:
            out.append(f"{name}: {where}.EventSourceArn: {arn} does not exist")
        if (
            fact is not None
            and fact.visibility_timeout is not None
            and isinstance(timeout, int)
            and fact.visibility_timeout < timeout
        ):
            out.append(
                f"{name}: {where}: the queue's visibility timeout ({fact.visibility_timeout} s) is "
                f"shorter than the function's Timeout ({timeout} s); Lambda requires at least the "
                "Timeout (6 x is recommended)"
            )
        out.extend(_missing_destinations(entry.get("DestinationConfig"), facts, name, where))
        out.extend(_missing_alias(entry, aliases, deploy_alias, name, where))
    invoke = sidecars.get(EVENT_INVOKE)
    if isinstance(invoke, dict):
        listed = invoke.get(CONFIGS_KEY)
        entries = (
            [(f"{CONFIGS_KEY}[{i}]", e) for i, e in enumerate(listed)]
            if isinstance(listed, list)
            else [("(top level)", invoke)]
        )
        for where, entry in entries:
            if isinstance(entry, dict):
                destinations = entry.get("DestinationConfig")
                out.extend(_missing_destinations(destinations, facts, FILES[EVENT_INVOKE], where))
                out.extend(_missing_alias(entry, aliases, deploy_alias, FILES[EVENT_INVOKE], where))
    for i, entry in enumerate(_objects(sidecars.get(SCHEDULES))):
        where = f"[{i}]"
        dlq = ((entry.get("Target") or {}).get("DeadLetterConfig") or {}).get("Arn")
        fact = facts.get(dlq) if isinstance(dlq, str) else None
        if fact is not None and fact.exists is False:
            out.append(
                f"{FILES[SCHEDULES]}: {where}.Target.DeadLetterConfig.Arn: {dlq} does not exist"
            )
        out.extend(_missing_alias(entry, aliases, deploy_alias, FILES[SCHEDULES], where))
    for i, entry in enumerate(_objects(sidecars.get(PERMISSIONS))):
        out.extend(_missing_alias(entry, aliases, deploy_alias, FILES[PERMISSIONS], f"[{i}]"))
    return out


def _objects(doc: Any) -> list[dict[str, Any]]:
    return [e for e in doc if isinstance(e, dict)] if isinstance(doc, list) else []


def _missing_destinations(
    config: Any, facts: Mapping[str, ArnFact], name: str, where: str
) -> list[str]:
    out = []
    for side in ("OnSuccess", "OnFailure"):
        arn = (
            ((config or {}).get(side) or {}).get("Destination")
            if isinstance(config, dict)
            else None
        )
        fact = facts.get(arn) if isinstance(arn, str) else None
        if fact is not None and fact.exists is False:
            path = _at(where, f"DestinationConfig.{side}.Destination")
            out.append(f"{name}: {path}: {arn} does not exist")
    return out


def _missing_alias(
    entry: dict[str, Any], aliases: set[str], deploy_alias: str | None, name: str, where: str
) -> list[str]:
    qualifier = entry.get(QUALIFIER)
    if not isinstance(qualifier, str) or qualifier == "$LATEST" or qualifier.isdigit():
        return []
    if qualifier in aliases or qualifier == deploy_alias:
        return []
    return [f"{name}: {where}.Qualifier: alias {qualifier} does not exist"]


def destination_arns(sidecars: Mapping[str, Any]) -> list[str]:
    """Every ARN the files send to or read from, whose existence planning checks."""
    arns: list[str] = []
    for entry in _objects(sidecars.get(EVENT_SOURCES)):
        arns.append(entry.get("EventSourceArn"))
        for side in ("OnSuccess", "OnFailure"):
            arns.append(((entry.get("DestinationConfig") or {}).get(side) or {}).get("Destination"))
    invoke = sidecars.get(EVENT_INVOKE)
    if isinstance(invoke, dict):
        listed = invoke.get(CONFIGS_KEY)
        for entry in listed if isinstance(listed, list) else [invoke]:
            if isinstance(entry, dict):
                for side in ("OnSuccess", "OnFailure"):
                    config = entry.get("DestinationConfig") or {}
                    arns.append((config.get(side) or {}).get("Destination"))
    for entry in _objects(sidecars.get(SCHEDULES)):
        arns.append(((entry.get("Target") or {}).get("DeadLetterConfig") or {}).get("Arn"))
    return list(dict.fromkeys(a for a in arns if isinstance(a, str) and a))
