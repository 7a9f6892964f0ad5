"""``lambherd init`` for a function that does not exist yet: a working starter function."""

from __future__ import annotations

import importlib.util
import json
import types
from pathlib import Path

import pytest
import yaml

from lambherd.importing.function_files import url_permissions


def load_module(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"scaffold_app_{id(path)}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scaffold_for_a_missing_function(lh, aws, tmp_path: Path, monkeypatch) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "greeter")
    assert result.code == 0, result.err
    for name in ("function.json", "app.py", "tests.yaml", ".lambdaignore"):
        assert f"wrote {name}" in result.err
    assert "greeter does not exist yet" in result.err
    assert "next steps:" in result.err and "LAMBDA_ROLE_ARN" in result.err

    # The Role is a template: rendering fails clearly until the variable is set...
    monkeypatch.delenv("LAMBDA_ROLE_ARN", raising=False)
    unset = lh("-C", tmp_path, "render")
    assert unset.code == 1
    assert "LAMBDA_ROLE_ARN" in unset.err and "Traceback" not in unset.err

    # ...and renders to a complete definition once it is.
    role = "arn:aws:iam::123456789012:role/greeter"
    monkeypatch.setenv("LAMBDA_ROLE_ARN", role)
    rendered = lh("-C", tmp_path, "render")
    assert rendered.code == 0, rendered.err
    config = json.loads(rendered.out)
    assert config["FunctionName"] == "greeter"
    assert config["Runtime"] == "python3.12"
    assert config["Handler"] == "app.handler"
    assert config["Role"] == role
    assert config["MemorySize"] > 128 and config["Timeout"] > 3
    validated = lh("-C", tmp_path, "validate")
    assert validated.code == 0, validated.err + validated.out


def test_scaffold_handler_answers_its_own_tests(aws, lh, tmp_path: Path) -> None:
    assert lh("-C", tmp_path, "init", "--function-name", "greeter").code == 0
    source = (tmp_path / "app.py").read_text()
    # AWS clients are made at init, outside the handler.
    init_part, handler_part = source.split("def handler", 1)
    assert ".client(" in init_part and ".client(" not in handler_part

    module = load_module(tmp_path / "app.py")
    context = types.SimpleNamespace(aws_request_id="req-1")
    cases = yaml.safe_load((tmp_path / "tests.yaml").read_text())
    assert [c["name"] for c in cases] == ["greets by name", "defaults to world"]
    for case in cases:
        response = module.handler(case["payload"], context)
        for key, value in case["expect"]["contains"].items():
            assert response[key] == value


def test_scaffold_jsonnet_renders(aws, lh, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAMBDA_ROLE_ARN", "arn:aws:iam::123456789012:role/r")
    result = lh("-C", tmp_path, "init", "--function-name", "greeter", "--jsonnet")
    assert result.code == 0, result.err
    assert (tmp_path / "function.jsonnet").is_file()
    assert not (tmp_path / "function.json").exists()
    rendered = lh("-C", tmp_path, "render")
    assert rendered.code == 0, rendered.err
    assert json.loads(rendered.out)["Role"] == "arn:aws:iam::123456789012:role/r"


def test_scaffold_does_not_replace_user_code(aws, lh, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("# mine\n")
    refused = lh("-C", tmp_path, "init", "--function-name", "greeter")
    assert refused.code == 1
    assert "app.py" in refused.err and "not overwritten" in refused.err
    assert (tmp_path / "app.py").read_text() == "# mine\n"
    assert not (tmp_path / "function.json").exists()


def test_scaffold_json_output(aws, lh, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "--output", "json", "init", "--function-name", "greeter")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["source"] == "scaffold"
    assert sorted(doc["written"]) == [".lambdaignore", "app.py", "function.json", "tests.yaml"]
    assert any("LAMBDA_ROLE_ARN" in step for step in doc["next_steps"])


def test_empty_function_name_is_a_usage_error(aws, lh, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "  ")
    assert result.code == 1
    assert "--function-name is empty" in result.err


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            {
                "Sid": "public",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "lambda:InvokeFunctionUrl",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
            },
            {"Principal": "*"},
        ),
        (
            {
                "Sid": "partner",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "lambda:InvokeFunctionUrl",
                "Condition": {
                    "StringEquals": {
                        "lambda:FunctionUrlAuthType": "AWS_IAM",
                        "aws:PrincipalOrgID": "o-123",
                    }
                },
            },
            {"Principal": "210987654321", "PrincipalOrgID": "o-123"},
        ),
    ],
)
def test_url_permissions_from_aws_policy_statements(statement: dict, expected: dict) -> None:
    """Policy statements become lambroll's permission entries (each entry stands for both of a
    URL's statements); grants that are not about the URL are left out."""
    other = {"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}}
    other["Action"] = "lambda:InvokeFunction"
    auth = statement["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"]
    via_url = dict(statement, Sid="via", Action="lambda:InvokeFunction")
    others = dict(statement["Condition"]["StringEquals"])
    del others["lambda:FunctionUrlAuthType"]
    via_url["Condition"] = {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    if others:
        via_url["Condition"]["StringEquals"] = others
    assert url_permissions({"Statement": [other, statement, via_url]}, auth) == [expected]
    wrong_auth = "AWS_IAM" if auth == "NONE" else "NONE"
    assert url_permissions({"Statement": [statement]}, wrong_auth) == []


def test_scaffold_with_function_url_writes_a_private_url_config_that_deploys(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "fresh", "--function-url")
    assert result.code == 0, result.err
    url = json.loads((tmp_path / "function_url.json").read_text())
    assert url == {"Config": {"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED"}, "Permissions": []}
    monkeypatch.setenv("LAMBDA_ROLE_ARN", lambda_role)
    assert lh("-C", tmp_path, "validate").code == 0
    deployed = lh("-C", tmp_path, "deploy")
    assert deployed.code == 0, deployed.err
    config = boto("lambda").get_function_url_config(FunctionName="fresh")
    assert config["AuthType"] == "AWS_IAM"
