"""Health gates of a rollout: their settings, and the judgement of what they saw.

The settings are the ``rollout`` table of a function's deploy settings (lambherd.toml's
``[defaults.rollout]``, a stage's ``defaults.rollout``, ``[functions."<folder>".rollout]``, and
the command line's ``--alarm`` / ``--require-traffic`` / ``--pre-traffic`` / ``--post-traffic``),
merged key by key in the settings' precedence::

    alarms = ["orders-5xx"]   # CloudWatch alarms: any in ALARM fails the step
    max_error_rate = 0.01     # (Errors + Throttles) / (Invocations + Throttles) of the new version
    min_invocations = 5       # invocations the new version must serve before it is judged
    max_p99_ratio = 1.5       # the new version's p99 Duration against the old one's (off if unset)
    require_traffic = false   # true: a step whose new version served < min_invocations fails
    pre_traffic = true        # tests.* cases run against the new version before any shift
    post_traffic = ["smoke"]  # ... or only the cases named, or a file: "tests/smoke.yaml"
    poll = "10s"              # how often the gates are read during a step (default: interval/5,
                              # between 0.5 s and 10 s)
    metric_wait = "5m"        # how long a step may wait for CloudWatch to publish its metrics

With nothing set, the one gate is the new version's error rate above 1 % once it has served 5
invocations; a step in which it served fewer is no evidence and passes (``require_traffic``
makes it fail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lambherd.defaults import (
    ROLLOUT_MAX_ERROR_RATE,
    ROLLOUT_METRIC_WAIT_S,
    ROLLOUT_MIN_INVOCATIONS,
    ROLLOUT_POLL_MAX_S,
    ROLLOUT_POLL_MIN_S,
)
from lambherd.errors import UsageError

GATE_KEYS = (
    "alarms",
    "max_error_rate",
    "min_invocations",
    "max_p99_ratio",
    "require_traffic",
    "pre_traffic",
    "post_traffic",
    "poll",
    "metric_wait",
)


@dataclass(frozen=True)
class TrafficTests:
    """Which test cases a pre- or post-traffic hook runs: those of ``file`` (None: the tests.*
    file beside the definition), only ``names`` when given."""

    file: str | None = None
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        where = self.file or "tests.*"
        return f"{', '.join(self.names)} of {where}" if self.names else f"the cases of {where}"


@dataclass(frozen=True)
class GateSettings:
    """The gates of one function's rollout (see the module docstring)."""

    alarms: tuple[str, ...] = ()
    max_error_rate: float = ROLLOUT_MAX_ERROR_RATE
    min_invocations: int = ROLLOUT_MIN_INVOCATIONS
    max_p99_ratio: float | None = None
    require_traffic: bool = False
    pre_traffic: TrafficTests | None = None
    post_traffic: TrafficTests | None = None
    poll_s: float | None = None
    metric_wait_s: float = ROLLOUT_METRIC_WAIT_S

    def poll_for(self, interval_s: float) -> float:
        """Seconds between two readings during a step of ``interval_s``."""
        if self.poll_s is not None:
            return self.poll_s
        return min(ROLLOUT_POLL_MAX_S, max(ROLLOUT_POLL_MIN_S, interval_s / 5))

    def describe(self) -> str:
        """The gates in words, for the plan."""
        parts = [
            f"error rate <= {format_rate(self.max_error_rate)} "
            f"(after {self.min_invocations} invocations)"
        ]
        if self.max_p99_ratio is not None:
            parts.append(f"p99 <= {self.max_p99_ratio:g} x the old version's")
        if self.alarms:
            parts.append("alarms " + ", ".join(self.alarms))
        if self.require_traffic:
            parts.append("traffic required")
        return ", ".join(parts)


def gate_settings(table: Mapping[str, Any] | None) -> GateSettings:
    """The checked gate settings of a ``rollout`` table (UsageError naming the key otherwise;
    the caller puts where the table came from in front)."""
    from lambherd.durations import parse_duration

    values: dict[str, Any] = {}
    for key, value in (table or {}).items():
        if key not in GATE_KEYS:
            raise UsageError(f"unknown key {key!r} (expected one of: {', '.join(GATE_KEYS)})")
        if key == "alarms":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list | tuple) or not all(
                isinstance(a, str) and a.strip() for a in value
            ):
                raise UsageError("alarms: expected a list of alarm names")
            values["alarms"] = tuple(dict.fromkeys(a.strip() for a in value))
        elif key == "max_error_rate":
            rate = _number(key, value)
            if not 0 <= rate < 1:
                raise UsageError(f"max_error_rate: expected a fraction from 0 up to 1, got {value}")
            values[key] = rate
        elif key == "min_invocations":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(
                    f"min_invocations: expected a whole number of 1 or more, got {value!r}"
                )
            values[key] = value
        elif key == "max_p99_ratio":
            ratio = _number(key, value)
            if ratio < 1:
                raise UsageError(f"max_p99_ratio: expected a number of 1 or more, got {value}")
            values[key] = ratio
        elif key == "require_traffic":
            if not isinstance(value, bool):
                raise UsageError(f"require_traffic: expected true or false, got {value!r}")
            values[key] = value
        elif key in ("pre_traffic", "post_traffic"):
            values[key] = _traffic_tests(key, value)
        else:  # poll, metric_wait
            if not isinstance(value, str):
                raise UsageError(f'{key}: expected a duration such as "10s", got {value!r}')
            seconds = parse_duration(value, option=key).total_seconds()
            values["poll_s" if key == "poll" else "metric_wait_s"] = seconds
    return GateSettings(**values)


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{key}: expected a number, got {value!r}")
    return float(value)


def _traffic_tests(key: str, value: Any) -> TrafficTests | None:
    if value is False or value is None:
        return None
    if value is True:
        return TrafficTests()
    if isinstance(value, str) and value.strip():
        return TrafficTests(file=value.strip())
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return TrafficTests(names=tuple(value))
    raise UsageError(
        f"{key}: expected true, false, a tests file or a list of case names, got {value!r}"
    )


def merge_tables(lower: Mapping[str, Any] | None, higher: Mapping[str, Any]) -> dict[str, Any]:
    """``higher``'s keys over ``lower``'s (the settings' precedence, key by key)."""
    return {**(lower or {}), **higher}


# -- what the gates saw -------------------------------------------------------------------------
@dataclass(frozen=True)
class AlarmState:
    """One CloudWatch alarm as DescribeAlarms reported it."""

    name: str
    state: str
    reason: str = ""


@dataclass(frozen=True)
class Figures:
    """What one reading of the gates found, over the window of one step.

    ``invocations``/``errors``/``throttles``/``p99_ms``: the new version's, served through the
    alias (CloudWatch, ``ExecutedVersion``); ``old_*`` the old version's over the same window;
    ``logged`` the new version's REPORT lines seen in its logs; ``complete`` whether CloudWatch
    has published the metrics of everything the logs show.
    """

    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    p99_ms: float | None = None
    old_invocations: int = 0
    old_p99_ms: float | None = None
    logged: int | None = None
    complete: bool = True
    alarms: tuple[AlarmState, ...] = ()
    window_s: float = 0.0

    @property
    def attempts(self) -> int:
        """Invocations plus throttled attempts."""
        return self.invocations + self.throttles

    @property
    def error_rate(self) -> float | None:
        """(errors + throttles) / (invocations + throttles); None with no attempt at all."""
        return (self.errors + self.throttles) / self.attempts if self.attempts else None

    def summary(self) -> str:
        """``error rate 0.0% (0 errors, 0 throttles / 31 invocations), p99 12 ms (old 11 ms)``."""
        rate = self.error_rate
        text = (
            f"error rate {format_rate(rate) if rate is not None else '-'} "
            f"({self.errors} errors, {self.throttles} throttles / {self.invocations} invocations)"
        )
        if self.p99_ms is not None:
            old = f"{self.old_p99_ms:.0f} ms" if self.old_p99_ms is not None else "-"
            text += f", p99 {self.p99_ms:.0f} ms (old {old})"
        if self.alarms:
            states = {a.state for a in self.alarms}
            text += ", alarms " + ("/".join(sorted(states)) if states != {"OK"} else "OK")
        if not self.complete:
            text += ", metrics incomplete"
        return text

    def to_json(self) -> dict[str, Any]:
        """This reading as a JSON document."""
        return {
            "invocations": self.invocations,
            "errors": self.errors,
            "throttles": self.throttles,
            "error_rate": self.error_rate,
            "p99_ms": self.p99_ms,
            "old_invocations": self.old_invocations,
            "old_p99_ms": self.old_p99_ms,
            "logged": self.logged,
            "complete": self.complete,
            "alarms": {a.name: a.state for a in self.alarms},
            "window_s": round(self.window_s, 3),
        }


@dataclass(frozen=True)
class Verdict:
    """The judgement of one reading: ``ok``; else which ``gate`` failed and why (figures
    included); ``evidence`` False when the new version served too little to be judged."""

    ok: bool
    gate: str = ""
    reason: str = ""
    evidence: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


def judge(figures: Figures, gates: GateSettings, *, final: bool) -> Verdict:
    """Judge one reading. During a step (``final`` False) only a failure counts; at its end the
    lack of evidence is judged too (``require_traffic``)."""
    for alarm in figures.alarms:
        if alarm.state == "ALARM":
            why = f": {alarm.reason}" if alarm.reason else ""
            return Verdict(False, f"alarm {alarm.name}", f"alarm {alarm.name} is in ALARM{why}")
    enough = figures.attempts >= gates.min_invocations
    rate = figures.error_rate
    if enough and rate is not None and rate > gates.max_error_rate:
        return Verdict(
            False,
            "error rate",
            f"error rate {format_rate(rate)} of the new version is above "
            f"{format_rate(gates.max_error_rate)} ({figures.errors} errors, {figures.throttles} "
            f"throttles / {figures.invocations} invocations)",
        )
    if (
        gates.max_p99_ratio is not None
        and figures.p99_ms is not None
        and figures.old_p99_ms is not None
        and figures.invocations >= gates.min_invocations
        and figures.old_invocations >= gates.min_invocations
        and figures.p99_ms > gates.max_p99_ratio * figures.old_p99_ms
    ):
        return Verdict(
            False,
            "p99 duration",
            f"p99 duration {figures.p99_ms:.1f} ms of the new version is above "
            f"{gates.max_p99_ratio:g} x the old version's {figures.old_p99_ms:.1f} ms",
        )
    if not enough:
        note = (
            f"no evidence: the new version served {figures.attempts} invocations, "
            f"fewer than min_invocations {gates.min_invocations}"
        )
        if final and gates.require_traffic:
            return Verdict(False, "traffic", note + " (require_traffic)", evidence=False)
        return Verdict(True, evidence=False, notes=(note,))
    return Verdict(True)


def format_rate(rate: float) -> str:
    """``1%``, ``0.5%``, ``33.3%``."""
    pct = rate * 100
    return f"{pct:.1f}%".replace(".0%", "%") if pct >= 1 or pct == 0 else f"{pct:.2g}%"
