"""Writes that survive lost responses: when a write was applied but its answer never came back,
the retried request is refused (its RevisionId is stale, or the thing already exists, or is
already gone); the deploy re-reads and takes "already in the desired state" as success. 5xx
and dropped connections are retried on lambherd's side too, past botocore's own attempts.
"Already exists" on a create re-plans that function from what is there, once: racing creates
do not end split.

Each case loses (or fails) exactly one chosen request through ``fault_testkit.FaultProxy``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import NAME, ROLE, write_function
from fault_testkit import fast_retries, fault_proxy, lose_first

URL = {"Config": {"AuthType": "NONE"}, "Permissions": [{"Principal": "*"}]}


def deploy_through(endpoint: str, folder: Path, *, retries: int = 4) -> Any:
    """lambherd's deploy service against ``endpoint`` (production settings but millisecond
    delays on lambherd's side); the single function's report."""
    from lambherd.app import App, AwsSettings
    from lambherd.services.deploy import DeployRequest, deploy
    from sandbox_testkit import REGION

    app = App(
        workdir=folder, aws=AwsSettings(region=REGION, endpoint_url=endpoint, max_attempts=retries)
    )
    return deploy(app, DeployRequest(), retry=fast_retries())


def versions(sandbox: Any, name: str = NAME) -> list[str]:
    listed = sandbox("lambda").list_versions_by_function(FunctionName=name)["Versions"]
    return [v["Version"] for v in listed if v["Version"] != "$LATEST"]


def alias_version(sandbox: Any, name: str = NAME) -> str:
    return sandbox("lambda").get_alias(FunctionName=name, Name="current")["FunctionVersion"]


@pytest.fixture
def deployed(sandbox: Any, sandbox_endpoint: str, tmp_path: Path) -> Path:
    """The function deployed once (version 1, alias current), its folder changed since."""
    folder = write_function(tmp_path / "fn", ROLE, MemorySize=128, url=URL)
    deploy_through(sandbox_endpoint, folder)
    assert versions(sandbox) == ["1"]
    doc = json.loads((folder / "function.json").read_text())
    doc["MemorySize"] = 256
    (folder / "function.json").write_text(json.dumps(doc))
    (folder / "app.py").write_text("def handler(event, context):\n    return {'v': 2}\n")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path_part"),
    [
        ("PUT", "/configuration"),  # UpdateFunctionConfiguration: stale RevisionId on retry
        ("PUT", "/code"),  # UpdateFunctionCode: stale RevisionId on retry
        ("POST", "/versions"),  # PublishVersion: stale RevisionId on retry
        ("PUT", "/aliases/current"),  # UpdateAlias: the alias's RevisionId is stale
    ],
)
def test_a_lost_response_is_not_a_false_conflict(
    sandbox, sandbox_endpoint, deployed, method, path_part
) -> None:
    with fault_proxy(sandbox_endpoint, decide=lose_first(method, path_part)) as proxy:
        report = deploy_through(proxy.url, deployed)
    assert proxy.counts["lost"] == 1, proxy.log
    assert report.run.ok, [o.error for o in report.run.outcomes]
    assert versions(sandbox) == ["1", "2"]  # one version published, not two
    assert alias_version(sandbox) == "2"
    config = sandbox("lambda").get_function_configuration(FunctionName=NAME, Qualifier="2")
    assert config["MemorySize"] == 256


@pytest.mark.slow
def test_a_lost_create_alias_answer_converges(sandbox, sandbox_endpoint, tmp_path) -> None:
    folder = write_function(tmp_path / "fn", ROLE)
    with fault_proxy(sandbox_endpoint, decide=lose_first("POST", "/aliases")) as proxy:
        report = deploy_through(proxy.url, folder)
    assert proxy.counts["lost"] == 1
    assert report.run.ok, [o.error for o in report.run.outcomes]
    assert versions(sandbox) == ["1"] and alias_version(sandbox) == "1"


@pytest.mark.slow
def test_a_lost_create_function_answer_converges(sandbox, sandbox_endpoint, tmp_path) -> None:
    folder = write_function(tmp_path / "fn", ROLE, url=URL)
    decide = lose_first("POST", "/2015-03-31/functions")  # CreateFunction's path
    with fault_proxy(sandbox_endpoint, decide=decide) as proxy:
        report = deploy_through(proxy.url, folder)
    assert proxy.log[:1] == [("lost", "POST", "/2015-03-31/functions")], proxy.log
    assert report.run.ok, [o.error for o in report.run.outcomes]
    assert versions(sandbox) == ["1"] and alias_version(sandbox) == "1"
    assert sandbox("lambda").get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"


@pytest.mark.slow
def test_lost_permission_and_url_answers_converge(sandbox, sandbox_endpoint, tmp_path) -> None:
    folder = write_function(tmp_path / "fn", ROLE)
    deploy_through(sandbox_endpoint, folder)
    (folder / "function_url.json").write_text(json.dumps(URL))
    lost = {"policy": False, "url": False}

    def decide(method: str, path: str, _body: bytes, _seen: int) -> str | None:
        for key, part in (("policy", "/policy"), ("url", "/url")):
            if method == "POST" and part in path and not lost[key]:
                lost[key] = True
                return "lost"
        return None

    with fault_proxy(sandbox_endpoint, decide=decide) as proxy:
        report = deploy_through(proxy.url, folder)
    assert proxy.counts["lost"] == 2, proxy.log
    assert report.run.ok, [o.error for o in report.run.outcomes]
    policy = json.loads(sandbox("lambda").get_policy(FunctionName=NAME)["Policy"])
    # one public grant is the two statements Lambda requires of a URL, each exactly once
    actions = sorted(s["Action"] for s in policy["Statement"])
    assert actions == ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]


@pytest.mark.slow
def test_a_lost_delete_version_answer_converges(sandbox, sandbox_endpoint, deployed) -> None:
    from lambherd.app import App, AwsSettings
    from lambherd.services.deploy import DeployRequest, deploy
    from lambherd.settings import command_line
    from sandbox_testkit import REGION

    with fault_proxy(sandbox_endpoint, decide=lose_first("DELETE", "Qualifier=1")) as proxy:
        app = App(workdir=deployed, aws=AwsSettings(region=REGION, endpoint_url=proxy.url))
        request = DeployRequest(settings=command_line(keep_versions=1))
        report = deploy(app, request, retry=fast_retries())
    assert proxy.counts["lost"] == 1, proxy.log
    assert report.run.ok, [o.error for o in report.run.outcomes]
    assert versions(sandbox) == ["2"]


@pytest.mark.slow
def test_5xx_past_botocore_attempts_are_retried_on_our_side(
    sandbox, sandbox_endpoint, deployed
) -> None:
    failed = []

    def decide(method: str, path: str, _body: bytes, _seen: int) -> str | None:
        if method == "PUT" and "/configuration" in path and len(failed) < 3:
            failed.append(path)
            return ("error500", "error502", "drop")[len(failed) - 1]
        return None

    with fault_proxy(sandbox_endpoint, decide=decide) as proxy:
        report = deploy_through(proxy.url, deployed, retries=1)  # botocore: 2 attempts
    assert len(failed) == 3
    assert report.run.ok, [o.error for o in report.run.outcomes]
    assert versions(sandbox) == ["1", "2"] and alias_version(sandbox) == "2"


@pytest.mark.slow
def test_a_real_conflict_is_still_refused(sandbox, sandbox_endpoint, deployed, monkeypatch) -> None:
    """Another writer between plan and execute: not our lost response, so still a conflict."""
    from deploy_testkit import after_planning
    from lambherd.errors import ConflictError

    lam = sandbox("lambda")
    after_planning(
        monkeypatch, lambda: lam.update_function_configuration(FunctionName=NAME, Timeout=9)
    )
    with pytest.raises(ConflictError, match="function changed since it was read"):
        deploy_through(sandbox_endpoint, deployed)


# -- create races ----------------------------------------------------------------------------


@pytest.mark.slow
def test_racing_creates_do_not_end_split(sandbox, sandbox_endpoint, tmp_path) -> None:
    """Nine deploys of one new function at once: every one succeeds, the alias serves a version
    equal to $LATEST, and no "already exists" is retried for seconds."""
    import time

    folders = [write_function(tmp_path / f"fn{i}", ROLE) for i in range(9)]
    barrier = threading.Barrier(len(folders))
    outcomes: list[Any] = []
    started = time.monotonic()

    def race(folder: Path) -> None:
        barrier.wait()
        try:
            outcomes.append(deploy_through(sandbox_endpoint, folder).run.outcomes[0])
        except Exception as exc:  # the single function's failure, as raised
            outcomes.append(exc)

    threads = [threading.Thread(target=race, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert time.monotonic() - started < 60
    failures = [o for o in outcomes if isinstance(o, Exception) or o.status == "failed"]
    assert failures == [], failures
    lam = sandbox("lambda")
    latest = lam.get_function_configuration(FunctionName=NAME)
    served = lam.get_function_configuration(FunctionName=NAME, Qualifier="current")
    assert served["CodeSha256"] == latest["CodeSha256"]
    assert versions(sandbox) == ["1"]  # the same code and configuration: one version
