"""``archive`` builds exactly the zip deploy uploads (its hash is the deployed CodeSha256, the
dependency build included) and needs no AWS unless Code or Runtime come from it.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import free_port
from lambherd.app import RenderOptions
from lambherd.archive import LAMBROLL_DEFAULT_EXCLUDES
from lambherd.archive.function_package import PACKAGE_FIELDS
from lambherd.definition.loader import load_function_for
from lambherd.definition.template_functions import AWS_PLACEHOLDER

ROOT = Path(__file__).resolve().parent.parent


APP = "import six\n\ndef handler(event, context):\n    return six.__version__\n"


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere and no endpoint: any AWS call would fail."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "LAMBHERD_SANDBOX",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def _refuse_clients():
    raise AssertionError("AWS clients were asked for")


@pytest.mark.slow
def test_archive_hash_equals_deployed_code_sha256_with_dependency_build(
    lh, boto, lambda_role, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "deps"
    folder.mkdir()
    config = {
        "FunctionName": "with-deps",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": lambda_role,
    }
    (folder / "function.json").write_text(json.dumps(config))
    (folder / ".lambdaignore").write_text("\n".join(LAMBROLL_DEFAULT_EXCLUDES))
    (folder / "app.py").write_text(APP)
    (folder / "requirements.txt").write_text("six==1.17.0\n")
    built = lh("-C", folder, "build")
    assert built.code == 0, built.err
    assert (folder / ".lambherd" / "build" / "six.py").is_file()

    archived = lh("-C", folder, "--output", "json", "archive")
    assert archived.code == 0, archived.err
    local_sha = json.loads(archived.out)["code_sha256"]
    with zipfile.ZipFile(folder / "function.zip") as zf:
        names = zf.namelist()
    assert "six.py" in names and "app.py" in names  # the build at the root, beside the code
    assert not [n for n in names if n.startswith(".lambherd")]  # no build.json, no copy

    deployed = lh("-C", folder, "deploy")
    assert deployed.code == 0, deployed.err
    remote = boto("lambda").get_function(FunctionName="with-deps")["Configuration"]
    assert remote["CodeSha256"] == local_sha
    again = lh("-C", folder, "--output", "json", "archive")
    assert json.loads(again.out)["code_sha256"] == local_sha  # the deploy's build changed nothing


@pytest.mark.parametrize("style", ["lambroll", "gitignore"])
def test_lambherd_folder_is_always_left_out(tmp_path: Path, style: str) -> None:
    from lambherd.archive import build_archive

    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / ".lambherd").mkdir()
    (tmp_path / ".lambherd" / "imported.json").write_text("{}")
    build_archive(tmp_path, tmp_path / "out.zip", ignore_style=style)
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.namelist() == ["app.py"]


def test_archive_of_example_without_credentials(lh, no_aws, tmp_path: Path) -> None:
    folder = tmp_path / "hello"
    shutil.copytree(ROOT / "examples" / "hello", folder)
    result = lh("-C", folder, "--output", "json", "archive")
    assert result.code == 0, result.err
    with zipfile.ZipFile(folder / "function.zip") as zf:
        assert "app.py" in zf.namelist()
    assert json.loads(result.out)["code_sha256"]


def test_archive_with_sandbox_flag_does_not_start_it(
    lh, no_aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "sandbox-state"
    monkeypatch.setenv("LAMBHERD_SANDBOX_DIR", str(state))
    monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", str(free_port()))
    folder = tmp_path / "hello"
    shutil.copytree(ROOT / "examples" / "hello", folder)
    try:
        result = lh("-C", folder, "--sandbox", "archive")
        assert result.code == 0, result.err
        assert "sandbox started" not in result.err
        assert not state.exists() or not any(state.iterdir())
    finally:
        if state.exists():
            lh("--sandbox", "sandbox", "stop")


def test_packaging_render_uses_placeholders_only_outside_code(tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text(
        '{"FunctionName": "f", "Runtime": "python3.12",'
        ' "Role": "arn:aws:iam::{{ caller_identity.Account }}:role/r",'
        ' "Environment": {"Variables": {"P": "{{ ssm `/p` }}"}}}'
    )
    defn = load_function_for(
        tmp_path / "function.json", PACKAGE_FIELDS, RenderOptions(), _refuse_clients
    )
    assert defn.config["Runtime"] == "python3.12"
    assert AWS_PLACEHOLDER in defn.config["Role"]


@pytest.mark.slow
def test_packaging_render_asks_aws_when_code_comes_from_it(aws, boto, tmp_path: Path) -> None:
    boto("ssm").put_parameter(Name="/bucket", Value="code-bucket", Type="String")
    (tmp_path / "function.json").write_text(
        '{"FunctionName": "f", "Code": {"S3Bucket": "{{ ssm `/bucket` }}", "S3Key": "k.zip"}}'
    )
    defn = load_function_for(tmp_path / "function.json", PACKAGE_FIELDS, RenderOptions())
    assert defn.config["Code"]["S3Bucket"] == "code-bucket"  # the real value, not a placeholder


def test_packaging_render_asks_aws_when_placeholder_breaks_json(aws, boto, tmp_path) -> None:
    boto("ssm").put_parameter(Name="/mem", Value="256", Type="String")
    (tmp_path / "function.json").write_text(
        '{"FunctionName": "f", "MemorySize": {{ ssm `/mem` }}, "Runtime": "python3.12"}'
    )
    defn = load_function_for(tmp_path / "function.json", PACKAGE_FIELDS, RenderOptions())
    assert defn.config["MemorySize"] == 256
