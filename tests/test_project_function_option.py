"""``--function`` in a project: a project folder's definition is that project function, another
definition in a folder gets the project's defaults, one outside the folders is warned about.
"""

from __future__ import annotations

import json

import pytest

from lambherd.project.config import OWNER_TAG
from project_testkit import write_project


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


@pytest.mark.slow
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
