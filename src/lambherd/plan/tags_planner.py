"""The tags concern: ``Tags`` absent = unmanaged; ``{}`` removes all; ``aws:`` tags are ignored."""

from __future__ import annotations

from typing import Any

from lambherd.definition.normalize import comparable_tags
from lambherd.plan.concerns import Concern, PlanContext
from lambherd.plan.steps import Step, TagResource, UntagResource


def plan_tags(desired_tags: dict[str, Any] | None, remote_tags: dict[str, str]) -> tuple[Step, ...]:
    """TagResource / UntagResource steps turning ``remote_tags`` into ``desired_tags``."""
    if desired_tags is None:
        return ()
    want = comparable_tags({str(k): str(v) for k, v in desired_tags.items()})
    have = comparable_tags(remote_tags)
    steps: list[Step] = []
    removed = tuple(sorted(k for k in have if k not in want))
    if removed:
        steps.append(UntagResource(keys=removed))
    changed = {k: v for k, v in want.items() if have.get(k) != v}
    if changed:
        steps.append(TagResource(tags=changed))
    return tuple(steps)


def _plan(ctx: PlanContext) -> tuple[Step, ...]:
    if not ctx.remote.exists:  # CreateFunction carries the tags
        return ()
    tags = ctx.desired.config.get("Tags")
    return plan_tags(tags if isinstance(tags, dict) else None, ctx.remote.tags)


CONCERN = Concern("tags", _plan)
