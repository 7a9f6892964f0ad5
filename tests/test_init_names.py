"""``init``: names checked against the Lambda model before any AWS call, a function ARN accepted,
and which definition file is read when both kinds are present (against moto's server).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_testkit import assert_one_error
from conftest import free_port


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--function-name", "bad name!"], "--function-name 'bad name!' is not a valid"),
        (["--function-name", "x" * 300], "at most 256 characters"),
        (["--function-name", "orders", "--qualifier", "a b"], "--qualifier 'a b' is not a valid"),
    ],
)
def test_init_refuses_invalid_names_before_calling_aws(
    tmp_path: Path, lh, args: list[str], needle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No AWS at all: the name is checked before any call (an unreachable endpoint would hang).
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = lh("-C", tmp_path, "init", *args)
    assert_one_error(result, needle)
    assert len(result.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_init_accepts_function_arn(aws, boto, lambda_role, tmp_path: Path, lh) -> None:
    from aws_testkit import tiny_zip

    resp = boto("lambda").create_function(
        FunctionName="byarn",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
    )
    result = lh("-C", tmp_path, "init", "--function-name", resp["FunctionArn"])
    assert result.code == 0, result.err
    assert json.loads((tmp_path / "function.json").read_text())["FunctionName"] == "byarn"


def test_init_jsonnet_next_to_function_json_says_which_is_read(
    aws, boto, lambda_role, tmp_path: Path, lh
) -> None:
    from aws_testkit import tiny_zip

    boto("lambda").create_function(
        FunctionName="both",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
    )
    assert lh("-C", tmp_path, "init", "--function-name", "both").code == 0
    result = lh("-C", tmp_path, "init", "--function-name", "both", "--jsonnet")
    assert result.code == 0, result.err
    assert "function.json is also here and is read first" in result.err
    assert (tmp_path / "function.jsonnet").is_file()
