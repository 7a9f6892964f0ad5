"""The adaptive parallelism against a rate limit: a 24-function project deploys through
``fault_testkit.FaultProxy`` answering 429 TooManyRequestsException beyond a token bucket (an
API rate limit as Lambda's control plane has one), with no ``--parallel``: the limit grows,
meets the throttles, halves, and every function deploys in one run; a second run is a no-op.
botocore keeps its production retry settings; lambherd's own retry delays are shortened
(``fault_testkit.fast_retries``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import mutating, recording
from fault_testkit import fast_retries, fault_proxy, rate_limited
from project_testkit import write_project
from sandbox_testkit import REGION

ROLE = "arn:aws:iam::123456789012:role/lambherd-pacing"
NAMES = tuple(f"p{i:02d}" for i in range(24))


def project_deploy(root: Path, endpoint: str, parallel: int | None = None) -> Any:
    from lambherd.app import App, AwsSettings
    from lambherd.services.deploy import DeployRequest, RunSettings, deploy

    app = App(workdir=root, aws=AwsSettings(region=REGION, endpoint_url=endpoint))
    request = DeployRequest(run=RunSettings(parallel=parallel))
    return deploy(app, request, retry=fast_retries())


@pytest.mark.slow
def test_the_default_parallelism_backs_off_on_throttles_and_every_function_deploys(
    sandbox, sandbox_endpoint, tmp_path, monkeypatch
) -> None:
    root = write_project(tmp_path / "shop", ROLE, names=NAMES)
    with fault_proxy(sandbox_endpoint, decide=rate_limited(per_second=60, burst=12)) as proxy:
        first = project_deploy(root, proxy.url)
        throttled = proxy.counts["throttle"]
        assert first.run.ok, [(o.name, o.error) for o in first.run.outcomes if o.error]
        assert first.run.count("deployed") == len(NAMES)
        pacing = first.run.pacing
        assert pacing is not None, "no --parallel: the adaptive limit ran"
        print(pacing.describe(), "proxy", dict(proxy.counts))
        assert throttled > 0, proxy.counts  # the rate limit was met...
        assert pacing.throttles > 0 and pacing.decreases >= 1  # ...seen, and backed off from
        assert pacing.peak > pacing.start  # it grew before meeting it
        # halved from its peak (it may have grown back by the end: additive increase)
        assert pacing.lowest is not None and pacing.lowest <= pacing.peak // 2
        assert pacing.final <= pacing.peak
        assert pacing.maximum == len(NAMES)  # never more threads than functions
        doc = first.run.to_json()["parallel"]  # deploy --output json says what it did
        assert doc["mode"] == "adaptive" and doc["throttles"] == pacing.throttles

        recorder = recording(monkeypatch)
        second = project_deploy(root, proxy.url)
        assert second.run.ok and not second.changeset.changed, second.changeset.summary()
        assert mutating(recorder.names) == []

    lam = sandbox("lambda")
    for name in NAMES:
        listed = lam.list_versions_by_function(FunctionName=f"shop-{name}")["Versions"]
        assert [v["Version"] for v in listed if v["Version"] != "$LATEST"] == ["1"], name


@pytest.mark.slow
def test_an_explicit_parallel_stays_fixed(sandbox, sandbox_endpoint, tmp_path) -> None:
    root = write_project(tmp_path / "shop", ROLE, names=NAMES[:6])
    lam = sandbox("lambda")
    for name in NAMES[:6]:  # a clean slate for these names
        try:
            lam.delete_function(FunctionName=f"shop-{name}")
        except lam.exceptions.ResourceNotFoundException:
            pass
    with fault_proxy(sandbox_endpoint, rate=0.0) as proxy:
        result = project_deploy(root, proxy.url, parallel=3)
    assert result.run.ok and result.run.count("deployed") == 6
    assert result.run.pacing is None  # --parallel 3: no adaptive limit
    assert "parallel" not in result.run.to_json()


@pytest.mark.slow
def test_the_command_says_what_the_limit_did_when_aws_throttled(
    sandbox, sandbox_endpoint, tmp_path, monkeypatch, lh
) -> None:
    names = tuple(f"c{i:02d}" for i in range(8))
    root = write_project(tmp_path / "cli", ROLE, names=names)
    with fault_proxy(sandbox_endpoint, decide=rate_limited(per_second=40, burst=6)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        text = lh("-C", root, "--yes", "deploy")
        assert proxy.counts["throttle"] > 0, proxy.counts
    assert text.code == 0, text.err
    assert "Deploy: 8 deployed" in text.out
    assert "Parallel: adaptive: 4 -> peak " in text.out, text.out
