"""``lambherd concurrency`` on the sandbox (ap-northeast-1): the account view with its flags,
``request-quota`` (confirmed, refused with what to do instead) and ``quota-status`` as the
request moves through Service Quotas' states."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from concurrency_testkit import REGION, json_error, wait_for, write_fn
from deploy_testkit import mutating, recording
from sandbox_testkit import client, move_clock

pytestmark = pytest.mark.slow  # a sandbox server of the module's own


@pytest.fixture
def aws(sandbox: Any, sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    return lambda service: client(sandbox_endpoint, service, REGION)  # one attempt, no retries


def _json(lh: Any, *args: Any) -> Any:
    r = lh("--output", "json", *args)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_the_account_view_flags_what_deserves_a_look(aws: Any, lh: Any, tmp_path: Path) -> None:
    lam = aws("lambda")
    off = write_fn(tmp_path / "off", "view-off", concurrency={"ReservedConcurrentExecutions": 0})
    idle = write_fn(tmp_path / "idle", "view-idle", concurrency={"ReservedConcurrentExecutions": 5})
    warm = write_fn(
        tmp_path / "warm", "view-warm", concurrency={"ProvisionedConcurrency": {"current": 4}}
    )
    for folder in (off, idle, warm):
        assert lh("-C", folder, "deploy").code == 0
    with pytest.raises(lam.exceptions.TooManyRequestsException):  # reserved 0: throttled
        lam.invoke(FunctionName="view-off", Payload=b"{}")
    for _ in range(3):  # one at a time on 4 provisioned environments: 25 % used
        lam.invoke(FunctionName="view-warm", Qualifier="current", Payload=b"{}")
    view = _json(
        lh, "-C", tmp_path, "concurrency", "--account", "--only", "view-*", "--since", "1h"
    )
    assert view["scope"] == "account" and view["region"] == REGION
    assert view["account"]["concurrent_executions"] >= 1000
    rows = {f["function"]: f for f in view["functions"]}
    assert sorted(rows) == ["view-idle", "view-off", "view-warm"]
    assert rows["view-off"]["throttles"] == 1
    assert rows["view-off"]["flags"] == ["throttled (1 throttles)"]
    assert rows["view-idle"]["flags"] == ["reserved 5 never used"]
    (current,) = rows["view-warm"]["provisioned"]
    assert (current["qualifier"], current["requested"], current["status"]) == (
        "current",
        4,
        "READY",
    )
    assert current["utilisation_avg"] == pytest.approx(0.25)
    assert rows["view-warm"]["flags"] == [
        "current: provisioned utilisation 25% (under 30%: idle environments cost money)"
    ]
    assert rows["view-warm"]["peak_concurrent_executions"] == 1
    text = lh("-C", tmp_path, "concurrency", "--account", "--only", "view-*")
    assert text.code == 0 and "view-warm: current: provisioned utilisation 25%" in text.out


def test_quota_request_confirmed_refused_and_followed_through_its_states(
    aws: Any, lh: Any, sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    status = _json(lh, "-C", tmp_path, "concurrency", "quota-status")
    assert (status["value"], status["default"], status["requests"]) == (1000, 1000, [])
    rec = recording(monkeypatch)
    low = lh("-C", tmp_path, "concurrency", "request-quota", "--limit", "800")
    assert low.code == 1 and "the account already has 1000 concurrent executions" in low.err
    asked = lh("-C", tmp_path, "concurrency", "request-quota", "--limit", "3000")
    assert asked.code == 1 and "not confirmed; nothing sent" in asked.err  # no --yes, no tty
    assert mutating(rec.names) == []
    made = _json(lh, "-C", tmp_path, "--yes", "concurrency", "request-quota", "--limit", "3000")
    assert made["request"]["status"] == "PENDING" and made["current"] == 1000
    again = lh("-C", tmp_path, "--yes", "concurrency", "request-quota", "--limit", "4000")
    assert again.code == 1 and "is already PENDING" in again.err
    assert "lambherd concurrency quota-status" in again.err
    move_clock(sandbox_endpoint, advance_seconds=6 * 60)
    status = _json(lh, "-C", tmp_path, "concurrency", "quota-status")
    assert status["value"] == 3000 and status["requests"][0]["status"] == "APPROVED"
    limit = aws("lambda").get_account_settings()["AccountLimit"]
    assert limit["ConcurrentExecutions"] == 3000
    # a large increase goes to a support case first
    _json(lh, "-C", tmp_path, "--yes", "concurrency", "request-quota", "--limit", "50000")
    move_clock(sandbox_endpoint, advance_seconds=6 * 60)
    newest = _json(lh, "-C", tmp_path, "concurrency", "quota-status")["requests"][0]
    assert newest["status"] == "CASE_OPENED" and newest["case_id"]
    text = lh("-C", tmp_path, "concurrency", "quota-status")
    assert "CASE_OPENED: 50000" in text.out
    move_clock(sandbox_endpoint, advance_seconds=int(timedelta(days=2).total_seconds()))
    wait_for(
        lambda: (
            aws("lambda").get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 50000
        )
    )


def test_where_service_quotas_refuses_it_says_what_to_do_instead(
    aws: Any, lh: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from lambherd.aws import AwsClients

    original = AwsClients.__init__

    def init(self: AwsClients, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register_hook(
            "before-send.service-quotas.RequestServiceQuotaIncrease",
            lambda **_: json_error(400, "AccessDeniedException", "not allowed"),
        )

    monkeypatch.setattr(AwsClients, "__init__", init)
    current = _json(lh, "-C", tmp_path, "concurrency", "quota-status")["value"]
    r = lh(
        "-C", tmp_path, "--yes", "concurrency", "request-quota", "--limit", str(int(current) + 1000)
    )
    assert r.code == 1 and "AccessDeniedException: not allowed" in r.err
    assert "AWS Support console" in r.err and "Traceback" not in r.err
