"""``lint --live``: what AWS reports about the deployed function, read once per function.

Everything goes through the clients of ``lambherd.aws`` (the sandbox with ``--sandbox``). Each
read that fails (no permission, an endpoint that does not serve the call) leaves its fact
unknown and adds a note; the checks that need it then say nothing.

    REPORT lines     FilterLogEvents on the function's log group over the window (at most
                     MAX_REPORTS lines): Max Memory Used, Init Duration
    metrics          Throttles (sum) and ProvisionedConcurrencyUtilization (max) per alias
    configuration    GetFunctionConcurrency, GetFunctionRecursionConfig, GetPolicy,
                     ListEventSourceMappings (+ SQS GetQueueAttributes), ListAliases,
                     ListProvisionedConcurrencyConfigs
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lambherd.report import ReportRecord

#: Stop reading REPORT lines after this many (the window's oldest first).
MAX_REPORTS = 10_000
DEFAULT_WINDOW = timedelta(days=7)


@dataclass
class LiveFacts:
    """The deployed function as AWS reports it; None/empty where it could not be read."""

    deployed: bool = True
    memory_size: int | None = None
    window: timedelta = DEFAULT_WINDOW
    reports: list[ReportRecord] = field(default_factory=list)
    throttles: float | None = None
    reserved: int | None = None
    recursion: str | None = None
    policy_principals: set[str] = field(default_factory=set)
    mapped_sources: list[str] = field(default_factory=list)
    queue_visibility: dict[str, int] = field(default_factory=dict)
    #: qualifier (alias or version) -> allocated (else requested) provisioned environments
    provisioned: dict[str, int] = field(default_factory=dict)
    #: version -> provisioned environments, for versions no alias serves
    unserved_provisioned: dict[str, int] = field(default_factory=dict)
    #: qualifier -> the highest ProvisionedConcurrencyUtilization seen (0..1), None: no data
    utilisation: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def provisioned_total(self) -> int:
        """Provisioned environments over all qualifiers."""
        return sum(self.provisioned.values())


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or type(exc).__name__)


def gather_live(
    clients: Any,
    name: str,
    config: dict[str, Any],
    *,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
) -> LiveFacts:
    """Read what lint's live checks need about function ``name``."""
    from botocore.exceptions import BotoCoreError, ClientError

    facts = LiveFacts(window=window)
    lam = clients.client("lambda")
    try:
        deployed = lam.get_function_configuration(FunctionName=name)
    except ClientError as exc:
        facts.deployed = False
        if _code(exc) == "ResourceNotFoundException":
            facts.notes.append(f"--live: function {name} is not deployed; live checks skipped")
        else:
            facts.notes.append(f"--live: cannot read function {name}: {_code(exc)}; skipped")
        return facts
    facts.memory_size = deployed.get("MemorySize")
    now = now or datetime.now(UTC)
    readers = (
        ("REPORT lines", lambda: _reports(clients, lam, name, config, now - window, now, facts)),
        ("reserved concurrency", lambda: _reserved(lam, name, facts)),
        ("the recursion setting", lambda: _recursion(lam, name, facts)),
        ("the resource policy", lambda: _policy(lam, name, facts)),
        ("event source mappings", lambda: _mappings(clients, lam, name, facts)),
        ("provisioned concurrency", lambda: _provisioned(lam, name, facts)),
        ("metrics", lambda: _metrics(clients, name, window, now, facts)),
    )
    for what, read in readers:
        try:
            read()
        except (ClientError, BotoCoreError) as exc:
            facts.notes.append(f"--live: could not read {what} of {name}: {_code(exc)}")
    return facts


def _reports(
    clients: Any,
    lam: Any,
    name: str,
    config: dict[str, Any],
    start: datetime,
    end: datetime,
    facts: LiveFacts,
) -> None:
    from lambherd.cloudwatch.logs import LogQuery, fetch_events, resolve_log_group
    from lambherd.durations import to_millis
    from lambherd.errors import NotFoundError
    from lambherd.report import parse_report

    group = resolve_log_group(lam, name, config)
    # REPORT lines in the text format, platform.report records in the JSON one
    query = LogQuery(group, to_millis(start), to_millis(end), '?REPORT ?"platform.report"')
    try:
        for event in fetch_events(clients.client("logs"), query):
            record = parse_report(str(event.get("message", "")))
            if record is not None:
                facts.reports.append(record)
                if len(facts.reports) >= MAX_REPORTS:
                    break
    except NotFoundError:
        facts.notes.append(f"--live: {name} has no log group {group} yet (never invoked?)")


def _reserved(lam: Any, name: str, facts: LiveFacts) -> None:
    value = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    facts.reserved = value if isinstance(value, int) else None


def _recursion(lam: Any, name: str, facts: LiveFacts) -> None:
    from botocore.exceptions import ClientError, UnknownServiceError

    try:
        facts.recursion = lam.get_function_recursion_config(FunctionName=name).get("RecursiveLoop")
    except (AttributeError, UnknownServiceError):  # a botocore too old to know the call
        facts.notes.append("--live: this botocore has no GetFunctionRecursionConfig")
    except ClientError as exc:
        if _code(exc) in {"404", "NotFound", "UnknownOperationException", "InvalidAction"}:
            facts.notes.append(
                "--live: the endpoint does not serve GetFunctionRecursionConfig; "
                "recursion setting not checked"
            )
        else:
            raise


def _policy(lam: Any, name: str, facts: LiveFacts) -> None:
    from botocore.exceptions import ClientError

    try:
        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return  # no resource policy at all
        raise
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            service = principal.get("Service")
            values = [service] if isinstance(service, str) else list(service or [])
            facts.policy_principals.update(str(v) for v in values)
        elif isinstance(principal, str):
            facts.policy_principals.add(principal)


def _mappings(clients: Any, lam: Any, name: str, facts: LiveFacts) -> None:
    pages = lam.get_paginator("list_event_source_mappings").paginate(FunctionName=name)
    for page in pages:
        for mapping in page.get("EventSourceMappings", []):
            arn = mapping.get("EventSourceArn")
            if isinstance(arn, str):
                facts.mapped_sources.append(arn)
    queues = [a for a in facts.mapped_sources if a.startswith("arn:aws:sqs:")]
    for arn in queues:
        _queue_visibility(clients, arn, facts)


def queue_visibility_for(clients: Any, arns: list[str], facts: LiveFacts) -> None:
    """Read the visibility timeout of queues named in event_sources.json (not yet mapped)."""
    from botocore.exceptions import BotoCoreError, ClientError

    for arn in arns:
        if arn in facts.queue_visibility or not arn.startswith("arn:aws:sqs:"):
            continue
        try:
            _queue_visibility(clients, arn, facts)
        except (ClientError, BotoCoreError) as exc:
            facts.notes.append(f"--live: could not read the queue {arn}: {_code(exc)}")


def _queue_visibility(clients: Any, arn: str, facts: LiveFacts) -> None:
    account, queue = arn.split(":")[4:6]
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName=queue, QueueOwnerAWSAccountId=account)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    facts.queue_visibility[arn] = int(attrs["Attributes"]["VisibilityTimeout"])


def _provisioned(lam: Any, name: str, facts: LiveFacts) -> None:
    pages = lam.get_paginator("list_provisioned_concurrency_configs").paginate(FunctionName=name)
    for page in pages:
        for item in page.get("ProvisionedConcurrencyConfigs", []):
            qualifier = str(item.get("FunctionArn", "")).rsplit(":", 1)[-1]
            count = item.get("AllocatedProvisionedConcurrentExecutions")
            if not isinstance(count, int) or count == 0:
                count = item.get("RequestedProvisionedConcurrentExecutions") or 0
            facts.provisioned[qualifier] = int(count)
    if not facts.provisioned:
        return
    served: set[str] = set()
    aliases: dict[str, str] = {}
    for page in lam.get_paginator("list_aliases").paginate(FunctionName=name):
        for alias in page.get("Aliases", []):
            aliases[alias["Name"]] = alias["FunctionVersion"]
            served.add(str(alias["FunctionVersion"]))
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            served.update(str(v) for v in weights)
    for qualifier, count in facts.provisioned.items():
        if qualifier.isdigit() and qualifier not in served:
            facts.unserved_provisioned[qualifier] = count


def _metrics(clients: Any, name: str, window: timedelta, now: datetime, facts: LiveFacts) -> None:
    from lambherd.cloudwatch.metrics import NAMESPACE, dimensions

    cloudwatch = clients.client("cloudwatch")
    period = max(60, int(window.total_seconds()) // 60 * 60)
    queries: list[dict[str, Any]] = [
        {
            "Id": "throttles",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": "Throttles",
                    "Dimensions": dimensions(name, None),
                },
                "Period": period,
                "Stat": "Sum",
            },
        }
    ]
    ids: dict[str, str] = {}
    for i, qualifier in enumerate(sorted(facts.provisioned)):
        ids[f"pcu{i}"] = qualifier
        queries.append(
            {
                "Id": f"pcu{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": "ProvisionedConcurrencyUtilization",
                        "Dimensions": dimensions(name, qualifier),
                    },
                    "Period": period,
                    "Stat": "Maximum",
                },
            }
        )
    response = cloudwatch.get_metric_data(
        MetricDataQueries=queries, StartTime=now - window, EndTime=now
    )
    values = {r["Id"]: r.get("Values", []) for r in response.get("MetricDataResults", [])}
    facts.throttles = float(sum(values.get("throttles", [])))
    for query_id, qualifier in ids.items():
        seen = values.get(query_id) or []
        facts.utilisation[qualifier] = max(seen) if seen else None
