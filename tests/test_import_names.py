"""Crafted function names on ``import --all``: checked against Lambda's pattern before anything
touches the disk; a bad one is skipped and reported, the others are imported; no folder is made
outside the project. The sandbox refuses at CreateFunction the names real Lambda refuses.

The crafted names live on moto's server (which takes any name), behind the code-serving proxy
of the import tests.
"""

from __future__ import annotations

import json

import pytest

from aws_testkit import create_function, make_zip

APP = b"def handler(event, context):\n    return 'hi'\n"
CRAFTED = ("../escaped", "a" * 65, "has space", "dot.name", "x/../../up")


def _create(boto, code_proxy, role: str, name: str) -> None:
    package = make_zip({"app.py": APP})
    create_function(boto, role, name, package)
    code_proxy.code[name] = package


@pytest.mark.slow
def test_bad_names_are_skipped_and_the_rest_imported(
    lh, boto, code_proxy, lambda_role, tmp_path
) -> None:
    for name in (*CRAFTED, "good-one", "good_two"):
        _create(boto, code_proxy, lambda_role, name)
    root = tmp_path / "proj"
    root.mkdir()
    before = set(tmp_path.rglob("*"))
    result = lh("-C", root, "--output", "json", "import", "--all")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert sorted(doc["imported"]) == ["good-one", "good_two"]
    assert sorted(doc["invalid"]) == sorted(CRAFTED)
    for name in CRAFTED:
        assert any(
            name in note and "not a valid Lambda function name" in note for note in doc["notes"]
        )
    made = set(tmp_path.rglob("*")) - before
    assert all(p.resolve().is_relative_to(root.resolve()) for p in made), made
    assert sorted(p.name for p in (root / "functions").iterdir()) == ["good-one", "good_two"]
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "up").exists()


@pytest.mark.slow
def test_text_output_reports_each_bad_name(lh, boto, code_proxy, lambda_role, tmp_path) -> None:
    _create(boto, code_proxy, lambda_role, "../escaped")
    _create(boto, code_proxy, lambda_role, "fine")
    root = tmp_path / "proj"
    root.mkdir()
    result = lh("-C", root, "import", "--all")
    assert result.code == 0, result.err
    assert "'../escaped': not a valid Lambda function name" in result.err
    assert "1 imported" in result.out
    assert (root / "functions" / "fine" / "function.json").is_file()


def test_the_name_check_is_lambdas_pattern() -> None:
    from lambherd.function_names import invalid_function_name

    assert invalid_function_name("orders-api_2") is None
    assert invalid_function_name("a" * 64) is None
    for bad in (*CRAFTED, "", ".", "..", "name:alias", "arn:aws:lambda:us-east-1:1:function:x"):
        assert invalid_function_name(bad) is not None, bad


# -- the sandbox refuses them at CreateFunction ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", [*CRAFTED, ""])
def test_the_sandbox_refuses_names_lambda_refuses(sandbox, sandbox_endpoint, name) -> None:
    from botocore.exceptions import ClientError

    from sandbox_testkit import ROLE, client, code_zip

    unchecked = client(sandbox_endpoint, "lambda", parameter_validation=False)  # sent as is
    with pytest.raises(ClientError) as caught:
        unchecked.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": code_zip("x")},
        )
    err = caught.value.response["Error"]
    assert err["Code"] == "ValidationException", err
    assert "functionName" in err["Message"]
    names = {f["FunctionName"] for f in sandbox("lambda").list_functions()["Functions"]}
    assert name not in names


@pytest.mark.slow
def test_the_sandbox_still_takes_good_names_and_arns(sandbox) -> None:
    from sandbox_testkit import create

    lam = sandbox("lambda")
    create(lam, "a" * 64)
    assert lam.get_function(FunctionName="a" * 64)["Configuration"]["FunctionName"] == "a" * 64
    lam.delete_function(FunctionName="a" * 64)
