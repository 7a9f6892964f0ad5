"""Every runtime runs isolated, also the one of lambherd's own Python: the function sees only
what Lambda's runtime has (boto3/botocore at the runtime's versions, awslambdaric), never
lambherd's packages — locally and in the sandbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from lambherd.local import runtimes
from sandbox_testkit import create_with

pytestmark = pytest.mark.slow
CURRENT = f"{sys.version_info.major}.{sys.version_info.minor}"
PROBE = """
import importlib.util, sys
import boto3, botocore
def handler(event, context):
    return {
        "ours": {m: importlib.util.find_spec(m) is not None
                 for m in ("yaml", "requests", "rich", "moto", "click", "lambherd")},
        "boto3": boto3.__version__, "botocore": botocore.__version__,
        "prefix": sys.prefix,
    }
"""


def _expected_sdk() -> tuple[str, str] | None:
    return runtimes.RUNTIME_SDK.get(CURRENT)


def _check(doc: dict[str, Any]) -> None:
    assert doc["ours"] == dict.fromkeys(
        ("yaml", "requests", "rich", "moto", "click", "lambherd"), False
    )
    assert Path(doc["prefix"]) != Path(sys.prefix)  # not lambherd's venv
    sdk = _expected_sdk()
    if sdk is not None:
        assert (doc["boto3"], doc["botocore"]) == sdk


def test_a_function_on_lambherds_own_python_sees_none_of_its_packages(
    lh: Any, tmp_path: Path
) -> None:
    import yaml  # noqa: F401 - lambherd itself has it

    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "app.py").write_text(PROBE)
    definition = {"FunctionName": "probe", "Runtime": f"python{CURRENT}", "Handler": "app.handler"}
    (folder / "function.json").write_text(json.dumps(definition))
    result = lh("-C", folder, "local", "invoke")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    _check(doc)
    assert Path(doc["prefix"]) == runtimes.environment_folder(CURRENT)


def test_the_sandbox_runs_functions_isolated_too(sandbox: Any) -> None:
    lam = sandbox("lambda")
    try:
        lam.delete_function(FunctionName="probe-fn")
    except lam.exceptions.ResourceNotFoundException:
        pass
    create_with(lam, "probe-fn", PROBE, Runtime=f"python{CURRENT}")
    ran = lam.invoke(FunctionName="probe-fn", Payload=b"{}")
    _check(json.loads(ran["Payload"].read()))
