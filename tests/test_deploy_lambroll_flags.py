"""deploy with lambroll's flags, against moto's server: ``--src x.zip``, a handler under
``--src DIR``, ``--ignore`` jq paths, ``--exclude-file``, ``--function-url``, ``--lint``,
``--publish=false`` and ``LAMBHERD_DEPLOY_*`` variables."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cli_testkit import assert_one_error
from deploy_testkit import NAME, mutating, recording, write_function

pytestmark = pytest.mark.slow


def _zip(path: Path, files: dict[str, str]) -> Path:
    """A zip as another tool makes it (its own timestamps: bytes lambherd would not make)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2021, 3, 4, 5, 6, 7))
            zf.writestr(info, text)
    path.write_bytes(buf.getvalue())
    return path


def _sha(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_src_zip_is_uploaded_as_it_is(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    built = _zip(tmp_path / "built.zip", {"app.py": "def handler(e, c):\n    return 'zip'\n"})
    r = lh("-C", fn, "deploy", "--src", built)
    assert r.code == 0, r.err
    cfg = boto("lambda").get_function(FunctionName=NAME)["Configuration"]
    assert cfg["CodeSha256"] == _sha(built)
    # the same zip again: nothing to send; diff --code agrees
    rec = recording(monkeypatch)
    assert "no changes" in lh("-C", fn, "deploy", "--src", built).out
    assert mutating(rec.names) == []
    assert lh("-C", fn, "diff", "--code", "--src", built, "--exit-code").code == 0
    assert lh("-C", fn, "diff", "--code", "--exit-code").code == 2  # the folder zips otherwise


def test_src_that_is_not_a_zip_is_refused_before_any_call(
    aws: str, lambda_role: str, lh: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    (tmp_path / "notes.txt").write_text("not a zip")
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--src", tmp_path / "notes.txt")
    assert_one_error(r, "--src", "not a zip file")
    assert mutating(rec.names) == []


def test_a_handler_under_src_is_looked_for_there(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    (fn / "app.py").unlink()  # the code lives elsewhere
    code = tmp_path / "build"
    code.mkdir()
    missing = lh("-C", fn, "deploy", "--src", code)
    assert missing.code == 1
    assert f"module app is not in the package deploy would upload from {code}" in missing.err
    (code / "app.py").write_text("def handler(e, c):\n    return 'built'\n")
    r = lh("-C", fn, "deploy", "--src", code)
    assert r.code == 0, r.err
    zipped = _zip(tmp_path / "z.zip", {"other.py": "x = 1\n"})
    bad = lh("-C", fn, "deploy", "--src", zipped)
    assert bad.code == 1 and f"module app is not in {zipped}" in bad.err


def test_ignore_leaves_those_paths_as_deployed(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, MemorySize=256, Tags={"team": "ops"})
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=512, Timeout=9)  # no Tags: they would go
    rec = recording(monkeypatch)
    r = lh("-C", fn, "--output", "json", "deploy", "--ignore", ".MemorySize, .Tags")
    assert r.code == 0, r.err
    assert json.loads(r.out)["changed_fields"] == ["Timeout"]
    lam = boto("lambda")
    cfg = lam.get_function(FunctionName=NAME)["Configuration"]
    assert (cfg["MemorySize"], cfg["Timeout"]) == (256, 9)
    assert lam.list_tags(Resource=cfg["FunctionArn"])["Tags"] == {"team": "ops"}
    assert "UntagResource" not in rec.names
    # lambherd cannot read every jq expression: refused before anything is sent
    rec.calls.clear()
    refused = lh("-C", fn, "deploy", "--ignore", ".Tags | keys")
    assert_one_error(refused, "--ignore '.Tags | keys'", "paths only")
    assert mutating(rec.names) == []


def test_exclude_file_and_symlink_reach_the_zip(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    (fn / "notes.md").write_text("internal\n")
    (fn / "ship.ignore").write_text("notes.md\nfunction.json\nship.ignore\n.lambdaignore\n")
    assert lh("-C", fn, "deploy", "--exclude-file", "ship.ignore").code == 0
    archived = lh("-C", fn, "--output", "json", "archive", "--exclude-file", "ship.ignore")
    deployed = boto("lambda").get_function(FunctionName=NAME)["Configuration"]["CodeSha256"]
    assert json.loads(archived.out)["code_sha256"] == deployed
    names = zipfile.ZipFile(fn / "function.zip").namelist()
    assert "notes.md" not in names and "app.py" in names


def test_function_url_names_the_url_definition(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, url={"Config": {"AuthType": "NONE"}})
    (tmp_path / "private.json").write_text(
        json.dumps({"Config": {"AuthType": "AWS_IAM"}, "Permissions": []})
    )
    r = lh("-C", fn, "deploy", "--function-url", tmp_path / "private.json")
    assert r.code == 0, r.err
    assert boto("lambda").get_function_url_config(FunctionName=NAME)["AuthType"] == "AWS_IAM"
    diff = lh("-C", fn, "diff", "--function-url", tmp_path / "private.json", "--exit-code")
    assert diff.code == 0, diff.out
    assert lh("-C", fn, "diff", "--exit-code").code == 2  # the folder's own file differs


def test_lint_first_stops_the_deploy_on_findings(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    body = "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
    fn = write_function(tmp_path / "fn", lambda_role, body=body)
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--lint")
    assert r.code == 1
    assert "LH101" in r.err  # the finding, shown before the refusal
    assert "error: lint: findings at or above warning; nothing deployed" in r.err
    assert mutating(rec.names) == [] and "GetFunction" not in rec.names
    # a threshold above the finding: it deploys
    assert lh("-C", fn, "deploy", "--lint", "--fail-on", "error").code == 0
    assert boto("lambda").get_function(FunctionName=NAME)


def test_publish_false_and_environment_variables(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy", "--publish=false").code == 0
    lam = boto("lambda")
    versions = lam.list_versions_by_function(FunctionName=NAME)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST"]
    write_function(fn, lambda_role, MemorySize=256)
    monkeypatch.setenv("LAMBHERD_DEPLOY_DRY_RUN", "1")
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 0 and "[dry-run]" in r.out and mutating(rec.names) == []


def test_symlink_keeps_links_in_the_deployed_zip(
    aws: str, boto: Any, lambda_role: str, lh: Any, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    (fn / "current.py").symlink_to("app.py")
    assert lh("-C", fn, "deploy", "--symlink").code == 0
    archived = lh("-C", fn, "--output", "json", "archive", "--symlink")
    deployed = boto("lambda").get_function(FunctionName=NAME)["Configuration"]["CodeSha256"]
    assert json.loads(archived.out)["code_sha256"] == deployed
    info = zipfile.ZipFile(fn / "function.zip").getinfo("current.py")
    assert (info.external_attr >> 16) & 0o170000 == 0o120000  # stored as a link
    assert lh("-C", fn, "diff", "--code", "--symlink", "--exit-code").code == 0
    assert lh("-C", fn, "diff", "--code", "--exit-code").code == 2  # without: the file's content
