"""CloudWatch alarms in the sandbox are evaluated against the metrics it holds, as CloudWatch
does (moto only stores them): INSUFFICIENT_DATA without data, OK / ALARM by the threshold,
DatapointsToAlarm of EvaluationPeriods, TreatMissingData, percentiles; on every DescribeAlarms
and by a scheduler job when sandbox time passes; the state and the evaluation survive a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox_testkit import in_process, move_clock, sandbox_now

pytestmark = pytest.mark.slow  # a sandbox in this process (moto, a server thread)

REGION = "ap-northeast-1"
DIMS = [{"Name": "FunctionName", "Value": "orders"}]


def put_alarm(cw: Any, name: str = "errors", **extra: Any) -> None:
    params = {
        "AlarmName": name,
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": DIMS,
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    params.update(extra)
    cw.put_metric_alarm(**params)


def put_value(cw: Any, at: Any, value: float, metric: str = "Errors") -> None:
    cw.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[{"MetricName": metric, "Dimensions": DIMS, "Value": value, "Timestamp": at}],
    )


def state(cw: Any, name: str = "errors") -> dict[str, Any]:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def test_an_alarm_follows_its_metric(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        cw = sb.client("cloudwatch", REGION)
        put_alarm(cw)
        assert state(cw)["StateValue"] == "INSUFFICIENT_DATA"  # moto alone would say OK
        now = sandbox_now(sb.endpoint)
        put_value(cw, now, 0)
        ok = state(cw)
        assert ok["StateValue"] == "OK"
        assert "1 out of the last 1 datapoints [0 (" in ok["StateReason"]
        assert "was not greater than the threshold (0)" in ok["StateReason"]
        put_value(cw, now, 3)
        alarm = state(cw)
        assert alarm["StateValue"] == "ALARM"
        assert (
            "[3 (" in alarm["StateReason"]
            and "was greater than the threshold" in alarm["StateReason"]
        )
        assert '"recentDatapoints": [3.0]' in alarm["StateReasonData"]
        # a period later the errors are out of the window: no data again
        move_clock(sb.endpoint, advance_seconds=61)
        assert state(cw)["StateValue"] == "INSUFFICIENT_DATA"
        other = sb.client("cloudwatch", "eu-west-1")  # regions are apart
        put_alarm(other)
        assert state(other)["StateValue"] == "INSUFFICIENT_DATA"


def test_datapoints_to_alarm_and_missing_data(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        cw = sb.client("cloudwatch", REGION)
        put_alarm(cw, "two-of-three", EvaluationPeriods=3, DatapointsToAlarm=2)
        put_alarm(cw, "quiet-is-fine", TreatMissingData="notBreaching")
        put_alarm(cw, "quiet-is-bad", TreatMissingData="breaching")
        assert state(cw, "quiet-is-fine")["StateValue"] == "OK"
        assert state(cw, "quiet-is-bad")["StateValue"] == "ALARM"
        now = sandbox_now(sb.endpoint)
        put_value(cw, now - timedelta(seconds=150), 1)  # the oldest of the three periods
        assert state(cw, "two-of-three")["StateValue"] == "OK"  # 1 of 3 breaching
        put_value(cw, now, 1)
        assert state(cw, "two-of-three")["StateValue"] == "ALARM"  # 2 of 3


def test_percentile_alarms_read_the_p99(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        cw = sb.client("cloudwatch", REGION)
        cw.put_metric_alarm(
            AlarmName="slow",
            Namespace="AWS/Lambda",
            MetricName="Duration",
            Dimensions=DIMS,
            ExtendedStatistic="p99",
            Period=60,
            EvaluationPeriods=1,
            Threshold=500,
            ComparisonOperator="GreaterThanThreshold",
        )
        now = sandbox_now(sb.endpoint)
        for value in [10.0] * 98 + [900.0, 950.0]:
            put_value(cw, now, value, "Duration")
        assert state(cw, "slow")["StateValue"] == "ALARM"  # p99 of 100 values: 900


def test_the_scheduler_evaluates_when_sandbox_time_passes(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        cw = sb.client("cloudwatch", REGION)
        put_alarm(cw)
        put_value(cw, sandbox_now(sb.endpoint), 2)
        evaluator = sb.app.alarms
        jobs = [j for j in sb.app.scheduler.jobs() if j.name == "evaluate CloudWatch alarms"]
        assert len(jobs) == 1
        runs = jobs[0].runs
        move_clock(sb.endpoint, advance_seconds=10)  # the job ran (no DescribeAlarms needed)
        assert jobs[0].runs > runs
        assert evaluator.evaluate(REGION) == 0  # already ALARM: nothing changes
        listed = sb.app.call_api("cloudwatch", REGION, "describe_alarms", {})
        assert listed["MetricAlarms"][0]["StateValue"] == "ALARM"


def test_alarm_states_survive_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    with in_process(folder) as sb:
        cw = sb.client("cloudwatch", REGION)
        put_alarm(cw)
        put_value(cw, sandbox_now(sb.endpoint), 2)
        assert state(cw)["StateValue"] == "ALARM"
    assert (folder / "snapshot.bin").exists()  # the clean stop wrote a snapshot
    with in_process(folder) as again:  # loaded from it: no PutMetricAlarm is replayed
        cw = again.client("cloudwatch", REGION)
        assert state(cw)["StateValue"] == "ALARM"
        assert again.app.scheduler.jobs()  # its region is evaluated again after the load
        move_clock(again.endpoint, advance_seconds=120)  # the breaching minute has passed
        put_value(cw, sandbox_now(again.endpoint), 0)
        assert state(cw)["StateValue"] == "OK"  # still evaluated after the restart
