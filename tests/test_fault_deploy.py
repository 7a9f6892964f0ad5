"""The fault suite: a 10-function project deploys through ``fault_testkit.FaultProxy`` at 30 %
mixed faults (429, 500, 502, connections dropped before the sandbox, responses lost after it
applied the request) and converges in ONE run; a second run is a no-op; versions published are
one per changed function, counted on the sandbox directly.

The seed is fixed (``LAMBHERD_FAULT_SEED``, default 13) so CI runs the same faults each time;
``LAMBHERD_FAULT_SEEDS=1-20`` runs the same test once per seed (a local soak). lambherd's own
retry delays are shortened through ``RetryPolicy`` (``fault_testkit.fast_retries``); botocore
keeps its production settings (standard mode, 5 attempts, its own backoff and retry quota).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import mutating, recording
from fault_testkit import FAULTS, fast_retries, fault_proxy
from project_testkit import write_project
from sandbox_testkit import REGION

ROLE = "arn:aws:iam::123456789012:role/lambherd-faults"
NAMES = tuple(f"f{i:02d}" for i in range(10))
URL = {"Config": {"AuthType": "NONE"}, "Permissions": [{"Principal": "*"}]}


def _seeds() -> list[int]:
    spec = os.environ.get("LAMBHERD_FAULT_SEEDS")
    if spec:
        low, _, high = spec.partition("-")
        return list(range(int(low), int(high or low) + 1))
    return [int(os.environ.get("LAMBHERD_FAULT_SEED", "13"))]


def project_deploy(root: Path, endpoint: str, seed: int) -> Any:
    from lambherd.app import App, AwsSettings
    from lambherd.services.deploy import DeployRequest, deploy

    app = App(workdir=root, aws=AwsSettings(region=REGION, endpoint_url=endpoint))
    return deploy(app, DeployRequest(), retry=fast_retries(seed))


def published(sandbox: Any, name: str) -> list[str]:
    listed = sandbox("lambda").list_versions_by_function(FunctionName=name)["Versions"]
    return [v["Version"] for v in listed if v["Version"] != "$LATEST"]


def served(sandbox: Any, name: str) -> dict[str, Any]:
    return sandbox("lambda").get_function_configuration(FunctionName=name, Qualifier="current")


@pytest.mark.slow
@pytest.mark.parametrize("seed", _seeds())
def test_a_project_converges_in_one_run_through_30_percent_faults(
    sandbox, sandbox_endpoint, tmp_path, monkeypatch, seed
) -> None:
    root = write_project(tmp_path / "shop", ROLE, names=NAMES)
    for name in NAMES[::3]:  # some with a public URL: permissions and URL configs too
        (root / "functions" / name / "function_url.json").write_text(json.dumps(URL))
    names = [f"shop-{n}" for n in NAMES]
    lam = sandbox("lambda")
    for name in names:  # a clean slate in this module's sandbox
        try:
            lam.delete_function(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass

    with fault_proxy(sandbox_endpoint, seed=seed, rate=0.3) as proxy:
        first = project_deploy(root, proxy.url, seed)
        assert first.run.ok, [(o.name, o.error) for o in first.run.outcomes if o.error]
        assert first.run.count("deployed") == 10
        # the faults did happen, every kind of them, lost answers of writes among them
        assert all(proxy.counts[f] > 0 for f in FAULTS), proxy.counts
        lost_writes = [(m, p) for f, m, p in proxy.log if f == "lost" and m != "GET"]
        assert lost_writes, proxy.log
        print("faults", dict(proxy.counts), "lost writes", lost_writes)

        recorder = recording(monkeypatch)
        second = project_deploy(root, proxy.url, seed)
        assert second.run.ok and not second.changeset.changed, second.changeset.summary()
        assert mutating(recorder.names) == []

    for name in names:
        assert published(sandbox, name) == ["1"], name
        assert served(sandbox, name)["MemorySize"] == 256  # lambherd.toml's [defaults]
        assert (
            lam.list_tags(
                Resource=lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
            )["Tags"]["lambherd:project"]
            == "shop"
        )
    for name in NAMES[::3]:
        policy = json.loads(lam.get_policy(FunctionName=f"shop-{name}")["Policy"])
        # one grant = both statements Lambda requires for a URL, each written once
        assert sorted(s["Action"] for s in policy["Statement"]) == [
            "lambda:InvokeFunction",
            "lambda:InvokeFunctionUrl",
        ]
        assert lam.get_function_url_config(FunctionName=f"shop-{name}")["AuthType"] == "NONE"

    # a change of three functions: one new version each, none for the other seven
    changed = NAMES[:3]
    for name in changed:
        (root / "functions" / name / "app.py").write_text(
            f"def handler(event, context):\n    return {{'changed': {name!r}}}\n"
        )
    with fault_proxy(sandbox_endpoint, seed=seed + 1000, rate=0.3) as proxy:
        third = project_deploy(root, proxy.url, seed)
    assert third.run.ok, [(o.name, o.error) for o in third.run.outcomes if o.error]
    for name in NAMES:
        expected = ["1", "2"] if name in changed else ["1"]
        assert published(sandbox, f"shop-{name}") == expected, name
        assert served(sandbox, f"shop-{name}")["Version"] == expected[-1]
