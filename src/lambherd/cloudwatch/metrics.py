"""CloudWatch metrics of Lambda functions: what one figure is, the dimensions that select a
function (or its alias/version), one GetMetricData query, and reading every page of results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

NAMESPACE = "AWS/Lambda"


@dataclass(frozen=True)
class MetricSpec:
    """One figure: a CloudWatch metric and statistic, its label and unit."""

    key: str
    metric: str
    stat: str
    label: str
    unit: str  # "count", "ms", "percent"


def dimensions(function_name: str, qualifier: str | None) -> list[dict[str, str]]:
    """The function's dimensions; an alias or version adds ``Resource = name:qualifier``."""
    dims = [{"Name": "FunctionName", "Value": function_name}]
    if qualifier:
        dims.append({"Name": "Resource", "Value": f"{function_name}:{qualifier}"})
    return dims


def metric_query(spec: MetricSpec, dims: list[dict[str, str]], period: int, prefix: str) -> dict:
    return {
        "Id": f"{prefix}_{spec.key}",
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": spec.metric, "Dimensions": dims},
            "Period": period,
            "Stat": spec.stat,
        },
        "ReturnData": True,
    }


def get_metric_data(
    client: Any, queries: list[dict], start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, float]]]:
    """Id -> [(timestamp, value)], following NextToken."""
    out: dict[str, list[tuple[datetime, float]]] = {q["Id"]: [] for q in queries}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "MetricDataQueries": queries,
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        if token:
            kwargs["NextToken"] = token
        resp = client.get_metric_data(**kwargs)
        for result in resp.get("MetricDataResults", []):
            pairs = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
            out.setdefault(result["Id"], []).extend(pairs)
        token = resp.get("NextToken")
        if not token:
            return out
