"""Issue 11's adoption scenario, end to end in ap-northeast-1, as a new user lives it.

Functions made by hand with the AWS CLI (from PyPI): an API with an environment holding an empty
value, tags, a layer, reserved concurrency, two published versions and a ``prod`` alias with
routing weights; a worker with no alias; a web function with a URL and the console's public
grant (``FunctionURLAllowPublicAccess``). Then ``import --all`` and ``init --download --unzip``,
``plan`` and ``diff`` empty (also in a fresh ``git clone``), one change deployed and seen by
the CLI, and a drift of the empty value seen by ``diff``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deploy_testkit import mutating, recording
from fidelity_testkit import TOKYO, aws, git, zip_file

pytestmark = pytest.mark.slow

ROLE = "arn:aws:iam::123456789012:role/tokyo-exec"
API_CODE = {
    "app.py": (
        "import json, os\n"
        "import shared_util\n"
        "def handler(event, context):\n"
        "    return {'mode': os.environ['MODE'], 'empty': os.environ['EMPTY'],\n"
        "            'shared': shared_util.WHO, 'where': shared_util.__file__}\n"
    ),
    "lib/helpers.py": "X = 1\n",
}
LAYER = {"python/shared_util.py": "WHO = 'layer'\n"}


def _scenario(tmp_path: Path) -> dict[str, Any]:
    """The functions, made with the AWS CLI in ap-northeast-1."""
    work = tmp_path / "cli"
    work.mkdir()
    layer = aws(
        "lambda",
        "publish-layer-version",
        "--layer-name",
        "tokyo-shared",
        "--zip-file",
        f"fileb://{zip_file(work / 'layer.zip', LAYER)}",
        "--compatible-runtimes",
        "python3.11",
    )["LayerVersionArn"]
    aws(
        "lambda",
        "create-function",
        "--function-name",
        "tokyo-api",
        "--runtime",
        "python3.11",
        "--role",
        ROLE,
        "--handler",
        "app.handler",
        "--memory-size",
        "256",
        "--description",
        "orders api",
        "--zip-file",
        f"fileb://{zip_file(work / 'api.zip', API_CODE)}",
        "--environment",
        json.dumps({"Variables": {"MODE": "live", "EMPTY": ""}}),
        "--tags",
        "team=orders,cost=42",
        "--layers",
        layer,
    )
    aws("lambda", "put-function-concurrency", "--function-name", "tokyo-api",
        "--reserved-concurrent-executions", "5")  # fmt: skip
    aws("lambda", "publish-version", "--function-name", "tokyo-api")
    aws("lambda", "update-function-configuration", "--function-name", "tokyo-api",
        "--timeout", "7")  # fmt: skip
    aws("lambda", "publish-version", "--function-name", "tokyo-api")
    aws(
        "lambda",
        "create-alias",
        "--function-name",
        "tokyo-api",
        "--name",
        "prod",
        "--function-version",
        "2",
        "--routing-config",
        json.dumps({"AdditionalVersionWeights": {"1": 0.1}}),
    )
    aws("lambda", "put-provisioned-concurrency-config", "--function-name", "tokyo-api",
        "--qualifier", "prod", "--provisioned-concurrent-executions", "1")  # fmt: skip
    for name in ("tokyo-worker", "tokyo-web"):
        code = {"app.py": "def handler(event, context):\n    return {'statusCode': 200}\n"}
        aws("lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
            "--role", ROLE, "--handler", "app.handler",
            "--zip-file", f"fileb://{zip_file(work / f'{name}.zip', code)}")  # fmt: skip
    aws("lambda", "create-function-url-config", "--function-name", "tokyo-web",
        "--auth-type", "NONE")  # fmt: skip
    # what the console adds when a URL is made public (since October 2025 both statements)
    aws("lambda", "add-permission", "--function-name", "tokyo-web",
        "--statement-id", "FunctionURLAllowPublicAccess", "--action", "lambda:InvokeFunctionUrl",
        "--principal", "*", "--function-url-auth-type", "NONE")  # fmt: skip
    aws("lambda", "add-permission", "--function-name", "tokyo-web",
        "--statement-id", "FunctionURLAllowInvokeAction", "--action", "lambda:InvokeFunction",
        "--principal", "*", "--invoked-via-function-url")  # fmt: skip
    return {"layer": layer}


@pytest.fixture
def tokyo(sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """The sandbox in ap-northeast-1 with the scenario's functions, and a layer cache of the
    test's own."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", TOKYO)
    monkeypatch.setenv("AWS_REGION", TOKYO)
    monkeypatch.setenv("LAMBHERD_LAYER_CACHE", str(tmp_path / "layers"))
    for name in ("tokyo-api", "tokyo-worker", "tokyo-web"):
        aws("lambda", "delete-function", "--function-name", name, check=False)
    return _scenario(tmp_path)


def _plan_rows(lh: Any, folder: Path) -> dict[str, dict[str, Any]]:
    result = lh("-C", folder, "--output", "json", "plan")
    assert result.code == 0, result.err
    return {row["function"]: row for row in json.loads(result.out)["functions"]}


def test_cli_made_functions_import_plan_empty_and_deploy_one_change(
    lh: Any, tokyo: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    imported = lh("-C", proj, "--yes", "import", "--all", "--prefix", "tokyo-",
                  "--project-name", "tokyo")  # fmt: skip
    assert imported.code == 0, imported.err
    assert "3 imported" in imported.out
    api = proj / "functions" / "tokyo-api"
    definition = json.loads((api / "function.json").read_text())
    assert definition["Environment"] == {"Variables": {"EMPTY": "", "MODE": "live"}}
    assert definition["Tags"] == {"cost": "42", "team": "orders"}
    assert definition["Layers"] == [tokyo["layer"]] and f":{TOKYO}:" in tokyo["layer"]
    record = json.loads((api / "lambherd-import.json").read_text())
    assert record["region"] == TOKYO and record["deploy"] == {"alias": "prod"}
    assert record["alias"] == {
        "Name": "prod",
        "FunctionVersion": "2",
        "AdditionalVersionWeights": {"1": 0.1},
    }
    assert record["versions"] == ["1", "2"]
    worker = json.loads((proj / "functions" / "tokyo-worker" / "lambherd-import.json").read_text())
    assert worker["deploy"] == {"publish": False}
    # the layer is in the cache: a local run needs no --layer-dir (and no AWS)
    assert "cached for local runs" in imported.err, imported.err
    # its concurrency is managed from now on: written to concurrency.json, as it is
    written = json.loads((api / "concurrency.json").read_text())
    assert written["ReservedConcurrentExecutions"] == 5, written
    assert written["ProvisionedConcurrency"] == {"prod": 1}, written

    # plan and diff are empty (the web function's console grants too: see the test below)
    rows = _plan_rows(lh, proj)
    assert rows["tokyo-api"]["operation"] == "none", rows["tokyo-api"]
    assert rows["tokyo-worker"]["operation"] == "none", rows["tokyo-worker"]
    assert rows["tokyo-web"]["operation"] == "none", rows["tokyo-web"]
    diff = lh("-C", api, "diff", "--code", "--exit-code")
    assert diff.code == 0, diff.out + diff.err

    # the same from a fresh clone of the committed project
    git("init", "-q", cwd=proj)
    git("add", "-A", cwd=proj)
    git("commit", "-qm", "import", cwd=proj)
    clone = tmp_path / "clone"
    git("clone", "-q", str(proj), str(clone), cwd=tmp_path)
    assert _plan_rows(lh, clone) == rows
    cloned_api = clone / "functions" / "tokyo-api"
    assert lh("-C", cloned_api, "diff", "--code", "--exit-code").code == 0

    # the layer at /opt, the code at /var/task, without --layer-dir
    local = lh("-C", cloned_api, "local", "invoke")
    assert local.code == 0, local.err
    ran = json.loads(local.out)
    assert ran["shared"] == "layer" and ran["empty"] == "" and ran["mode"] == "live"

    # one change, deployed exactly
    doc = json.loads((cloned_api / "function.json").read_text())
    doc["Environment"]["Variables"]["MODE"] = "canary"
    (cloned_api / "function.json").write_text(json.dumps(doc, indent=2))
    changed = _plan_rows(lh, clone)
    assert changed["tokyo-api"]["changes"][0] == "Environment", changed["tokyo-api"]
    assert changed["tokyo-worker"]["operation"] == "none"
    calls = recording(monkeypatch)
    deployed = lh("-C", clone, "deploy", "--only", "tokyo-api")
    assert deployed.code == 0, deployed.out + deployed.err
    assert mutating(calls.names) == [
        "UpdateFunctionConfiguration",
        "PublishVersion",
        "UpdateAlias",
    ]
    seen = aws("lambda", "get-function-configuration", "--function-name", "tokyo-api")
    assert seen["Environment"]["Variables"] == {"MODE": "canary", "EMPTY": ""}
    assert seen["Timeout"] == 7 and seen["MemorySize"] == 256
    alias = aws("lambda", "get-alias", "--function-name", "tokyo-api", "--name", "prod")
    assert alias["FunctionVersion"] == "3"
    versions = aws("lambda", "list-versions-by-function", "--function-name", "tokyo-api")
    assert [v["Version"] for v in versions["Versions"]] == ["$LATEST", "1", "2", "3"]
    concurrency = aws("lambda", "get-function-concurrency", "--function-name", "tokyo-api")
    assert concurrency == {"ReservedConcurrentExecutions": 5}  # unmanaged: never reset
    provisioned = aws("lambda", "get-provisioned-concurrency-config",
                      "--function-name", "tokyo-api", "--qualifier", "prod")  # fmt: skip
    assert provisioned["RequestedProvisionedConcurrentExecutions"] == 1
    tags = aws("lambda", "list-tags", "--resource", seen["FunctionArn"])["Tags"]
    assert tags == {"cost": "42", "team": "orders", "lambherd:project": "tokyo"}
    assert lh("-C", clone, "plan", "--exit-code", "--only", "tokyo-api").code == 0

    # an empty value that drifts away is a difference
    aws("lambda", "update-function-configuration", "--function-name", "tokyo-api",
        "--environment", json.dumps({"Variables": {"MODE": "canary"}}))  # fmt: skip
    drift = lh("-C", cloned_api, "diff", "--exit-code")
    assert drift.code == 2, drift.out + drift.err
    assert "EMPTY" in drift.out


def test_init_download_unzip_then_deploy_uploads_nothing(
    lh: Any, tokyo: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "api"
    folder.mkdir()
    init = lh("-C", folder, "init", "--function-name", "tokyo-api", "--download", "--unzip")
    assert init.code == 0, init.err
    assert (folder / "lib" / "helpers.py").is_file()
    record = json.loads((folder / "lambherd-import.json").read_text())
    assert record["deploy"] == {"alias": "prod"} and record["code"]["CodeSha256"]
    assert lh("-C", folder, "diff", "--code", "--exit-code").code == 0
    calls = recording(monkeypatch)
    deployed = lh("-C", folder, "deploy")
    assert deployed.code == 0, deployed.out + deployed.err
    assert mutating(calls.names) == []  # no upload, no alias created: "no changes"
    aliases = aws("lambda", "list-aliases", "--function-name", "tokyo-api")["Aliases"]
    assert [a["Name"] for a in aliases] == ["prod"]
    # a fresh clone of the folder plans the same
    git("init", "-q", cwd=folder)
    git("add", "-A", cwd=folder)
    git("commit", "-qm", "init", cwd=folder)
    clone = tmp_path / "api-clone"
    git("clone", "-q", str(folder), str(clone), cwd=tmp_path)
    assert lh("-C", clone, "diff", "--code", "--exit-code").code == 0


def _sids(name: str) -> dict[str, Any]:
    policy = json.loads(aws("lambda", "get-policy", "--function-name", name)["Policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_console_url_grant_imports_to_an_empty_plan(
    lh: Any, tokyo: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _sids("tokyo-web")
    assert set(before) == {"FunctionURLAllowPublicAccess", "FunctionURLAllowInvokeAction"}
    proj = tmp_path / "proj"
    proj.mkdir()
    assert lh("-C", proj, "--yes", "import", "--all", "--prefix", "tokyo-web").code == 0
    web = proj / "functions" / "tokyo-web"
    url = json.loads((web / "function_url.json").read_text())
    assert url["Permissions"] == [{"Principal": "*"}]  # lambroll's shape: both statements
    rows = _plan_rows(lh, proj)
    assert rows["tokyo-web"]["operation"] == "none", rows["tokyo-web"]
    assert lh("-C", web, "diff", "--exit-code").code == 0
    calls = recording(monkeypatch)
    deployed = lh("-C", proj, "deploy")
    assert deployed.code == 0, deployed.out + deployed.err
    assert mutating(calls.names) == []  # no second public grant beside the console's
    assert _sids("tokyo-web") == before  # the console's statement ids kept


def test_one_name_in_two_regions_stays_apart(
    lh: Any, tokyo: dict[str, Any], tmp_path: Path
) -> None:
    """Round one's region keys, seen by a user: the same name in us-east-1 is another function
    (its own RevisionId, its own code at its Code.Location), init downloads each region's code,
    and the sandbox counts the functions of every region."""
    import io
    import os
    import urllib.request
    import zipfile

    other = "us-east-1"
    aws("lambda", "delete-function", "--function-name", "tokyo-api", region=other, check=False)
    code = {"app.py": "def handler(event, context):\n    return 'virginia'\n"}
    aws("lambda", "create-function", "--function-name", "tokyo-api", "--runtime", "python3.11",
        "--role", ROLE, "--handler", "app.handler",
        "--zip-file", f"fileb://{zip_file(tmp_path / 'east.zip', code)}", region=other)  # fmt: skip
    east = aws("lambda", "get-function", "--function-name", "tokyo-api", region=other)
    west = aws("lambda", "get-function", "--function-name", "tokyo-api")
    assert east["Configuration"]["RevisionId"] != west["Configuration"]["RevisionId"]
    assert f":{other}:" in east["Configuration"]["FunctionArn"]
    for doc, expected in ((east, "virginia"), (west, "shared_util")):
        with urllib.request.urlopen(doc["Code"]["Location"]) as resp:
            package = zipfile.ZipFile(io.BytesIO(resp.read()))
        assert expected in package.read("app.py").decode()
    folder = tmp_path / "east"
    folder.mkdir()
    init = lh("-C", folder, "--region", other, "init", "--function-name", "tokyo-api",
              "--download", "--unzip")  # fmt: skip
    assert init.code == 0, init.err
    assert "virginia" in (folder / "app.py").read_text()
    health_url = os.environ["AWS_ENDPOINT_URL"] + "/_lambherd/health"
    with urllib.request.urlopen(health_url) as resp:
        functions = json.loads(resp.read())["functions"]
    assert functions >= 4  # three in ap-northeast-1, one in us-east-1 (`sandbox status`)
    aws("lambda", "delete-function", "--function-name", "tokyo-api", region=other)
