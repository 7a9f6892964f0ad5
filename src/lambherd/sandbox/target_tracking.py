"""Target tracking of Lambda provisioned concurrency, evaluated against the sandbox's metrics.

A policy on ``LambdaProvisionedConcurrencyUtilization`` is looked at every sandbox minute (a
periodic scheduler job; moving the clock runs it once per minute passed), as Application Auto
Scaling's two alarms do, on the per-minute Average of ``ProvisionedConcurrencyUtilization``
(FunctionName + Resource ``NAME:ALIAS``, the metric the sandbox writes for each invocation of a
provisioned alias):

- scale out when each of the last 3 minutes is above TargetValue: to
  ceil(capacity x utilisation / target), at most MaxCapacity;
- scale in when each of the last 15 minutes has data and is under 90 % of TargetValue (and
  DisableScaleIn is not set): to ceil(capacity x utilisation / target), at least MinCapacity
  (and 1). A minute without invocations has no datapoint, so an idle alias is not scaled in,
  as on AWS.

ScaleOutCooldown / ScaleInCooldown (default 0 s for Lambda) delay the next move the same way.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

METRIC = "ProvisionedConcurrencyUtilization"
OUT_MINUTES = 3
IN_MINUTES = 15
IN_SHARE = 0.9


class TargetTracking:
    """The periodic evaluation of every target-tracking policy."""

    def __init__(self, room: Any, metric_points: Any) -> None:
        self.room = room
        self._metric_points = metric_points
        self._jobs: dict[tuple[str, str], Any] = {}
        self._moved: dict[tuple[str, str, str], datetime] = {}
        self._lock = threading.Lock()

    def arm(self, region: str, rid: str) -> None:
        """Evaluate the target's policy every sandbox minute from now on."""
        with self._lock:
            if (region, rid) in self._jobs:
                return
            self._jobs[(region, rid)] = None  # taken: the job is made outside the lock
        job = self.room._scheduler.every(
            60, lambda due: self.evaluate(region, rid, due), name=f"target-tracking {rid}"
        )
        with self._lock:
            self._jobs[(region, rid)] = job

    def forget(self, region: str, rid: str) -> None:
        """No more evaluations of the target (deregistered, or its policy deleted)."""
        with self._lock:
            job = self._jobs.pop((region, rid), None)
        if job is not None:
            self.room._scheduler.cancel(job)

    def reset(self) -> None:
        """No more evaluations at all (``sandbox reset``)."""
        with self._lock:
            jobs, self._jobs = [j for j in self._jobs.values() if j is not None], {}
            self._moved.clear()
        for job in jobs:
            self.room._scheduler.cancel(job)

    def snapshot(self) -> dict[str, Any]:
        """When each target last scaled out / in (its cooldowns), as JSON data; the jobs are
        armed again by ``AutoScaling.rearm``."""
        with self._lock:
            moved = [[r, rid, way, at.timestamp()] for (r, rid, way), at in self._moved.items()]
        return {"moved": sorted(moved)}

    def restore(self, doc: dict[str, Any]) -> None:
        """Take back what ``snapshot`` gave."""
        with self._lock:
            self._moved = {
                (str(r), str(rid), str(way)): datetime.fromtimestamp(float(at), UTC)
                for r, rid, way, at in doc.get("moved") or ()
            }

    def evaluate(self, region: str, rid: str, due: datetime) -> None:
        """One evaluation at sandbox time ``due`` (skipped when the clock was moved far past
        it: the minutes it would look at are long gone)."""
        if self.room._now() - due > timedelta(minutes=IN_MINUTES):
            return
        policy = self._policy(region, rid)
        target = self.room.target(region, rid)
        if policy is None or target is None:
            self.forget(region, rid)
            return
        config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
        goal = float(config.get("TargetValue") or 0)
        current = self.room.capacity(region, rid)
        if goal <= 0 or current <= 0:
            return
        low = max(1, int(target.get("MinCapacity") or 0))
        high = int(target.get("MaxCapacity") or 0)
        minutes = self.minutes(region, rid, due)
        last = minutes[-OUT_MINUTES:]
        name = policy.get("PolicyName")
        if all(v is not None and v > goal for v in last):
            peak = max(v for v in last if v is not None)
            wanted = min(high, math.ceil(current * peak / goal))
            if wanted > current and self._cooled(region, rid, "out", config, due):
                cause = (
                    f"monitor alarm TargetTracking-{rid}-AlarmHigh in state ALARM triggered "
                    f"policy {name}: utilisation {peak:.2f} over {goal:g} for {OUT_MINUTES} min"
                )
                self.room.set_capacity(region, rid, wanted, cause)
                with self._lock:
                    self._moved[(region, rid, "out")] = due
            return
        if config.get("DisableScaleIn"):
            return
        if all(v is not None and v < IN_SHARE * goal for v in minutes):
            peak = max(v for v in minutes if v is not None)
            wanted = max(low, math.ceil(current * peak / goal))
            if wanted < current and self._cooled(region, rid, "in", config, due):
                cause = (
                    f"monitor alarm TargetTracking-{rid}-AlarmLow in state ALARM triggered "
                    f"policy {name}: utilisation {peak:.2f} under {IN_SHARE * goal:.2f} for "
                    f"{IN_MINUTES} min"
                )
                self.room.set_capacity(region, rid, wanted, cause)
                with self._lock:
                    self._moved[(region, rid, "in")] = due

    def _cooled(
        self, region: str, rid: str, way: str, config: dict[str, Any], due: datetime
    ) -> bool:
        key = "ScaleOutCooldown" if way == "out" else "ScaleInCooldown"
        last = self._moved.get((region, rid, way))
        return last is None or due - last >= timedelta(seconds=int(config.get(key) or 0))

    def _policy(self, region: str, rid: str) -> dict[str, Any] | None:
        for policy in self.room.describe(
            region, "describe_scaling_policies", rid, "ScalingPolicies"
        ):
            config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
            metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
            if policy.get("PolicyType") == "TargetTrackingScaling" and metric in (
                None,
                "LambdaProvisionedConcurrencyUtilization",
            ):
                return policy
        return None

    def minutes(self, region: str, rid: str, due: datetime) -> list[float | None]:
        """The Average of the utilisation in each of the last 15 minutes before ``due``, oldest
        first (None: no datapoint that minute)."""
        _, name, qualifier = rid.split(":")
        wanted = {("FunctionName", name), ("Resource", f"{name}:{qualifier}")}
        start = due - timedelta(minutes=IN_MINUTES)
        sums = [0.0] * IN_MINUTES
        counts = [0.0] * IN_MINUTES
        for _region, point in self._metric_points(self.room.account, region):
            if point.namespace != "AWS/Lambda" or point.name != METRIC:
                continue
            if set(point.dimensions) != wanted:
                continue
            at = point.timestamp if point.timestamp.tzinfo else point.timestamp.replace(tzinfo=UTC)
            if not start <= at < due:
                continue
            index = int((at - start).total_seconds() // 60)
            if point.value is not None:
                sums[index] += point.value
                counts[index] += 1
            elif point.statistics:
                sums[index] += point.statistics.get("Sum", 0.0)
                counts[index] += point.statistics.get("SampleCount", 0.0)
        return [s / c if c else None for s, c in zip(sums, counts, strict=True)]
