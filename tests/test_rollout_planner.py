"""The rollout concern on plain data (no server): where its steps land in a deploy's plan, the
strategies, the gates' steps, a split of ours continued or replaced (never three versions), a
split of someone else's refused, and the slot left for concerns that must act before the first
shift and after the last one (provisioned concurrency)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lambherd.errors import DeployError, UsageError
from lambherd.plan import concerns as registry
from lambherd.plan import planner
from lambherd.plan.concerns import Concern, DesiredState, PlanContext
from lambherd.plan.remote import RemoteState
from lambherd.plan.rollout_planner import (
    AFTER_TRAFFIC,
    BakeTraffic,
    CheckAlarms,
    ResumeRollout,
    RollBackTraffic,
    RunTrafficTests,
    ShiftTraffic,
    plan_abort,
    plan_resume,
)
from lambherd.plan.steps import PUBLISHED, CodeSource, MoveAlias, Step
from lambherd.rollout.marker import RolloutMarker
from lambherd.settings import DeploySettings

ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:orders"
DESIRED = {"FunctionName": "orders", "Runtime": "python3.12", "Handler": "app.handler", "Role": "r"}


def configuration(sha: str, version: str = "$LATEST") -> dict:
    return {
        **DESIRED,
        "FunctionArn": ARN,
        "Version": version,
        "CodeSha256": sha,
        "RevisionId": f"rev-{version}",
        "MemorySize": 128,
        "Timeout": 3,
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "TracingConfig": {"Mode": "PassThrough"},
        "SnapStart": {"ApplyOn": "None"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/orders"},
    }


def remote(latest: str, versions: dict[str, str], alias: dict | None) -> RemoteState:
    """A function whose $LATEST has code ``latest``, published ``versions`` (number -> code)."""
    return RemoteState(
        configuration=configuration(latest),
        versions=tuple(configuration(sha, number) for number, sha in versions.items()),
        alias=alias,
        aliases=(alias,) if alias else (),
    )


def alias(version: str, weights: dict | None = None, description: str = "") -> dict:
    doc = {"Name": "current", "FunctionVersion": version, "RevisionId": "arev-1"}
    if weights:
        doc["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    if description:
        doc["Description"] = description
    return doc


def plan(code: str, state: RemoteState, **settings) -> list[Step]:
    desired = DesiredState(DESIRED, CodeSource(sha256=code, zip_path="/tmp/x.zip"))
    return list(planner.plan_deploy(desired, state, DeploySettings(**settings)).steps)


def kinds(steps: list[Step]) -> list[str]:
    return [s.kind for s in steps]


ON_ONE = remote("A", {"1": "A"}, alias("1"))


def test_a_linear_rollout_shifts_and_bakes_after_the_publish() -> None:
    steps = plan("B", ON_ONE, strategy="linear:50:2s")
    assert kinds(steps) == [
        "UploadCode",
        "PublishVersion",
        "ShiftTraffic",
        "BakeTraffic",
        "ShiftTraffic",
    ]
    first, bake, last = steps[2], steps[3], steps[4]
    assert (first.from_version, first.to_version, first.weight) == ("1", PUBLISHED, 50.0)
    assert first.revision_id == "arev-1" and last.revision_id is None  # later ones chain
    assert (bake.weight, bake.interval_s, bake.log_group) == (50.0, 2.0, "/aws/lambda/orders")
    assert last.weight == 100.0 and (first.number, last.number, last.count) == (1, 2, 2)
    assert [s.describe() for s in steps[2:]] == [
        "ShiftTraffic current: 50% to the new version, 50% on version 1 (1/2)",
        "BakeTraffic 2s at 50%: error rate <= 1% (after 5 invocations)",
        "ShiftTraffic current: 100% to the new version (2/2)",
    ]


def test_sams_linear_goes_through_every_tenth() -> None:
    steps = plan("B", ON_ONE, strategy="Linear10PercentEvery1Minute")
    shifts = [s.weight for s in steps if isinstance(s, ShiftTraffic)]
    bakes = [s for s in steps if isinstance(s, BakeTraffic)]
    assert shifts == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert len(bakes) == 9 and {b.interval_s for b in bakes} == {60.0}


def test_gates_add_tests_and_alarms_and_old_versions_go_last() -> None:
    gates = {"pre_traffic": True, "post_traffic": ["smoke"], "alarms": ["orders-5xx"]}
    steps = plan("B", ON_ONE, strategy="canary10-5m", rollout=gates, keep_versions=1)
    assert kinds(steps) == [
        "UploadCode",
        "PublishVersion",
        "RunTrafficTests",
        "CheckAlarms",
        "ShiftTraffic",
        "BakeTraffic",
        "ShiftTraffic",
        "RunTrafficTests",
        "DeleteVersion",
    ]
    pre, alarms, post = steps[2], steps[3], steps[7]
    assert isinstance(pre, RunTrafficTests) and pre.phase == "pre" and pre.version == PUBLISHED
    assert isinstance(alarms, CheckAlarms) and alarms.alarms == ("orders-5xx",)
    assert post.phase == "post" and post.tests.names == ("smoke",)
    assert steps[5].gates.alarms == ("orders-5xx",)
    assert pre.describe() == "RunTrafficTests pre-traffic: the cases of tests.* on the new version"
    assert steps[5].describe() == (
        "BakeTraffic 5m at 10%: error rate <= 1% (after 5 invocations), alarms orders-5xx"
    )


def test_all_at_once_is_todays_deploy() -> None:
    steps = plan("B", ON_ONE, keep_versions=1)
    assert kinds(steps) == ["UploadCode", "PublishVersion", "MoveAlias", "DeleteVersion"]
    assert plan("B", ON_ONE, strategy="AllAtOnce") == plan("B", ON_ONE)


def test_nothing_to_shift_from_moves_at_once() -> None:
    first = plan("A", RemoteState(), strategy="canary10-5m")
    assert kinds(first) == ["CreateFunction", "PublishVersion", "CreateAlias"]
    on_latest = remote("A", {"1": "A"}, alias("$LATEST"))
    assert kinds(plan("B", on_latest, strategy="canary10-5m")) == [
        "UploadCode",
        "PublishVersion",
        "MoveAlias",
    ]
    assert plan("A", ON_ONE, strategy="canary10-5m") == []  # unchanged: no rollout at all


def test_a_split_from_elsewhere_is_refused_for_a_rollout() -> None:
    split = remote("A", {"1": "A", "2": "X"}, alias("1", {"2": 0.25}))
    with pytest.raises(DeployError) as caught:
        plan("B", split, strategy="canary10-5m")
    message = caught.value.message
    assert "alias current already splits its traffic (version 1 primary, version 2 25%)" in message
    assert "not a lambherd rollout; refusing to start a rollout over it" in message
    # all at once replaces it, as a deploy always has
    (move,) = [s for s in plan("B", split) if isinstance(s, MoveAlias)]
    assert move.clear_routing
    # and with nothing to deploy, nothing is refused
    assert plan("A", remote("A", {"1": "A"}, alias("1", {"2": 0.25})), strategy="canary10-5m") == []


def ours(state: str = "running", to: str = "2", updated: int = 1718000060) -> str:
    marker = RolloutMarker("linear:10:1m", "1", to, state, 1718000000, updated, "ci:1", "", "prod")
    return marker.encode()


def test_a_deploy_during_our_split_continues_it() -> None:
    split = remote("B", {"1": "A", "2": "B"}, alias("1", {"2": 0.3}, ours()))
    steps = plan("B", split, strategy="linear10-1m")
    assert kinds(steps)[:3] == ["ResumeRollout", "BakeTraffic", "ShiftTraffic"]
    assert "PublishVersion" not in kinds(steps)
    resume, bake = steps[0], steps[1]
    assert isinstance(resume, ResumeRollout) and resume.weight == pytest.approx(30.0)
    assert bake.since == 1718000060.0 and bake.weight == pytest.approx(30.0)
    shifts = [s for s in steps if isinstance(s, ShiftTraffic)]
    assert [s.weight for s in shifts] == [40, 50, 60, 70, 80, 90, 100]
    assert {(s.from_version, s.to_version) for s in shifts} == {("1", "2")}
    assert shifts[-1].description == "prod"  # the alias gets its own Description back
    assert resume.describe() == "ResumeRollout current: 1 -> 2 at 30% (linear:10:1m)"


def test_a_third_version_during_our_split_replaces_the_second() -> None:
    split = remote("B", {"1": "A", "2": "B"}, alias("1", {"2": 0.3}, ours()))
    steps = plan("C", split, strategy="canary:10:5m")
    assert kinds(steps) == [
        "UploadCode",
        "PublishVersion",
        "ShiftTraffic",
        "BakeTraffic",
        "ShiftTraffic",
    ]
    first = steps[2]
    # one UpdateAlias: version 1 primary, the new one weighted, version 2 no longer routed
    assert (first.from_version, first.to_version, first.weight) == ("1", PUBLISHED, 10.0)
    assert first.description == "prod"


def test_the_old_versions_definition_during_our_split_ends_it() -> None:
    split = remote("A", {"1": "A", "2": "B"}, alias("1", {"2": 0.3}, ours()))
    (step,) = plan("A", split, strategy="linear10-1m")
    assert isinstance(step, RollBackTraffic)
    assert step.marker.from_version == "1" and step.revision_id == "arev-1"
    assert step.describe() == (
        "RollBackTraffic current: 100% to version 1 (the definition is version 1's again)"
    )


def test_all_at_once_during_our_split_gives_the_description_back() -> None:
    split = remote("B", {"1": "A", "2": "B"}, alias("1", {"2": 0.3}, ours()))
    steps = plan("C", split)
    assert kinds(steps) == ["UploadCode", "PublishVersion", "ShiftTraffic"]
    assert steps[2].weight == 100.0 and steps[2].description == "prod"


@dataclass(frozen=True)
class Allocate(Step):
    """A step of a concern acting on the new version before traffic moves (an imaginary
    provisioned-concurrency allocation)."""

    version: str

    def describe(self) -> str:
        return f"Allocate {self.version}"


@dataclass(frozen=True)
class Release(Step):
    version: str

    def describe(self) -> str:
        return f"Release {self.version}"


def test_a_concern_between_versions_and_rollout_acts_before_the_first_shift_and_after_the_last(
    monkeypatch,
) -> None:
    def allocation(ctx: PlanContext) -> tuple[Step, ...]:
        decision = ctx.decided["versions"]
        if decision.target is None:
            return ()
        current = ctx.remote.alias["FunctionVersion"] if ctx.remote.alias else None
        ctx.decided.setdefault(AFTER_TRAFFIC, []).append(Release(current))
        return (Allocate(decision.target),)

    ordered = list(registry.concerns())
    at = [c.name for c in ordered].index("rollout")
    ordered.insert(at, Concern("concurrency", allocation))
    monkeypatch.setattr(planner, "concerns", lambda sidecars=None: tuple(ordered))
    steps = plan("B", ON_ONE, strategy="linear:50:2s", keep_versions=1)
    assert kinds(steps) == [
        "UploadCode",
        "PublishVersion",
        "Allocate",
        "ShiftTraffic",
        "BakeTraffic",
        "ShiftTraffic",
        "Release",
        "DeleteVersion",
    ]
    assert (steps[2].version, steps[6].version, steps[7].version) == (PUBLISHED, "1", "1")
    # all at once: the same slots around the one MoveAlias
    assert kinds(plan("B", ON_ONE, keep_versions=1)) == [
        "UploadCode",
        "PublishVersion",
        "Allocate",
        "MoveAlias",
        "Release",
        "DeleteVersion",
    ]


def test_resume_and_abort_plan_from_the_marker() -> None:
    split = remote("B", {"1": "A", "2": "B"}, alias("1", {"2": 0.5}, ours("interrupted")))
    settings = DeploySettings(rollout={"post_traffic": True})
    resumed = plan_resume("orders", split, "current", settings, "/aws/lambda/orders")
    assert kinds(list(resumed.steps))[:2] == ["ResumeRollout", "BakeTraffic"]
    assert kinds(list(resumed.steps))[-1] == "RunTrafficTests"
    assert [s.weight for s in resumed.steps if isinstance(s, ShiftTraffic)] == [60, 70, 80, 90, 100]
    aborted = plan_abort("orders", split, "current", "aborted")
    (step,) = aborted.steps
    assert isinstance(step, RollBackTraffic) and step.reason == "aborted"


def test_resume_and_abort_refuse_when_there_is_no_rollout_of_ours() -> None:
    plain = remote("A", {"1": "A"}, alias("1"))
    with pytest.raises(UsageError, match=r"no rollout in progress on alias current .* version 1"):
        plan_abort("orders", plain, "current", "x")
    foreign = remote("A", {"1": "A", "2": "B"}, alias("1", {"2": 0.1}))
    with pytest.raises(UsageError, match="is split, but not by a lambherd rollout"):
        plan_resume("orders", foreign, "current", DeploySettings(), "/g")
    rolled = remote("A", {"1": "A", "2": "B"}, alias("1", None, ours("rolled-back")))
    with pytest.raises(UsageError, match="nothing to resume"):
        plan_resume("orders", rolled, "current", DeploySettings(), "/g")


def test_every_rollout_step_type_has_a_handler() -> None:
    from lambherd.apply import registry as handlers
    from lambherd.plan import rollout_planner

    kinds_ = [
        value
        for value in vars(rollout_planner).values()
        if isinstance(value, type)
        and issubclass(value, Step)
        and value.__module__ == rollout_planner.__name__
    ]
    assert len(kinds_) == 6
    assert [k.__name__ for k in kinds_ if handlers.handler_for(k) is None] == []
