"""``concurrency``: the account's (or the project's) concurrency as it is, and quota requests.

The view reads, for N functions: GetAccountSettings once; ListFunctions (the account view) or
the project's definitions; per function GetFunctionConcurrency and
ListProvisionedConcurrencyConfigs (8 at a time); Application Auto Scaling's targets and
scheduled actions of the whole ``lambda`` namespace (a page per 50); and CloudWatch in batches
of 500 queries per GetMetricData: peak ConcurrentExecutions and total Throttles of each
function, average ProvisionedConcurrencyUtilization and spillover of each provisioned alias,
over ``--since``.

``request-quota`` asks Service Quotas to raise Lambda's "Concurrent executions" quota
(L-B99A9384) in the region; ``quota-status`` lists the requests and their state. Where Service
Quotas refuses, the error says what to do instead (the AWS Support console's service limit
increase case, as the field notes say for large increases).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lambherd.concurrency.view import FunctionRow, ProvisionedRow, flags_of, next_actions
from lambherd.defaults import CONCURRENCY_QUOTA_CODE, CONCURRENCY_SINCE, LAMBDA_SERVICE_CODE
from lambherd.errors import AwsError, UsageError, describe_client_error

if TYPE_CHECKING:
    from lambherd.app import App

#: GetMetricData takes at most this many queries per call.
QUERIES_PER_CALL = 500
READ_WORKERS = 8


@dataclass(frozen=True)
class ConcurrencyRequest:
    """What ``concurrency`` was asked."""

    since: str = CONCURRENCY_SINCE
    #: The whole account/region even inside a project.
    account: bool = False
    only: tuple[str, ...] = ()
    now: datetime | None = None


@dataclass
class ConcurrencyView:
    """The account's limit and each function's concurrency."""

    region: str
    scope: str
    limit: int
    unreserved: int
    start: datetime
    end: datetime
    functions: list[FunctionRow] = field(default_factory=list)
    #: API calls made, by operation (the benchmark reads it)
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def reserved(self) -> int:
        return self.limit - self.unreserved

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "scope": self.scope,
            "account": {
                "concurrent_executions": self.limit,
                "unreserved": self.unreserved,
                "reserved": self.reserved,
            },
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "functions": [f.to_json() for f in self.functions],
        }


class _Counted:
    """A client whose calls are counted (what the view reports and the benchmark compares)."""

    def __init__(self, client: Any, calls: dict[str, int]) -> None:
        self._client = client
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name in ("get_paginator", "meta", "exceptions"):
            return method

        def call(**kwargs: Any) -> Any:
            from lambherd.retry import call_with_retry

            self._calls[name] = self._calls.get(name, 0) + 1
            return call_with_retry(lambda: method(**kwargs))

        return call


def reference_now(app: App) -> datetime:
    """Now: the sandbox's clock when the endpoint is a lambherd sandbox, else the wall's."""
    endpoint = app.clients.endpoint_url
    if endpoint and endpoint.startswith(("http://127.0.0.1", "http://localhost")):
        import json
        import urllib.request

        try:
            with urllib.request.urlopen(f"{endpoint}/_lambherd/clock", timeout=2) as resp:
                return datetime.fromisoformat(json.loads(resp.read())["now"])
        except (OSError, ValueError, KeyError):
            pass
    return datetime.now(UTC)


def concurrency_view(app: App, request: ConcurrencyRequest) -> ConcurrencyView:
    """Read the view (see the module docstring)."""
    from botocore.exceptions import ClientError

    from lambherd.durations import parse_duration

    since = parse_duration(request.since, option="--since")
    calls: dict[str, int] = {}
    lam = _Counted(app.clients.client("lambda"), calls)
    try:
        names, scope = _names(app, request, lam)
        settings = lam.get_account_settings()["AccountLimit"]
        end = (request.now or reference_now(app)).replace(microsecond=0)
        start = end - since
        with ThreadPoolExecutor(max_workers=READ_WORKERS) as pool:
            rows = list(pool.map(lambda n: _function_row(lam, n), names))
        _add_scaling(app, rows, calls, end)
        _add_metrics(app, rows, calls, start, end)
    except ClientError as exc:
        raise describe_client_error(exc, "read the account's concurrency") from exc
    for row in rows:
        row.flags = flags_of(row)
    return ConcurrencyView(
        region=app.clients.region,
        scope=scope,
        limit=int(settings.get("ConcurrentExecutions") or 0),
        unreserved=int(settings.get("UnreservedConcurrentExecutions") or 0),
        start=start,
        end=end,
        functions=rows,
        calls=calls,
    )


def _names(app: App, request: ConcurrencyRequest, lam: Any) -> tuple[list[str], str]:
    from lambherd.project.discovery import matches_any

    project = app.project
    if project is not None and not request.account:
        from lambherd.pipeline.targets import project_targets

        targets = project_targets(project, app.render, lambda: app.clients)
        names = sorted(t.name for t in targets if t.matches(request.only))
        return names, f"project {project.name}"
    names, marker = [], None
    while True:
        page = lam.list_functions(**({"Marker": marker} if marker else {}))
        names += [f["FunctionName"] for f in page.get("Functions", [])]
        marker = page.get("NextMarker")
        if not marker:
            break
    return sorted(n for n in names if matches_any(request.only, n)), "account"


def _function_row(lam: Any, name: str) -> FunctionRow:
    reserved = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    configs, marker = [], None
    while True:
        page = lam.list_provisioned_concurrency_configs(
            FunctionName=name, **({"Marker": marker} if marker else {})
        )
        configs += page.get("ProvisionedConcurrencyConfigs", [])
        marker = page.get("NextMarker")
        if not marker:
            break
    provisioned = [
        ProvisionedRow(
            qualifier=str(c["FunctionArn"]).rsplit(":", 1)[-1],
            requested=int(c.get("RequestedProvisionedConcurrentExecutions") or 0),
            allocated=int(c.get("AllocatedProvisionedConcurrentExecutions") or 0),
            available=int(c.get("AvailableProvisionedConcurrentExecutions") or 0),
            status=str(c.get("Status") or ""),
            reason=c.get("StatusReason"),
        )
        for c in configs
    ]
    return FunctionRow(name, reserved, sorted(provisioned, key=lambda p: p.qualifier))


def _add_scaling(app: App, rows: list[FunctionRow], calls: dict[str, int], now: datetime) -> None:
    """Each provisioned row's scalable target and next scheduled actions (two paginated reads
    of the whole namespace)."""
    aas = _Counted(app.clients.client("application-autoscaling"), calls)
    targets = _pages(aas.describe_scalable_targets, "ScalableTargets", ServiceNamespace="lambda")
    actions = _pages(aas.describe_scheduled_actions, "ScheduledActions", ServiceNamespace="lambda")
    by_id: dict[str, list[dict[str, Any]]] = {}
    for action in actions:
        by_id.setdefault(str(action.get("ResourceId")), []).append(action)
    ranges = {
        str(t["ResourceId"]): (int(t.get("MinCapacity") or 0), int(t.get("MaxCapacity") or 0))
        for t in targets
    }
    for row in rows:
        known = {p.qualifier for p in row.provisioned}
        for rid in ranges:  # a target on an alias without a config yet
            _, name, qualifier = [*rid.split(":"), "", ""][:3]
            if name == row.name and qualifier not in known:
                row.provisioned.append(ProvisionedRow(qualifier, status="none"))
        for p in row.provisioned:
            rid = f"function:{row.name}:{p.qualifier}"
            p.scaling = ranges.get(rid)
            p.next_actions = next_actions(by_id.get(rid, []), now)


def _pages(call: Callable[..., Any], key: str, **params: Any) -> list[dict[str, Any]]:
    items, token = [], None
    while True:
        page = call(**params, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def _add_metrics(
    app: App, rows: list[FunctionRow], calls: dict[str, int], start: datetime, end: datetime
) -> None:
    """Peak concurrency, throttles and provisioned utilisation, 500 queries per call."""
    from lambherd.cloudwatch.metrics import MetricSpec, dimensions, metric_query

    period = max(60, math.ceil((end - start).total_seconds() / 60) * 60)
    specs = {
        "peak": MetricSpec("peak", "ConcurrentExecutions", "Maximum", "peak", "count"),
        "throttles": MetricSpec("throttles", "Throttles", "Sum", "throttles", "count"),
        "util": MetricSpec("util", "ProvisionedConcurrencyUtilization", "Average", "util", "x"),
        "spill": MetricSpec(
            "spill", "ProvisionedConcurrencySpilloverInvocations", "Sum", "spill", "count"
        ),
    }
    queries: list[dict[str, Any]] = []
    where: dict[str, tuple[Any, str]] = {}
    for i, row in enumerate(rows):
        for key in ("peak", "throttles"):
            query = metric_query(specs[key], dimensions(row.name, None), period, f"f{i}")
            queries.append(query)
            where[query["Id"]] = (row, key)
        for j, p in enumerate(row.provisioned):
            for key in ("util", "spill"):
                dims = dimensions(row.name, p.qualifier)
                query = metric_query(specs[key], dims, period, f"f{i}p{j}")
                queries.append(query)
                where[query["Id"]] = (p, key)
    if not queries:
        return
    cw = _Counted(app.clients.client("cloudwatch"), calls)
    found: dict[str, list[float]] = {}
    for first in range(0, len(queries), QUERIES_PER_CALL):
        batch = queries[first : first + QUERIES_PER_CALL]
        token = None
        while True:
            params: dict[str, Any] = {
                "MetricDataQueries": batch,
                "StartTime": start,
                "EndTime": end + timedelta(seconds=1),
            }
            if token:
                params["NextToken"] = token
            resp = cw.get_metric_data(**params)
            for result in resp.get("MetricDataResults", []):
                found.setdefault(result["Id"], []).extend(result.get("Values", []))
            token = resp.get("NextToken")
            if not token:
                break
    for query_id, (target, key) in where.items():
        values = found.get(query_id) or []
        if not values:
            continue
        if key == "peak":
            target.peak_concurrency = max(values)
        elif key == "throttles":
            target.throttles = sum(values)
        elif key == "util":
            average = sum(values) / len(values)
            target.utilisation = average / 100 if average > 1 else average
        else:
            target.spillover = sum(values)


# -- quotas ------------------------------------------------------------------------------------
@dataclass
class QuotaStatus:
    """The quota now, its default, and the increase requests made for it."""

    region: str
    value: float
    default: float | None
    requests: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "service_code": LAMBDA_SERVICE_CODE,
            "quota_code": CONCURRENCY_QUOTA_CODE,
            "value": self.value,
            "default": self.default,
            "requests": [_request_json(r) for r in self.requests],
        }


def _request_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r.get("Id"),
        "desired_value": r.get("DesiredValue"),
        "status": r.get("Status"),
        "case_id": r.get("CaseId"),
        "created": _iso(r.get("Created")),
        "last_updated": _iso(r.get("LastUpdated")),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


#: What to do instead when Service Quotas refuses (by its error code).
INSTEAD = {
    "AccessDeniedException": (
        "these credentials may not request quota increases (servicequotas:"
        "RequestServiceQuotaIncrease; large increases also need support:CreateCase): ask an "
        "administrator, or open a 'Service limit increase' case for Lambda's concurrent "
        "executions in the AWS Support console"
    ),
    "DependencyAccessDeniedException": (
        "Service Quotas could not open the support case for you: open a 'Service limit "
        "increase' case for Lambda's concurrent executions in the AWS Support console"
    ),
    "ResourceAlreadyExistsException": (
        "a request for this quota is already open: see `lambherd concurrency quota-status`"
    ),
    "QuotaExceededException": (
        "the account has too many open quota requests: wait for them (`lambherd concurrency "
        "quota-status`), or ask in the AWS Support console"
    ),
    "NoSuchResourceException": (
        "Service Quotas does not offer this quota here: ask in the AWS Support console"
    ),
    "IllegalArgumentException": "ask for a value above the current one",
    "InvalidResourceStateException": "ask in the AWS Support console",
    "TooManyRequestsException": "Service Quotas is throttling: try again in a minute",
}


def _quotas_call(app: App, operation: str, **params: Any) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    client = app.clients.client("service-quotas")
    try:
        return call_with_retry(lambda: getattr(client, operation)(**params))
    except ClientError as exc:
        err = describe_client_error(exc, f"Service Quotas {operation}")
        hint = INSTEAD.get(str(err.code))
        raise AwsError(err.message, code=err.code, hint=hint) from exc


def quota_status(app: App) -> QuotaStatus:
    """The concurrency quota of the region and every increase request for it."""
    quota = {"ServiceCode": LAMBDA_SERVICE_CODE, "QuotaCode": CONCURRENCY_QUOTA_CODE}
    current = _quotas_call(app, "get_service_quota", **quota)["Quota"]
    try:
        default = _quotas_call(app, "get_aws_default_service_quota", **quota)["Quota"]["Value"]
    except AwsError:
        default = None
    requests: list[dict[str, Any]] = []
    token = None
    while True:
        page = _quotas_call(
            app,
            "list_requested_service_quota_change_history_by_quota",
            **quota,
            **({"NextToken": token} if token else {}),
        )
        requests += page.get("RequestedQuotas", [])
        token = page.get("NextToken")
        if not token:
            break
    return QuotaStatus(app.clients.region, float(current["Value"]), default, requests)


@dataclass
class QuotaRequest:
    """What ``request-quota`` did (``request`` None: not confirmed)."""

    region: str
    current: float
    desired: int
    request: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "current": self.current,
            "desired": self.desired,
            "request": _request_json(self.request) if self.request else None,
        }


def request_quota(
    app: App, limit: int, *, confirm: Callable[[str], bool] = lambda _q: True
) -> QuotaRequest:
    """Ask for ``limit`` concurrent executions in the region (``confirm`` asked first)."""
    if limit < 1:
        raise UsageError(f"--limit {limit}: must be a positive number of concurrent executions")
    status = quota_status(app)
    region = status.region
    if limit <= status.value:
        raise UsageError(
            f"--limit {limit}: the account already has {status.value:g} concurrent executions "
            f"in {region}",
            hint="ask for more than that",
        )
    open_ = [r for r in status.requests if r.get("Status") in ("PENDING", "CASE_OPENED")]
    if open_:
        r = open_[0]
        raise UsageError(
            f"a request for {r.get('DesiredValue'):g} concurrent executions in {region} is "
            f"already {r.get('Status')} (id {r.get('Id')})",
            hint="see `lambherd concurrency quota-status`",
        )
    question = (
        f"ask Service Quotas to raise Lambda's concurrent executions in {region} from "
        f"{status.value:g} to {limit}?"
    )
    if not confirm(question):
        raise UsageError("quota request not confirmed; nothing sent", hint="pass --yes")
    made = _quotas_call(
        app,
        "request_service_quota_increase",
        ServiceCode=LAMBDA_SERVICE_CODE,
        QuotaCode=CONCURRENCY_QUOTA_CODE,
        DesiredValue=float(limit),
    )["RequestedQuota"]
    return QuotaRequest(region, status.value, limit, made)
