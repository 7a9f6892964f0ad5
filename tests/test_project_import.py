"""``import --all`` into a project on moto's server (behind the code-serving proxy of the init
tests), then ``plan`` is empty; re-running skips what exists unless ``--force``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aws_testkit import create_function, make_zip
from lambherd.importing.record import RECORD_FILE
from lambherd.project.config import OWNER_TAG

APP = b"def handler(event, context):\n    return 'hi'\n"


def create(boto, code_proxy, role: str, name: str, *, tags=None, alias: bool = False) -> None:
    package = make_zip({"app.py": APP, "lib/util.py": b"X = 1\n"})
    create_function(
        boto,
        role,
        name,
        package,
        alias="current" if alias else None,
        MemorySize=256,
        Environment={"Variables": {"MODE": "live"}},
        Tags=tags or {},
    )
    code_proxy.code[name] = package


@pytest.mark.slow
def test_import_all_then_plan_is_empty(lh, boto, code_proxy, lambda_role, tmp_path) -> None:
    create(boto, code_proxy, lambda_role, "orders-api", tags={"team": "a"}, alias=True)
    create(boto, code_proxy, lambda_role, "orders-worker")
    create(boto, code_proxy, lambda_role, "billing-job")
    root = tmp_path / "proj"
    root.mkdir()
    result = lh(
        "-C", root, "--yes", "import", "--all", "--prefix", "orders-", "--project-name", "orders"
    )
    assert result.code == 0, result.err
    assert "2 imported, 0 skipped" in result.out
    folder = root / "functions" / "orders-api"
    assert (folder / "app.py").read_bytes() == APP
    assert (folder / "lib" / "util.py").is_file()
    definition = json.loads((folder / "function.json").read_text())
    assert definition["MemorySize"] == 256 and definition["Tags"] == {"team": "a"}
    assert not (root / "functions" / "billing-job").exists()
    toml = (root / "lambherd.toml").read_text()
    assert 'name = "orders"' in toml and "[functions." not in toml
    worker = json.loads((root / "functions" / "orders-worker" / RECORD_FILE).read_text())
    assert worker["deploy"] == {"publish": False}  # no alias: deployed to $LATEST only
    api = json.loads((folder / RECORD_FILE).read_text())
    assert api["deploy"] == {"alias": "current"} and api["alias"]["Name"] == "current"
    tags = boto("lambda").list_tags(Resource=_arn(boto, "orders-worker"))["Tags"]
    assert tags[OWNER_TAG] == "orders"
    plan = lh("-C", root, "plan", "--exit-code")
    assert plan.code == 0, plan.out + plan.err
    assert "0 to add, 0 to modify, 0 to delete, 2 unchanged" in plan.out

    (folder / "app.py").write_bytes(APP + b"# edited\n")  # an edit is still seen as one
    edited = lh("-C", root, "--output", "json", "plan")
    rows = {f["function"]: f for f in json.loads(edited.out)["functions"]}
    assert rows["orders-api"]["changes"][0] == "code"
    assert rows["orders-worker"]["operation"] == "none"

    again = lh("-C", root, "import", "--all", "--prefix", "orders-")
    assert again.code == 0 and "0 imported, 2 skipped" in again.out
    assert (folder / "app.py").read_bytes() == APP + b"# edited\n"
    forced = lh("-C", root, "import", "--all", "--prefix", "orders-", "--force")
    assert forced.code == 0 and "2 imported" in forced.out
    assert (folder / "app.py").read_bytes() == APP


@pytest.mark.slow
def test_import_all_by_tag(lh, boto, code_proxy, lambda_role, tmp_path) -> None:
    create(boto, code_proxy, lambda_role, "one", tags={"env": "prod"})
    create(boto, code_proxy, lambda_role, "two", tags={"env": "dev"})
    result = lh("-C", tmp_path, "import", "--all", "--tag", "env=prod", "--no-adopt")
    assert result.code == 0, result.err
    assert (tmp_path / "functions" / "one" / "function.json").is_file()
    assert not (tmp_path / "functions" / "two").exists()
    assert OWNER_TAG not in boto("lambda").list_tags(Resource=_arn(boto, "one"))["Tags"]


def test_import_needs_all(lh, aws, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "import")
    assert result.code == 1 and "pass --all" in result.err


def _arn(boto, name: str) -> str:
    return boto("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def _create(boto, proxy, role: str, name: str, tags: dict[str, str]) -> None:
    package = make_zip({"app.py": b"def handler(e, c):\n    return 1\n"})
    boto("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": package},
        Tags=tags,
    )
    proxy.code[name] = package


@pytest.mark.slow
def test_import_all_never_takes_over_another_projects_functions(
    lh,
    boto,
    code_proxy,
    lambda_role,
    tmp_path,
) -> None:
    _create(boto, code_proxy, lambda_role, "shop-a", {OWNER_TAG: "shop"})
    _create(boto, code_proxy, lambda_role, "shop-b", {OWNER_TAG: "shop", "team": "x"})
    # no lambherd.toml, no --project-name: the project is the one that owns them
    inferred = tmp_path / "imp"
    inferred.mkdir()
    result = lh("-C", inferred, "import", "--all")
    assert result.code == 0, result.err
    assert 'name = "shop"' in (inferred / "lambherd.toml").read_text()
    plan = lh("-C", inferred, "plan", "--exit-code")
    assert plan.code == 0, plan.out + plan.err
    # a different project name: imported, but the owner tag is left alone
    other = tmp_path / "other"
    other.mkdir()
    renamed = lh("-C", other, "import", "--all", "--project-name", "other")
    assert renamed.code == 0, renamed.err
    assert "shop-a is owned by project 'shop'" in renamed.err
    lam = boto("lambda")
    for name in ("shop-a", "shop-b"):
        arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        assert lam.list_tags(Resource=arn)["Tags"][OWNER_TAG] == "shop"


@pytest.mark.slow
def test_import_all_of_a_function_with_requirements_then_plan_is_empty(
    lh,
    boto,
    code_proxy,
    lambda_role,
    tmp_path,
    monkeypatch,
) -> None:
    """Its zip vendors the dependencies and keeps requirements.txt: the build plan makes first
    must not turn the unchanged import into a code change; an edit still is one."""
    monkeypatch.setenv("LAMBHERD_CACHE_DIR", str(tmp_path / "cache"))
    package = make_zip(
        {
            "app.py": b"import six\ndef handler(e, c):\n    return six.PY3\n",
            "requirements.txt": b"six==1.17.0\n",
            "six.py": b"PY3 = True\n",
        }
    )
    boto("lambda").create_function(
        FunctionName="vendored",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": package},
    )
    code_proxy.code["vendored"] = package
    root = tmp_path / "proj"
    root.mkdir()
    assert lh("-C", root, "--yes", "import", "--all").code == 0
    plan = lh("-C", root, "plan", "--exit-code")
    assert plan.code == 0, plan.out + plan.err
    assert "vendored: dependencies installed" in plan.err
    (root / "functions" / "vendored" / "app.py").write_text("def handler(e, c):\n    return 2\n")
    edited = lh("-C", root, "--output", "json", "plan")
    assert json.loads(edited.out)["functions"][0]["changes"][0] == "code"
