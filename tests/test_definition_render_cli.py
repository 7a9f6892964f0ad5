"""``lambherd render`` end to end: global render options, --mask, one-line errors."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "definition"

FUNCTION_JSON = """{
  "FunctionName": "{{ must_env `FN_NAME` }}",
  "Role": "{{ tfstate `aws_iam_role.lambda.arn` }}",
  "Runtime": "python3.12",
  "Handler": "app.handler",
  "Environment": {"Variables": {
    "TOKEN": "{{ ssm `/cli/token` }}",
    "ACCOUNT": "{{ caller_identity.Account }}",
    "VPC": "{{ net_tfstate `output.vpc_id` }}"
  }},
  "VpcConfig": {"SubnetIds": ["{{ net_tfstatef `aws_subnet.private['%s'].id` (env `AZ` `az-a`) }}"]}
}
"""


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def project(boto, tmp_path: Path) -> Path:
    boto("ssm").put_parameter(Name="/cli/token", Value="very-secret", Type="SecureString")
    s3 = boto("s3")
    s3.create_bucket(Bucket="cli-states")
    s3.put_object(
        Bucket="cli-states", Key="net.tfstate", Body=(DATA / "network.tfstate").read_bytes()
    )
    (tmp_path / "function.json").write_text(FUNCTION_JSON)
    (tmp_path / "terraform.tfstate").write_bytes((DATA / "terraform.tfstate").read_bytes())
    (tmp_path / ".env").write_text("export FN_NAME=cli-function\nAZ='az-b'\n")
    return tmp_path


def base_args(project: Path) -> list[str]:
    return [
        "-C",
        str(project),
        "--envfile",
        ".env",
        "--tfstate",
        str(project / "terraform.tfstate"),
        "--prefixed-tfstate",
        "net_=s3://cli-states/net.tfstate",
    ]


@pytest.mark.slow
def test_render_prints_the_evaluated_definition(lh, project: Path) -> None:
    result = lh(*base_args(project), "render")
    assert result.code == 0, result.err
    config = json.loads(result.out)
    assert config == {
        "FunctionName": "cli-function",
        "Role": "arn:aws:iam::123456789012:role/managed-lambda",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Environment": {
            "Variables": {"TOKEN": "very-secret", "ACCOUNT": "123456789012", "VPC": "vpc-net"}
        },
        "VpcConfig": {"SubnetIds": ["subnet-net-b"]},
    }
    assert result.out.startswith('{\n  "FunctionName"')  # pretty, in file order


def test_render_mask_hides_every_environment_value(lh, project: Path) -> None:
    result = lh(*base_args(project), "render", "--mask")
    assert result.code == 0, result.err
    config = json.loads(result.out)
    assert set(config["Environment"]["Variables"].values()) == {"********"}
    assert "very-secret" not in result.out
    assert config["VpcConfig"]["SubnetIds"] == ["subnet-net-b"]


@pytest.mark.slow
def test_render_mask_paths(lh, project: Path) -> None:
    result = lh(
        *base_args(project),
        "render",
        "--mask",
        "Environment.Variables.TOKEN",
        "--mask",
        "VpcConfig.SubnetIds",
        "--mask",
        "Environment.Variables.NOPE",
    )
    assert result.code == 0, result.err
    config = json.loads(result.out)
    assert config["Environment"]["Variables"] == {
        "TOKEN": "********",
        "ACCOUNT": "123456789012",
        "VPC": "vpc-net",
    }
    assert config["VpcConfig"]["SubnetIds"] == ["********"]
    assert "warning: --mask Environment.Variables.NOPE: no such value" in result.err


def test_render_jsonnet_with_ext_options(lh, tmp_path: Path) -> None:
    (tmp_path / "function.jsonnet").write_text(
        "{ FunctionName: std.extVar('name'), MemorySize: std.extVar('mem'),"
        " Description: std.native('env')('NOT_SET_DESC', 'none') }"
    )
    result = lh("-C", tmp_path, "--ext-str", "name=jn", "--ext-code", "mem=64 * 2", "render")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "FunctionName": "jn",
        "MemorySize": 128,
        "Description": "none",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{\n  "FunctionName": "{{ must_env `NOT_DEFINED_VAR` }}"\n}',
            'error: template: function.json:2:22: executing "function.json" at '
            "<must_env `NOT_DEFINED_VAR`>: error calling must_env: environment variable "
            "NOT_DEFINED_VAR is not defined",
        ),
        (
            '{"FunctionName": "{{ nope_fn `x` }}"}',
            'error: template: function.json:1: function "nope_fn" not defined',
        ),
        (
            '{"Description": "{{ env `HAS_QUOTES` }}"}',
            "error: function.json:1:21: invalid JSON after rendering templates",
        ),
    ],
)
def test_render_errors_are_one_line_without_traceback(
    lh, tmp_path: Path, monkeypatch, text: str, expected: str
) -> None:
    monkeypatch.setenv("HAS_QUOTES", 'a "quoted" word')
    monkeypatch.delenv("NOT_DEFINED_VAR", raising=False)
    (tmp_path / "function.json").write_text(text)
    result = lh("-C", tmp_path, "render")
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines()[0].startswith(expected)
    assert "Traceback" not in result.err


def test_render_missing_tfstate_address_via_cli(lh, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text('{"Role": "{{ tfstate `aws_iam_role.gone.arn` }}"}')
    state = DATA / "terraform.tfstate"
    result = lh("-C", tmp_path, "--tfstate", state, "render")
    assert result.code == 1
    assert result.err == (
        'error: template: function.json:1:13: executing "function.json" at '
        "<tfstate `aws_iam_role.gone.arn`>: error calling tfstate: "
        f"aws_iam_role.gone.arn is not found in Terraform state {state}\n"
    )
