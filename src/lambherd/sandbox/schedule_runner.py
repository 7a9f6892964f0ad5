"""EventBridge Scheduler schedules fired on the sandbox clock.

moto keeps the schedules; after every Scheduler request the runner reads them again
(``sync``) and keeps one job per schedule in the sandbox scheduler (``app.scheduler``): its next
time from ``lambherd.triggers.schedule_expressions`` (cron, rate or at, in its
ScheduleExpressionTimezone, within StartDate/EndDate), so moving the clock fires each time it
passes, in order. A Lambda target is invoked asynchronously with the target's ``Input`` (the
context attributes ``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>``,
``<aws.scheduler.execution-id>`` and ``<aws.scheduler.attempt-number>`` replaced); an SQS target
gets the Input as a message. A target that does not exist sends the Input to the schedule's
dead-letter queue, if any. A one-time schedule with ActionAfterCompletion DELETE is deleted
after it fired. Not done: FlexibleTimeWindow jitter (a flexible schedule fires at its time),
the Scheduler's own retries of a failed target call (Lambda's asynchronous retries apply).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid as uuidlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lambherd.triggers import schedule_expressions as expressions

log = logging.getLogger("lambherd.sandbox")


class ScheduleRunner:
    """One sandbox-scheduler job per enabled schedule."""

    def __init__(
        self,
        events: Any,
        scheduler: Any,
        submit_async: Callable[[str, bytes], Any],
        send: Callable[[str, dict[str, Any] | str, str], None],
        function_exists: Callable[[str], bool],
        now: Callable[[], datetime],
    ) -> None:
        self.events = events
        self.scheduler = scheduler
        self.submit_async = submit_async
        self.send = send
        self.function_exists = function_exists
        self.now = now
        self._lock = threading.Lock()
        #: schedule ARN -> (what it was registered from, its job)
        self._jobs: dict[str, tuple[str, Any]] = {}
        #: schedule ARN -> when it was first seen (a rate counts from there)
        self._origins: dict[str, datetime] = {}
        #: (schedule ARN, scheduled time) of every firing, oldest first (for tests)
        self.fired: list[tuple[str, datetime]] = []

    def sync(self, account: str, region: str, at: datetime) -> None:
        """Register, replace or cancel jobs to match the schedules moto has now."""
        found = {s["Arn"]: s for s in self.events.schedules(account, region)}
        with self._lock:
            for arn in [a for a in self._jobs if _in(a, account, region) and a not in found]:
                self.scheduler.cancel(self._jobs.pop(arn)[1])
                self._origins.pop(arn, None)
            for arn, schedule in found.items():
                self._origins.setdefault(arn, at)
                signature = json.dumps(schedule, sort_keys=True, default=str)
                known = self._jobs.get(arn)
                if known is not None and known[0] == signature:
                    continue
                if known is not None:
                    self.scheduler.cancel(known[1])
                    del self._jobs[arn]
                job = self._register(schedule, at)
                if job is not None:
                    self._jobs[arn] = (signature, job)

    # -- across restarts: a room of the sandbox's snapshot (``app.state.rooms``) ------------
    def snapshot(self) -> dict[str, Any]:
        """When each schedule was first seen (a rate counts from there) and the firings, as
        JSON data; the schedules themselves are moto's (in the snapshot with it)."""
        with self._lock:
            return {
                "origins": {arn: at.isoformat() for arn, at in self._origins.items()},
                "fired": [[arn, due.isoformat()] for arn, due in self.fired],
            }

    def restore(self, doc: dict[str, Any]) -> None:
        """The origins and firings of a snapshot (the jobs are armed in ``restarted``)."""
        with self._lock:
            origins = (doc.get("origins") or {}).items()
            self._origins = {arn: datetime.fromisoformat(at) for arn, at in origins}
            self.fired = [(arn, datetime.fromisoformat(due)) for arn, due in doc.get("fired") or ()]

    def restarted(self) -> None:
        """The whole state is loaded: a job for every schedule of every account and region
        that has some (from now on: no time missed while stopped is fired)."""
        with self._lock:
            places = {(arn.split(":")[4], arn.split(":")[3]) for arn in self._origins}
        for account, region in sorted(places):
            self.sync(account, region, self.now())

    def reset(self) -> None:
        """Cancel every job (``sandbox reset``)."""
        with self._lock:
            for _signature, job in self._jobs.values():
                self.scheduler.cancel(job)
            self._jobs.clear()
            self._origins.clear()

    def _register(self, schedule: dict[str, Any], at: datetime) -> Any:
        if schedule.get("State", "ENABLED") != "ENABLED":
            return None
        try:
            expression = expressions.parse(str(schedule.get("ScheduleExpression", "")))
            zone = schedule.get("ScheduleExpressionTimezone") or "UTC"
            expressions.zone(zone)
        except expressions.ExpressionError as exc:
            log.warning("schedule %s is not run: %s", schedule.get("Arn"), exc)
            return None
        start = _time(schedule.get("StartDate"))
        end = _time(schedule.get("EndDate"))
        origin = start or self._origins.get(str(schedule["Arn"]), at)

        def following(after: datetime) -> datetime | None:
            return expressions.next_after(expression, after, zone, start=start or origin, end=end)

        # from now on: a restart replaying the journal fires no time it missed while stopped
        first = following(max(at, self.now()))
        if first is None:
            return None
        repeat = None if expression.kind == "at" else following
        return self.scheduler.schedule(
            first,
            lambda due: self._fire(schedule, due),
            repeat=repeat,
            name=f"schedule {schedule.get('GroupName')}/{schedule.get('Name')}",
        )

    def _fire(self, schedule: dict[str, Any], due: datetime) -> None:
        arn = str(schedule["Arn"])
        with self._lock:
            self.fired.append((arn, due))
        target = schedule.get("Target") or {}
        payload = _input(str(target.get("Input") or "{}"), arn, due)
        target_arn = str(target.get("Arn", ""))
        region = arn.split(":")[3]
        service = target_arn.split(":")[2] if target_arn.count(":") >= 5 else ""
        try:
            if service == "lambda" and self.function_exists(target_arn):
                self.submit_async(target_arn, payload.encode())
            elif service == "sqs":
                self.send(target_arn, payload, region)
            else:
                self._dead_letter(target, payload, region)
        except Exception:
            log.exception("schedule %s could not invoke %s", arn, target_arn)
        if expression_is_once(schedule) and schedule.get("ActionAfterCompletion") == "DELETE":
            account = arn.split(":")[4]
            self.events.delete_schedule(
                account, region, schedule.get("GroupName"), schedule.get("Name")
            )

    def _dead_letter(self, target: dict[str, Any], payload: str, region: str) -> None:
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dlq:
            self.send(str(dlq), payload, region)
        else:
            log.warning(
                "schedule target %s does not exist; no dead-letter queue", target.get("Arn")
            )


def expression_is_once(schedule: dict[str, Any]) -> bool:
    """True for an ``at(...)`` schedule."""
    return str(schedule.get("ScheduleExpression", "")).startswith("at(")


def _input(template: str, arn: str, due: datetime) -> str:
    stamp = due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = {
        "<aws.scheduler.schedule-arn>": arn,
        "<aws.scheduler.scheduled-time>": stamp,
        "<aws.scheduler.execution-id>": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{arn}@{stamp}")),
        "<aws.scheduler.attempt-number>": "1",
    }
    for name, value in values.items():
        template = template.replace(name, value)
    return template


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            found = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    return None


def _in(arn: str, account: str, region: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 4 and parts[3] == region and parts[4] == account
