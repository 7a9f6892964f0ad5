"""RevisionIds of resource policies: the function's (or alias's) guards AddPermission and
RemovePermission and is what GetPolicy reports; deploy sends the revision each change left, and
none to an emulator that reports none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from deploy_testkit import NAME, after_planning, mutating, recording, write_function
from sandbox_testkit import Sandbox, create, running

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
ROLE = "arn:aws:iam::123456789012:role/lambherd-audit"


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of its own (state folder in tmp_path), stopped after the test."""
    with running(tmp_path / "state") as sb:
        yield sb


def _precondition_failed(call: Any) -> None:
    with pytest.raises(ClientError) as err:
        call()
    assert err.value.response["Error"]["Code"] == "PreconditionFailedException"


def test_permissions_take_the_functions_revision_id(fresh: Sandbox) -> None:
    lam = fresh.client("lambda")
    first = create(lam, "guarded")["RevisionId"]
    grant = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    lam.add_permission(FunctionName="guarded", StatementId="a", RevisionId=first, **grant)
    second = lam.get_function(FunctionName="guarded")["Configuration"]["RevisionId"]
    assert second != first
    policy = lam.get_policy(FunctionName="guarded")
    assert policy["RevisionId"] == second  # GetPolicy reports the function's revision
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["a"]
    _precondition_failed(
        lambda: lam.add_permission(
            FunctionName="guarded", StatementId="b", RevisionId=first, **grant
        )
    )
    _precondition_failed(
        lambda: lam.remove_permission(FunctionName="guarded", StatementId="a", RevisionId=first)
    )
    lam.add_permission(FunctionName="guarded", StatementId="b", RevisionId=second, **grant)
    third = lam.get_policy(FunctionName="guarded")["RevisionId"]
    lam.remove_permission(FunctionName="guarded", StatementId="a", RevisionId=third)
    statements = json.loads(lam.get_policy(FunctionName="guarded")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["b"]
    # without a RevisionId it is not checked at all
    lam.remove_permission(FunctionName="guarded", StatementId="b")
    # on an alias, the alias's RevisionId guards its policy (and the function's is not touched)
    lam.publish_version(FunctionName="guarded")
    alias = lam.create_alias(FunctionName="guarded", Name="live", FunctionVersion="1")
    latest = lam.get_function(FunctionName="guarded")["Configuration"]["RevisionId"]
    _precondition_failed(
        lambda: lam.add_permission(
            FunctionName="guarded", Qualifier="live", StatementId="c", RevisionId=latest, **grant
        )
    )
    lam.add_permission(
        FunctionName="guarded",
        Qualifier="live",
        StatementId="c",
        RevisionId=alias["RevisionId"],
        **grant,
    )
    moved = lam.get_alias(FunctionName="guarded", Name="live")["RevisionId"]
    assert moved != alias["RevisionId"]
    assert lam.get_policy(FunctionName="guarded", Qualifier="live")["RevisionId"] == moved
    assert lam.get_function(FunctionName="guarded")["Configuration"]["RevisionId"] == latest


def test_deploy_guards_permission_changes_with_the_functions_revision(
    sandbox: Any,
    lh,
    tmp_path: Path,
    monkeypatch,
) -> None:
    fn = write_function(tmp_path / "fn", ROLE)
    assert lh("-C", fn, "deploy").code == 0
    lam = sandbox("lambda")
    # only the URL and its permission change; another writer changes the function meanwhile
    write_function(fn, ROLE, url={"Config": {"AuthType": "NONE"}})
    import lambherd.pipeline.planning as deploy_module

    planner = deploy_module.plan_deploy
    after_planning(
        monkeypatch, lambda: lam.update_function_configuration(FunctionName=NAME, Timeout=42)
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    (line,) = r.err.strip().splitlines()
    assert line.startswith("error: add permission lambherd-")
    assert line.endswith(": function changed since it was read; run again")
    assert mutating(rec.names) == ["AddPermission"]  # refused; the URL was not created either
    with pytest.raises(ClientError):
        lam.get_function_url_config(FunctionName=NAME)
    monkeypatch.setattr(deploy_module, "plan_deploy", planner)

    # run again: it goes through (and puts the definition's Timeout back); the permission is
    # sent with the revision left after the update and the publish
    rec.calls.clear()
    r = lh("-C", fn, "--output", "json", "deploy")
    assert r.code == 0, r.err
    assert [s["step"] for s in json.loads(r.out)["steps"]] == [
        "UpdateConfiguration",
        "PublishVersion",
        "MoveAlias",
        "AddPermission",  # lambda:InvokeFunctionUrl
        "AddPermission",  # lambda:InvokeFunction through the URL
        "PutFunctionUrl",
    ]
    (update,) = rec.params_of("UpdateFunctionConfiguration")
    first, second = rec.params_of("AddPermission")
    assert first["RevisionId"] and first["RevisionId"] != update["RevisionId"]
    assert second["RevisionId"] and second["RevisionId"] != first["RevisionId"]
    assert lam.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"

    # the public grant replaced by two others: two removes and four adds, each chained
    accounts = ["111111111111", "222222222222"]
    url = {"Config": {"AuthType": "NONE"}, "Permissions": [{"Principal": a} for a in accounts]}
    write_function(fn, ROLE, url=url)
    rec.calls.clear()
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert mutating(rec.names) == ["RemovePermission"] * 2 + ["AddPermission"] * 4
    sent = [p["RevisionId"] for p in rec.params_of("RemovePermission")]
    sent += [p["RevisionId"] for p in rec.params_of("AddPermission")]
    assert len(set(sent)) == 6  # each change sent with the revision the previous one left
    policy = lam.get_policy(FunctionName=NAME)
    cfg = lam.get_function(FunctionName=NAME)["Configuration"]
    assert policy["RevisionId"] == cfg["RevisionId"]
    statements = json.loads(policy["Policy"])["Statement"]
    principals = sorted(json.dumps(s["Principal"]) for s in statements)
    assert len(principals) == 4  # two statements per account
    assert all("111111111111" in p for p in principals[:2])
    assert all("222222222222" in p for p in principals[2:])


def test_permissions_of_a_url_on_an_alias_are_sent_without_the_functions_revision(
    sandbox: Any,
    lh,
    tmp_path: Path,
    monkeypatch,
) -> None:
    from lambherd.apply.executor import Executor
    from lambherd.aws import AwsClients
    from lambherd.plan.policy import permission_params
    from lambherd.plan.steps import AddPermission, Plan, PutFunctionUrl
    from lambherd.plan.url_planner import url_grants

    fn = write_function(tmp_path / "fn", ROLE)
    assert lh("-C", fn, "deploy").code == 0
    lam = sandbox("lambda")
    revision = lam.get_function(FunctionName=NAME)["Configuration"]["RevisionId"]
    lam.update_function_configuration(FunctionName=NAME, Timeout=9)  # the function moves on
    grants = url_grants({"Config": {"AuthType": "NONE"}})
    sid, grant = next((s, g) for s, g in grants.items() if g.action == "lambda:InvokeFunctionUrl")
    params = permission_params(grant)
    plan = Plan(
        function_name=NAME,
        revision_id=revision,  # stale for $LATEST, but an alias's policy is not $LATEST's
        steps=(
            AddPermission(statement_id=sid, params=params, qualifier="current"),
            PutFunctionUrl(config={"AuthType": "NONE"}, create=True, qualifier="current"),
        ),
    )
    rec = recording(monkeypatch)
    Executor(AwsClients()).run(plan)
    (add,) = rec.params_of("AddPermission")
    assert add["Qualifier"] == "current" and "RevisionId" not in add
    policy = lam.get_policy(FunctionName=NAME, Qualifier="current")
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == [sid]
    assert lam.get_function_url_config(FunctionName=NAME, Qualifier="current")["AuthType"] == "NONE"


def test_deploy_against_plain_moto_sends_no_revision_it_was_never_given(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    lam = boto("lambda")
    # moto's server reports no function RevisionId; its own policy check would refuse it
    assert "RevisionId" not in lam.get_function(FunctionName=NAME)["Configuration"]
    write_function(
        fn, lambda_role, url={"Config": {"AuthType": "NONE"}}, body="def handler(e, c): pass\n"
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    adds = rec.params_of("AddPermission")
    assert len(adds) == 2 and all("RevisionId" not in add for add in adds)
    assert "GetFunctionConfiguration" in rec.names  # waits, but no revision refresh was needed
    statements = json.loads(lam.get_policy(FunctionName=NAME)["Policy"])["Statement"]
    assert sorted(s["Sid"] for s in statements) == sorted(add["StatementId"] for add in adds)
