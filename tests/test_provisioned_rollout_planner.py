"""Provisioned concurrency following a staged rollout, planned on plain data (no server): the
new version's own allocation, READY before the first shift, released once the alias's
configuration has moved onto it; nothing of it for all-at-once, --no-wait, a continued split or
a file that leaves the alias's provisioned concurrency alone."""

from __future__ import annotations

from typing import Any

from lambherd.plan.concurrency_planner import (
    ConcurrencyRemote,
    DeleteProvisionedConcurrency,
    ProvisionedConfig,
    PutProvisionedConcurrency,
    WaitProvisionedConcurrency,
)
from lambherd.plan.planner import DesiredState, plan_deploy
from lambherd.plan.provisioned_rollout_planner import ReleaseOnRollback, release_after_split
from lambherd.plan.remote import RemoteState
from lambherd.plan.rollout_planner import ShiftTraffic
from lambherd.plan.steps import PUBLISHED, CodeSource, Step
from lambherd.rollout.marker import RolloutMarker
from lambherd.settings import DeploySettings

CONFIG = {"FunctionName": "orders", "Runtime": "python3.12", "Handler": "a.h", "Role": "r"}
HAS_THREE = ConcurrencyRemote(provisioned={"current": ProvisionedConfig(requested=3)})


def _remote(part: ConcurrencyRemote | None = HAS_THREE, **alias: Any) -> RemoteState:
    """Version 3 (code S) served by alias current; $LATEST is S."""
    configuration = {**CONFIG, "FunctionArn": "arn:aws:lambda:r:1:function:orders"}
    configuration.update(CodeSha256="S", RevisionId="rev", MemorySize=128, Timeout=3)
    version = {**configuration, "Version": "3"}
    current = {"Name": "current", "FunctionVersion": "3", "RevisionId": "a1", **alias}
    return RemoteState(
        configuration=configuration,
        alias=current,
        versions=(version,),
        aliases=(current,),
        code={"RepositoryType": "S3"},
        parts=(part,) if part is not None else (),
    )


def _plan(
    sidecar: dict[str, Any] | None, remote: RemoteState | None = None, **settings: Any
) -> list[Step]:
    sidecars = {"concurrency": sidecar} if sidecar is not None else {}
    desired = DesiredState(CONFIG, CodeSource(sha256="NEW", zip_path="/tmp/x.zip"), sidecars)
    defaults = {"strategy": "Canary10Percent5Minutes", "keep_versions": 1}
    state = remote if remote is not None else _remote()
    return list(plan_deploy(desired, state, DeploySettings(**{**defaults, **settings})).steps)


def _kinds(steps: list[Step]) -> list[str]:
    return [s.kind for s in steps]


FILE = {"ProvisionedConcurrency": {"current": 3}}


def test_a_canary_allocates_on_the_new_version_before_the_first_shift_and_releases_it_after() -> (
    None
):
    steps = _plan(FILE)
    assert _kinds(steps) == [
        "UploadCode",
        "PublishVersion",
        "PutProvisionedConcurrency",
        "WaitProvisionedConcurrency",
        "ShiftTraffic",
        "BakeTraffic",
        "ShiftTraffic",
        "WaitProvisionedConcurrency",
        "DeleteProvisionedConcurrency",
        "DeleteVersion",
    ]
    put, wait = steps[2], steps[3]
    assert put == PutProvisionedConcurrency(PUBLISHED, 3, for_rollout="current")
    assert wait == WaitProvisionedConcurrency(PUBLISHED, 3, for_rollout="current")
    # after the last shift: Lambda's move of the alias's configuration, then the version's goes
    assert steps[7] == WaitProvisionedConcurrency(
        "current", 3, moving_from="3", moving_to=PUBLISHED
    )
    assert steps[8] == DeleteProvisionedConcurrency(PUBLISHED, 3)
    assert isinstance(steps[6], ShiftTraffic) and steps[6].weight == 100
    assert put.describe() == (
        "PutProvisionedConcurrency the new version: 3 (before alias current's first shift)"
    )
    assert steps[8].describe() == "DeleteProvisionedConcurrency the new version (was 3)"


def test_linear_puts_the_allocation_before_every_shift_and_the_pre_traffic_tests() -> None:
    steps = _plan(FILE, strategy="linear:50:2s", rollout={"pre_traffic": True})
    kinds = _kinds(steps)
    first_shift = kinds.index("ShiftTraffic")
    assert kinds[2:4] == ["PutProvisionedConcurrency", "WaitProvisionedConcurrency"]
    assert kinds.index("RunTrafficTests") > 3 and first_shift > 3
    assert kinds.count("ShiftTraffic") == 2
    assert kinds[-3:] == [
        "WaitProvisionedConcurrency",
        "DeleteProvisionedConcurrency",
        "DeleteVersion",
    ]


def test_a_count_change_allocates_the_files_count_and_the_alias_moves_what_it_has() -> None:
    steps = _plan({"ProvisionedConcurrency": {"current": 5}})
    assert steps[2] == PutProvisionedConcurrency(PUBLISHED, 5, for_rollout="current")
    moving = [s for s in steps if isinstance(s, WaitProvisionedConcurrency) and s.moving_from]
    assert [s.count for s in moving] == [3]
    # the concurrency concern then sets the alias's own count (after the prune)
    assert steps[-2:] == [
        PutProvisionedConcurrency("current", 5, 3),
        WaitProvisionedConcurrency("current", 5),
    ]


def test_an_alias_without_a_configuration_yet_has_no_move_to_wait_for() -> None:
    steps = _plan(FILE, _remote(ConcurrencyRemote()))
    kinds = _kinds(steps)
    assert kinds[2:5] == [
        "PutProvisionedConcurrency",
        "WaitProvisionedConcurrency",
        "ShiftTraffic",
    ]
    after_last_shift = kinds[len(kinds) - 1 - kinds[::-1].index("ShiftTraffic") + 1 :]
    assert after_last_shift[:2] == ["DeleteProvisionedConcurrency", "DeleteVersion"]


def test_nothing_of_it_when_the_deploy_does_not_stage_or_the_file_leaves_it_alone() -> None:
    def version_level(steps: list[Step]) -> list[Step]:
        return [s for s in steps if getattr(s, "qualifier", None) == PUBLISHED]

    all_at_once = _plan(FILE, strategy="all-at-once")
    assert version_level(all_at_once) == []
    assert "MoveAlias" in _kinds(all_at_once)
    assert version_level(_plan(FILE, no_wait=True)) == []
    assert version_level(_plan(None)) == []
    assert version_level(_plan({"ReservedConcurrentExecutions": 10})) == []
    assert version_level(_plan({"ProvisionedConcurrency": {"current": None}})) == []
    # a deploy continuing our split of version 4: the allocation was made when it started
    marker = RolloutMarker("canary:10:5m", "3", "4", "interrupted", 1, 1, "ci:1", "", "")
    configuration = {**CONFIG, "FunctionArn": "arn:aws:lambda:r:1:function:orders"}
    configuration.update(CodeSha256="NEW", RevisionId="rev", MemorySize=128, Timeout=3)
    split = _remote(
        RoutingConfig={"AdditionalVersionWeights": {"4": 0.1}}, Description=marker.encode()
    )
    split = RemoteState(
        configuration=configuration,
        alias=split.alias,
        versions=(*split.versions, {**configuration, "Version": "4"}),
        aliases=split.aliases,
        code=split.code,
        parts=split.parts,
    )
    continued = _plan(FILE, split)
    assert "ResumeRollout" in _kinds(continued)
    assert version_level(continued) == []


def test_autoscaling_allocates_what_the_alias_has_now() -> None:
    sidecar = {"Autoscaling": {"current": {"MinCapacity": 2, "MaxCapacity": 10}}}
    steps = _plan(sidecar)
    assert steps[2] == PutProvisionedConcurrency(PUBLISHED, 3, for_rollout="current")


# -- what ends a split left by Ctrl-C ends the new version's configuration too ---------------
SPLIT = RolloutMarker("Linear10PercentEvery1Minute", from_version="3", to_version="4")


def test_a_resumed_split_releases_the_version_after_lambda_moved_the_aliass_configuration() -> None:
    provisioned = {"current": ProvisionedConfig(3), "4": ProvisionedConfig(3)}
    before, after = release_after_split(SPLIT, "current", provisioned, finishing=True)
    assert before == (ReleaseOnRollback("4", "current"),)  # a gate's rollback releases it too
    assert after == (
        WaitProvisionedConcurrency("current", 3, moving_from="3", moving_to="4"),
        DeleteProvisionedConcurrency("4", 3),
    )
    assert "rolls back" in before[0].describe()


def test_an_aborted_split_releases_the_version_after_the_alias_is_back() -> None:
    provisioned = {"current": ProvisionedConfig(3), "4": ProvisionedConfig(2)}
    assert release_after_split(SPLIT, "current", provisioned, finishing=False) == (
        (),
        (DeleteProvisionedConcurrency("4", 2),),
    )


def test_a_split_whose_version_has_no_configuration_plans_nothing_more() -> None:
    provisioned = {"current": ProvisionedConfig(3)}  # e.g. deployed with --no-wait
    for finishing in (True, False):
        assert release_after_split(SPLIT, "current", provisioned, finishing=finishing) == ((), ())
