"""A project's stage applies to every command run in it (its region, profile and envfiles; a
command-line flag still wins), single-function commands in a project folder see its defaults and
owner tag, and a bad stage is one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import recording
from lambherd.project.config import OWNER_TAG
from project_testkit import deploy, write_function, write_project

pytestmark = pytest.mark.slow  # every test deploys to two regions first

PROD = '[stages.prod]\nregion = "eu-west-1"\n'


def _lambda(boto, region: str) -> Any:
    import boto3

    return boto3.client("lambda", region_name=region, endpoint_url=boto("lambda").meta.endpoint_url)


@pytest.fixture
def client_regions(monkeypatch) -> list[str]:
    """The region of every AWS client a command makes."""
    from lambherd.aws import AwsClients

    seen: list[str] = []
    original = AwsClients.client

    def client(self: AwsClients, service: str) -> Any:
        made = original(self, service)
        seen.append(made.meta.region_name)
        return made

    monkeypatch.setattr(AwsClients, "client", client)
    return seen


@pytest.fixture
def two_regions(lh, tmp_path, lambda_role) -> Path:
    """shop-alpha deployed twice in the default region (us-east-1) and twice in prod's."""
    root = write_project(tmp_path / "shop", lambda_role, names=("alpha",), extra=PROD)
    app_py = root / "functions" / "alpha" / "app.py"
    for n in (1, 2):
        app_py.write_text(f"def handler(e, c):\n    return {n}\n")
        for stage in ((), ("--stage", "prod")):
            result = lh("-C", root, *stage, "--yes", "deploy")
            assert result.code == 0, result.err
    return root


def test_status_and_versions_under_a_stage_read_the_stage_region(lh, two_regions) -> None:
    alpha = two_regions / "functions" / "alpha"
    staged = lh("-C", alpha, "--stage", "prod", "--output", "json", "status")
    assert staged.code == 0, staged.err
    assert json.loads(staged.out)["arn"].startswith("arn:aws:lambda:eu-west-1:")
    plain = lh("-C", alpha, "--output", "json", "status")
    assert json.loads(plain.out)["arn"].startswith("arn:aws:lambda:us-east-1:")


def test_rollback_under_a_stage_moves_only_the_stage_regions_alias(lh, two_regions, boto) -> None:
    alpha = two_regions / "functions" / "alpha"
    result = lh("-C", alpha, "--stage", "prod", "rollback")
    assert result.code == 0, result.err
    prod, default = _lambda(boto, "eu-west-1"), _lambda(boto, "us-east-1")
    assert prod.get_alias(FunctionName="shop-alpha", Name="current")["FunctionVersion"] == "1"
    assert default.get_alias(FunctionName="shop-alpha", Name="current")["FunctionVersion"] == "2"


def test_delete_under_a_stage_deletes_only_in_the_stage_region(lh, two_regions, boto) -> None:
    alpha = two_regions / "functions" / "alpha"
    result = lh("-C", alpha, "--stage", "prod", "--yes", "delete")
    assert result.code == 0, result.err
    assert _lambda(boto, "eu-west-1").list_functions()["Functions"] == []
    assert [
        f["FunctionName"] for f in _lambda(boto, "us-east-1").list_functions()["Functions"]
    ] == ["shop-alpha"]


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "--exit-code"),
        ("versions",),
        ("invoke", "--payload", "{}", "--dry-run"),
        ("logs", "--since", "1h"),
        ("metrics",),
        ("test",),
        ("plan",),
    ],
    ids=lambda a: a[0],
)
def test_every_command_under_a_stage_talks_to_the_stage_region(
    lh, two_regions, client_regions, args
) -> None:
    alpha = two_regions / "functions" / "alpha"
    (alpha / "tests.yaml").write_text("- name: smoke\n  payload: {}\n")
    client_regions.clear()
    result = lh("-C", alpha, "--stage", "prod", *args)
    assert "Traceback" not in result.err
    assert client_regions, f"{args[0]} made no AWS client: {result.err}"
    assert set(client_regions) == {"eu-west-1"}, (args, client_regions)


def test_command_line_region_beats_the_stage_for_single_function_commands(lh, two_regions) -> None:
    alpha = two_regions / "functions" / "alpha"
    result = lh("-C", alpha, "--region", "ap-south-1", "--stage", "prod", "status")
    assert result.code != 0
    assert "shop-alpha: function not found" in result.err


def test_stage_envfile_renders_single_function_commands(lh, tmp_path, lambda_role, monkeypatch):
    monkeypatch.setenv("GREETING", "from-env")  # restored at teardown; envfiles set it in-process
    root = write_project(
        tmp_path / "shop", lambda_role, names=(), extra=PROD + 'envfile = ".env.prod"\n'
    )
    alpha = write_function(root, "alpha")
    (alpha / "function.json").write_text(
        '{"FunctionName": "shop-alpha",\n'
        ' "Environment": {"Variables": {"GREETING": "{{ must_env `GREETING` }}"}}}\n'
    )
    (root / ".env.prod").write_text("GREETING=from-stage\n")
    (alpha / ".env.cli").write_text("GREETING=from-command-line\n")

    def greeting(*args: str) -> str:
        result = lh("-C", alpha, *args, "render")
        assert result.code == 0, result.err
        return json.loads(result.out)["Environment"]["Variables"]["GREETING"]

    assert greeting() == "from-env"
    assert greeting("--stage", "prod") == "from-stage"  # the stage beats the environment
    assert greeting("--stage", "prod", "--envfile", ".env.cli") == "from-command-line"


def test_diff_in_a_function_folder_compares_with_defaults_and_owner_tag(
    lh, tmp_path, lambda_role, boto
) -> None:
    root = write_project(tmp_path / "shop", lambda_role, names=("alpha", "beta"))
    assert deploy(lh, root).code == 0
    alpha = root / "functions" / "alpha"
    # function.json holds only FunctionName: Runtime, Role, MemorySize and Tags are defaults
    same = lh("-C", alpha, "diff", "--exit-code")
    assert same.code == 0, same.out + same.err
    lam = boto("lambda")
    arn = lam.get_function(FunctionName="shop-alpha")["Configuration"]["FunctionArn"]
    lam.untag_resource(Resource=arn, TagKeys=[OWNER_TAG])
    differs = lh("-C", alpha, "diff", "--exit-code")
    assert differs.code == 2
    assert f'+    "{OWNER_TAG}": "shop"' in differs.out


def test_unknown_stage_is_one_line_listing_the_stages_for_any_command(
    lh, two_regions, monkeypatch
) -> None:
    calls = recording(monkeypatch)
    alpha = two_regions / "functions" / "alpha"
    for command in ("status", "rollback", "invoke"):
        result = lh("-C", alpha, "--stage", "qa", command)
        assert result.code == 1, command
        assert result.err == "error: lambherd.toml: no stage 'qa' (stages: prod)\n", command
    assert calls.names == []


def test_stage_without_a_project_file_is_one_line(lh, tmp_path, monkeypatch) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "lonely"}')
    calls = recording(monkeypatch)
    result = lh("-C", tmp_path, "--stage", "prod", "invoke", "--payload", "{}")
    assert result.code == 1
    assert result.err == f"error: --stage prod: no lambherd.toml in {tmp_path.resolve()} or above\n"
    monkeypatch.setenv("LAMBHERD_STAGE", "prod")
    from_env = lh("-C", tmp_path, "status")
    assert from_env.err.startswith("error: LAMBHERD_STAGE=prod: no lambherd.toml in ")
    assert calls.names == []
