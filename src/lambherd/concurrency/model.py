"""concurrency.json as typed values, and back into a document.

The file (PascalCase, like the APIs it feeds; every key optional)::

    {"ReservedConcurrentExecutions": 20,
     "ProvisionedConcurrency": {"current": 2},
     "Autoscaling": {"current": {
        "MinCapacity": 2, "MaxCapacity": 10,
        "ScheduledActions": [
            {"Name": "morning", "Schedule": "cron(0 9 * * ? *)", "Timezone": "Asia/Tokyo",
             "MinCapacity": 10, "MaxCapacity": 10},
            {"Name": "evening", "Schedule": "cron(0 18 * * ? *)", "Timezone": "Asia/Tokyo",
             "MinCapacity": 2, "MaxCapacity": 10}],
        "TargetTracking": {"TargetValue": 0.7}}}}

Only what the file names is managed: a key left out is left alone on AWS (``UNMANAGED``), and
``null`` removes it (reserved concurrency, one qualifier's provisioned concurrency, one
qualifier's scalable target with its actions and policies, the target-tracking policy).
``ScheduledActions``, when present, is the scalable target's whole list. Qualifiers are alias
names (or version numbers); provisioned concurrency on an alias moves with it.

``parse_concurrency`` collects every problem of the document's shape (the rules that need more
than the shape live in ``lambherd.concurrency.rules``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambherd.defaults import TARGET_TRACKING_POLICY_NAME
from lambherd.errors import ValidationError

CONCURRENCY_FILE = "concurrency.json"
#: The sidecar key (``lambherd.definition.sidecars``).
SIDECAR = "concurrency"
#: Application Auto Scaling's names for Lambda provisioned concurrency.
SERVICE_NAMESPACE = "lambda"
SCALABLE_DIMENSION = "lambda:function:ProvisionedConcurrency"
PREDEFINED_METRIC = "LambdaProvisionedConcurrencyUtilization"
LATEST = "$LATEST"

_TOP = ("ReservedConcurrentExecutions", "ProvisionedConcurrency", "Autoscaling")
_SCALING = ("MinCapacity", "MaxCapacity", "ScheduledActions", "TargetTracking")
_ACTION = ("Name", "Schedule", "Timezone", "StartTime", "EndTime", "MinCapacity", "MaxCapacity")
_TRACKING = ("TargetValue", "ScaleInCooldown", "ScaleOutCooldown", "DisableScaleIn", "PolicyName")
_QUALIFIER = re.compile(r"^([0-9]+|(?![0-9]+$)[A-Za-z0-9_-]{1,128})$")
_ACTION_NAME = re.compile(r"^(?! )[^:/|\x00-\x1f\x7f-\x9f]{1,256}(?<! )$")


class _Unmanaged:
    """A key the file leaves out: lambherd leaves that setting alone."""

    _instance: _Unmanaged | None = None

    def __new__(cls) -> _Unmanaged:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNMANAGED"

    def __bool__(self) -> bool:
        return False


UNMANAGED: Any = _Unmanaged()


def resource_id(function: str, qualifier: str) -> str:
    """Application Auto Scaling's ResourceId of a function's alias or version."""
    return f"function:{function}:{qualifier}"


def as_instant(value: Any) -> datetime | None:
    """A time as the APIs hand it over (datetime, epoch seconds, ISO 8601), aware; None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def utc_text(at: datetime) -> str:
    """A time as the file and the API write it: ISO 8601 in UTC (``2026-12-01T00:00:00Z``)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ScheduledAction:
    """One scheduled action: at ``schedule`` (in ``timezone``), set the target's range."""

    name: str
    schedule: str
    timezone: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    min_capacity: int | None = None
    max_capacity: int | None = None

    def api_params(self) -> dict[str, Any]:
        """PutScheduledAction's parameters (without the target's)."""
        params: dict[str, Any] = {"ScheduledActionName": self.name, "Schedule": self.schedule}
        if self.timezone:
            params["Timezone"] = self.timezone
        if self.start_time:
            params["StartTime"] = self.start_time
        if self.end_time:
            params["EndTime"] = self.end_time
        params["ScalableTargetAction"] = self.target_action()
        return params

    def target_action(self) -> dict[str, int]:
        """``ScalableTargetAction``: the range it sets."""
        action = {}
        if self.min_capacity is not None:
            action["MinCapacity"] = self.min_capacity
        if self.max_capacity is not None:
            action["MaxCapacity"] = self.max_capacity
        return action

    def to_document(self) -> dict[str, Any]:
        """The action as concurrency.json writes it."""
        doc: dict[str, Any] = {"Name": self.name, "Schedule": self.schedule}
        if self.timezone:
            doc["Timezone"] = self.timezone
        if self.start_time:
            doc["StartTime"] = utc_text(self.start_time)
        if self.end_time:
            doc["EndTime"] = utc_text(self.end_time)
        doc.update(self.target_action())
        return doc


@dataclass(frozen=True)
class TargetTracking:
    """A target-tracking policy on LambdaProvisionedConcurrencyUtilization."""

    target_value: float
    scale_in_cooldown: int | None = None
    scale_out_cooldown: int | None = None
    disable_scale_in: bool | None = None
    policy_name: str = TARGET_TRACKING_POLICY_NAME

    def api_config(self) -> dict[str, Any]:
        """``TargetTrackingScalingPolicyConfiguration``."""
        config: dict[str, Any] = {
            "TargetValue": self.target_value,
            "PredefinedMetricSpecification": {"PredefinedMetricType": PREDEFINED_METRIC},
        }
        if self.scale_in_cooldown is not None:
            config["ScaleInCooldown"] = self.scale_in_cooldown
        if self.scale_out_cooldown is not None:
            config["ScaleOutCooldown"] = self.scale_out_cooldown
        if self.disable_scale_in is not None:
            config["DisableScaleIn"] = self.disable_scale_in
        return config

    def to_document(self) -> dict[str, Any]:
        """The policy as concurrency.json writes it."""
        doc: dict[str, Any] = {"TargetValue": self.target_value}
        for key, value in (
            ("ScaleInCooldown", self.scale_in_cooldown),
            ("ScaleOutCooldown", self.scale_out_cooldown),
            ("DisableScaleIn", self.disable_scale_in),
        ):
            if value is not None:
                doc[key] = value
        if self.policy_name != TARGET_TRACKING_POLICY_NAME:
            doc["PolicyName"] = self.policy_name
        return doc


@dataclass(frozen=True)
class Autoscaling:
    """One alias's (or version's) scalable target, its scheduled actions and its policy.

    ``scheduled_actions`` None: the target's actions are not managed; ``target_tracking``
    UNMANAGED: not managed, None: ours is removed.
    """

    min_capacity: int
    max_capacity: int
    scheduled_actions: tuple[ScheduledAction, ...] | None = None
    target_tracking: Any = UNMANAGED

    @property
    def reach(self) -> int:
        """The most provisioned concurrency this scaling can set (range and actions)."""
        values = [self.max_capacity]
        for action in self.scheduled_actions or ():
            values += [v for v in (action.min_capacity, action.max_capacity) if v is not None]
        return max(values)

    def reachable_ranges(self) -> set[tuple[int, int]]:
        """The (MinCapacity, MaxCapacity) ranges the live target may have with no change in
        the file: its own, and every one its scheduled actions set, one after another."""
        found = {(self.min_capacity, self.max_capacity)}
        frontier = set(found)
        while frontier:
            following = set()
            for low, high in frontier:
                for action in self.scheduled_actions or ():
                    pair = (
                        low if action.min_capacity is None else action.min_capacity,
                        high if action.max_capacity is None else action.max_capacity,
                    )
                    if pair not in found:
                        following.add(pair)
            found |= following
            frontier = following
        return found

    def to_document(self) -> dict[str, Any]:
        """The scaling as concurrency.json writes it."""
        doc: dict[str, Any] = {"MinCapacity": self.min_capacity, "MaxCapacity": self.max_capacity}
        if self.scheduled_actions is not None:
            doc["ScheduledActions"] = [a.to_document() for a in self.scheduled_actions]
        if self.target_tracking is None:
            doc["TargetTracking"] = None
        elif self.target_tracking is not UNMANAGED:
            doc["TargetTracking"] = self.target_tracking.to_document()
        return doc


@dataclass(frozen=True)
class ConcurrencyConfig:
    """A parsed concurrency.json (see the module docstring)."""

    reserved: Any = UNMANAGED  # int, None (remove) or UNMANAGED
    provisioned: Mapping[str, int | None] = field(default_factory=dict)
    autoscaling: Mapping[str, Autoscaling | None] = field(default_factory=dict)

    def qualifiers(self) -> list[str]:
        """Every alias or version the file names, in file order."""
        return list(dict.fromkeys([*self.provisioned, *self.autoscaling]))

    def provisioned_reach(self, qualifier: str) -> int:
        """The most provisioned concurrency ``qualifier`` can have under this file."""
        value = self.provisioned.get(qualifier) or 0
        scaling = self.autoscaling.get(qualifier)
        return max(value, scaling.reach if scaling else 0)

    def to_document(self) -> dict[str, Any]:
        """The file's document (what import writes)."""
        doc: dict[str, Any] = {}
        if self.reserved is not UNMANAGED:
            doc["ReservedConcurrentExecutions"] = self.reserved
        if self.provisioned:
            doc["ProvisionedConcurrency"] = dict(self.provisioned)
        if self.autoscaling:
            doc["Autoscaling"] = {
                q: (a.to_document() if a is not None else None) for q, a in self.autoscaling.items()
            }
        return doc


# -- parsing -------------------------------------------------------------------------------------
def parse_concurrency(doc: Any, where: str = CONCURRENCY_FILE) -> ConcurrencyConfig:
    """The document as a ``ConcurrencyConfig``; ValidationError listing every shape problem."""
    problems: list[str] = []
    config = read_concurrency(doc, problems)
    if problems:
        raise ValidationError(problems, source=where)
    return config


def read_concurrency(doc: Any, problems: list[str]) -> ConcurrencyConfig:
    """The document as far as it can be read; each problem appended as ``Path: what``."""
    if not isinstance(doc, dict):
        problems.append("expected a JSON object at the top level")
        return ConcurrencyConfig()
    _unknown(doc, _TOP, "", problems)
    reserved: Any = UNMANAGED
    if "ReservedConcurrentExecutions" in doc:
        value = doc["ReservedConcurrentExecutions"]
        if value is None or _whole(value, 0, "ReservedConcurrentExecutions", problems):
            reserved = value
    provisioned: dict[str, int | None] = {}
    for qualifier, value in _table(doc, "ProvisionedConcurrency", problems).items():
        path = f"ProvisionedConcurrency.{qualifier}"
        if _qualifier(qualifier, path, problems) and (
            value is None or _whole(value, 1, path, problems)
        ):
            provisioned[qualifier] = value
    autoscaling: dict[str, Autoscaling | None] = {}
    for qualifier, value in _table(doc, "Autoscaling", problems).items():
        path = f"Autoscaling.{qualifier}"
        if not _qualifier(qualifier, path, problems):
            continue
        if value is None:
            autoscaling[qualifier] = None
            continue
        scaling = _scaling(value, path, problems)
        if scaling is not None:
            autoscaling[qualifier] = scaling
    return ConcurrencyConfig(reserved, provisioned, autoscaling)


def _scaling(value: Any, path: str, problems: list[str]) -> Autoscaling | None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object (or null to remove the scaling)")
        return None
    _unknown(value, _SCALING, path, problems)
    ok = True
    for key in ("MinCapacity", "MaxCapacity"):
        if key not in value:
            problems.append(f"{path}.{key}: required")
            ok = False
        elif not _whole(value[key], 0 if key == "MinCapacity" else 1, f"{path}.{key}", problems):
            ok = False
    if ok and value["MinCapacity"] > value["MaxCapacity"]:
        problems.append(
            f"{path}: MinCapacity {value['MinCapacity']} is above MaxCapacity "
            f"{value['MaxCapacity']}"
        )
        ok = False
    actions: tuple[ScheduledAction, ...] | None = None
    if "ScheduledActions" in value:
        raw = value["ScheduledActions"]
        if not isinstance(raw, list):
            problems.append(f"{path}.ScheduledActions: expected a list of actions")
            ok = False
        else:
            parsed = [
                _action(a, f"{path}.ScheduledActions[{i}]", problems) for i, a in enumerate(raw)
            ]
            names = [a.name for a in parsed if a is not None]
            for name in sorted({n for n in names if names.count(n) > 1}):
                problems.append(f"{path}.ScheduledActions: two actions are named {name!r}")
            ok = ok and None not in parsed
            actions = tuple(a for a in parsed if a is not None)
    tracking: Any = UNMANAGED
    if "TargetTracking" in value:
        tracking = value["TargetTracking"]
        if tracking is not None:
            tracking = _tracking(tracking, f"{path}.TargetTracking", problems)
            ok = ok and tracking is not UNMANAGED
    if not ok:
        return None
    return Autoscaling(value["MinCapacity"], value["MaxCapacity"], actions, tracking)


def _action(value: Any, path: str, problems: list[str]) -> ScheduledAction | None:
    from lambherd.concurrency.schedules import ScheduleError, parse_schedule, zone

    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object")
        return None
    _unknown(value, _ACTION, path, problems)
    before = len(problems)
    name = value.get("Name")
    if not isinstance(name, str) or not _ACTION_NAME.match(name):
        problems.append(
            f"{path}.Name: {name!r}: required, 1-256 characters without : / | or edge spaces"
        )
    else:
        path = f"{path} ({name})"
    schedule = value.get("Schedule")
    try:
        parse_schedule(schedule)
    except ScheduleError as exc:
        problems.append(f"{path}.Schedule: {exc}")
    timezone = value.get("Timezone")
    if timezone is not None:
        try:
            zone(timezone)
        except ScheduleError as exc:
            problems.append(f"{path}.Timezone: {exc}")
    times = {k: _time(value.get(k), f"{path}.{k}", problems) for k in ("StartTime", "EndTime")}
    for key in ("MinCapacity", "MaxCapacity"):
        if value.get(key) is not None:
            _whole(value[key], 0, f"{path}.{key}", problems)
    if value.get("MinCapacity") is None and value.get("MaxCapacity") is None:
        problems.append(f"{path}: needs MinCapacity, MaxCapacity or both (the range it sets)")
    if len(problems) > before:
        return None
    low, high = value.get("MinCapacity"), value.get("MaxCapacity")
    if low is not None and high is not None and low > high:
        problems.append(f"{path}: MinCapacity {low} is above MaxCapacity {high}")
        return None
    start, end = times["StartTime"], times["EndTime"]
    if start is not None and end is not None and end <= start:
        problems.append(f"{path}: EndTime {utc_text(end)} is not after StartTime {utc_text(start)}")
        return None
    return ScheduledAction(str(name), str(schedule).strip(), timezone, start, end, low, high)


def _tracking(value: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object (or null to remove the policy)")
        return UNMANAGED
    _unknown(value, _TRACKING, path, problems)
    before = len(problems)
    target = value.get("TargetValue")
    if isinstance(target, bool) or not isinstance(target, int | float):
        problems.append(f"{path}.TargetValue: required, a number")
    elif not 0 < target <= 1:
        problems.append(
            f"{path}.TargetValue: {target} is a share of the allocation used "
            "(0.7 = 70 %): above 0 and at most 1"
        )
    for key in ("ScaleInCooldown", "ScaleOutCooldown"):
        if value.get(key) is not None:
            _whole(value[key], 0, f"{path}.{key}", problems)
    disable = value.get("DisableScaleIn")
    if disable is not None and not isinstance(disable, bool):
        problems.append(f"{path}.DisableScaleIn: expected true or false")
    name = value.get("PolicyName", TARGET_TRACKING_POLICY_NAME)
    if not isinstance(name, str) or not 1 <= len(name) <= 256:
        problems.append(f"{path}.PolicyName: expected a name of 1-256 characters")
    if len(problems) > before:
        return UNMANAGED
    return TargetTracking(
        float(target),
        value.get("ScaleInCooldown"),
        value.get("ScaleOutCooldown"),
        disable,
        name,
    )


def _table(doc: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{key}: expected an object keyed by alias (or version)")
        return {}
    return value


def _qualifier(qualifier: str, path: str, problems: list[str]) -> bool:
    if qualifier == LATEST:
        return True  # refused by the rules, with Lambda's reason
    if not _QUALIFIER.match(qualifier):
        problems.append(f"{path}: {qualifier!r} is neither an alias name nor a version number")
        return False
    return True


def _whole(value: Any, low: int, path: str, problems: list[str]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(f"{path}: expected a whole number, got {value!r}")
        return False
    if value < low:
        problems.append(f"{path}: {value} is below {low}")
        return False
    return True


def _time(value: Any, path: str, problems: list[str]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return at if at.tzinfo else at.replace(tzinfo=UTC)
    problems.append(f"{path}: {value!r} is not an ISO 8601 time (e.g. 2026-12-01T00:00:00Z)")
    return None


def _unknown(doc: dict[str, Any], known: tuple[str, ...], path: str, problems: list[str]) -> None:
    import difflib

    for key in doc:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = (
            f" (did you mean {close[0]}?)" if close else f" (expected one of: {', '.join(known)})"
        )
        problems.append(f"{path + '.' if path else ''}{key}: unknown key{hint}")
