"""The registry of concern planners the top-level planner composes, in the order they run.

A *concern* is one kind of resource a deploy reconciles (the function's configuration and code;
its versions and alias; tags; the function URL...). Each has one planner module that exposes
``CONCERN = Concern(name, plan)``; ``plan(ctx)`` returns that concern's steps, reading the desired
state, the remote state (its own remote part, if any) and the deploy settings from ``ctx``.
Adding a concern is one new planner module plus one line in ``PLANNER_MODULES``, naming the
sidecar files it plans from (if any: without them it is skipped, unimported).

Planners run in ``PLANNER_MODULES`` order and may read what earlier ones decided from
``ctx.decided`` (the versions planner reads the function planner's decision). They are pure:
no AWS call, no import of boto3/botocore or of ``lambherd.apply``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from lambherd.definition.sidecars import present, trigger_keys

if TYPE_CHECKING:
    from lambherd.plan.remote import RemoteState
    from lambherd.plan.steps import CodeSource, Step
    from lambherd.settings import DeploySettings

#: Sidecar keys a concern plans from (``lambherd.definition.sidecars``).
_URL, _CONCURRENCY = ("url",), ("concurrency",)
_TRIGGERS = trigger_keys()

#: Concern planner modules, in the order their steps run, each with the sidecar keys it plans
#: from. A concern that names sidecars plans nothing when the definition has none of them: its
#: module is then not even imported (a deploy of a function without sidecars loads none of
#: those planners). ``()``: the concern always plans. One line per concern.
PLANNER_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lambherd.plan.function_planner", ()),  # create / configuration / code
    ("lambherd.plan.version_planner", ()),  # publish; decides the alias's target, old versions
    # a staged rollout's new version warmed first (its provisioned concurrency)
    ("lambherd.plan.provisioned_rollout_planner", _CONCURRENCY),
    ("lambherd.plan.rollout_planner", ()),  # the alias moves (at once, canary, linear), prune
    ("lambherd.plan.tags_planner", ()),  # tags (of an existing function)
    ("lambherd.plan.url_planner", _URL),  # function_url.json: permissions, then the URL
    ("lambherd.plan.trigger_checks_planner", _TRIGGERS),  # the trigger files against the reads
    ("lambherd.plan.permissions_planner", ("permissions",)),  # permissions.json
    ("lambherd.plan.event_sources_planner", ("event_sources",)),  # event_sources.json
    ("lambherd.plan.event_invoke_planner", ("event_invoke",)),  # event_invoke.json
    ("lambherd.plan.schedules_planner", ("schedules",)),  # schedules.json
    # concurrency.json: reserved, provisioned, autoscaling
    ("lambherd.plan.concurrency_planner", _CONCURRENCY),
)


@dataclass(frozen=True)
class DesiredState:
    """The rendered definition, its sidecar files (by key, e.g. ``url``) and its code."""

    config: dict[str, Any]
    code: CodeSource
    sidecars: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The function's name."""
        return str(self.config.get("FunctionName", ""))


@dataclass
class PlanContext:
    """What every concern planner reads, and where it leaves what others may need."""

    desired: DesiredState
    remote: RemoteState
    settings: DeploySettings
    #: The steps of the concerns planned so far, in order.
    steps: list[Step] = field(default_factory=list)
    #: What earlier concerns decided, by concern name (e.g. ``function``: FunctionChanges).
    decided: dict[str, Any] = field(default_factory=dict)

    def insert_at(self, anchor: Step, steps: Iterable[Step], *, before: bool = False) -> None:
        """Put ``steps`` right after (or ``before``) ``anchor``, a step an earlier concern
        planned (that very object): for steps that must run between two of another concern's,
        e.g. a wait for provisioned concurrency right after the alias moves."""
        index = next(i for i, s in enumerate(self.steps) if s is anchor)
        at = index if before else index + 1
        self.steps[at:at] = list(steps)


@dataclass(frozen=True)
class Concern:
    """One concern's planner: ``plan(ctx)`` -> its steps (in the order they must run)."""

    name: str
    plan: Callable[[PlanContext], Iterable[Step]]


def concerns(sidecars: Mapping[str, Any] | None = None) -> tuple[Concern, ...]:
    """The registered concerns, in order (each module's ``CONCERN``); with ``sidecars`` (a
    definition's, key -> rendered file), only those that may plan something for it."""
    return _concerns(None if sidecars is None else present(sidecars))


@cache
def _concerns(present: frozenset[str] | None) -> tuple[Concern, ...]:
    return tuple(
        importlib.import_module(name).CONCERN
        for name, keys in PLANNER_MODULES
        if present is None or not keys or not present.isdisjoint(keys)
    )
