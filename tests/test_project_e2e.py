"""Projects on moto's server: plan (changeset), deploy of what changed, prune, stages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import LAMBDAIGNORE, mutating, recording
from lambherd.project.config import OWNER_TAG

BODY = "def handler(event, context):\n    return {'ok': True}\n"


def write_project(root: Path, role: str, *, names=("alpha", "beta", "gamma"), extra: str = ""):
    """A project ``shop`` with one folder per name under functions/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambherd.toml").write_text(
        "[project]\n"
        'name = "shop"\n'
        'functions = ["functions/*"]\n'
        "[defaults]\n"
        'Runtime = "python3.12"\n'
        'Handler = "app.handler"\n'
        f"Role = {json.dumps(role)}\n"
        "MemorySize = 256\n"
        'Tags = { team = "orders" }\n' + extra
    )
    for name in names:
        write_function(root, name)
    return root


def write_function(root: Path, name: str, body: str = BODY, **config: Any) -> Path:
    folder = root / "functions" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "function.json").write_text(json.dumps({"FunctionName": f"shop-{name}", **config}))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    (folder / "app.py").write_text(body)
    return folder


def deploy(lh, root: Path, *args: str):
    return lh("-C", root, "--yes", "deploy", *args)


@pytest.fixture
def project(tmp_path: Path, lambda_role: str) -> Path:
    return write_project(tmp_path / "shop", lambda_role)


def test_first_plan_adds_everything_and_reads_only(lh, project, monkeypatch) -> None:
    calls = recording(monkeypatch)
    result = lh("-C", project, "plan", "--exit-code")
    assert result.code == 2, result.err
    assert result.out.count("+ Add") == 3
    assert "3 to add, 0 to modify, 0 to delete, 0 unchanged" in result.out
    assert mutating(calls.names) == []


def test_deploy_creates_all_then_nothing_changes(lh, project, boto, monkeypatch) -> None:
    first = deploy(lh, project)
    assert first.code == 0, first.err
    lam = boto("lambda")
    for name in ("alpha", "beta", "gamma"):
        conf = lam.get_function(FunctionName=f"shop-{name}")
        assert conf["Configuration"]["MemorySize"] == 256
        assert conf["Tags"][OWNER_TAG] == "shop" and conf["Tags"]["team"] == "orders"
        assert lam.get_alias(FunctionName=f"shop-{name}", Name="current")["FunctionVersion"] == "1"
    plan = lh("-C", project, "plan", "--exit-code")
    assert plan.code == 0, plan.out + plan.err
    assert "0 to add, 0 to modify, 0 to delete, 3 unchanged" in plan.out
    calls = recording(monkeypatch)
    again = deploy(lh, project)
    assert again.code == 0, again.err
    assert mutating(calls.names) == []
    assert "3 unchanged" in again.out


def test_only_the_two_changed_functions_are_touched(lh, project, boto, monkeypatch) -> None:
    assert deploy(lh, project).code == 0
    (project / "functions" / "alpha" / "app.py").write_text(BODY + "# v2\n")
    write_function(project, "beta", MemorySize=512)
    plan = lh("-C", project, "--output", "json", "plan", "--exit-code")
    assert plan.code == 2
    doc = json.loads(plan.out)
    ops = {f["function"]: (f["operation"], f["changes"]) for f in doc["functions"]}
    assert ops["shop-alpha"][0] == "modify" and "code" in ops["shop-alpha"][1]
    assert ops["shop-beta"] == ("modify", ["MemorySize", "version", "alias current"])
    assert ops["shop-gamma"] == ("none", [])
    calls = recording(monkeypatch)
    result = deploy(lh, project)
    assert result.code == 0, result.err
    touched = {p.get("FunctionName") for n, p in calls.calls if n in set(mutating(calls.names))}
    assert touched == {"shop-alpha", "shop-beta"}
    assert "UpdateFunctionCode" in calls.names
    assert [p["FunctionName"] for p in calls.params_of("UpdateFunctionCode")] == ["shop-alpha"]
    assert (
        boto("lambda").get_function(FunctionName="shop-beta")["Configuration"]["MemorySize"] == 512
    )


def test_prune_deletes_only_owned_functions_whose_folder_is_gone(
    lh, project, boto, lambda_role, monkeypatch
) -> None:
    assert deploy(lh, project).code == 0
    lam = boto("lambda")
    lam.create_function(  # similar name, not owned by the project
        FunctionName="shop-gamma-manual",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": _zip()},
        Tags={"team": "orders"},
    )
    lam.create_function(  # owned by another project
        FunctionName="shop-other",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": _zip()},
        Tags={OWNER_TAG: "not-shop"},
    )
    import shutil

    shutil.rmtree(project / "functions" / "gamma")
    plan = lh("-C", project, "plan")
    assert "- Delete" in plan.out and "shop-gamma" in plan.out
    assert plan.out.count("- Delete") == 1
    assert "shop-gamma-manual" not in plan.out
    without = deploy(lh, project)  # no --prune: nothing deleted
    assert without.code == 0
    assert lam.get_function(FunctionName="shop-gamma")
    result = deploy(lh, project, "--prune")
    assert result.code == 0, result.err
    names = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert names == {"shop-alpha", "shop-beta", "shop-gamma-manual", "shop-other"}


def test_prune_asks_first_without_yes(lh, project, boto) -> None:
    assert deploy(lh, project).code == 0
    import shutil

    shutil.rmtree(project / "functions" / "gamma")
    result = lh("-C", project, "deploy", "--prune")
    assert result.code != 0
    assert "shop-gamma" in {f["FunctionName"] for f in boto("lambda").list_functions()["Functions"]}


def test_stages_select_region_and_settings(lh, tmp_path, lambda_role, boto) -> None:
    import boto3

    root = write_project(
        tmp_path / "shop",
        lambda_role,
        names=("alpha",),
        extra=(
            "[stages.prod]\n"
            'region = "eu-west-1"\n'
            'defaults = { MemorySize = 1024, Environment = { Variables = { STAGE = "prod" } } }\n'
            "[stages.dev]\n"
            "defaults = { MemorySize = 128 }\n"
        ),
    )
    assert lh("-C", root, "--stage", "dev", "--yes", "deploy").code == 0
    prod = lh("-C", root, "--stage", "prod", "--yes", "deploy")
    assert prod.code == 0, prod.err
    dev_conf = boto("lambda").get_function(FunctionName="shop-alpha")["Configuration"]
    assert dev_conf["MemorySize"] == 128
    endpoint = boto("lambda").meta.endpoint_url
    eu = boto3.client("lambda", region_name="eu-west-1", endpoint_url=endpoint)
    prod_conf = eu.get_function(FunctionName="shop-alpha")["Configuration"]
    assert prod_conf["MemorySize"] == 1024
    assert prod_conf["Environment"]["Variables"] == {"STAGE": "prod"}
    unknown = lh("-C", root, "--stage", "qa", "plan")
    assert unknown.code == 1 and "no stage 'qa' (stages: dev, prod)" in unknown.err


def test_one_failure_does_not_stop_the_others(lh, project, boto, monkeypatch) -> None:
    write_function(project, "beta", Role="arn:aws:iam::123456789012:role/does-not-exist")
    result = deploy(lh, project, "--parallel", "2")
    assert result.code == 1
    names = {f["FunctionName"] for f in boto("lambda").list_functions()["Functions"]}
    assert {"shop-alpha", "shop-gamma"} <= names


def test_fail_fast_skips_functions_not_started(lh, project, boto) -> None:
    write_function(project, "alpha", Role="arn:aws:iam::123456789012:role/does-not-exist")
    result = deploy(lh, project, "--parallel", "1", "--fail-fast")
    assert result.code == 1
    assert "1 failed, 2 skipped" in result.out
    assert "error: shop-alpha:" in result.err
    assert boto("lambda").list_functions()["Functions"] == []


def test_throttles_are_retried_not_fatal(lh, project, boto, monkeypatch) -> None:
    from deploy_testkit import error_response, inject_failures

    sent = inject_failures(
        monkeypatch, "CreateFunction", error_response(429, "TooManyRequestsException"), 3
    )
    result = deploy(lh, project)
    assert result.code == 0, result.err
    assert len(sent) >= 6  # 3 throttled + 3 accepted
    assert len(boto("lambda").list_functions()["Functions"]) == 3


def test_only_limits_plan_and_deploy(lh, project, boto) -> None:
    result = deploy(lh, project, "--only", "shop-a*", "--only", "functions/beta")
    assert result.code == 0, result.err
    names = {f["FunctionName"] for f in boto("lambda").list_functions()["Functions"]}
    assert names == {"shop-alpha", "shop-beta"}
    plan = lh("-C", project, "plan", "--only", "gamma")
    assert "shop-gamma" in plan.out and "shop-alpha" not in plan.out
    none = lh("-C", project, "plan", "--only", "nothing*")
    assert none.code == 1 and "matches no function" in none.err


def test_invalid_function_stops_before_any_call(lh, project, monkeypatch) -> None:
    write_function(project, "beta", MemorySize=20000)
    calls = recording(monkeypatch)
    result = deploy(lh, project)
    assert result.code == 1
    assert "functions/beta/function.json" in result.err and "MemorySize" in result.err
    assert "Traceback" not in result.err
    assert mutating(calls.names) == []


def test_single_function_folder_plan_still_works(lh, tmp_path, lambda_role) -> None:
    folder = tmp_path / "single"
    folder.mkdir()
    (folder / "function.json").write_text(
        json.dumps(
            {
                "FunctionName": "solo",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": lambda_role,
            }
        )
    )
    (folder / "app.py").write_text(BODY)
    result = lh("-C", folder, "plan", "--exit-code")
    assert result.code == 2, result.err
    assert "CreateFunction solo" in result.out


def test_deploy_builds_dependencies_first(lh, project, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(tmp_path / "cache"))
    folder = project / "functions" / "alpha"
    (folder / "requirements.txt").write_text("six==1.17.0\n")
    result = deploy(lh, project)
    assert result.code == 0, result.err
    assert "alpha: dependencies installed" in result.err
    assert (folder / ".lambherd" / "build" / "six.py").is_file()
    calls = recording(monkeypatch)
    again = deploy(lh, project)
    assert again.code == 0 and "dependencies" not in again.err
    assert mutating(calls.names) == []


def test_inside_a_function_folder_only_that_function(lh, project, boto, monkeypatch) -> None:
    calls = recording(monkeypatch)
    dry = lh("-C", project, "deploy", "--dry-run")
    assert dry.code == 0 and dry.out.count("+ Add") == 3
    assert mutating(calls.names) == []
    result = lh("-C", project / "functions" / "beta", "deploy")
    assert result.code == 0, result.err
    names = [f["FunctionName"] for f in boto("lambda").list_functions()["Functions"]]
    assert names == ["shop-beta"]
    conf = boto("lambda").get_function(FunctionName="shop-beta")
    assert conf["Configuration"]["MemorySize"] == 256 and conf["Tags"][OWNER_TAG] == "shop"


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", BODY)
    return buf.getvalue()
