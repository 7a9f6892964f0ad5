"""``metrics``: CloudWatch metrics of a function (or of one alias/version): totals and a
per-period trend.

Two GetMetricData calls: one for sums, averages and maxima (a per-period series plus a single
period covering the whole window for totals), one for duration percentiles. Percentiles are
asked separately so that an endpoint without them (moto) still yields every other figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lambherd.cloudwatch.metrics import (
    MetricSpec,
    dimensions,
    get_metric_data,
    metric_query,
)
from lambherd.errors import UsageError, describe_client_error

if TYPE_CHECKING:
    from lambherd.app import App

SPARK_CHARS = "▁▂▃▄▅▆▇█"
MAX_PERIODS = 1440


BASE_METRICS = (
    MetricSpec("invocations", "Invocations", "Sum", "Invocations", "count"),
    MetricSpec("errors", "Errors", "Sum", "Errors", "count"),
    MetricSpec("throttles", "Throttles", "Sum", "Throttles", "count"),
    MetricSpec("duration_avg", "Duration", "Average", "Duration avg", "ms"),
    MetricSpec("duration_max", "Duration", "Maximum", "Duration max", "ms"),
    MetricSpec("concurrency_max", "ConcurrentExecutions", "Maximum", "Concurrency max", "count"),
)
PROVISIONED_METRICS = (
    MetricSpec(
        "provisioned_utilization_max",
        "ProvisionedConcurrencyUtilization",
        "Maximum",
        "Provisioned utilization max",
        "percent",
    ),
    MetricSpec(
        "spillover_invocations",
        "ProvisionedConcurrencySpilloverInvocations",
        "Sum",
        "Spillover invocations",
        "count",
    ),
)
PERCENTILE_METRICS = (
    MetricSpec("duration_p50", "Duration", "p50", "Duration p50", "ms"),
    MetricSpec("duration_p99", "Duration", "p99", "Duration p99", "ms"),
)
#: The order of rows in the table (error_rate is derived, not queried).
ROW_ORDER = (
    "invocations",
    "errors",
    "error_rate",
    "throttles",
    "duration_avg",
    "duration_p50",
    "duration_p99",
    "duration_max",
    "concurrency_max",
    "provisioned_utilization_max",
    "spillover_invocations",
)
LABELS = {s.key: s for s in BASE_METRICS + PROVISIONED_METRICS + PERCENTILE_METRICS}
LABELS["error_rate"] = MetricSpec("error_rate", "", "", "Error rate", "percent")


@dataclass
class MetricsReport:
    """Totals over the window and a value per period for each figure."""

    function_name: str
    qualifier: str | None
    start: datetime
    end: datetime
    period_seconds: int
    timestamps: list[datetime]
    series: dict[str, list[float | None]] = field(default_factory=dict)
    totals: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[str]:
        """The keys present in this report, in display order."""
        return [k for k in ROW_ORDER if k in self.totals]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for ``--output json``."""
        return {
            "function": self.function_name,
            "qualifier": self.qualifier,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period_seconds": self.period_seconds,
            "totals": {k: self.totals[k] for k in self.rows()},
            "series": {
                "timestamps": [t.isoformat() for t in self.timestamps],
                **{k: self.series[k] for k in self.rows() if k in self.series},
            },
            "notes": self.notes,
        }


#: Periods ``auto_period`` chooses from (CloudWatch keeps 1-minute data for 15 days).
AUTO_PERIODS = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360, 1440))
TREND_POINTS = 24


def auto_period(since: timedelta) -> timedelta:
    """The shortest standard period that shows ``since`` in at most ``TREND_POINTS`` steps."""
    for period in AUTO_PERIODS:
        if since / period <= TREND_POINTS:
            return period
    return AUTO_PERIODS[-1]


def window(
    since: timedelta, period: timedelta, now: datetime | None = None
) -> tuple[datetime, datetime, int, int]:
    """(start aligned to the period, end (now), period seconds, number of periods)."""
    seconds = int(period.total_seconds())
    if seconds < 60 or seconds % 60:
        raise UsageError(f"--period: {seconds}s must be a whole number of minutes (at least 1m)")
    if since < period:
        raise UsageError("--since must cover at least one --period")
    exact = now or datetime.now(UTC)
    now = exact.replace(microsecond=0)
    until = now if exact == now else now + timedelta(seconds=1)  # this second's data included
    start_epoch = math.floor((now - since).timestamp() / seconds) * seconds
    start = datetime.fromtimestamp(start_epoch, tz=UTC)
    count = math.ceil((now - start).total_seconds() / seconds)
    if count > MAX_PERIODS:
        raise UsageError(
            f"--since/--period: {count} periods is too many (at most {MAX_PERIODS}); "
            "use a longer --period"
        )
    # the last period is the one under way: the window ends now, never in the future
    return start, min(start + timedelta(seconds=count * seconds), until), seconds, count


def function_exists(lambda_client: Any, name: str, qualifier: str | None) -> bool | None:
    """Whether the function (and alias/version) exists: None when Lambda would not say."""
    from botocore.exceptions import BotoCoreError, ClientError

    kwargs = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
    try:
        lambda_client.get_function_configuration(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return False
        return None
    except BotoCoreError:
        return None
    return True


def has_provisioned_concurrency(lambda_client: Any, name: str, qualifier: str | None) -> bool:
    """True when the function (or the given alias/version) has provisioned concurrency set."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = lambda_client.get_paginator("list_provisioned_concurrency_configs")
        for page in pages.paginate(FunctionName=name):
            for item in page.get("ProvisionedConcurrencyConfigs", []):
                arn = str(item.get("FunctionArn", ""))
                if qualifier is None or arn.endswith(f":{qualifier}"):
                    return True
    except (ClientError, BotoCoreError):
        return False
    return False


class _PercentilesUnavailable(Exception):
    """The endpoint failed on percentile statistics; retrying will not help."""


def _percentiles(client: Any, queries: list[dict], start: datetime, end: datetime) -> Any:
    """GetMetricData for percentiles, giving up at once when the endpoint cannot compute them."""
    from botocore.exceptions import BotoCoreError, ClientError

    def refuse_retry(response: Any = None, **_: Any) -> None:
        if response is not None and response[0].status_code >= 500:
            raise _PercentilesUnavailable

    event = "needs-retry.cloudwatch.GetMetricData"
    uid = "lambherd-percentiles"
    client.meta.events.register_first(event, refuse_retry, unique_id=uid)
    try:
        return get_metric_data(client, queries, start, end)
    except (_PercentilesUnavailable, ClientError, BotoCoreError):
        return None
    finally:
        client.meta.events.unregister(event, unique_id=uid)


def collect_metrics(
    cloudwatch: Any,
    function_name: str,
    *,
    qualifier: str | None = None,
    since: timedelta = timedelta(hours=24),
    period: timedelta = timedelta(hours=1),
    provisioned: bool = False,
    now: datetime | None = None,
) -> MetricsReport:
    """Read the function's metrics for the window ``since`` ago until now, per ``period``."""
    from botocore.exceptions import ClientError

    start, end, seconds, count = window(since, period, now)
    dims = dimensions(function_name, qualifier)
    specs = list(BASE_METRICS) + (list(PROVISIONED_METRICS) if provisioned else [])
    target = f"{function_name}:{qualifier}" if qualifier else function_name
    try:
        data = get_metric_data(cloudwatch, _queries(specs, dims, seconds, count), start, end)
    except ClientError as exc:
        raise describe_client_error(exc, f"reading metrics of {target}") from exc

    timestamps = [start + timedelta(seconds=i * seconds) for i in range(count)]
    report = MetricsReport(function_name, qualifier, start, end, seconds, timestamps)
    _fill(report, specs, data)
    pct_queries = _queries(PERCENTILE_METRICS, dims, seconds, count)
    pct = _percentiles(cloudwatch, pct_queries, start, end)
    if pct is None:
        report.notes.append("duration percentiles are not available from this endpoint")
    else:
        _fill(report, PERCENTILE_METRICS, pct)

    invocations = report.totals.get("invocations")
    errors = report.totals.get("errors")
    report.totals["error_rate"] = 100.0 * (errors or 0.0) / invocations if invocations else None
    report.series["error_rate"] = [
        100.0 * (e or 0.0) / i if i else None
        for i, e in zip(report.series["invocations"], report.series["errors"], strict=True)
    ]
    return report


def _queries(
    specs: Sequence[MetricSpec], dims: list[dict[str, str]], seconds: int, count: int
) -> list[dict]:
    """Each figure per period (Id ``s_<key>``) and over the whole window (Id ``t_<key>``)."""
    per_period = [metric_query(s, dims, seconds, "s") for s in specs]
    return per_period + [metric_query(s, dims, seconds * count, "t") for s in specs]


def _fill(
    report: MetricsReport,
    specs: Sequence[MetricSpec],
    data: dict[str, list[tuple[datetime, float]]],
) -> None:
    """Put the series and total of each figure of ``_queries(specs, ...)`` in the report."""
    start, seconds, count = report.start, report.period_seconds, len(report.timestamps)
    for spec in specs:
        report.series[spec.key] = _bucket(data.get(f"s_{spec.key}", []), start, seconds, count)
        report.totals[spec.key] = _total(spec, data.get(f"t_{spec.key}", []))


def _bucket(
    pairs: list[tuple[datetime, float]], start: datetime, seconds: int, count: int
) -> list[float | None]:
    """Values placed in their period slot; periods without data are None."""
    slots: list[float | None] = [None] * count
    for stamp, value in pairs:
        index = int((stamp - start).total_seconds() // seconds)
        if 0 <= index < count:
            slots[index] = float(value)
    return slots


def _total(spec: MetricSpec, pairs: list[tuple[datetime, float]]) -> float | None:
    values = [float(v) for _, v in pairs]
    if not values:
        return 0.0 if spec.stat == "Sum" else None
    if spec.stat == "Sum":
        return sum(values)
    if spec.stat == "Maximum":
        return max(values)
    return values[0]


def sparkline(values: list[float | None]) -> str:
    """A small trend: one of ▁▂▃▄▅▆▇█ per value, scaled from 0 to the maximum; blank = no data."""
    present = [v for v in values if v is not None]
    top = max(present, default=0.0)
    chars = []
    for value in values:
        if value is None:
            chars.append(" ")
        elif top <= 0:
            chars.append(SPARK_CHARS[0])
        else:
            level = round(max(value, 0.0) / top * (len(SPARK_CHARS) - 1))
            chars.append(SPARK_CHARS[level])
    return "".join(chars)


def format_value(key: str, value: float | None) -> str:
    """A figure for the table: counts as integers, durations in ms, rates in percent."""
    if value is None:
        return "-"
    unit = LABELS[key].unit
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.1f} ms"


@dataclass(frozen=True)
class MetricsRequest:
    """What ``metrics`` was asked."""

    function_name: str | None = None
    qualifier: str | None = None
    since: str = "24h"
    period: str | None = None  # None: ``auto_period``
    provisioned: bool | None = None  # None: when provisioned concurrency is set


@dataclass
class MetricsResult:
    """The report, and what to say before it (e.g. the function is gone)."""

    report: MetricsReport
    warnings: list[str] = field(default_factory=list)


def metrics(app: App, request: MetricsRequest) -> MetricsResult:
    """Read the function's metrics for the window (every option checked before any call)."""
    from lambherd.durations import parse_duration
    from lambherd.project.context import resolve_target

    since = parse_duration(request.since, option="--since")
    period = parse_duration(request.period, option="--period") if request.period else None
    period = period or auto_period(since)
    target = resolve_target(app, request.function_name)
    lambda_client = app.clients.client("lambda")
    warnings: list[str] = []
    provisioned = request.provisioned
    if function_exists(lambda_client, target.name, request.qualifier) is False:
        # Metrics outlive a deleted function or alias, so this is a warning, not an error.
        shown = f"{target.name}:{request.qualifier}" if request.qualifier else target.name
        warnings.append(f"function {shown} was not found; showing whatever metrics it left")
        provisioned = bool(provisioned)
    elif provisioned is None:
        provisioned = has_provisioned_concurrency(lambda_client, target.name, request.qualifier)
    report = collect_metrics(
        app.clients.client("cloudwatch"),
        target.name,
        qualifier=request.qualifier,
        since=since,
        period=period,
        provisioned=provisioned,
    )
    return MetricsResult(report, warnings)
