"""The planners on plain data: no server, no AWS calls."""

from __future__ import annotations

import pytest

from lambherd.plan.planner import DesiredState, plan_deploy
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import (
    LATEST,
    PUBLISHED,
    CodeSource,
    CreateAlias,
    CreateFunction,
    DeleteVersion,
    MoveAlias,
    PublishVersion,
    UntagResource,
    UpdateConfiguration,
    UploadCode,
)
from lambherd.plan.tags_planner import plan_tags
from lambherd.settings import DeploySettings

ROLE = "arn:aws:iam::123456789012:role/r"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"
DESIRED = {
    "FunctionName": "orders",
    "Runtime": "python3.12",
    "Handler": "app.handler",
    "Role": ROLE,
    "MemorySize": 256,
}
CODE = CodeSource(sha256="SHA-A", size=10, zip_path="/tmp/x.zip")


def deployed(sha: str = "SHA-A", **overrides) -> dict:
    """GetFunction's Configuration for DESIRED as Lambda reports it."""
    cfg = {
        "FunctionName": "orders",
        "FunctionArn": ARN,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": ROLE,
        "MemorySize": 256,
        "Timeout": 3,
        "Description": "",
        "CodeSha256": sha,
        "RevisionId": "rev-1",
        "Version": "$LATEST",
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "TracingConfig": {"Mode": "PassThrough"},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/orders"},
    }
    cfg.update(overrides)
    return cfg


def remote_with(n_versions: int = 1, alias_version: str = "1", routing=None, **overrides):
    versions = tuple(dict(deployed(**overrides), Version=str(i)) for i in range(1, n_versions + 1))
    alias = {"Name": "current", "FunctionVersion": alias_version, "RevisionId": "arev"}
    if routing:
        alias["RoutingConfig"] = {"AdditionalVersionWeights": routing}
    return RemoteState(
        configuration=deployed(**overrides), versions=versions, alias=alias, aliases=(alias,)
    )


def plan(desired=DESIRED, remote=None, code=CODE, **settings):
    return plan_deploy(
        DesiredState(config=desired, code=code),
        remote if remote is not None else RemoteState(),
        DeploySettings(**settings),
    )


def kinds(p) -> list[str]:
    return [s.kind for s in p.steps]


def test_missing_function_is_created_published_and_aliased_with_tags() -> None:
    p = plan(dict(DESIRED, Tags={"team": "shop", "aws:x": "y"}))
    assert kinds(p) == ["CreateFunction", "PublishVersion", "CreateAlias"]
    create = p.steps[0]
    assert isinstance(create, CreateFunction)
    assert create.params["Tags"] == {"team": "shop"} and create.params["MemorySize"] == 256
    assert p.steps[2] == CreateAlias(name="current", version=PUBLISHED)


def test_unchanged_function_plans_nothing() -> None:
    p = plan(remote=remote_with())
    assert p.empty and p.changed_fields == ()


def test_configuration_change_updates_only_changed_fields_and_moves_alias() -> None:
    p = plan(dict(DESIRED, MemorySize=512, Timeout=30), remote_with())
    assert kinds(p) == ["UpdateConfiguration", "PublishVersion", "MoveAlias"]
    update = p.steps[0]
    assert isinstance(update, UpdateConfiguration)
    assert update.params == {"MemorySize": 512, "Timeout": 30}
    assert p.changed_fields == ("MemorySize", "Timeout")
    assert p.revision_id == "rev-1"
    assert p.steps[2] == MoveAlias(
        name="current", version=PUBLISHED, from_version="1", revision_id="arev"
    )


def test_field_absent_from_definition_is_reset_to_default() -> None:
    remote = remote_with(Description="old", Environment={"Variables": {"A": "1"}}, Timeout=30)
    p = plan(remote=remote)
    update = p.steps[0]
    assert isinstance(update, UpdateConfiguration)
    assert update.params == {"Description": "", "Environment": {"Variables": {}}, "Timeout": 3}
    assert set(update.reset) == {"Description", "Environment", "Timeout"}
    assert "reset to default" in update.describe()


def test_code_change_uploads_and_force_code_uploads_same_hash() -> None:
    p = plan(remote=remote_with(sha="SHA-OLD"))
    assert kinds(p) == ["UploadCode", "PublishVersion", "MoveAlias"]
    assert isinstance(p.steps[0], UploadCode) and p.steps[0].remote_sha256 == "SHA-OLD"
    assert kinds(plan(remote=remote_with(), force_code=True))[0] == "UploadCode"


def test_skip_configuration_ignores_configuration_drift() -> None:
    p = plan(dict(DESIRED, MemorySize=1024), remote_with(), skip_configuration=True)
    assert p.empty


def test_interrupted_deploy_converges_publish_and_alias_still_planned() -> None:
    # code uploaded to $LATEST, but the alias still serves version 1 with the old code
    remote = RemoteState(
        configuration=deployed(sha="SHA-A"),
        versions=(dict(deployed(sha="SHA-OLD"), Version="1"),),
        alias={"Name": "current", "FunctionVersion": "1"},
    )
    assert kinds(plan(remote=remote)) == ["PublishVersion", "MoveAlias"]


def test_missing_alias_on_existing_function_is_created() -> None:
    remote = RemoteState(configuration=deployed(), versions=(dict(deployed(), Version="1"),))
    assert plan(remote=remote).steps == (CreateAlias(name="current", version="1"),)
    unpublished = RemoteState(configuration=deployed())
    assert kinds(plan(remote=unpublished)) == ["PublishVersion", "CreateAlias"]


def test_no_publish_and_alias_to_latest() -> None:
    remote = remote_with(sha="SHA-OLD")
    assert kinds(plan(remote=remote, publish=False)) == ["UploadCode"]
    p = plan(remote=remote, alias_to_latest=True)
    assert kinds(p) == ["UploadCode", "MoveAlias"]
    assert p.steps[1].version == LATEST


def test_keep_versions_never_deletes_aliased_versions_including_weights() -> None:
    remote = remote_with(n_versions=6, alias_version="6", sha="SHA-OLD")
    staging = {
        "Name": "staging",
        "FunctionVersion": "2",
        "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.1}},
    }
    remote = RemoteState(
        configuration=remote.configuration,
        versions=remote.versions,
        alias=remote.alias,
        aliases=(remote.alias, staging),
    )
    p = plan(remote=remote, keep_versions=2)
    deleted = [s.version for s in p.steps if isinstance(s, DeleteVersion)]
    # keep the new one + version 6; 1 and 2 belong to staging
    assert deleted == ["3", "4", "5"]


def test_moving_an_alias_with_routing_weights_clears_them() -> None:
    p = plan(remote=remote_with(n_versions=2, alias_version="2", routing={"1": 0.5}, sha="OLD"))
    move = p.steps[-1]
    assert isinstance(move, MoveAlias) and move.clear_routing


def test_tags_absent_unmanaged_empty_removes_all_aws_tags_ignored() -> None:
    remote_tags = {"team": "shop", "aws:cloudformation:stack-name": "s"}
    assert plan_tags(None, remote_tags) == ()
    assert plan_tags({}, remote_tags) == (UntagResource(keys=("team",)),)
    steps = plan_tags({"team": "ops", "env": "prod"}, remote_tags)
    assert [s.describe() for s in steps] == ["TagResource env=prod, team=ops"]
    assert plan_tags({"team": "shop"}, remote_tags) == ()


def test_tags_are_planned_for_existing_function() -> None:
    remote = remote_with()
    remote = RemoteState(**{**remote.__dict__, "tags": {"old": "1"}})
    p = plan(dict(DESIRED, Tags={"new": "2"}), remote)
    assert kinds(p) == ["UntagResource", "TagResource"]


def test_publish_version_step_has_no_code_of_its_own() -> None:
    assert PublishVersion().describe() == "PublishVersion"


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_versions_below_one_is_refused(keep: int) -> None:
    from lambherd.plan.version_planner import prune_versions

    with pytest.raises(ValueError):
        prune_versions(remote_with(), keep, set())


def test_alias_moves_to_an_existing_matching_version_without_publishing() -> None:
    # after a rollback to version 1, deploying the definition of version 2 again
    remote = RemoteState(
        configuration=deployed(),
        versions=(dict(deployed(MemorySize=128), Version="1"), dict(deployed(), Version="2")),
        alias={"Name": "current", "FunctionVersion": "1"},
    )
    p = plan(remote=remote)
    assert p.steps == (MoveAlias(name="current", version="2", from_version="1"),)


def test_update_step_names_the_changed_leaves_inside_structures() -> None:
    """An environment change shows which variable changed, not a truncated dump of them all."""
    from lambherd.plan.function_planner import plan_function_changes as plan_function
    from lambherd.plan.remote import RemoteState
    from lambherd.plan.steps import CodeSource

    remote = RemoteState(
        configuration={
            "FunctionName": "f",
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": "arn:aws:iam::123456789012:role/r",
            "MemorySize": 128,
            "Environment": {"Variables": {"BUCKET": "b" * 60, "GREETING": "Hello"}},
        }
    )
    desired = {
        "FunctionName": "f",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": "arn:aws:iam::123456789012:role/r",
        "MemorySize": 512,
        "Environment": {"Variables": {"BUCKET": "b" * 60, "GREETING": "Howdy"}},
    }
    changes = plan_function(desired, remote, CodeSource(sha256=None), force_code=False)
    update = changes.steps[0]
    assert isinstance(update, UpdateConfiguration)
    assert update.changed == ("Environment", "MemorySize")
    assert update.describe() == (
        "UpdateConfiguration Environment.Variables.GREETING, MemorySize=512"
    )
    assert update.params["Environment"] == desired["Environment"]  # the whole structure is sent
