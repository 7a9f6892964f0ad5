"""Deploying code that is not a zip built here: container images (compared by ImageUri) and an
existing S3 object (``--skip-archive``, refused before any mutating call when it is missing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_testkit import NAME, ROLE, mutating, recording, write_function
from lambherd.plan.remote import RemoteState
from lambherd.plan.steps import CodeSource, UploadCode

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"


def test_planner_compares_image_uri_from_get_function_code() -> None:
    from lambherd.plan.function_planner import plan_function_changes as plan_function

    desired = {"FunctionName": NAME, "Role": ROLE, "PackageType": "Image"}
    remote = RemoteState(
        configuration={"FunctionName": NAME, "Role": ROLE, "PackageType": "Image"},
        code={"RepositoryType": "ECR", "ImageUri": f"{IMAGE}:v1"},
    )
    same = plan_function(desired, remote, CodeSource(image_uri=f"{IMAGE}:v1"))
    assert same.steps == () and not same.code_changed
    moved = plan_function(desired, remote, CodeSource(image_uri=f"{IMAGE}:v2"))
    assert [type(s) for s in moved.steps] == [UploadCode]
    forced = plan_function(desired, remote, CodeSource(image_uri=f"{IMAGE}:v1"), force_code=True)
    assert [type(s) for s in forced.steps] == [UploadCode]


@pytest.mark.slow
def test_image_function_deploys_once_then_only_when_the_uri_changes(
    aws, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = tmp_path / "img"
    fn.mkdir()

    def define(tag: str) -> None:
        (fn / "function.json").write_text(
            json.dumps(
                {
                    "FunctionName": NAME,
                    "Role": lambda_role,
                    "PackageType": "Image",
                    "Code": {"ImageUri": f"{IMAGE}:{tag}"},
                }
            )
        )

    define("v1")
    assert lh("-C", fn, "deploy").code == 0
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy")
    assert r.code == 0 and "no changes" in r.out, r.out
    assert mutating(rec.names) == []
    assert lh("-C", fn, "diff", "--exit-code").code == 0
    define("v2")
    rec.calls.clear()
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    (update,) = rec.params_of("UpdateFunctionCode")
    assert update["ImageUri"] == f"{IMAGE}:v2" and "ZipFile" not in update


@pytest.mark.slow
def test_skip_archive_refuses_a_missing_object_before_any_mutating_call(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    boto("s3").create_bucket(Bucket="code")
    fn = write_function(
        tmp_path / "fn", lambda_role, Code={"S3Bucket": "code", "S3Key": "missing.zip"}
    )
    rec = recording(monkeypatch)
    r = lh("-C", fn, "deploy", "--skip-archive")
    assert r.code != 0
    (line,) = r.err.strip().splitlines()
    assert line.startswith("error: s3://code/missing.zip: no such object"), line
    assert mutating(rec.names) == []
