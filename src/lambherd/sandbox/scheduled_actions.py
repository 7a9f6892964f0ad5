"""Scheduled actions of Application Auto Scaling, run when sandbox time reaches them.

Each action is one periodic scheduler job: its first time is ``next_run`` of its schedule
(``lambherd.concurrency.schedules``: cron and at() in the action's time zone, rate() from its
StartTime or creation, a future StartTime a run itself, nothing after EndTime), and after each
run the next one. Moving the clock past several runs runs each of them, in order. A run sets the
target's range to the action's ScalableTargetAction (a capacity it leaves out stays), through a
RegisterScalableTarget the sandbox serves itself, whose effect brings the provisioned
concurrency into the new range (AWS: below the minimum scales out to it, above the maximum in).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from lambherd.concurrency.model import as_instant
from lambherd.sandbox.wire import error


class ScheduledActions:
    """The jobs of every scheduled action."""

    def __init__(self, room: Any) -> None:
        self.room = room
        self._jobs: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def arm(self, region: str, rid: str, name: str) -> None:
        """(Re)arm one action from its description."""
        from lambherd.concurrency.schedules import ScheduleError, next_run, parse_schedule

        self.cancel(region, rid, name)
        found = self.room.action(region, rid, name)
        if found is None:
            return
        try:
            schedule = parse_schedule(found.get("Schedule"))
        except ScheduleError:
            return
        zone = found.get("Timezone")
        start, end = as_instant(found.get("StartTime")), as_instant(found.get("EndTime"))
        created = as_instant(found.get("CreationTime")) or self.room._now()

        def following(after: datetime) -> datetime | None:
            return next_run(schedule, after, timezone=zone, start=start, end=end, created=created)

        first = following(self.room._now())
        if first is None:
            return
        job = self.room._scheduler.schedule(
            first,
            lambda due: self.run(region, rid, name, due),
            repeat=following,
            name=f"scheduled-action {name}",
        )
        with self._lock:
            self._jobs[(region, rid, name)] = job

    def cancel(self, region: str, rid: str, name: str) -> None:
        """The action never runs again."""
        with self._lock:
            job = self._jobs.pop((region, rid, name), None)
        if job is not None:
            self.room._scheduler.cancel(job)

    def run(self, region: str, rid: str, name: str, due: datetime) -> None:
        """The action's time has come: its range is set."""
        found = self.room.action(region, rid, name)
        target = self.room.target(region, rid)
        if found is None or target is None:
            return
        wanted = found.get("ScalableTargetAction") or {}
        low = wanted.get("MinCapacity", target.get("MinCapacity"))
        high = wanted.get("MaxCapacity", target.get("MaxCapacity"))
        self.room.record(
            region,
            rid,
            f"Setting min capacity to {low} and max capacity to {high}",
            f"scheduled action name {name} was triggered at {due.isoformat()}",
            "Successful",
        )
        self.room.call(region, "register_scalable_target", rid, MinCapacity=low, MaxCapacity=high)

    def reset(self) -> None:
        """No job left (``sandbox reset``)."""
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            self.room._scheduler.cancel(job)


def check_action(doc: dict[str, Any]) -> Response | None:
    """Refuse a PutScheduledAction AWS would refuse (schedule, time zone, range)."""
    from lambherd.concurrency.schedules import ScheduleError, parse_schedule, zone

    try:
        parse_schedule(doc.get("Schedule"))
        if doc.get("Timezone") is not None:
            zone(doc["Timezone"])
    except ScheduleError as exc:
        return error(400, "ValidationException", str(exc))
    wanted = doc.get("ScalableTargetAction") or {}
    low, high = wanted.get("MinCapacity"), wanted.get("MaxCapacity")
    if low is not None and high is not None and low > high:
        return error(
            400, "ValidationException", f"MinCapacity {low} is greater than MaxCapacity {high}"
        )
    return None
