"""deploy end to end against moto's server: create, update, no-op, URL, tags, dry run, S3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_testkit import (
    NAME,
    error_response,
    fake_revisions,
    inject_failures,
    mutating,
    recording,
    write_function,
)


def test_create_then_noop(aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, MemorySize=256, Tags={"team": "shop"})
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    lam = boto("lambda")
    cfg = lam.get_function(FunctionName=NAME)["Configuration"]
    assert cfg["MemorySize"] == 256
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "1"
    assert lam.list_tags(Resource=cfg["FunctionArn"])["Tags"] == {"team": "shop"}
    rec = recording(monkeypatch)
    r = lh("-C", fn, "--output", "json", "deploy")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["changed"] is False and doc["bytes_uploaded"] == 0 and doc["steps"] == []
    assert doc["version"] == "1" and doc["alias"] == "current"  # what the alias still serves
    assert mutating(rec.names) == []


def _ops(boto) -> tuple:
    lam = boto("lambda")
    return lam, lam.get_function(FunctionName=NAME)["Configuration"]


@pytest.mark.slow
def test_config_only_change_sends_revision_ids_in_a_chain(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=512)
    fake_revisions(monkeypatch)
    rec = recording(monkeypatch)
    r = lh("-C", fn, "--output", "json", "deploy")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["changed_fields"] == ["MemorySize"] and doc["version"] == "2"
    assert doc["bytes_uploaded"] == 0
    assert "UpdateFunctionCode" not in rec.names
    (update,) = rec.params_of("UpdateFunctionConfiguration")
    assert update["RevisionId"] == "rev-0" and update["MemorySize"] == 512
    assert "Timeout" not in update  # only the changed field is sent
    (publish,) = rec.params_of("PublishVersion")
    assert publish["RevisionId"] == "rev-1" and publish["CodeSha256"]
    lam, cfg = _ops(boto)
    assert cfg["MemorySize"] == 512
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "2"


@pytest.mark.slow
def test_code_only_change_uploads_code_and_moves_alias(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, body="def handler(e, c):\n    return 2\n")
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert "UpdateFunctionConfiguration" not in rec.names
    assert mutating(rec.names) == ["UpdateFunctionCode", "PublishVersion", "UpdateAlias"]
    assert "UploadCode" in r.out and "(0." in r.out  # one line per step with its duration
    lam, cfg = _ops(boto)
    from lambherd.archive import code_sha256

    assert cfg["CodeSha256"] == code_sha256(fn)
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "2"


@pytest.mark.slow
def test_stale_revision_is_a_conflict_not_an_overwrite(
    aws, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=1024)
    inject_failures(
        monkeypatch,
        "UpdateFunctionConfiguration",
        error_response(412, "PreconditionFailedException", "revision mismatch"),
        times=99,
    )
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    assert "function changed since it was read; run again" in r.err
    assert "Traceback" not in r.err


@pytest.mark.slow
def test_dry_run_sends_no_mutating_call(aws, lambda_role, lh, tmp_path: Path, monkeypatch) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, Tags={"a": "1"})
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--dry-run")
    assert r.code == 0, r.err
    assert "[dry-run] 1. CreateFunction orders" in r.out
    assert "CreateAlias current -> the new version" in r.out
    assert rec.names and mutating(rec.names) == []
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=2048, Tags={"a": "2"})
    rec.calls.clear()
    r = lh("-C", fn, "deploy", "--dry-run")
    assert "UpdateConfiguration MemorySize=2048" in r.out and "TagResource a=2" in r.out
    assert rec.names and mutating(rec.names) == []


@pytest.mark.slow
def test_tags_update_and_remove(aws, boto, lambda_role, lh, tmp_path: Path) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, Tags={"a": "1", "b": "2"})
    assert lh("-C", fn, "deploy").code == 0
    lam, cfg = _ops(boto)
    write_function(fn, lambda_role, Tags={"a": "9"})
    assert lh("-C", fn, "deploy").code == 0
    assert lam.list_tags(Resource=cfg["FunctionArn"])["Tags"] == {"a": "9"}
    write_function(fn, lambda_role)  # Tags absent: unmanaged
    r = lh("-C", fn, "deploy")
    assert "no changes" in r.out
    write_function(fn, lambda_role, Tags={})
    assert lh("-C", fn, "deploy").code == 0
    assert lam.list_tags(Resource=cfg["FunctionArn"])["Tags"] == {}


@pytest.mark.slow
def test_function_url_and_permissions_foreign_statement_survives(
    aws, boto, lambda_role, lh, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, url={"Config": {"AuthType": "NONE"}})
    assert lh("-C", fn, "deploy").code == 0
    lam = boto("lambda")
    assert lam.get_function_url_config(FunctionName=NAME)["AuthType"] == "NONE"
    lam.add_permission(
        FunctionName=NAME,
        StatementId="someone-else",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
    )
    url = {
        "Config": {"AuthType": "AWS_IAM", "Cors": {"AllowOrigins": ["https://a.example"]}},
        "Permissions": [{"Principal": "arn:aws:iam::123456789012:root"}],
    }
    write_function(fn, lambda_role, url=url)
    r = lh("-C", fn, "deploy", "--skip-function")
    assert r.code == 0, r.err
    got = lam.get_function_url_config(FunctionName=NAME)
    assert got["AuthType"] == "AWS_IAM" and got["Cors"]["AllowOrigins"] == ["https://a.example"]
    sids = [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=NAME)["Policy"])["Statement"]]
    assert "someone-else" in sids
    ours = [s for s in sids if s.startswith("lambherd-")]
    assert len(ours) == 2  # InvokeFunctionUrl and InvokeFunction, for the account
    assert "no changes" in lh("-C", fn, "deploy").out


@pytest.mark.slow
def test_s3_code_location_and_skip_archive(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="code")
    s3.put_bucket_versioning(Bucket="code", VersioningConfiguration={"Status": "Enabled"})
    fn = write_function(
        tmp_path / "fn", lambda_role, Code={"S3Bucket": "code", "S3Key": "orders.zip"}
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "--output", "json", "deploy")
    assert r.code == 0, r.err
    assert json.loads(r.out)["bytes_uploaded"] > 0
    assert rec.names.index("PutObject") < rec.names.index("CreateFunction")
    (create,) = rec.params_of("CreateFunction")
    assert create["Code"]["S3Bucket"] == "code" and create["Code"]["S3ObjectVersion"]
    assert "ZipFile" not in create["Code"]
    rec.calls.clear()
    r = lh("-C", fn, "deploy", "--skip-archive")  # the object lambherd uploaded: unchanged
    assert r.code == 0, r.err
    assert "no changes" in r.out and "HeadObject" in rec.names
    assert mutating(rec.names) == []
    import io
    import zipfile

    buf = io.BytesIO()  # CI replaces the object (no SHA-256 checksum on it)
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return 'ci'\n")
    new = s3.put_object(Bucket="code", Key="orders.zip", Body=buf.getvalue())
    rec.calls.clear()
    r = lh("-C", fn, "deploy", "--skip-archive")
    assert r.code == 0, r.err
    assert "PutObject" not in rec.names
    (update,) = rec.params_of("UpdateFunctionCode")
    assert update["S3Key"] == "orders.zip" and update["S3ObjectVersion"] == new["VersionId"]


@pytest.mark.slow
def test_zip_over_50_mb_is_refused_before_any_call(
    aws, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    import os

    fn = write_function(tmp_path / "fn", lambda_role)
    (fn / "blob.bin").write_bytes(os.urandom(51 * 1024 * 1024))
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 1
    assert "over 50.0 MiB" in r.err or "50 MiB" in r.err or "50.0 MB" in r.err, r.err
    assert "S3" in r.err  # the hint says how to deploy it
    assert rec.names == []


@pytest.mark.slow
def test_throttling_and_conflicts_are_retried(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, body="def handler(e, c):\n    return 3\n", MemorySize=384)
    code_calls = inject_failures(
        monkeypatch, "UpdateFunctionCode", error_response(429, "TooManyRequestsException"), 2
    )
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert len(code_calls) == 3
    assert boto("lambda").get_function(FunctionName=NAME)["Configuration"]["MemorySize"] == 384
    write_function(fn, lambda_role, MemorySize=640)
    conflicts = inject_failures(
        monkeypatch,
        "UpdateFunctionConfiguration",
        error_response(409, "ResourceConflictException", "An update is in progress"),
        2,
    )
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    assert len(conflicts) == 3


@pytest.mark.slow
def test_interrupted_deploy_converges_on_rerun_and_src_folder(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    src = tmp_path / "build"
    src.mkdir()
    (src / "app.py").write_text("def handler(e, c):\n    return 'from src'\n")
    inject_failures(
        monkeypatch, "PublishVersion", error_response(400, "InvalidParameterValueException"), 1
    )
    r = lh("-C", fn, "deploy", "--src", src)
    assert r.code == 1 and "publish a version of orders" in r.err
    lam = boto("lambda")
    from lambherd.archive import code_sha256

    assert lam.get_function(FunctionName=NAME)["Configuration"]["CodeSha256"] == code_sha256(src)
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "1"
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--src", src)
    assert r.code == 0, r.err
    assert mutating(rec.names) == ["PublishVersion", "UpdateAlias"]  # no second upload
    assert lam.get_alias(FunctionName=NAME, Name="current")["FunctionVersion"] == "2"
    rec.calls.clear()
    assert "no changes" in lh("-C", fn, "deploy", "--src", src).out
    assert mutating(rec.names) == []
