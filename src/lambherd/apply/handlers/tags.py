"""Handlers of the tags concern: TagResource, UntagResource."""

from __future__ import annotations

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.plan.steps import TagResource, UntagResource


@handles(TagResource)
def tag(run: StepRun, step: TagResource) -> tuple[str, int]:
    run.call(f"tag {run.name}", "tag_resource", Resource=run.arn(), Tags=step.tags)
    return ", ".join(sorted(step.tags)), 0


@handles(UntagResource)
def untag(run: StepRun, step: UntagResource) -> tuple[str, int]:
    run.call(f"untag {run.name}", "untag_resource", Resource=run.arn(), TagKeys=list(step.keys))
    return ", ".join(step.keys), 0
