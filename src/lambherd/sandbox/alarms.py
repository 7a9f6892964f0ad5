"""CloudWatch alarms evaluated against the metrics the sandbox holds, as CloudWatch does.

moto stores what PutMetricAlarm sends but never evaluates it (an alarm stays in the state it was
created or last set in). This room does: each metric alarm of a region where one was put is
evaluated every ``SANDBOX_ALARM_EVALUATION_S`` seconds of sandbox time (a scheduler job, so
moving the sandbox clock evaluates too), and before every DescribeAlarms the sandbox answers, so
a reader sees the state the metrics give now. A change of state is an ordinary SetAlarmState
through the sandbox's own stack (journaled; replayed on restart), with a reason in CloudWatch's
words and its StateReasonData.

Evaluation: the last ``EvaluationPeriods`` periods of ``Period`` seconds, ending now (sandbox
time; the sandbox has no publishing delay), each reduced by the alarm's ``Statistic`` or
``ExtendedStatistic`` through GetMetricData; ALARM when at least ``DatapointsToAlarm`` of them
breach ``Threshold`` by ``ComparisonOperator``; ``TreatMissingData`` as CloudWatch reads it
(missing, notBreaching, breaching, ignore). Metric-math alarms (``Metrics``) are evaluated from
their ``ReturnData`` expression when GetMetricData can compute it; composite and anomaly-band
alarms keep the state moto gives them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger("lambherd.sandbox")
#: Serves one API call through the sandbox's own stack: (service, region, operation, params) ->
#: the parsed answer (an ``Error`` key when it failed).
CallApi = Callable[[str, str, str, dict[str, Any]], dict[str, Any]]

_COMPARE: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}


class AlarmEvaluator:
    """Evaluates the metric alarms of the regions where alarms were put."""

    def __init__(self, call_api: CallApi, now: Callable[[], datetime], scheduler: Any) -> None:
        self._call = call_api
        self._now = now
        self._scheduler = scheduler
        self._regions: set[str] = set()
        self._lock = threading.Lock()
        self._busy = threading.local()
        self._job: Any = None

    def noticed(self, region: str) -> None:
        """An alarm was put in ``region``: evaluate it from now on."""
        from lambherd.defaults import SANDBOX_ALARM_EVALUATION_S

        with self._lock:
            self._regions.add(region)
            if self._job is None:
                self._job = self._scheduler.every(
                    SANDBOX_ALARM_EVALUATION_S, self._tick, name="evaluate CloudWatch alarms"
                )

    def _tick(self, _due: datetime) -> None:
        with self._lock:
            regions = sorted(self._regions)
        for region in regions:
            self.evaluate(region)

    def evaluate(self, region: str) -> int:
        """Evaluate every metric alarm of ``region``; how many changed state. Never raises, and
        does nothing when called from its own calls (they pass through the same stack)."""
        if getattr(self._busy, "on", False) or region not in self._regions:
            return 0
        self._busy.on = True
        try:
            return sum(self._evaluate_one(region, alarm) for alarm in self._alarms(region))
        except Exception:  # an evaluation must never break the request that triggered it
            log.exception("evaluating the CloudWatch alarms of %s failed", region)
            return 0
        finally:
            self._busy.on = False

    def _alarms(self, region: str) -> list[dict[str, Any]]:
        alarms: list[dict[str, Any]] = []
        params: dict[str, Any] = {"AlarmTypes": ["MetricAlarm"]}
        while True:
            page = self._call("cloudwatch", region, "describe_alarms", params)
            if "Error" in page:
                raise RuntimeError(f"DescribeAlarms: {page['Error']}")
            alarms += page.get("MetricAlarms", [])
            token = page.get("NextToken")
            if not token:
                return alarms
            params = {**params, "NextToken": token}

    def _evaluate_one(self, region: str, alarm: dict[str, Any]) -> int:
        compare = _COMPARE.get(str(alarm.get("ComparisonOperator")))
        if compare is None or alarm.get("Threshold") is None:
            return 0  # anomaly bands: not evaluated here
        now = (self._now() + timedelta(seconds=1)).replace(microsecond=0)  # this second counts
        period = int(alarm.get("Period") or _metrics_period(alarm) or 60)
        count = int(alarm.get("EvaluationPeriods") or 1)
        needed = int(alarm.get("DatapointsToAlarm") or count)
        values = self._values(region, alarm, now, period, count)
        if values is None:
            return 0
        state, reason, recent = _judge(alarm, values, compare, needed, period, now)
        if state is None or state == alarm.get("StateValue"):
            return 0
        data = {
            "version": "1.0",
            "queryDate": now.isoformat(),
            "statistic": alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
            "period": period,
            "recentDatapoints": recent,
            "threshold": alarm.get("Threshold"),
            "evaluatedDatapoints": [
                {"timestamp": t.isoformat(), "value": v} for t, v in values if v is not None
            ],
        }
        answer = self._call(
            "cloudwatch",
            region,
            "set_alarm_state",
            {
                "AlarmName": alarm["AlarmName"],
                "StateValue": state,
                "StateReason": reason[:1023],
                "StateReasonData": json.dumps(data)[:4000],
            },
        )
        if "Error" in answer:
            raise RuntimeError(f"SetAlarmState {alarm['AlarmName']}: {answer['Error']}")
        return 1

    def _values(
        self, region: str, alarm: dict[str, Any], now: datetime, period: int, count: int
    ) -> list[tuple[datetime, float | None]] | None:
        """(start, value or None) of each of the last ``count`` periods, newest first."""
        start = now - timedelta(seconds=period * count)
        if alarm.get("Metrics"):
            queries = [_plain_query(q) for q in alarm["Metrics"]]
        else:
            stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
            metric = {
                "Namespace": alarm.get("Namespace"),
                "MetricName": alarm.get("MetricName"),
                "Dimensions": alarm.get("Dimensions") or [],
            }
            stat_doc: dict[str, Any] = {"Metric": metric, "Period": period, "Stat": stat}
            if alarm.get("Unit"):
                stat_doc["Unit"] = alarm["Unit"]
            queries = [{"Id": "alarm", "MetricStat": stat_doc, "ReturnData": True}]
        answer = self._call(
            "cloudwatch",
            region,
            "get_metric_data",
            {"MetricDataQueries": queries, "StartTime": start, "EndTime": now},
        )
        if "Error" in answer:
            log.warning("alarm %s: GetMetricData: %s", alarm.get("AlarmName"), answer["Error"])
            return None
        results = answer.get("MetricDataResults", [])
        if not results:
            return None
        result = results[0]
        found = {
            int(t.timestamp()): float(v)
            for t, v in zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
        }
        out = []
        for i in range(count):
            begin = start + timedelta(seconds=period * (count - 1 - i))
            out.append((begin, found.get(int(begin.timestamp()))))
        return out

    # -- across restarts: a room of the sandbox's snapshot (``app.state.rooms``) ------------
    def snapshot(self) -> dict[str, Any]:
        """The regions whose alarms are evaluated, as JSON data (a snapshot replaces the
        PutMetricAlarm requests that told them)."""
        with self._lock:
            return {"regions": sorted(self._regions)}

    def restore(self, doc: dict[str, Any]) -> None:
        """Evaluate the regions a snapshot names again (the scheduler job armed again)."""
        for region in doc.get("regions") or ():
            self.noticed(str(region))


def _metrics_period(alarm: dict[str, Any]) -> int | None:
    for query in alarm.get("Metrics") or []:
        stat = query.get("MetricStat")
        if stat and stat.get("Period"):
            return int(stat["Period"])
    return None


def _plain_query(query: dict[str, Any]) -> dict[str, Any]:
    keys = ("Id", "MetricStat", "Expression", "Label", "ReturnData", "Period")
    return {k: v for k, v in query.items() if k in keys}


def _judge(
    alarm: dict[str, Any],
    values: list[tuple[datetime, float | None]],
    compare: tuple[Callable[[float, float], bool], str],
    needed: int,
    period: int,
    now: datetime,
) -> tuple[str | None, str, list[float]]:
    """(new state or None to keep it, the reason in CloudWatch's words, the recent values)."""
    test, words = compare
    threshold = float(alarm["Threshold"])
    treat = str(alarm.get("TreatMissingData") or "missing")
    present = [(t, v) for t, v in values if v is not None]
    recent = [v for _, v in present]
    count = len(values)
    if not present:
        if treat == "ignore":
            return None, "", recent
        if treat == "breaching" and needed <= count:
            return (
                "ALARM",
                f"Threshold Crossed: no datapoints were received for {count} periods and "
                f"{count} missing datapoints were treated as [Breaching].",
                recent,
            )
        if treat == "notBreaching":
            return (
                "OK",
                f"Threshold Crossed: no datapoints were received for {count} periods and "
                f"{count} missing datapoints were treated as [NonBreaching].",
                recent,
            )
        return (
            "INSUFFICIENT_DATA",
            f"Insufficient Data: {count} datapoint{'s' if count != 1 else ''} were unknown.",
            recent,
        )
    missing = count - len(present)
    breaching = sum(1 for _, v in present if test(v, threshold))
    if treat == "breaching":
        breaching += missing
    alarming = breaching >= needed
    shown = ", ".join(f"{v:g} ({t.strftime('%d/%m/%y %H:%M:%S')})" for t, v in present[:5])
    counted = breaching if alarming else count - breaching
    verb = "was" if counted == 1 else "were"
    relation = words if alarming else f"not {words}"
    transition = "OK -> ALARM" if alarming else "ALARM -> OK"
    reason = (
        f"Threshold Crossed: {counted} out of the last {count} datapoints [{shown}] {verb} "
        f"{relation} the threshold ({threshold:g}) (minimum {needed} datapoint"
        f"{'s' if needed != 1 else ''} for {transition} transition)."
    )
    return ("ALARM" if alarming else "OK"), reason, recent
