"""``metrics`` against moto's server: figures read back per period, the percentile fallback,
bad periods.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import OPS_GROUP, OPS_NAME
from aws_testkit import clients as _clients
from lambherd.services.metrics import collect_metrics

NAME, GROUP = OPS_NAME, OPS_GROUP


def _put_metric(
    cw: Any, name: str, value: float, when: datetime, qualifier: str | None = None
) -> None:
    dims = [{"Name": "FunctionName", "Value": NAME}]
    if qualifier:
        dims.append({"Name": "Resource", "Value": f"{NAME}:{qualifier}"})
    cw.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[{"MetricName": name, "Dimensions": dims, "Value": value, "Timestamp": when}],
    )


@pytest.mark.slow
def test_metrics_read_back_through_cli(lh, fn_dir: Path, boto) -> None:
    cw = boto("cloudwatch")
    now = datetime.now(UTC)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    earlier = this_hour - timedelta(hours=2) + timedelta(minutes=5)
    for value in (10, 30):
        _put_metric(cw, "Invocations", value, earlier)
    _put_metric(cw, "Invocations", 60, this_hour + timedelta(seconds=1))
    _put_metric(cw, "Errors", 5, earlier)
    _put_metric(cw, "Errors", 1, this_hour + timedelta(seconds=1))
    _put_metric(cw, "Throttles", 2, earlier)
    for value in (100.0, 200.0, 600.0):
        _put_metric(cw, "Duration", value, earlier)
    _put_metric(cw, "ConcurrentExecutions", 7, earlier)
    _put_metric(cw, "Invocations", 999, earlier, qualifier="live")

    res = lh("-C", fn_dir, "--output", "json", "metrics", "--since", "3h", "--period", "1h")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    totals = data["totals"]
    assert totals["invocations"] == 100 and totals["errors"] == 6
    assert totals["error_rate"] == pytest.approx(6.0)
    assert totals["throttles"] == 2 and totals["concurrency_max"] == 7
    assert totals["duration_avg"] == pytest.approx(300.0) and totals["duration_max"] == 600.0
    # moto has no percentile statistics: reported as unavailable, everything else still works
    assert "duration_p50" not in totals
    assert data["notes"] == ["duration percentiles are not available from this endpoint"]
    series = data["series"]
    assert len(series["timestamps"]) == 4
    assert series["invocations"] == [None, 40.0, None, 60.0]
    assert series["error_rate"][1] == pytest.approx(12.5)

    live = lh("-C", fn_dir, "--output", "json", "metrics", "--since", "3h", "--qualifier", "live")
    assert json.loads(live.out)["totals"]["invocations"] == 999

    text = lh(
        "-C", fn_dir, "--no-color", "metrics", "--since", "3h", "--period", "1h", "--provisioned"
    )
    assert text.code == 0, text.err
    assert " ▆ █" in text.out and "Error rate" in text.out and "6.0%" in text.out
    assert "Spillover invocations" in text.out
    assert "percentiles are not available" in text.err


def test_metrics_service_window_and_percentile_fallback_is_quick(aws: str, fn_dir: Path) -> None:
    cw = _clients(aws).client("cloudwatch")  # full retries: the percentile call must not use them
    started = time.monotonic()
    report = collect_metrics(cw, NAME, since=timedelta(hours=2), period=timedelta(minutes=30))
    assert time.monotonic() - started < 5
    assert report.totals["invocations"] == 0 and report.totals["error_rate"] is None
    assert len(report.timestamps) in (4, 5)


def test_metrics_rejects_bad_period(lh, fn_dir: Path, api_calls: list[str]) -> None:
    res = lh("-C", fn_dir, "metrics", "--period", "90s")
    assert res.code == 1 and "--period: 90s must be a whole number of minutes" in res.err
    assert "GetMetricData" not in api_calls


@pytest.mark.slow
def test_metrics_of_an_unknown_function_warns(lh, fn_dir: Path, tmp_path: Path) -> None:
    res = lh("-C", tmp_path, "metrics", "--function-name", "no-such-fn", "--since", "2h")
    assert res.code == 0, res.err
    assert "warning: function no-such-fn was not found" in res.err
    assert "Invocations" in res.out
    res = lh("-C", fn_dir, "metrics", "--qualifier", "nope", "--since", "2h")
    assert res.code == 0 and "warning: function ops-fn:nope was not found" in res.err
    res = lh("-C", fn_dir, "metrics", "--since", "2h")
    assert res.code == 0 and "warning" not in res.err
