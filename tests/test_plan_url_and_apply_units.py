"""URL planner, rollback/prune planners, retry and waiters on plain data (no server)."""

from __future__ import annotations

import random

import pytest

from lambherd.apply.waiters import wait_until_ready
from lambherd.errors import DeployError, NotFoundError
from lambherd.plan.policy import SID_PREFIX
from lambherd.plan.remote import RemoteState
from lambherd.plan.rollback_planner import RollbackOptions, plan_rollback
from lambherd.plan.steps import AddPermission, DeleteVersion, MoveAlias, PutFunctionUrl
from lambherd.plan.url_planner import UrlRemote, plan_url, url_grants
from lambherd.plan.version_planner import plan_prune
from lambherd.retry import RetryPolicy, call_with_retry
from lambherd.services.versions import alias_labels

CONFIG = {"FunctionName": "f", "FunctionArn": "arn:f", "Version": "$LATEST"}


def test_url_is_created_with_both_public_statements_for_auth_none() -> None:
    steps = plan_url({"Config": {"AuthType": "NONE"}}, RemoteState(configuration=CONFIG))
    assert isinstance(steps[-1], PutFunctionUrl) and steps[-1].create  # permissions go first
    adds = steps[:-1]
    assert all(isinstance(a, AddPermission) and a.statement_id.startswith(SID_PREFIX) for a in adds)
    assert sorted((a.params for a in adds), key=lambda p: p["Action"]) == [  # type: ignore[attr-defined]
        {"Action": "lambda:InvokeFunction", "Principal": "*", "InvokedViaFunctionUrl": True},
        {"Action": "lambda:InvokeFunctionUrl", "Principal": "*", "FunctionUrlAuthType": "NONE"},
    ]


def test_url_reconcile_keeps_foreign_statements_and_removes_only_ours() -> None:
    url = {"Config": {"AuthType": "NONE"}}
    wanted = url_grants(url)
    sids = sorted(wanted)
    public_url = {"Sid": sids[0], "Effect": "Allow", "Principal": "*", "Action": "x"}
    remote = RemoteState(
        configuration=CONFIG,
        parts=(
            UrlRemote(
                config={"AuthType": "NONE", "InvokeMode": "Buffered", "FunctionUrl": "https://x"},
                policy_statements=(
                    # someone else's URL grant for another account: never removed
                    _statement("someone-else", "lambda:InvokeFunctionUrl", "111111111111", "NONE"),
                    # ours for that account, no longer in the file: removed
                    _statement("lambherd-0000000000000000", "lambda:InvokeFunctionUrl", "2" * 12),
                    *(_as_statement(sid, wanted[sid]) for sid in sids),
                    dict(public_url, Sid="other-concern"),  # not a URL grant at all
                ),
            ),
        ),
    )
    steps = plan_url(url, remote)
    assert [s.describe() for s in steps] == ["RemovePermission lambherd-0000000000000000"]


def _statement(
    sid: str, action: str, principal: str, auth: str | None = None, via_url: bool = False
) -> dict:
    condition: dict = {}
    if auth:
        condition["StringEquals"] = {"lambda:FunctionUrlAuthType": auth}
    if via_url:
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    aws = principal if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"}
    out = {"Sid": sid, "Effect": "Allow", "Principal": aws, "Action": action, "Resource": "arn:f"}
    return {**out, "Condition": condition} if condition else out


def _as_statement(sid: str, grant) -> dict:
    return _statement(
        sid,
        grant.action,
        grant.principal,
        grant.function_url_auth_type,
        grant.invoked_via_function_url,
    )


def test_url_config_change_is_an_update_and_absent_sidecar_is_unmanaged() -> None:
    remote = RemoteState(configuration=CONFIG, parts=(UrlRemote(config={"AuthType": "AWS_IAM"}),))
    url = {"Config": {"AuthType": "AWS_IAM", "Cors": {"AllowOrigins": ["*"]}}, "Permissions": []}
    steps = plan_url(url, remote)
    assert steps == (
        PutFunctionUrl(
            config={"AuthType": "AWS_IAM", "Cors": {"AllowOrigins": ["*"]}}, create=False
        ),
    )
    assert plan_url(None, remote) == ()


def _versions(*numbers: int) -> tuple[dict, ...]:
    return tuple({"Version": str(n)} for n in numbers)


def test_rollback_defaults_to_previous_version_and_refuses_when_none() -> None:
    alias = {"Name": "current", "FunctionVersion": "3", "RevisionId": "r"}
    remote = RemoteState(configuration=CONFIG, versions=_versions(1, 3), alias=alias)
    p = plan_rollback("f", remote, RollbackOptions(delete_version=True))
    assert p.steps == (
        MoveAlias(name="current", version="1", from_version="3", revision_id="r"),
        DeleteVersion(version="3"),
    )
    first = RemoteState(
        configuration=CONFIG, versions=_versions(1), alias=dict(alias, FunctionVersion="1")
    )
    with pytest.raises(DeployError, match="no published version older than 1"):
        plan_rollback("f", first, RollbackOptions())
    with pytest.raises(NotFoundError, match="version 9 not found"):
        plan_rollback("f", remote, RollbackOptions(version="9"))


def test_rollback_delete_version_refuses_a_version_another_alias_uses() -> None:
    alias = {"Name": "current", "FunctionVersion": "2"}
    other = {
        "Name": "beta",
        "FunctionVersion": "1",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.2}},
    }
    remote = RemoteState(
        configuration=CONFIG, versions=_versions(1, 2), alias=alias, aliases=(alias, other)
    )
    with pytest.raises(DeployError, match="still used by another alias"):
        plan_rollback("f", remote, RollbackOptions(delete_version=True))


def test_prune_protects_aliases_and_labels_show_weights() -> None:
    alias = {
        "Name": "live",
        "FunctionVersion": "5",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}},
    }
    remote = RemoteState(configuration=CONFIG, versions=_versions(1, 2, 3, 4, 5), aliases=(alias,))
    assert [s.version for s in plan_prune("f", remote, 2).steps] == ["1", "3"]
    assert alias_labels((alias,)) == {"5": ["live 75%"], "2": ["live 25%"]}


class _Throttled(Exception):
    def __init__(self, code: str, status: int = 400) -> None:
        self.response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}


def test_retry_backs_off_on_throttling_and_conflict_but_not_other_errors() -> None:
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append, rng=random.Random(1), base=1.0)
    failures = [
        _Throttled("TooManyRequestsException", 429),
        _Throttled("ResourceConflictException"),
    ]

    def flaky() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    assert call_with_retry(flaky, policy) == "ok"
    assert len(waits) == 2 and 0 <= waits[0] <= 1.0 and 0 <= waits[1] <= 2.0
    with pytest.raises(_Throttled):
        call_with_retry(lambda: (_ for _ in ()).throw(_Throttled("AccessDenied")), policy)
    assert len(waits) == 2


def test_waiter_follows_last_update_status_and_reports_failure_reason() -> None:
    states = iter(
        [
            {"State": "Pending", "LastUpdateStatus": "InProgress"},
            {"State": "Active", "LastUpdateStatus": "InProgress"},
            {"State": "Active", "LastUpdateStatus": "Successful", "RevisionId": "r2"},
        ]
    )
    sleeps: list[float] = []
    assert wait_until_ready(lambda: next(states), "f", sleep=sleeps.append)["RevisionId"] == "r2"
    assert len(sleeps) == 2
    failed = {"State": "Active", "LastUpdateStatus": "Failed", "LastUpdateStatusReason": "bad zip"}
    with pytest.raises(DeployError, match="f: update failed: bad zip"):
        wait_until_ready(lambda: failed, "f", sleep=sleeps.append)
