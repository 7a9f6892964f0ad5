"""The event invoke concern: event_invoke.json's asynchronous invocation settings per qualifier
(PutFunctionEventInvokeConfig) and the recursive-loop setting (PutFunctionRecursionConfig).

A configuration is part of the function, so with an event_invoke.json the qualifiers it does
not list lose theirs (DeleteFunctionEventInvokeConfig). Put replaces a configuration whole: a
field the file leaves out is Lambda's default (2 retries, 6 hours, no destination).
``RecursiveLoop`` left out is ``Terminate`` (Lambda's default); when the endpoint cannot report
it (``recursion`` None) it is not planned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lambherd.defaults import ASYNC_MAX_EVENT_AGE_S, ASYNC_MAX_RETRIES
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.event_sources_planner import publishes
from lambherd.plan.steps import Step
from lambherd.triggers.files import (
    EVENT_INVOKE,
    LATEST,
    invoke_configs,
    qualifier_of_arn,
    recursion_setting,
)
from lambherd.triggers.validation import ArnFact

SIDECAR = EVENT_INVOKE
DEFAULT_RECURSION = "Terminate"


@dataclass(frozen=True)
class EventInvokeRemote:
    """The concern's remote part: ListFunctionEventInvokeConfigs entries, the RecursiveLoop
    setting (None when the endpoint does not report one), the destinations' facts."""

    configs: tuple[dict[str, Any], ...] = ()
    recursion: str | None = None
    facts: dict[str, ArnFact] = field(default_factory=dict)


@dataclass(frozen=True)
class PutEventInvokeConfig(Step):
    """PutFunctionEventInvokeConfig of one qualifier (None: the function)."""

    qualifier: str | None
    params: dict[str, Any]

    def describe(self) -> str:
        shown = ", ".join(f"{k}={json.dumps(v, sort_keys=True)}" for k, v in self.params.items())
        return f"PutEventInvokeConfig {self.qualifier or LATEST}: {shown or 'defaults'}"

    def labels(self) -> tuple[str, ...]:
        return ("async invoke",)


@dataclass(frozen=True)
class DeleteEventInvokeConfig(Step):
    """DeleteFunctionEventInvokeConfig of a qualifier event_invoke.json no longer lists."""

    qualifier: str | None

    def describe(self) -> str:
        return f"DeleteEventInvokeConfig {self.qualifier or LATEST}"

    def labels(self) -> tuple[str, ...]:
        return ("async invoke",)


@dataclass(frozen=True)
class PutRecursionConfig(Step):
    """PutFunctionRecursionConfig."""

    setting: str

    def describe(self) -> str:
        return f"PutRecursionConfig RecursiveLoop={self.setting}"

    def labels(self) -> tuple[str, ...]:
        return ("recursion",)


def comparable_config(doc: dict[str, Any]) -> dict[str, Any]:
    """A configuration with Lambda's defaults filled and empty destinations dropped."""
    destinations = {
        side: value
        for side, value in (doc.get("DestinationConfig") or {}).items()
        if isinstance(value, dict) and value.get("Destination")
    }
    return {
        "MaximumRetryAttempts": doc.get("MaximumRetryAttempts", ASYNC_MAX_RETRIES),
        "MaximumEventAgeInSeconds": doc.get("MaximumEventAgeInSeconds", ASYNC_MAX_EVENT_AGE_S),
        "DestinationConfig": destinations or None,
    }


def plan_event_invoke(
    sidecar: Any, part: EventInvokeRemote | None, *, alias: str | None, publishes: bool
) -> tuple[Step, ...]:
    """Put/Delete steps for the configurations, then the recursion setting."""
    part = part or EventInvokeRemote()
    have = {qualifier_of_arn(str(c.get("FunctionArn", ""))): c for c in part.configs}
    steps: list[Step] = []
    wanted = invoke_configs(sidecar, alias, publishes)
    listed = {spec.qualifier for spec in wanted}
    for qualifier in sorted((q for q in have if q not in listed), key=lambda q: q or ""):
        steps.append(DeleteEventInvokeConfig(qualifier))
    for spec in wanted:
        current = have.get(spec.qualifier)
        if current is None or comparable_config(current) != comparable_config(spec.params):
            steps.append(PutEventInvokeConfig(spec.qualifier, spec.params))
    if part.recursion is not None:
        want = recursion_setting(sidecar) or DEFAULT_RECURSION
        if want != part.recursion:
            steps.append(PutRecursionConfig(want))
    return tuple(steps)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    sidecar = ctx.desired.sidecars.get(SIDECAR)
    if sidecar is None:
        return ()
    part = ctx.remote.part(EventInvokeRemote)
    if part is None and not ctx.remote.exists:  # a new function: every setting is to make
        part = EventInvokeRemote(recursion=DEFAULT_RECURSION)
    return plan_event_invoke(sidecar, part, alias=ctx.settings.alias, publishes=publishes(ctx))


CONCERN = Concern("event_invoke", _plan)
