"""Percentile statistics (``p50``, ``p99``, ``p99.9``...) for the sandbox's CloudWatch.

moto answers GetMetricData with an HTTP 500 when a query asks for a percentile. The sandbox
wraps the ``get_metric_data`` of its own moto CloudWatch backends (through the moto facade, which
replaces the instance attribute, so only the backends this process serves are touched):
percentile queries are computed here from the raw datapoints moto stores, per period, and every
other query is still answered by moto.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import MetricPoint

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")


def percentile_of(stat: str) -> float | None:
    """The percentile a statistic names (``"p99"`` -> 99.0), or None for any other statistic."""
    m = _PERCENTILE.match(stat or "")
    return float(m.group(1)) if m else None


def nearest_rank(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of non-empty, ascending values."""
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def install(facade: MotoFacade, account: str, region: str) -> None:
    """Make the CloudWatch backend of ``region`` answer percentile queries (idempotent).

    Called before each GetMetricData the sandbox serves: moto's reset rebuilds a backend's
    attributes, so the wrapper is put back whenever it is missing.
    """

    def wrap(original: Callable[..., list[dict[str, Any]]]) -> Callable[..., Any]:
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
            points = [p for _, p in facade.metric_points(account, region, with_aws=True)]
            computed = [
                percentile_result(points, q, start_time, end_time, scan_by)
                for q in ours
                if q.get("ReturnData", True)
            ]
            by_id = {r["id"]: r for r in answered + computed}
            ordered = [by_id.pop(q["Id"]) for q in queries if q["Id"] in by_id]
            return ordered + list(by_id.values())

        return get_metric_data

    facade.wrap_get_metric_data(account, region, wrap)


def _is_percentile_query(query: dict[str, Any]) -> bool:
    return percentile_of(str(query["MetricStat"].get("Stat", ""))) is not None


def percentile_result(
    data: Iterable[MetricPoint],
    query: dict[str, Any],
    start_time: datetime,
    end_time: datetime,
    scan_by: str = "TimestampAscending",
) -> dict[str, Any]:
    """One MetricDataResult (moto's shape) for a percentile query over moto's datapoints.

    Only single values count (a datum put as StatisticValues holds no distribution, so it is left
    out, as CloudWatch does). A period without values yields no datapoint.
    """
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    stat_doc = query["MetricStat"]
    metric = stat_doc["Metric"]
    pct = percentile_of(str(stat_doc["Stat"]))
    assert pct is not None
    wanted = sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions") or [])
    unit = stat_doc.get("Unit")
    values_at: list[tuple[datetime, float]] = [
        (p.timestamp, p.value)
        for p in data
        if p.value is not None
        and p.namespace == metric.get("Namespace")
        and p.name == metric.get("MetricName")
        and sorted(p.dimensions) == wanted
        and (not unit or p.unit == unit)
        and start_time <= p.timestamp < end_time
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
