"""The top-level planner composes the registered concern planners, in order, on plain data (no
server): what a new concern gets (``PlanContext``) and where its steps land."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from lambherd.definition.sidecars import SIDECARS
from lambherd.plan import concerns as registry
from lambherd.plan import planner
from lambherd.plan.concerns import Concern, DesiredState, PlanContext
from lambherd.plan.concurrency_planner import ConcurrencyRemote
from lambherd.plan.event_invoke_planner import EventInvokeRemote
from lambherd.plan.event_sources_planner import EventSourcesRemote
from lambherd.plan.permissions_planner import PermissionsRemote
from lambherd.plan.remote import RemoteState
from lambherd.plan.schedules_planner import SchedulesRemote
from lambherd.plan.steps import CodeSource, Step, describe_changes
from lambherd.plan.url_planner import UrlRemote
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
    known = {s.key for s in SIDECARS}
    for module, keys in registry.PLANNER_MODULES:
        assert module.startswith("lambherd.plan.")
        assert set(keys) <= known, module


def test_a_registered_concern_plans_after_the_others_with_their_decisions(monkeypatch) -> None:
    seen: list[tuple[PlanContext, list[str]]] = []

    def plan_widget(ctx: PlanContext) -> tuple[Step, ...]:
        seen.append((ctx, [s.kind for s in ctx.steps]))  # what was planned before it
        widget = ctx.desired.sidecars.get("widget")
        return (PutWidget(widget["size"]),) if widget else ()

    extra = Concern("widget", plan_widget)
    monkeypatch.setattr(planner, "concerns", lambda sidecars=None: (*registry.concerns(), extra))
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


ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
#: What AWS holds of every concern, each of which a planner run without its file could act on.
LIVE = RemoteState(
    configuration={**DESIRED, "FunctionArn": ARN, "CodeSha256": "OLD", "RevisionId": "r1"},
    tags={"a": "1"},
    alias={"Name": "current", "FunctionVersion": "1"},
    versions=({"Version": "1", "CodeSha256": "OLD"},),
    aliases=({"Name": "current", "FunctionVersion": "1"},),
    parts=(
        UrlRemote(config={"AuthType": "NONE", "FunctionUrl": "https://u/"}),
        PermissionsRemote(statements={None: ({"Sid": "s3", "Action": "lambda:InvokeFunction"},)}),
        EventSourcesRemote(
            mappings=(
                {
                    "UUID": "m1",
                    "EventSourceArn": "arn:aws:sqs:eu-west-1:123456789012:q",
                    "FunctionArn": ARN,
                },
            )
        ),
        EventInvokeRemote(configs=({"FunctionArn": ARN, "MaximumRetryAttempts": 0},)),
        SchedulesRemote(schedules=({"Name": "nightly", "GroupName": "default"},)),
        ConcurrencyRemote(reserved=5),
    ),
)
SIDECAR_DOCS = {
    "url": {"Config": {"AuthType": "AWS_IAM"}, "Permissions": []},
    "permissions": [],
    "event_sources": [],
    "event_invoke": {},
    "schedules": [],
    "concurrency": {"ReservedConcurrentExecutions": 2},
}


@pytest.mark.parametrize("strategy", ["all-at-once", "canary:10:1m"])
@pytest.mark.parametrize("present", [(), *((key,) for key in SIDECAR_DOCS)])
def test_concerns_left_out_for_missing_sidecars_would_have_planned_nothing(
    present: tuple[str, ...], strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry skips a concern whose sidecar files are absent: the same plan as running
    every concern, against a function that has something of each concern live."""
    desired = DesiredState(
        {**DESIRED, "Tags": {"a": "1"}},
        CodeSource(sha256="NEW"),
        sidecars={key: SIDECAR_DOCS[key] for key in present},
    )
    settings = DeploySettings(strategy=strategy)
    gated = planner.plan_deploy(desired, LIVE, settings)
    left_out = set(registry.concerns()) - set(registry.concerns(desired.sidecars))
    # eight concerns plan from sidecars; a trigger file brings its checks, concurrency.json
    # the provisioned rollout too
    assert len(left_out) == {(): 8, ("url",): 7}.get(present, 6)
    monkeypatch.setattr(planner, "concerns", lambda sidecars=None: registry.concerns())
    assert planner.plan_deploy(desired, LIVE, settings) == gated


def test_planning_a_function_without_sidecars_imports_no_sidecar_concern() -> None:
    """Left-out concerns are not imported either: a plain deploy pays for none of them."""
    code = """
import sys
from lambherd.plan.planner import plan_deploy
from lambherd.plan.concerns import PLANNER_MODULES, DesiredState
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource
from lambherd.settings import DeploySettings
desired = DesiredState({"FunctionName": "f", "Role": "r"}, CodeSource(sha256="S"))
plan = plan_deploy(desired, RemoteState(), DeploySettings())
print(",".join(s.kind for s in plan.steps))
print(",".join(m for m, keys in PLANNER_MODULES if (m in sys.modules) != (not keys)))
print(",".join(sorted(m for m in sys.modules if m.startswith("lambherd.triggers"))))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    steps, wrong, triggers = out.split("\n")[:3]
    assert steps == "CreateFunction,PublishVersion,CreateAlias"
    assert wrong == ""  # every always-concern imported, no sidecar concern
    assert triggers == ""
