"""``lambherd concurrency``'s pure part: the rows of the account (or project) view, what each
row flags, and when each alias's scheduled actions run next.

Flags (each with its numbers):
  throttled                 Throttles over the window
  reserved never used       a reservation and no concurrent execution over the window
  provisioned under 30 %    the alias's average ProvisionedConcurrencyUtilization (money spent on
                            idle environments)
  provisioned over 90 %     near the allocation: invocations spill over to cold starts
  spillover                 ProvisionedConcurrencySpilloverInvocations over the window
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lambherd.defaults import UTILISATION_HIGH, UTILISATION_LOW


@dataclass(frozen=True)
class NextAction:
    """A scheduled action's next run."""

    name: str
    at: datetime
    min_capacity: int | None
    max_capacity: int | None
    timezone: str | None = None

    def describe(self) -> str:
        local = self.at
        if self.timezone:
            from lambherd.concurrency.schedules import zone

            local = self.at.astimezone(zone(self.timezone))
        low = "-" if self.min_capacity is None else self.min_capacity
        high = "-" if self.max_capacity is None else self.max_capacity
        zone_name = f" {self.timezone}" if self.timezone else " UTC"
        return f"{self.name} {local:%Y-%m-%d %H:%M}{zone_name} -> {low}-{high}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "at": self.at.isoformat(),
            "timezone": self.timezone,
            "min_capacity": self.min_capacity,
            "max_capacity": self.max_capacity,
        }


@dataclass
class ProvisionedRow:
    """One alias's (or version's) provisioned concurrency."""

    qualifier: str
    requested: int = 0
    allocated: int = 0
    available: int = 0
    status: str = ""
    reason: str | None = None
    scaling: tuple[int, int] | None = None
    utilisation: float | None = None
    spillover: float | None = None
    next_actions: list[NextAction] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "qualifier": self.qualifier,
            "requested": self.requested,
            "allocated": self.allocated,
            "available": self.available,
            "status": self.status,
            "status_reason": self.reason,
            "autoscaling": (
                {"min_capacity": self.scaling[0], "max_capacity": self.scaling[1]}
                if self.scaling
                else None
            ),
            "utilisation_avg": self.utilisation,
            "spillover_invocations": self.spillover,
            "next_actions": [a.to_json() for a in self.next_actions],
        }


@dataclass
class FunctionRow:
    """One function of the view."""

    name: str
    reserved: int | None = None
    provisioned: list[ProvisionedRow] = field(default_factory=list)
    peak_concurrency: float | None = None
    throttles: float | None = None
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.name,
            "reserved": self.reserved,
            "provisioned": [p.to_json() for p in self.provisioned],
            "peak_concurrent_executions": self.peak_concurrency,
            "throttles": self.throttles,
            "flags": list(self.flags),
        }


def flags_of(row: FunctionRow) -> list[str]:
    """What the row is worth a look for (see the module docstring)."""
    out = []
    if row.throttles:
        out.append(f"throttled ({row.throttles:g} throttles)")
    if row.reserved and not row.peak_concurrency:
        out.append(f"reserved {row.reserved} never used")
    for p in row.provisioned:
        if p.utilisation is not None and p.utilisation < UTILISATION_LOW:
            out.append(
                f"{p.qualifier}: provisioned utilisation {p.utilisation:.0%} "
                f"(under {UTILISATION_LOW:.0%}: idle environments cost money)"
            )
        elif p.utilisation is not None and p.utilisation > UTILISATION_HIGH:
            out.append(
                f"{p.qualifier}: provisioned utilisation {p.utilisation:.0%} "
                f"(over {UTILISATION_HIGH:.0%}: invocations spill over to cold starts)"
            )
        if p.spillover:
            out.append(f"{p.qualifier}: {p.spillover:g} invocations spilled over")
        if p.status == "FAILED":
            out.append(f"{p.qualifier}: provisioned concurrency FAILED: {p.reason}")
    return out


def next_actions(
    actions: list[Mapping[str, Any]], now: datetime, count: int = 2
) -> list[NextAction]:
    """The next ``count`` runs among DescribeScheduledActions entries of one target."""
    from lambherd.concurrency.model import as_instant
    from lambherd.concurrency.schedules import ScheduleError, next_run, parse_schedule

    upcoming: list[NextAction] = []
    for action in actions:
        try:
            schedule = parse_schedule(action.get("Schedule"))
            when = next_run(
                schedule,
                now,
                timezone=action.get("Timezone"),
                start=as_instant(action.get("StartTime")),
                end=as_instant(action.get("EndTime")),
                created=as_instant(action.get("CreationTime")),
            )
        except ScheduleError:
            continue
        if when is None:
            continue
        target = action.get("ScalableTargetAction") or {}
        zone = action.get("Timezone")
        upcoming.append(
            NextAction(
                str(action.get("ScheduledActionName")),
                when,
                target.get("MinCapacity"),
                target.get("MaxCapacity"),
                None if zone in (None, "", "UTC", "Etc/UTC") else str(zone),
            )
        )
    return sorted(upcoming, key=lambda a: a.at)[:count]
