"""What a function used over a window, read from CloudWatch: the inputs of a cost estimate.

Metrics (one GetMetricData call per function, one period covering the window):
``AWS/Lambda`` Invocations (Sum), Duration (Sum), ConcurrentExecutions (Maximum); per alias
with provisioned concurrency (``Resource = name:alias``) ProvisionedConcurrencyUtilization
(Average, Maximum), ProvisionedConcurrentExecutions (Maximum),
ProvisionedConcurrencyInvocations and ProvisionedConcurrencySpilloverInvocations (Sum); and
``AWS/Logs`` IncomingBytes (Sum) of the function's log group.

REPORT lines (billed duration, INIT duration, peak memory of each invocation) from the log
group, in one of two ways:

- Logs Insights (``insights``): one StartQuery that returns sums (``INSIGHTS_QUERY``); cheap
  for a month of a busy function. Logs Insights bills the bytes it scans.
- FilterLogEvents (``events``): every REPORT line of the window, paged; at most
  ``MAX_EVENTS`` events are read and the averages come from those.

``auto`` asks Logs Insights first and falls back to FilterLogEvents when the endpoint has no
Logs Insights or answers without the statistics (moto, and so the sandbox, accepts StartQuery
but ignores ``filter`` and ``stats``). When the endpoint has no IncomingBytes metric (the
sandbox), the events are read without a filter pattern and their message bytes counted, so
the log volume is measured too.

Billed Duration may or may not contain the INIT phase (it does for container images and
custom runtimes, and for ZIP functions on managed runtimes once INIT is billed): a cold start
whose Billed Duration covers Duration + Init Duration counts as "INIT included", and the
estimate then does not add INIT a second time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from lambherd.cloudwatch.metrics import MetricSpec, dimensions, get_metric_data, metric_query
from lambherd.report import ReportRecord, parse_report

REPORT_METHODS = ("auto", "insights", "events")
#: FilterLogEvents reads at most this many events per function (a sample beyond it)
MAX_EVENTS = 200_000
INSIGHTS_TIMEOUT_SECONDS = 120.0
INSIGHTS_POLL_SECONDS = 1.0
#: Lambda's REPORT lines as Logs Insights sees them (text or JSON log format)
INSIGHTS_QUERY = (
    'filter @type = "REPORT" or type = "platform.report"'
    " | fields coalesce(@billedDuration, record.metrics.billedDurationMs) as billed,"
    " coalesce(@duration, record.metrics.durationMs) as dur,"
    " coalesce(@initDuration, record.metrics.initDurationMs) as init,"
    " coalesce(@maxMemoryUsed / 1048576, record.metrics.maxMemoryUsedMB) as mem"
    " | fields greatest(0, least(1, floor(billed - dur - init + 1))) as init_inside"
    " | stats count(*) as reports, sum(billed) as billed_ms, sum(dur) as duration_ms,"
    " count(init) as cold_starts, sum(init) as init_ms, sum(init_inside) as init_included,"
    " max(mem) as max_memory_mb"
)
_FUNCTION_METRICS = (
    MetricSpec("invocations", "Invocations", "Sum", "Invocations", "count"),
    MetricSpec("duration_sum", "Duration", "Sum", "Duration sum", "ms"),
    MetricSpec("concurrency_max", "ConcurrentExecutions", "Maximum", "Concurrency max", "count"),
)
_PROVISIONED_METRICS = (
    MetricSpec("pc_util_avg", "ProvisionedConcurrencyUtilization", "Average", "", "percent"),
    MetricSpec("pc_util_max", "ProvisionedConcurrencyUtilization", "Maximum", "", "percent"),
    MetricSpec("pc_exec_max", "ProvisionedConcurrentExecutions", "Maximum", "", "count"),
    MetricSpec("pc_invocations", "ProvisionedConcurrencyInvocations", "Sum", "", "count"),
    MetricSpec("pc_spillover", "ProvisionedConcurrencySpilloverInvocations", "Sum", "", "count"),
)


@dataclass
class ReportSummary:
    """Sums over a window's REPORT lines."""

    reports: int = 0
    billed_ms: Decimal = Decimal(0)
    duration_ms: Decimal = Decimal(0)
    cold_starts: int = 0
    init_ms: Decimal = Decimal(0)
    init_included: int = 0  # cold starts whose Billed Duration covers the INIT phase
    max_memory_mb: Decimal | None = None
    method: str = "events"  # "insights" or "events"
    capped: bool = False  # events: MAX_EVENTS reached, the rest of the window unread

    def add(self, record: ReportRecord) -> None:
        """Count one REPORT line."""
        self.reports += 1
        billed = Decimal(str(record.billed_duration_ms or 0))
        duration = Decimal(str(record.duration_ms or 0))
        self.billed_ms += billed
        self.duration_ms += duration
        if record.init_duration_ms is not None:
            init = Decimal(str(record.init_duration_ms))
            self.cold_starts += 1
            self.init_ms += init
            if init > 0 and billed >= duration + init - 1:
                self.init_included += 1
        if record.max_memory_used_mb is not None:
            used = Decimal(str(record.max_memory_used_mb))
            peak = self.max_memory_mb
            self.max_memory_mb = used if peak is None else max(peak, used)

    @property
    def billed_ms_avg(self) -> Decimal | None:
        """Average billed duration of one invocation."""
        return self.billed_ms / self.reports if self.reports else None

    @property
    def cold_start_rate(self) -> Decimal:
        """Share of invocations with an INIT phase."""
        return Decimal(self.cold_starts) / self.reports if self.reports else Decimal(0)

    @property
    def init_ms_avg(self) -> Decimal:
        """Average INIT duration of a cold start."""
        return self.init_ms / self.cold_starts if self.cold_starts else Decimal(0)

    @property
    def init_in_billed(self) -> bool:
        """True when most cold starts' Billed Duration already covers INIT."""
        return self.cold_starts > 0 and self.init_included * 2 >= self.cold_starts

    @property
    def invoke_billed_ms_avg(self) -> Decimal | None:
        """Average billed duration without INIT (when Billed Duration contains it)."""
        if not self.reports:
            return None
        billed = self.billed_ms - (self.init_ms if self.init_in_billed else Decimal(0))
        return billed / self.reports


@dataclass
class Observation:
    """A function's usage over ``[start, end)`` as CloudWatch reports it."""

    function: str
    start: datetime
    end: datetime
    log_group: str
    metrics: dict[str, Decimal | None] = field(default_factory=dict)
    provisioned: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)  # by alias
    reports: ReportSummary = field(default_factory=ReportSummary)
    log_bytes: Decimal | None = None  # over the window
    log_bytes_method: str = ""  # "IncomingBytes" or "counted"
    log_class: str = "standard"
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> Decimal:
        """Length of the window."""
        return Decimal(str((self.end - self.start).total_seconds()))

    @property
    def invocations(self) -> Decimal:
        """Invocations in the window (the metric; the REPORT lines' count without it)."""
        value = self.metrics.get("invocations")
        return value if value else Decimal(self.reports.reports)


def _metric_queries(
    function: str, aliases: Iterable[str], log_group: str, period: int
) -> list[dict[str, Any]]:
    queries = [metric_query(s, dimensions(function, None), period, "f") for s in _FUNCTION_METRICS]
    for index, alias in enumerate(aliases):
        dims = dimensions(function, alias)
        queries += [metric_query(s, dims, period, f"p{index}") for s in _PROVISIONED_METRICS]
    logs_spec = MetricSpec("log_bytes", "IncomingBytes", "Sum", "", "bytes")
    logs_query = metric_query(
        logs_spec, [{"Name": "LogGroupName", "Value": log_group}], period, "l"
    )
    logs_query["MetricStat"]["Metric"]["Namespace"] = "AWS/Logs"
    return [*queries, logs_query]


def _combine(stat: str, values: list[float]) -> Decimal | None:
    if not values:
        return None
    if stat == "Sum":
        return Decimal(str(sum(values)))
    if stat == "Maximum":
        return Decimal(str(max(values)))
    return Decimal(str(sum(values) / len(values)))


def read_metrics(
    cloudwatch: Any,
    observation: Observation,
    aliases: Iterable[str],
) -> None:
    """Fill ``observation.metrics``, ``.provisioned`` and ``.log_bytes`` (IncomingBytes)."""
    from botocore.exceptions import ClientError

    from lambherd.errors import describe_client_error

    alias_list = list(dict.fromkeys(aliases))
    period = max(60, math.ceil(float(observation.seconds) / 60) * 60)
    queries = _metric_queries(observation.function, alias_list, observation.log_group, period)
    try:
        data = get_metric_data(cloudwatch, queries, observation.start, observation.end)
    except ClientError as exc:
        raise describe_client_error(exc, f"reading metrics of {observation.function}") from exc

    def values(query_id: str) -> list[float]:
        return [float(v) for _, v in data.get(query_id, [])]

    for spec in _FUNCTION_METRICS:
        observation.metrics[spec.key] = _combine(spec.stat, values(f"f_{spec.key}"))
    for index, alias in enumerate(alias_list):
        observation.provisioned[alias] = {
            spec.key: _combine(spec.stat, values(f"p{index}_{spec.key}"))
            for spec in _PROVISIONED_METRICS
        }
    logged = _combine("Sum", values("l_log_bytes"))
    if logged is not None:
        observation.log_bytes = logged
        observation.log_bytes_method = "IncomingBytes"


def read_log_class(logs: Any, observation: Observation) -> None:
    """The log group's class (STANDARD unless the endpoint reports INFREQUENT_ACCESS)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        resp = logs.describe_log_groups(logGroupNamePrefix=observation.log_group)
    except (ClientError, BotoCoreError):
        return
    for group in resp.get("logGroups", []):
        if group.get("logGroupName") == observation.log_group:
            klass = group.get("logGroupClass")
            if klass == "INFREQUENT_ACCESS":
                observation.log_class = "infrequent-access"
            elif klass is None:
                observation.notes.append(
                    f"log group {observation.log_group}: the endpoint reports no class; "
                    "STANDARD (the default) assumed"
                )
            return


def read_reports(
    logs: Any,
    observation: Observation,
    *,
    method: str = "auto",
    log_format: str = "Text",
    max_events: int = MAX_EVENTS,
) -> None:
    """Fill ``observation.reports`` (and count log bytes when IncomingBytes had none)."""
    count_bytes = observation.log_bytes is None
    if method in ("auto", "insights") and not count_bytes:
        reason = _read_insights(logs, observation)
        if reason is None:
            return
        if method == "insights":
            from lambherd.errors import AwsError

            raise AwsError(f"Logs Insights on {observation.log_group}: {reason}")
        observation.notes.append(f"Logs Insights: {reason}; REPORT lines read with FilterLogEvents")
    elif method == "insights":
        observation.notes.append(
            "no IncomingBytes metric for the log group: its events are read with "
            "FilterLogEvents to measure the log volume (Logs Insights skipped)"
        )
    _read_events(logs, observation, log_format, count_bytes, max_events)


def _read_events(
    logs: Any, observation: Observation, log_format: str, count_bytes: bool, max_events: int
) -> None:
    from lambherd.cloudwatch.logs import LogQuery, fetch_events
    from lambherd.durations import to_millis
    from lambherd.errors import NotFoundError

    if count_bytes:
        pattern = None  # every event, to count the bytes too
    else:
        pattern = '"platform.report"' if log_format == "JSON" else '"REPORT RequestId"'
    query = LogQuery(
        observation.log_group, to_millis(observation.start), to_millis(observation.end), pattern
    )
    summary = ReportSummary(method="events")
    counted = 0
    seen = 0
    try:
        for event in fetch_events(logs, query):
            seen += 1
            message = str(event.get("message", ""))
            counted += len(message.encode("utf-8"))
            record = parse_report(message)
            if record is not None:
                summary.add(record)
            if seen >= max_events:
                summary.capped = True
                observation.notes.append(
                    f"read the first {max_events:,} log events of the window; averages come "
                    "from those"
                )
                break
    except NotFoundError:
        observation.notes.append(f"log group {observation.log_group} does not exist (no logs)")
    observation.reports = summary
    if count_bytes:
        if summary.capped and summary.reports:
            per_invocation = Decimal(counted) / summary.reports
            observation.log_bytes = per_invocation * observation.invocations
        else:
            observation.log_bytes = Decimal(counted)
        observation.log_bytes_method = "counted"
        observation.notes.append(
            "log volume counted from the events' message bytes: the endpoint has no "
            "AWS/Logs IncomingBytes metric"
        )


def _read_insights(logs: Any, observation: Observation) -> str | None:
    """Run ``INSIGHTS_QUERY``; None when it filled the summary, else why it could not."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        started = logs.start_query(
            logGroupName=observation.log_group,
            startTime=int(observation.start.timestamp()),
            endTime=int(observation.end.timestamp()),
            queryString=INSIGHTS_QUERY,
        )
        query_id = started["queryId"]
        deadline = time.monotonic() + INSIGHTS_TIMEOUT_SECONDS
        while True:
            result = logs.get_query_results(queryId=query_id)
            status = result.get("status")
            if status in ("Complete", "Failed", "Cancelled", "Timeout", "Unknown"):
                break
            if time.monotonic() > deadline:
                return f"the query did not finish within {INSIGHTS_TIMEOUT_SECONDS:.0f} s"
            time.sleep(INSIGHTS_POLL_SECONDS)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        if err.get("Code") == "ResourceNotFoundException":
            observation.notes.append(f"log group {observation.log_group} does not exist (no logs)")
            observation.reports = ReportSummary(method="insights")
            return None
        return f"{err.get('Code')}: {err.get('Message')}"
    except BotoCoreError as exc:
        return str(exc)
    if status != "Complete":
        return f"the query ended {status}"
    summary = parse_insights_stats(result.get("results") or [])
    if summary is None:
        return "the endpoint answered without the statistics the query asks for"
    observation.reports = summary
    return None


def parse_insights_stats(results: list[list[dict[str, str]]]) -> ReportSummary | None:
    """The summary from GetQueryResults' ``results`` of ``INSIGHTS_QUERY``.

    ``results`` is a list of rows, each a list of ``{"field": name, "value": text}``. No rows:
    no REPORT lines in the window. None when the row lacks the ``reports`` statistic.
    """
    if not results:
        return ReportSummary(method="insights")
    row = {cell.get("field"): cell.get("value") for cell in results[0]}
    if "reports" not in row:
        return None

    def number(key: str) -> Decimal:
        value = row.get(key)
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)

    memory = row.get("max_memory_mb")
    return ReportSummary(
        reports=int(number("reports")),
        billed_ms=number("billed_ms"),
        duration_ms=number("duration_ms"),
        cold_starts=int(number("cold_starts")),
        init_ms=number("init_ms"),
        init_included=int(number("init_included")),
        max_memory_mb=Decimal(str(memory)) if memory not in (None, "") else None,
        method="insights",
    )
