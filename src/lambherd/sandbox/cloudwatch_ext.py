"""Percentile statistics (``p50``, ``p99``, ``p99.9``...) for the sandbox's CloudWatch.

moto answers GetMetricData with an HTTP 500 when a query asks for a percentile. The sandbox
wraps the ``get_metric_data`` of its own moto CloudWatch backends (instance attribute, so only the
backends this process serves are touched): percentile queries are computed here from the raw
datapoints moto stores, per period, and every other query is still answered by moto.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from lambherd.defaults import SANDBOX_ACCOUNT_ID

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
_MARK = "_lambherd_percentiles"


def percentile_of(stat: str) -> float | None:
    """The percentile a statistic names (``"p99"`` -> 99.0), or None for any other statistic."""
    m = _PERCENTILE.match(stat or "")
    return float(m.group(1)) if m else None


def nearest_rank(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of non-empty, ascending values."""
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def install(region: str, account_id: str = SANDBOX_ACCOUNT_ID) -> None:
    """Make the CloudWatch backend of ``region`` answer percentile queries (idempotent).

    Called before each GetMetricData the sandbox serves: moto's reset rebuilds a backend's
    attributes, so the wrapper is put back whenever it is missing.
    """
    from moto.cloudwatch.models import cloudwatch_backends

    backend = cloudwatch_backends[account_id][region]
    if getattr(backend, _MARK, False):
        return
    original = backend.get_metric_data

    def get_metric_data(
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        ours = [q for q in queries if "MetricStat" in q and _is_percentile_query(q)]
        if not ours:
            return original(queries, start_time, end_time, scan_by)
        others = [q for q in queries if q not in ours]
        # moto still validates the window (and answers the other queries).
        answered = original(others, start_time, end_time, scan_by)
        computed = [
            percentile_result(backend.get_all_metrics(), q, start_time, end_time, scan_by)
            for q in ours
            if q.get("ReturnData", True)
        ]
        by_id = {r["id"]: r for r in answered + computed}
        ordered = [by_id.pop(q["Id"]) for q in queries if q["Id"] in by_id]
        return ordered + list(by_id.values())

    backend.get_metric_data = get_metric_data
    setattr(backend, _MARK, True)


def _is_percentile_query(query: dict[str, Any]) -> bool:
    return percentile_of(str(query["MetricStat"].get("Stat", ""))) is not None


def percentile_result(
    data: list[Any],
    query: dict[str, Any],
    start_time: datetime,
    end_time: datetime,
    scan_by: str = "TimestampAscending",
) -> dict[str, Any]:
    """One MetricDataResult (moto's shape) for a percentile query over moto's datapoints.

    Only single values count (a datum put as StatisticValues holds no distribution, so it is left
    out, as CloudWatch does). A period without values yields no datapoint.
    """
    from moto.cloudwatch.models import MetricDatum

    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    stat_doc = query["MetricStat"]
    metric = stat_doc["Metric"]
    pct = percentile_of(str(stat_doc["Stat"]))
    assert pct is not None
    wanted = sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions") or [])
    unit = stat_doc.get("Unit")
    values_at: list[tuple[datetime, float]] = [
        (md.timestamp, float(md.value))
        for md in data
        if isinstance(md, MetricDatum)
        and md.namespace == metric.get("Namespace")
        and md.name == metric.get("MetricName")
        and sorted((d.name, d.value) for d in md.dimensions) == wanted
        and (not unit or md.unit == unit)
        and start_time <= md.timestamp < end_time
    ]
    period = timedelta(seconds=int(stat_doc["Period"]))
    timestamps: list[datetime] = []
    values: list[float] = []
    begin = start_time
    while begin < end_time:
        finish = begin + period
        bucket = sorted(v for stamp, v in values_at if begin <= stamp < finish)
        if bucket:
            timestamps.append(begin)
            values.append(nearest_rank(bucket, pct))
        begin = finish
    if scan_by == "TimestampDescending":
        timestamps.reverse()
        values.reverse()
    return {
        "id": query["Id"],
        "label": query.get("Label") or f"{metric.get('MetricName')} {stat_doc['Stat']}",
        "values": values,
        "timestamps": timestamps,
        "status_code": "Complete",
    }
