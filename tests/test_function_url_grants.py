"""Function URL grants end to end in the sandbox (in eu-west-1): grants made by the console or by
lambroll are matched by what they allow, keep their statement ids and are never duplicated; a
URL gets both statements Lambda requires; only lambherd's and lambroll's own statements are
ever removed. Checked with boto3's GetPolicy, as a user would read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import mutating, recording
from sandbox_testkit import zip_of

pytestmark = pytest.mark.slow

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/url-grants"


@pytest.fixture
def eu(sandbox: Any, sandbox_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox in eu-west-1: lambherd and the returned Lambda client both use it."""
    import boto3

    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return boto3.client("lambda", endpoint_url=sandbox_endpoint, region_name=REGION)


def _function(lam: Any, name: str, auth: str) -> str:
    """A function made outside lambherd, with a URL; returns its ARN."""
    for attempt in ("delete",):  # each test starts from no function of that name
        try:
            getattr(lam, f"{attempt}_function")(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass
    code = zip_of({"app.py": "def handler(event, context):\n    return 'hi'\n"})
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler="app.handler",
        Role=ROLE,
        Code={"ZipFile": code},
    )["FunctionArn"]
    lam.create_function_url_config(FunctionName=name, AuthType=auth)
    return arn


def _console_public_grants(lam: Any, name: str, *, with_invoke_function: bool = True) -> None:
    """What the Lambda console adds for a public URL (before October 2025: only the first)."""
    lam.add_permission(
        FunctionName=name,
        StatementId="FunctionURLAllowPublicAccess",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    if with_invoke_function:
        lam.add_permission(
            FunctionName=name,
            StatementId="FunctionURLAllowInvokeAction",
            Action="lambda:InvokeFunction",
            Principal="*",
            InvokedViaFunctionUrl=True,
        )


def _statements(lam: Any, name: str) -> dict[str, dict[str, Any]]:
    return {
        s["Sid"]: s for s in json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
    }


def test_a_console_made_public_url_imports_diffs_empty_and_deploys_nothing(
    eu: Any, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _function(eu, "console-url", "NONE")
    _console_public_grants(eu, "console-url")
    before = _statements(eu, "console-url")
    # GetPolicy reports Lambda's shape (conditions, not moto's raw fields)
    assert before["FunctionURLAllowPublicAccess"]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
    }
    assert before["FunctionURLAllowInvokeAction"]["Condition"] == {
        "Bool": {"lambda:InvokedViaFunctionUrl": "true"}
    }

    init = lh("-C", tmp_path, "init", "--function-name", "console-url", "--function-url")
    assert init.code == 0, init.err
    url = json.loads((tmp_path / "function_url.json").read_text())
    assert url == {
        "Config": {"AuthType": "NONE", "InvokeMode": "BUFFERED"},
        "Permissions": [{"Principal": "*"}],
    }
    assert "lacks" not in init.err

    diff = lh("-C", tmp_path, "diff", "--exit-code")
    assert diff.code == 0, diff.out + diff.err
    rec = recording(monkeypatch)
    deploy = lh("-C", tmp_path, "deploy", "--skip-function")
    assert deploy.code == 0, deploy.err
    assert mutating(rec.names) == []
    assert _statements(eu, "console-url") == before  # same ids, nothing beside them


def test_a_url_made_before_october_2025_gets_its_invoke_function_statement_once(
    eu: Any, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _function(eu, "old-url", "NONE")
    _console_public_grants(eu, "old-url", with_invoke_function=False)
    init = lh("-C", tmp_path, "init", "--function-name", "old-url", "--function-url")
    assert init.code == 0, init.err
    assert "lacks lambda:InvokeFunction * (via the function URL)" in init.err

    diff = lh("-C", tmp_path, "diff", "--exit-code")
    assert diff.code == 2
    assert '+      "lambda:InvokeFunction * (via the function URL)",' in diff.out.splitlines()
    rec = recording(monkeypatch)
    assert lh("-C", tmp_path, "deploy", "--skip-function").code == 0
    (added,) = rec.params_of("AddPermission")
    assert added["Action"] == "lambda:InvokeFunction" and added["InvokedViaFunctionUrl"] is True
    statements = _statements(eu, "old-url")
    assert set(statements) == {"FunctionURLAllowPublicAccess", added["StatementId"]}
    assert statements[added["StatementId"]]["Condition"] == {
        "Bool": {"lambda:InvokedViaFunctionUrl": "true"}
    }

    rec.calls.clear()
    assert lh("-C", tmp_path, "deploy", "--skip-function").code == 0
    assert mutating(rec.names) == []  # no second identical grant, on any later deploy
    assert lh("-C", tmp_path, "diff", "--exit-code").code == 0


def test_lambrolls_statements_are_kept_when_they_match_and_removed_when_they_do_not(
    eu: Any, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _function(eu, "from-lambroll", "AWS_IAM")
    partner, other = "111122223333", "444455556666"
    for sid, action, extra in (
        ("lambroll-7a1f", "lambda:InvokeFunctionUrl", {"FunctionUrlAuthType": "AWS_IAM"}),
        ("lambroll-9c2e", "lambda:InvokeFunction", {"InvokedViaFunctionUrl": True}),
    ):
        eu.add_permission(
            FunctionName="from-lambroll", StatementId=sid, Action=action, Principal=partner, **extra
        )
    for sid, action, extra in (  # someone else's grants: never ours to remove
        ("ops-team-url", "lambda:InvokeFunctionUrl", {"FunctionUrlAuthType": "AWS_IAM"}),
        ("ops-team-invoke", "lambda:InvokeFunction", {"InvokedViaFunctionUrl": True}),
    ):
        eu.add_permission(
            FunctionName="from-lambroll", StatementId=sid, Action=action, Principal=other, **extra
        )
    init = lh("-C", tmp_path, "init", "--function-name", "from-lambroll", "--function-url")
    assert init.code == 0, init.err
    url = json.loads((tmp_path / "function_url.json").read_text())
    assert url["Permissions"] == [{"Principal": partner}, {"Principal": other}]
    assert lh("-C", tmp_path, "diff", "--exit-code").code == 0

    # the partner leaves the file: lambroll's two statements go, the ops team's stays
    url["Permissions"] = [{"Principal": other}]
    (tmp_path / "function_url.json").write_text(json.dumps(url))
    rec = recording(monkeypatch)
    r = lh("-C", tmp_path, "deploy", "--skip-function")
    assert r.code == 0, r.err
    assert sorted(p["StatementId"] for p in rec.params_of("RemovePermission")) == [
        "lambroll-7a1f",
        "lambroll-9c2e",
    ]
    assert rec.params_of("AddPermission") == []  # the ops team's grants already say it
    assert set(_statements(eu, "from-lambroll")) == {"ops-team-url", "ops-team-invoke"}
    assert lh("-C", tmp_path, "diff", "--exit-code").code == 0


def test_an_iam_url_without_permissions_is_refused_before_any_change(
    eu: Any, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _function(eu, "iam-url", "NONE")
    (tmp_path / "function.json").write_text(
        json.dumps(
            {
                "FunctionName": "iam-url",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": ROLE,
            }
        )
    )
    (tmp_path / "function_url.json").write_text(json.dumps({"Config": {"AuthType": "AWS_IAM"}}))
    rec = recording(monkeypatch)
    r = lh("-C", tmp_path, "deploy", "--skip-function")
    assert r.code == 1
    assert r.err.startswith("error: ")
    assert (
        "function_url.json: Permissions is required when AuthType is AWS_IAM (as lambroll "
        "requires): list who may invoke the URL, or [] for no resource-policy grant"
    ) in r.err
    assert "Traceback" not in r.err and mutating(rec.names) == []
    assert eu.get_function_url_config(FunctionName="iam-url")["AuthType"] == "NONE"
