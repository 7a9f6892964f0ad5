"""Single-function commands in a project's function folder load the definition as the project
deploys it ([defaults], the stage's defaults, the ownership tag); rollback's default alias is the
project's; help works whatever state lambherd.toml is in. AWS calls go to moto's server.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lambherd.project.config import OWNER_TAG
from project_testkit import write_project

PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
ROLE = "arn:aws:iam::123456789012:role/lambda"
#: A definition whose Role needs AWS (ssm): only commands that need every field may look it up.
SSM_ROLE = {"FunctionName": "shop-alpha", "Role": "{{ ssm `/shop/role` }}"}


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fails any AWS client being made: the command must work without AWS."""
    from lambherd.aws import AwsClients

    made: list[str] = []

    def client(self: AwsClients, service: str) -> Any:
        made.append(service)
        raise AssertionError(f"an AWS client was made: {service}")

    monkeypatch.setattr(AwsClients, "client", client)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return made


@pytest.fixture
def shared_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(cache))
    return cache


def seed_build_cache(folder: Path, python: str, machine: str) -> None:
    """Put the build of ``folder``'s requirements for (python, machine) in the shared cache,
    so a build for exactly that platform is a cache hit (no installer, no network)."""
    from lambherd.build import cache, find_dependencies

    spec = find_dependencies(folder)
    assert spec is not None
    tree = cache.shared_cache_root() / cache.cache_key(spec, python, machine)
    tree.mkdir(parents=True)
    (tree / "vendored.py").write_text("VERSION = 1\n")


def arm_project(tmp_path: Path) -> Path:
    """Project shop whose [defaults] give Runtime python3.12 and Architectures arm64; alpha's
    function.json holds only FunctionName and an ssm Role, and a requirements.txt."""
    root = write_project(
        tmp_path / "shop", ROLE, names=("alpha", "beta"), extra='Architectures = ["arm64"]\n'
    )
    alpha = root / "functions" / "alpha"
    (alpha / "function.json").write_text(json.dumps(SSM_ROLE))
    (alpha / "requirements.txt").write_text("vendored==1.0\n")
    return root


# -- render / validate ----------------------------------------------------------------------
def test_render_in_a_function_folder_shows_defaults_stage_defaults_and_owner_tag(
    lh, tmp_path
) -> None:
    root = write_project(
        tmp_path / "shop", ROLE, names=("alpha",), extra="[stages.prod.defaults]\nTimeout = 30\n"
    )
    alpha = root / "functions" / "alpha"
    plain = lh("-C", alpha, "render")
    assert plain.code == 0, plain.err
    config = json.loads(plain.out)
    assert config["Runtime"] == "python3.12" and config["Role"] == ROLE
    assert config["MemorySize"] == 256 and "Timeout" not in config
    assert config["Tags"] == {"team": "orders", OWNER_TAG: "shop"}
    staged = json.loads(lh("-C", alpha, "--stage", "prod", "render").out)
    assert staged["Timeout"] == 30


def test_validate_in_a_function_folder_uses_the_defaults(lh, tmp_path) -> None:
    root = write_project(tmp_path / "shop", ROLE, names=("alpha",))
    alpha = root / "functions" / "alpha"
    result = lh("-C", alpha, "validate")
    assert result.code == 0, result.err
    assert result.out == "function.json: ok\n"
    # the same function.json on its own lacks what the defaults gave it
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "function.json").write_text((alpha / "function.json").read_text())
    assert lh("-C", alone, "validate").code == 1


# -- archive / build: the defaults' platform, no AWS ----------------------------------------
def test_archive_builds_for_the_defaults_platform_without_aws(
    lh, tmp_path, shared_cache, no_aws
) -> None:
    root = arm_project(tmp_path)
    alpha = root / "functions" / "alpha"
    seed_build_cache(alpha, "3.12", "aarch64")  # python3.12 + arm64 come from [defaults]
    result = lh("-C", alpha, "--output", "json", "archive")
    assert result.code == 0, result.err
    with zipfile.ZipFile(alpha / "function.zip") as zf:
        assert sorted(zf.namelist()) == ["app.py", "requirements.txt", "vendored.py"]
    assert no_aws == []


def test_build_in_a_function_folder_builds_it_for_the_defaults_platform_without_aws(
    lh, tmp_path, shared_cache, no_aws
) -> None:
    root = arm_project(tmp_path)
    alpha, beta = root / "functions" / "alpha", root / "functions" / "beta"
    seed_build_cache(alpha, "3.12", "aarch64")
    result = lh("-C", alpha, "build")
    assert result.code == 0, result.err
    assert result.out.startswith("alpha: from cache (python3.12 aarch64, 1 requirement(s))")
    assert "beta" not in result.out  # run in alpha's folder: alpha only, as deploy does
    assert (alpha / ".lambherd" / "build" / "vendored.py").is_file()
    assert not (beta / ".lambherd").exists()
    everything = lh("-C", root, "build")
    assert everything.code == 0, everything.err
    assert "alpha: up to date" in everything.out and "beta: nothing to build" in everything.out
    assert no_aws == []


def test_build_function_options_in_a_project(lh, tmp_path, shared_cache, no_aws) -> None:
    root = arm_project(tmp_path)
    alpha = root / "functions" / "alpha"
    seed_build_cache(alpha, "3.12", "aarch64")
    # --function naming a project folder: that project function
    named = lh("-C", root, "--function", "functions/alpha", "build")
    assert named.code == 0, named.err
    assert named.out.startswith("alpha: from cache (python3.12 aarch64")
    assert "beta" not in named.out
    # --function naming another definition in the folder: on its own, with the defaults
    (alpha / "function.big.json").write_text(json.dumps({**SSM_ROLE, "MemorySize": 1024}))
    other = lh("-C", root, "--function", "functions/alpha/function.big.json", "build")
    assert other.code == 0, other.err
    assert other.out.startswith("alpha: up to date")  # same platform: the same build
    only = lh("-C", root, "--function", "functions/alpha/function.big.json", "build", "--only", "x")
    assert only.code == 1
    assert only.err == "error: --only: selects functions of a project; --function names one\n"
    assert no_aws == []


def test_build_still_asks_aws_when_the_platform_comes_from_aws(lh, tmp_path, no_aws) -> None:
    root = arm_project(tmp_path)
    alpha = root / "functions" / "alpha"
    (alpha / "function.json").write_text(
        json.dumps({"FunctionName": "shop-alpha", "Runtime": "{{ ssm `/shop/runtime` }}"})
    )
    with pytest.raises(AssertionError, match="an AWS client was made: ssm"):
        lh("-C", alpha, "build")


# -- local invoke / test --local --------------------------------------------------------------
LOCAL_DEFAULTS = f"""[project]
name = "shop"
[defaults]
Runtime = "{PY}"
Handler = "app.handler"
Role = "{ROLE}"
Environment = {{ Variables = {{ GREETING = "from-defaults" }} }}
"""


@pytest.fixture
def local_alpha(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project function whose Runtime, Handler and Environment all come from [defaults]."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    root = tmp_path / "shop"
    alpha = root / "functions" / "alpha"
    alpha.mkdir(parents=True)
    (root / "lambherd.toml").write_text(LOCAL_DEFAULTS)
    (alpha / "function.json").write_text(json.dumps({"FunctionName": "shop-alpha"}))
    (alpha / "app.py").write_text(
        "import os\n\n\ndef handler(event, context):\n"
        "    return {'greeting': os.environ['GREETING']}\n"
    )
    return alpha


@pytest.mark.timeout(60)
def test_local_invoke_runs_with_the_defaults(lh, local_alpha, no_aws) -> None:
    result = lh("-C", local_alpha, "local", "invoke")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"greeting": "from-defaults"}
    assert no_aws == []


@pytest.mark.timeout(60)
def test_test_local_runs_with_the_defaults(lh, local_alpha) -> None:
    (local_alpha / "tests.yaml").write_text(
        "- name: greets\n  payload: {}\n  expect:\n    contains: {greeting: from-defaults}\n"
    )
    result = lh("-C", local_alpha, "test", "--local")
    assert result.code == 0, result.out + result.err
    assert "PASS greets" in result.out and "1 passed, 0 failed" in result.out


def test_local_start_spec_has_the_defaults(local_alpha) -> None:
    """``local start`` and ``local invoke`` build their spec with ``load_local_spec``."""
    from lambherd.app import App
    from lambherd.local.definition_spec import load_local_spec
    from lambherd.project.context import attach_project

    spec = load_local_spec(attach_project(App(workdir=local_alpha)))
    assert (spec.runtime, spec.handler) == (PY, "app.handler")
    assert spec.environment == {"GREETING": "from-defaults"}


# -- list: the managed-here mark ------------------------------------------------------------
def test_list_marks_the_project_function_without_rendering_its_aws_values(
    lh, tmp_path, lambda_role, boto
) -> None:
    root = write_project(tmp_path / "shop", lambda_role, names=("alpha", "beta"))
    assert lh("-C", root, "--yes", "deploy").code == 0
    alpha = root / "functions" / "alpha"
    (alpha / "function.json").write_text(json.dumps(SSM_ROLE))  # no such parameter in moto
    result = lh("-C", alpha, "--output", "json", "list")
    assert result.code == 0, result.err
    assert "warning" not in result.err
    marks = {row["name"]: row["managed"] for row in json.loads(result.out)}
    assert marks == {"shop-alpha": True, "shop-beta": False}


# -- rollback: the project's alias ------------------------------------------------------------
@pytest.mark.slow
def test_rollback_defaults_to_the_projects_alias(lh, tmp_path, lambda_role, boto) -> None:
    root = write_project(
        tmp_path / "shop",
        lambda_role,
        names=("alpha",),
        extra='alias = "live"\n[functions.beta]\nalias = "blue"\n',
    )
    alpha = root / "functions" / "alpha"
    for n in (1, 2):
        (alpha / "app.py").write_text(f"def handler(e, c):\n    return {n}\n")
        assert lh("-C", root, "--yes", "deploy").code == 0
    lam = boto("lambda")
    assert lam.get_alias(FunctionName="shop-alpha", Name="live")["FunctionVersion"] == "2"
    dry = lh("-C", alpha, "rollback", "--dry-run")
    assert dry.code == 0, dry.err
    assert "live" in dry.out and "current" not in dry.out
    result = lh("-C", alpha, "rollback")
    assert result.code == 0, result.err
    assert lam.get_alias(FunctionName="shop-alpha", Name="live")["FunctionVersion"] == "1"
    missing = lh("-C", alpha, "rollback", "--alias", "current")  # an explicit alias still wins
    assert missing.code != 0
    assert "alias 'current' not found" in missing.err


def test_rollback_help_names_the_project_default(lh) -> None:
    result = lh("rollback", "--help")
    assert result.code == 0
    assert "project's alias" in result.out


# -- help never reads the project -------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("deploy", "--help"),
        ("status", "-h"),
        ("local", "invoke", "--help"),
        ("--stage", "nope", "deploy", "--help"),
    ],
    ids=" ".join,
)
def test_help_works_with_a_broken_project_file(lh, tmp_path, args) -> None:
    (tmp_path / "lambherd.toml").write_text("[project\nname =")
    result = lh("-C", tmp_path, *args)
    assert result.code == 0, result.err
    assert "Usage: lambherd" in result.out
    assert "error" not in result.err


def test_a_group_alone_shows_its_usage_not_the_project_error(lh, tmp_path) -> None:
    (tmp_path / "lambherd.toml").write_text("[project\nname =")
    result = lh("-C", tmp_path, "local")
    assert result.code == 2  # click's code for a group run without a command
    assert result.err.startswith("Usage: lambherd local [OPTIONS] COMMAND")
    assert "lambherd.toml" not in result.err


def test_help_works_with_an_unknown_stage(lh, tmp_path) -> None:
    write_project(tmp_path / "shop", ROLE, names=("alpha",))
    alpha = tmp_path / "shop" / "functions" / "alpha"
    result = lh("-C", alpha, "--stage", "qa", "rollback", "--help")
    assert result.code == 0 and "Usage: lambherd rollback" in result.out
    real = lh("-C", alpha, "--stage", "qa", "rollback")
    assert real.err == "error: lambherd.toml: no stage 'qa' (stages: none defined)\n"


def test_real_runs_still_read_the_broken_project_file(lh, tmp_path) -> None:
    (tmp_path / "lambherd.toml").write_text("[project\nname =")
    for args in (("deploy",), ("invoke", "--payload", "--help")):  # --help is a value here
        result = lh("-C", tmp_path, *args)
        assert result.code == 1, args
        assert result.err.startswith("error: lambherd.toml: invalid TOML: "), args
        assert result.err.count("\n") == 1


def test_single_function_command_at_the_project_root_says_where_to_run_it(
    lh, tmp_path: Path
) -> None:
    (tmp_path / "lambherd.toml").write_text('[project]\nname = "shop"\nfunctions = ["fn/*"]\n')
    result = lh("-C", tmp_path, "invoke", "--payload", "{}")
    assert result.code == 1
    assert "no function.json" in result.err
    assert "run it in a function folder" in result.err
    assert "Traceback" not in result.err
