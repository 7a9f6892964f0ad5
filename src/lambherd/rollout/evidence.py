"""What a rollout's gates read from AWS, and when what they read is complete.

Metrics judge: Lambda publishes ``Invocations``, ``Errors``, ``Throttles`` and ``Duration`` for
invocations through an alias under the dimensions ``FunctionName, Resource (name:alias),
ExecutedVersion``; one GetMetricData call reads the new version's and the old version's over
the window of a step (one period covering the window, so a p99 is the p99 of the whole step).
These are the only figures that count errors of every runtime.

On AWS they come late: one-minute datapoints, published a minute or a few after the fact. So a
step is judged on what is there while it runs (a failure ends it at once) and, when its interval
is over, only once the metrics have caught up with the logs: the new version's REPORT lines
(its log streams ``YYYY/MM/DD/[N]...``, which arrive within seconds) say how many invocations it
served; the step waits until the metrics count that many (at most ``metric_wait``, then it is
judged on what is there, and says so). Against the sandbox both are written together, so no
step waits. Alarm states come from DescribeAlarms.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from lambherd.cloudwatch.metrics import NAMESPACE, dimensions
from lambherd.errors import AwsError, describe_client_error
from lambherd.rollout.gates import AlarmState, Figures, GateSettings

PERIOD_S = 60


def read_alarms(clients: Any, names: tuple[str, ...]) -> list[AlarmState]:
    """The state of each named alarm that exists (metric and composite alarms)."""
    from botocore.exceptions import ClientError

    cw = clients.client("cloudwatch")
    found: list[AlarmState] = []
    for start in range(0, len(names), 100):
        chunk = list(names[start : start + 100])
        try:
            pages = cw.get_paginator("describe_alarms").paginate(
                AlarmNames=chunk, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
            for page in pages:
                for doc in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    found.append(
                        AlarmState(
                            str(doc["AlarmName"]),
                            str(doc.get("StateValue", "INSUFFICIENT_DATA")),
                            str(doc.get("StateReason") or ""),
                        )
                    )
        except ClientError as exc:
            raise describe_client_error(exc, "read the rollout's alarms") from exc
    return found


def missing_alarms(clients: Any, names: tuple[str, ...]) -> list[str]:
    """The named alarms that do not exist."""
    have = {a.name for a in read_alarms(clients, names)}
    return [n for n in names if n not in have]


class EvidenceReader:
    """Reads the gates' figures of one rollout step: the new version against the old one,
    through one alias."""

    def __init__(
        self,
        clients: Any,
        function: str,
        alias: str,
        new_version: str,
        old_version: str,
        gates: GateSettings,
        log_group: str,
    ) -> None:
        self.clients = clients
        self.function = function
        self.alias = alias
        self.new = new_version
        self.old = old_version
        self.gates = gates
        self.log_group = log_group

    # -- metrics ------------------------------------------------------------------------------
    def _queries(self, period: int) -> list[dict[str, Any]]:
        base = dimensions(self.function, self.alias)

        def query(qid: str, metric: str, stat: str, version: str | None, dims: Any = None) -> dict:
            dims = dims or [*base, {"Name": "ExecutedVersion", "Value": version}]
            return {
                "Id": qid,
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dims},
                    "Period": period,
                    "Stat": stat,
                },
                "ReturnData": True,
            }

        queries = [
            query("new_invocations", "Invocations", "Sum", self.new),
            query("new_errors", "Errors", "Sum", self.new),
            query("new_throttles", "Throttles", "Sum", self.new),
            # the new version invoked by its number (pre-traffic tests): for the logs' count
            query("new_direct", "Invocations", "Sum", None, dimensions(self.function, self.new)),
        ]
        if self.gates.max_p99_ratio is not None:
            queries += [
                query("new_p99", "Duration", "p99", self.new),
                query("old_invocations", "Invocations", "Sum", self.old),
                query("old_p99", "Duration", "p99", self.old),
            ]
        return queries

    def _metrics(self, start: float, end: float) -> tuple[dict[str, float], float]:
        """(query id -> value over the window, the window's length) from GetMetricData."""
        from botocore.exceptions import ClientError

        from lambherd.cloudwatch.metrics import get_metric_data
        from lambherd.retry import call_with_retry

        begin = math.floor(start / PERIOD_S) * PERIOD_S
        periods = max(1, math.ceil((end - begin) / PERIOD_S))
        period = periods * PERIOD_S
        queries = self._queries(period)
        cw = self.clients.client("cloudwatch")
        first = datetime.fromtimestamp(begin, UTC)
        last = datetime.fromtimestamp(begin + period, UTC)
        try:
            series = call_with_retry(lambda: get_metric_data(cw, queries, first, last))
        except ClientError as exc:
            raise describe_client_error(exc, f"read the metrics of {self.function}") from exc
        values = {qid: float(sum(v for _, v in points)) for qid, points in series.items()}
        for qid in ("new_p99", "old_p99"):  # a percentile does not add up: one period's value
            points = series.get(qid) or []
            values[qid] = float(points[-1][1]) if points else math.nan
        return values, end - begin

    # -- logs ---------------------------------------------------------------------------------
    def logged_invocations(self, start: float, end: float) -> int | None:
        """REPORT lines of the new version between ``start`` and ``end`` (None: unreadable)."""
        from botocore.exceptions import ClientError

        from lambherd.cloudwatch.logs import LogQuery, fetch_events
        from lambherd.report import parse_report

        begin = math.floor(start / PERIOD_S) * PERIOD_S
        logs = self.clients.client("logs")
        names: list[str] = []
        day = datetime.fromtimestamp(begin, UTC).date()
        while day <= datetime.fromtimestamp(end, UTC).date():
            prefix = f"{day.strftime('%Y/%m/%d')}/[{self.new}]"
            try:
                pages = logs.get_paginator("describe_log_streams").paginate(
                    logGroupName=self.log_group, logStreamNamePrefix=prefix
                )
                names += [s["logStreamName"] for p in pages for s in p.get("logStreams", [])]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return 0  # no log group yet: nothing was invoked
                return None
            day = day.fromordinal(day.toordinal() + 1)
        count = 0
        for first in range(0, len(names), 100):
            query = LogQuery(
                self.log_group,
                int(begin * 1000),
                int(end * 1000),
                stream_names=tuple(names[first : first + 100]),
            )
            try:
                count += sum(1 for e in fetch_events(logs, query) if parse_report(e["message"]))
            except AwsError:
                return None
        return count

    # -- one reading --------------------------------------------------------------------------
    def read(self, start: float, end: float, *, settle: bool = False) -> Figures:
        """The figures of the window ``start``..``end`` (epoch seconds); with ``settle``, also
        whether the metrics cover every invocation the logs show."""
        values, window = self._metrics(start, end)
        alarms = tuple(read_alarms(self.clients, self.gates.alarms)) if self.gates.alarms else ()
        invocations = int(values.get("new_invocations", 0))
        logged = None
        complete = True
        if settle:
            logged = self.logged_invocations(start, end)
            direct = int(values.get("new_direct", 0))
            complete = logged is None or invocations + direct >= logged
        return Figures(
            invocations=invocations,
            errors=int(values.get("new_errors", 0)),
            throttles=int(values.get("new_throttles", 0)),
            p99_ms=_number(values.get("new_p99")),
            old_invocations=int(values.get("old_invocations", 0)),
            old_p99_ms=_number(values.get("old_p99")),
            logged=logged,
            complete=complete,
            alarms=alarms,
            window_s=window,
        )


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value
