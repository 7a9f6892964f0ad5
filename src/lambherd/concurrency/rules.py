"""Every rule concurrency.json must follow, in one place; each problem one line, with numbers.

Two moments, same module:

- ``file_problems``: the file alone, when the definition loads (``validate``, and before any
  deploy reads AWS): its shape (``lambherd.concurrency.model``), schedule expressions and IANA
  time zones, StartTime/EndTime, provisioned concurrency never on ``$LATEST`` (Lambda refuses it:
  "Provisioned Concurrency Configs cannot be applied to unpublished function versions"), the
  provisioned value within its scaling range, everything provisioned within the file's reserved
  concurrency.
- ``account_problems``: the whole run against the account (GetAccountSettings and what the
  remote read found), after reading and before any mutating call: the account keeps at least
  100 unreserved (the project's reservations as they will be plus every other function's),
  provisioned concurrency (scaling maxima included) within each function's reservation or,
  without one, within what the account's unreserved pool can give, aliases that exist and do
  not point to $LATEST, versions that exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambherd.concurrency.model import (
    LATEST,
    UNMANAGED,
    ConcurrencyConfig,
    ScheduledAction,
    read_concurrency,
    utc_text,
)
from lambherd.defaults import MIN_UNRESERVED_CONCURRENCY

#: Lambda's words when provisioned concurrency targets the unpublished version.
LATEST_REFUSED = (
    "Lambda refuses it: Provisioned Concurrency Configs cannot be applied to unpublished "
    "function versions; use an alias of a published version (e.g. current)"
)


@dataclass
class FileReport:
    """What ``file_problems`` found: errors stop everything, warnings are said."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    config: ConcurrencyConfig | None = None


def file_problems(doc: Any, *, now: datetime | None = None) -> FileReport:
    """Every problem of one concurrency.json document (rendered), without AWS."""
    report = FileReport()
    config = read_concurrency(doc, report.errors)
    if report.errors:
        return report
    report.config = config
    now = now or datetime.now(UTC)
    if config.reserved == 0:
        report.warnings.append(
            "ReservedConcurrentExecutions is 0: the function is disabled (every invocation is "
            "throttled)"
        )
    for qualifier in config.qualifiers():
        if qualifier == LATEST:
            where = "ProvisionedConcurrency" if qualifier in config.provisioned else "Autoscaling"
            report.errors.append(f"{where}.{LATEST}: {LATEST_REFUSED}")
            continue
        value = config.provisioned.get(qualifier, UNMANAGED)
        scaling = config.autoscaling.get(qualifier, UNMANAGED)
        if value is None and scaling:
            report.errors.append(
                f"ProvisionedConcurrency.{qualifier} is null (remove) but "
                f"Autoscaling.{qualifier} scales it: set Autoscaling.{qualifier} to null too"
            )
        if isinstance(value, int) and scaling:
            low, high = scaling.min_capacity, scaling.max_capacity
            if not low <= value <= high:
                report.errors.append(
                    f"ProvisionedConcurrency.{qualifier} is {value}, outside "
                    f"Autoscaling.{qualifier}'s range {low}-{high}"
                )
        for action in (scaling.scheduled_actions or ()) if scaling else ():
            report.warnings.extend(_action_warnings(qualifier, action, now))
    if isinstance(config.reserved, int):
        reach = {q: config.provisioned_reach(q) for q in config.qualifiers() if q != LATEST}
        total = sum(reach.values())
        if total > config.reserved:
            report.errors.append(
                f"provisioned concurrency can reach {total} ({_parts(reach)}), more than "
                f"ReservedConcurrentExecutions {config.reserved}: Lambda allocates provisioned "
                "concurrency from the function's reservation"
            )
    return report


def _action_warnings(qualifier: str, action: ScheduledAction, now: datetime) -> list[str]:
    from lambherd.concurrency.schedules import Rate, next_run, parse_schedule

    where = f"Autoscaling.{qualifier}.ScheduledActions ({action.name})"
    schedule = parse_schedule(action.schedule)
    out = []
    if isinstance(schedule, Rate) and action.timezone:
        out.append(f"{where}: Timezone applies to at() and cron() only; rate() ignores it")
    if action.end_time is not None and action.end_time <= now:
        out.append(f"{where}: EndTime {utc_text(action.end_time)} has passed: it never runs")
    elif (
        next_run(
            schedule, now, timezone=action.timezone, start=action.start_time, end=action.end_time
        )
        is None
    ):
        out.append(f"{where}: {action.schedule} never runs again (from {utc_text(now)})")
    return out


def _parts(values: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


# -- the account ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionFacts:
    """One function of the run as the account rules see it."""

    name: str
    config: ConcurrencyConfig
    #: Reserved concurrency as read (None: none).
    current_reserved: int | None = None
    #: alias -> the version it serves after this deploy (``$LATEST``, a number, or ``new``).
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: published version numbers
    versions: frozenset[str] = frozenset()

    @property
    def reserved_after(self) -> int | None:
        """Reserved concurrency once deployed (the file's, or unchanged when unmanaged)."""
        if self.config.reserved is UNMANAGED:
            return self.current_reserved
        return self.config.reserved

    def reach(self) -> dict[str, int]:
        """qualifier -> the provisioned concurrency the file lets it reach."""
        return {
            q: self.config.provisioned_reach(q) for q in self.config.qualifiers() if q != LATEST
        }


def account_problems(limit: int, unreserved: int, functions: list[FunctionFacts]) -> list[str]:
    """Every problem of the run against the account (``limit``: ConcurrentExecutions,
    ``unreserved``: UnreservedConcurrentExecutions, both from GetAccountSettings)."""
    problems: list[str] = []
    for fn in functions:
        problems.extend(_qualifier_problems(fn))
    current = sum(fn.current_reserved or 0 for fn in functions)
    after = {fn.name: fn.reserved_after for fn in functions if fn.reserved_after is not None}
    others = limit - unreserved - current
    left = unreserved + current - sum(after.values())
    grows = any((fn.reserved_after or 0) > (fn.current_reserved or 0) for fn in functions)
    if left < MIN_UNRESERVED_CONCURRENCY and grows:
        problems.append(
            f"reserved concurrency: the account (limit {limit}) would keep {left} unreserved, "
            f"Lambda requires at least {MIN_UNRESERVED_CONCURRENCY}: these functions would "
            f"reserve {sum(after.values())} ({_parts(after)}), other functions of the account "
            f"reserve {others}"
        )
    pool = max(0, left - MIN_UNRESERVED_CONCURRENCY)
    unreserved_reach: dict[str, int] = {}
    for fn in functions:
        reach = fn.reach()
        total = sum(reach.values())
        reserved = fn.reserved_after
        if reserved is not None and fn.config.reserved is UNMANAGED and total > reserved:
            problems.append(
                f"{fn.name}: provisioned concurrency can reach {total} ({_parts(reach)}), more "
                f"than its reserved concurrency {reserved}"
            )
        if reserved is None and total:
            unreserved_reach[fn.name] = total
        for qualifier, value in reach.items():
            ceiling = limit - MIN_UNRESERVED_CONCURRENCY
            if value > ceiling:
                problems.append(
                    f"{fn.name}: {qualifier}: provisioned concurrency up to {value} is more than "
                    f"the account allows any function ({limit} - {MIN_UNRESERVED_CONCURRENCY} "
                    f"kept unreserved = {ceiling})"
                )
    total = sum(unreserved_reach.values())
    if total > pool:
        problems.append(
            f"provisioned concurrency of functions without reserved concurrency can reach "
            f"{total} ({_parts(unreserved_reach)}), more than the {pool} the account's "
            f"unreserved pool can give ({left} unreserved - {MIN_UNRESERVED_CONCURRENCY} kept)"
        )
    return problems


def _qualifier_problems(fn: FunctionFacts) -> list[str]:
    out = []
    for qualifier in fn.config.qualifiers():
        if qualifier == LATEST:
            continue  # said by file_problems
        if qualifier.isdigit():
            if qualifier not in fn.versions:
                out.append(f"{fn.name}: version {qualifier} does not exist")
            continue
        target = fn.aliases.get(qualifier)
        if target is None:
            out.append(
                f"{fn.name}: alias {qualifier} does not exist (a deploy creates only its own alias)"
            )
        elif target == LATEST and _adds_provisioned(fn.config, qualifier):
            out.append(f"{fn.name}: alias {qualifier} points to {LATEST}: {LATEST_REFUSED}")
    return out


def _adds_provisioned(config: ConcurrencyConfig, qualifier: str) -> bool:
    return bool(config.provisioned.get(qualifier)) or bool(config.autoscaling.get(qualifier))
