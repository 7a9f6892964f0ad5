"""Rollout strategies: how much of the alias's traffic the new version gets, step by step.

    all-at-once                 today's deploy: the alias moves in one call (the default)
    canary:PCT:INTERVAL         PCT % for INTERVAL, then 100 %          (canary:10:5m)
    linear:PCT:INTERVAL         PCT % more every INTERVAL up to 100 %   (linear:50:2s)

SAM's names (``DeploymentPreference.Type``, CodeDeploy's predefined Lambda configurations) are
accepted with their exact spelling, and with CodeDeploy's ``CodeDeployDefault.Lambda`` prefix:
Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes,
Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes,
Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes and AllAtOnce. Their short forms
are ``canary10-5m`` / ``linear10-1m`` (any ``canaryPCT-INTERVAL`` / ``linearPCT-INTERVAL``).

PCT is a number between 0 and 100 (both excluded: 100 % at once is ``all-at-once``); INTERVAL
a duration with a unit (``90s``, ``5m``, ``1h``; fractions such as ``0.5s`` are fine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambherd.errors import UsageError

ALL_AT_ONCE, CANARY, LINEAR = "all-at-once", "canary", "linear"

#: SAM's DeploymentPreference types -> our canonical text.
SAM_NAMES: dict[str, str] = {
    "Canary10Percent5Minutes": "canary:10:5m",
    "Canary10Percent10Minutes": "canary:10:10m",
    "Canary10Percent15Minutes": "canary:10:15m",
    "Canary10Percent30Minutes": "canary:10:30m",
    "Linear10PercentEvery1Minute": "linear:10:1m",
    "Linear10PercentEvery2Minutes": "linear:10:2m",
    "Linear10PercentEvery3Minutes": "linear:10:3m",
    "Linear10PercentEvery10Minutes": "linear:10:10m",
    "AllAtOnce": ALL_AT_ONCE,
}
_CODEDEPLOY_PREFIX = "codedeploydefault.lambda"
_SHORT = re.compile(r"^(canary|linear)(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?[smh])$", re.IGNORECASE)
_CUSTOM = re.compile(r"^(canary|linear):([^:]*):([^:]*)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_INTERVAL = re.compile(r"^(\d+(?:\.\d+)?)([smh])$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
EXPECTED = (
    "all-at-once, canary10-5m, linear10-1m, SAM's names (Canary10Percent5Minutes, "
    "Linear10PercentEvery1Minute...), canary:PCT:INTERVAL or linear:PCT:INTERVAL"
)


@dataclass(frozen=True)
class Strategy:
    """A parsed strategy: ``kind``, the percentage of each step and the wait between steps."""

    kind: str = ALL_AT_ONCE
    percent: float = 100.0
    interval_s: float = 0.0

    @property
    def staged(self) -> bool:
        """True for canary and linear (the alias moves in more than one step)."""
        return self.kind != ALL_AT_ONCE

    def weights(self) -> tuple[float, ...]:
        """The new version's share after each shift, in percent, ending with 100."""
        if not self.staged:
            return (100.0,)
        if self.kind == CANARY:
            return (self.percent, 100.0)
        out: list[float] = []
        step = 1
        while (share := round(self.percent * step, 6)) < 100.0 - 1e-9:
            out.append(share)
            step += 1
        return (*out, 100.0)

    def next_weights(self, current: float) -> tuple[float, ...]:
        """The shares still to go through from ``current`` % (a rollout resumed), to 100."""
        return tuple(w for w in self.weights() if w > current + 1e-9)

    @property
    def text(self) -> str:
        """The canonical spelling: ``all-at-once``, ``canary:10:5m``, ``linear:50:2s``."""
        if not self.staged:
            return ALL_AT_ONCE
        return f"{self.kind}:{format_percent(self.percent)}:{format_interval(self.interval_s)}"

    def describe(self) -> str:
        """In words: ``canary 10% for 5m, then 100%``."""
        if not self.staged:
            return "all at once"
        pct, wait = format_percent(self.percent), format_interval(self.interval_s)
        if self.kind == CANARY:
            return f"canary {pct}% for {wait}, then 100%"
        return f"linear {pct}% every {wait} up to 100%"


def parse_strategy(text: str) -> Strategy:
    """The strategy ``text`` names (see the module docstring); a UsageError saying what is
    wrong otherwise (the caller puts where it came from in front)."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"a strategy must be a non-empty name (expected {EXPECTED})")
    raw = text.strip()
    name = raw
    if name.lower().startswith(_CODEDEPLOY_PREFIX):
        name = name[len(_CODEDEPLOY_PREFIX) :]
    for sam, canonical in SAM_NAMES.items():
        if name.lower() == sam.lower():
            return parse_strategy(canonical) if canonical != ALL_AT_ONCE else Strategy()
    if name.lower() in (ALL_AT_ONCE, "allatonce", "all_at_once"):
        return Strategy()
    short = _SHORT.match(name)
    if short:
        return _staged(raw, short.group(1), short.group(2), short.group(3))
    custom = _CUSTOM.match(name)
    if custom:
        return _staged(raw, custom.group(1), custom.group(2), custom.group(3))
    if re.match(r"^(canary|linear)\d+percent", name, re.IGNORECASE):
        raise UsageError(
            f"{raw!r} is not one of SAM's names ({', '.join(SAM_NAMES)}); "
            "write other percentages and intervals as canary:PCT:INTERVAL or linear:PCT:INTERVAL"
        )
    raise UsageError(f"{raw!r} is not a strategy (expected {EXPECTED})")


def _staged(raw: str, kind: str, pct_text: str, interval_text: str) -> Strategy:
    pct_text, interval_text = pct_text.strip(), interval_text.strip()
    if not _NUMBER.match(pct_text):
        raise UsageError(f"{raw!r}: the percentage {pct_text!r} is not a number")
    percent = float(pct_text)
    if not 0 < percent < 100:
        raise UsageError(
            f"{raw!r}: the percentage must be between 0 and 100 (both excluded), got {pct_text}"
        )
    interval = _INTERVAL.match(interval_text)
    if not interval:
        raise UsageError(
            f"{raw!r}: the interval {interval_text!r} is not a duration "
            "(a number and a unit: 30s, 5m, 1h)"
        )
    seconds = float(interval.group(1)) * _UNIT_SECONDS[interval.group(2).lower()]
    if seconds <= 0:
        raise UsageError(f"{raw!r}: the interval must be longer than zero")
    return Strategy(kind.lower(), percent, seconds)


def format_percent(value: float) -> str:
    """``10`` for 10.0, ``12.5`` for 12.5."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def format_interval(seconds: float) -> str:
    """``5m``, ``90s``, ``2h``, ``0.5s``: the largest unit that divides it exactly."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and float(seconds / size).is_integer():
            return f"{int(seconds // size)}{unit}"
    return f"{format_percent(seconds)}s"
