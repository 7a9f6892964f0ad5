"""Project follow-ups: a stage applies to every command run in a project, single-function
commands see the project's defaults and ownership tag, ``--function`` in a project, and the
``deploy`` options passed explicitly (and documented) for projects. AWS calls go to moto.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import recording
from lambherd.project.config import OWNER_TAG
from project_testkit import deploy, write_function, write_project

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


# -- 1. a stage applies to every command run in a project folder ----------------------------
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


# -- single-function commands in a project see its defaults and ownership tag ----------------
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


# -- unknown stage, stage without a project ------------------------------------------------
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


# -- 2. --function in a project -------------------------------------------------------------
def test_function_naming_a_project_folder_deploys_that_project_function(
    lh, tmp_path, lambda_role, boto
) -> None:
    root = write_project(tmp_path / "shop", lambda_role, names=("alpha", "beta"))
    plan = lh("-C", root, "--function", "functions/alpha", "plan")
    assert plan.code == 0, plan.err
    assert "shop-alpha" in plan.out and "shop-beta" not in plan.out
    result = lh("-C", root, "--yes", "--function", "functions/alpha/function.json", "deploy")
    assert result.code == 0, result.err
    assert "warning" not in result.err
    lam = boto("lambda")
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["shop-alpha"]
    got = lam.get_function(FunctionName="shop-alpha")
    assert got["Configuration"]["MemorySize"] == 256
    assert got["Tags"][OWNER_TAG] == "shop"


def test_function_naming_another_definition_in_a_project_folder_gets_the_defaults(
    lh, tmp_path, lambda_role, boto
) -> None:
    root = write_project(tmp_path / "shop", lambda_role, names=("alpha",))
    big = root / "functions" / "alpha" / "function.big.json"
    big.write_text(json.dumps({"FunctionName": "shop-alpha-big", "MemorySize": 1024}))
    result = lh("-C", root, "--yes", "--function", big, "deploy")
    assert result.code == 0, result.err
    assert "warning" not in result.err
    got = boto("lambda").get_function(FunctionName="shop-alpha-big")
    assert got["Configuration"]["MemorySize"] == 1024
    assert got["Configuration"]["Runtime"] == "python3.12"  # from [defaults]
    assert got["Tags"] == {"team": "orders", OWNER_TAG: "shop"}


def test_function_outside_the_project_folders_is_warned_about(
    lh, tmp_path, lambda_role, boto
) -> None:
    root = write_project(tmp_path / "shop", lambda_role, names=("alpha",))
    scratch = root / "scratch"
    scratch.mkdir()
    (scratch / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (scratch / "function.json").write_text(
        json.dumps(
            {
                "FunctionName": "scratch-fn",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": lambda_role,
            }
        )
    )
    result = lh("-C", root, "--yes", "--function", "scratch/function.json", "deploy")
    assert result.code == 0, result.err
    assert (
        "warning: --function scratch/function.json: not in a function folder of project shop "
        f"(functions/*); it is used on its own, without the project's [defaults] and {OWNER_TAG} "
        "tag"
    ) in result.err
    got = boto("lambda").get_function(FunctionName="scratch-fn")
    assert got["Configuration"]["MemorySize"] == 128  # Lambda's default, not the project's 256
    assert OWNER_TAG not in got.get("Tags", {})
    assert [f["FunctionName"] for f in boto("lambda").list_functions()["Functions"]] == [
        "scratch-fn"
    ]


# -- 3. deploy options: passed explicitly, documented per mode ------------------------------
def test_deploy_help_groups_options_by_where_they_apply(lh) -> None:
    result = lh("deploy", "--help")
    assert result.code == 0
    text = result.out
    both = text.index("Options for a function and for a project (applied to every function):")
    single = text.index("Single-function options (refused in a project):")
    project = text.index("Project options (refused without lambherd.toml):")
    assert both < single < project
    assert all(o in text[single:project] for o in ("--src", "--skip-archive", "--skip-function"))
    assert all(o in text[project:] for o in ("--parallel", "--only", "--fail-fast", "--prune"))
    assert all(o in text[both:single] for o in ("--alias ", "--keep-versions", "--dry-run"))


@pytest.mark.parametrize("args", [("--parallel", "2"), ("--only", "x"), ("--prune",)])
def test_project_options_without_a_project_are_refused(lh, tmp_path, monkeypatch, args) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "lonely"}')
    calls = recording(monkeypatch)
    result = lh("-C", tmp_path, "deploy", *args)
    assert result.code == 1
    assert result.err == f"error: {args[0]}: a project option; no lambherd.toml here\n"
    assert calls.names == []


def test_project_deploy_takes_its_overrides_as_arguments(tmp_path, lambda_role, boto) -> None:
    """No click context here: the switches reach the project deploy only as arguments."""
    from lambherd.app import App
    from lambherd.project.context import attach_project
    from lambherd.services.deploy import DeployRequest, deploy
    from lambherd.settings import RunSettings, command_line

    root = write_project(tmp_path / "shop", lambda_role, names=("alpha", "beta"))
    app = attach_project(App(workdir=root, assume_yes=True))
    assert app.project is not None
    request = DeployRequest(
        settings=command_line(alias="live"), run=RunSettings(parallel=1, only=("alpha",))
    )
    report = deploy(app, request)
    assert report.run.ok
    lam = boto("lambda")
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["shop-alpha"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName="shop-alpha")["Aliases"]] == ["live"]
