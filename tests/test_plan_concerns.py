"""The top-level planner composes the registered concern planners, in order, on plain data (no
server): what a new concern gets (``PlanContext``) and where its steps land."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lambherd.plan import concerns as registry
from lambherd.plan import planner
from lambherd.plan.concerns import Concern, DesiredState, PlanContext
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource, Step, describe_changes
from lambherd.settings import DeploySettings

DESIRED = {"FunctionName": "orders", "Runtime": "python3.12", "Handler": "a.h", "Role": "r"}


@dataclass(frozen=True)
class PutWidget(Step):
    """A step of an imaginary concern."""

    size: int

    def describe(self) -> str:
        return f"PutWidget {self.size}"

    def labels(self) -> tuple[str, ...]:
        return ("widget",)


def test_the_registry_lists_todays_concerns_in_order() -> None:
    assert [c.name for c in registry.concerns()] == [
        "function",
        "versions",
        "provisioned rollout",
        "rollout",
        "tags",
        "url",
        "trigger_checks",
        "permissions",
        "event_sources",
        "event_invoke",
        "schedules",
        "concurrency",
    ]
    for module in registry.PLANNER_MODULES:
        assert module.startswith("lambherd.plan.")


def test_a_registered_concern_plans_after_the_others_with_their_decisions(monkeypatch) -> None:
    seen: list[tuple[PlanContext, list[str]]] = []

    def plan_widget(ctx: PlanContext) -> tuple[Step, ...]:
        seen.append((ctx, [s.kind for s in ctx.steps]))  # what was planned before it
        widget = ctx.desired.sidecars.get("widget")
        return (PutWidget(widget["size"]),) if widget else ()

    extra = Concern("widget", plan_widget)
    monkeypatch.setattr(planner, "concerns", lambda: (*registry.concerns(), extra))
    desired = DesiredState(DESIRED, CodeSource(sha256="S"), sidecars={"widget": {"size": 3}})
    plan = planner.plan_deploy(desired, RemoteState(), DeploySettings(alias="live"))
    assert [s.kind for s in plan.steps] == [
        "CreateFunction",
        "PublishVersion",
        "CreateAlias",
        "PutWidget",
    ]
    ((ctx, before),) = seen
    assert before == ["CreateFunction", "PublishVersion", "CreateAlias"]
    assert ctx.decided["function"].code_changed is True
    assert ctx.settings.alias == "live" and plan.alias == "live"
    assert describe_changes(plan.steps) == ("new function", "version", "alias live", "widget")


@pytest.mark.parametrize("skip_function", [False, True])
def test_skip_function_leaves_only_tags_and_url(skip_function: bool) -> None:
    remote = RemoteState(
        configuration={**DESIRED, "FunctionArn": "arn:f", "CodeSha256": "OLD"}, tags={"a": "1"}
    )
    desired = DesiredState(
        {**DESIRED, "Tags": {"a": "2"}},
        CodeSource(sha256="NEW"),
        sidecars={"url": {"Config": {"AuthType": "AWS_IAM"}, "Permissions": []}},
    )
    plan = planner.plan_deploy(desired, remote, DeploySettings(skip_function=skip_function))
    kinds = [s.kind for s in plan.steps]
    assert kinds[-2:] == ["TagResource", "PutFunctionUrl"]
    assert ("UploadCode" in kinds) is not skip_function
    assert ("PublishVersion" in kinds) is not skip_function
