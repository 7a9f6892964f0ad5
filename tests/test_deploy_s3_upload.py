"""The S3 upload of a deploy (``apply/s3_upload.py``, issue #20 item 5): the zip goes to
PutObject as the open file (streamed, never read into memory), the object holds exactly the
zip ``archive`` writes with a full-object SHA-256 equal to Lambda's CodeSha256, and an upload
retried after its attempts failed sends the whole file again. moto, in eu-west-1, read back
with plain boto3."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest

from deploy_testkit import NAME, recording, write_function

pytestmark = pytest.mark.slow  # deploys against moto

REGION = "eu-west-1"


@pytest.fixture
def s3_function(aws, lambda_role, monkeypatch, tmp_path: Path):
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws)
    s3.create_bucket(Bucket="code", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="code", VersioningConfiguration={"Status": "Enabled"})
    folder = write_function(
        tmp_path / "fn", lambda_role, Code={"S3Bucket": "code", "S3Key": "fn.zip"}
    )
    (folder / "blob.bin").write_bytes(os.urandom(3 * 1024 * 1024))  # past botocore's 1 MB reads
    return folder, s3, boto3.client("lambda", region_name=REGION, endpoint_url=aws)


def _archive(lh, folder: Path) -> tuple[str, bytes]:
    out = lh("-C", folder, "--output", "json", "archive", "--dest", "../out.zip")
    assert out.code == 0, out.err
    return json.loads(out.out)["code_sha256"], (folder.parent / "out.zip").read_bytes()


def _object(s3) -> tuple[bytes, str | None]:
    head = s3.head_object(Bucket="code", Key="fn.zip", ChecksumMode="ENABLED")
    body = s3.get_object(Bucket="code", Key="fn.zip")["Body"].read()
    return body, head.get("ChecksumSHA256")


def test_the_zip_is_streamed_to_s3_and_is_the_archive(s3_function, lh, monkeypatch) -> None:
    folder, s3, lam = s3_function
    calls = recording(monkeypatch)
    done = lh("-C", folder, "--output", "json", "deploy")
    assert done.code == 0, done.err
    (put,) = calls.params_of("PutObject")
    assert hasattr(put["Body"], "read") and not isinstance(put["Body"], bytes | bytearray)
    sha, zipped = _archive(lh, folder)
    body, checksum = _object(s3)
    assert body == zipped and json.loads(done.out)["bytes_uploaded"] == len(zipped)
    assert checksum == sha == base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert lam.get_function(FunctionName=NAME)["Configuration"]["CodeSha256"] == sha


def test_a_retried_upload_sends_the_whole_file_again(s3_function, lh, aws, monkeypatch) -> None:
    """Every botocore attempt of the first PutObject is answered 500 by a proxy once the body
    was sent, so lambherd's own retry sends it again: the object is still the whole zip."""
    from fault_testkit import fault_proxy
    from lambherd.aws import AwsSettings

    folder, s3, _lam = s3_function
    puts: list[int] = []

    def decide(method: str, path: str, body: bytes, _seen: int) -> str | None:
        if method == "PUT" and path.startswith("/code/fn.zip"):
            puts.append(len(body))
            if len(puts) <= AwsSettings.max_attempts:  # all of botocore's attempts
                return "error500"
        return None

    with fault_proxy(aws, decide=decide) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.server_port}")
        done = lh("-C", folder, "deploy")
    assert done.code == 0, done.err
    sha, zipped = _archive(lh, folder)
    assert puts == [len(zipped)] * (AwsSettings.max_attempts + 1)  # each one the whole file
    body, checksum = _object(s3)
    assert body == zipped and checksum == sha
