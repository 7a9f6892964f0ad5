"""``code_identity``, one source kind at a time: nothing (--skip-function), a container image,
an S3 object as is (--skip-archive, its HeadObject checksum read from moto's server), --src,
the zip written or only hashed (same SHA-256), and the import baseline."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from aws_testkit import clients, tiny_zip
from lambherd.archive import code_sha256
from lambherd.definition import FunctionDefinition, load_function
from lambherd.errors import NotFoundError, UsageError
from lambherd.importing.record import RECORD_FILE, folder_sha256
from lambherd.pipeline.code import code_identity
from lambherd.plan.steps import CodeSource
from lambherd.settings import DeploySettings

APP = "def handler(event, context):\n    return 1\n"


def folder_with(tmp_path: Path, name: str = "fn", **config) -> FunctionDefinition:
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler", **config}
    (folder / "function.json").write_text(json.dumps(doc))
    (folder / "app.py").write_text(APP)
    return load_function(folder / "function.json")


def test_skip_function_has_no_code(tmp_path: Path) -> None:
    code = code_identity(folder_with(tmp_path), DeploySettings(skip_function=True))
    assert code.source == CodeSource() and code.archive is None


def test_an_image_is_its_uri(tmp_path: Path) -> None:
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1"
    code = code_identity(folder_with(tmp_path, Code={"ImageUri": uri}))
    assert code.source == CodeSource(image_uri=uri)


def test_the_zip_written_and_the_hash_only_agree(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    hashed = code_identity(defn)
    written = code_identity(defn, dest=tmp_path / "out.zip")
    assert hashed.source.sha256 == written.source.sha256 == written.archive.sha256_b64
    raw = (tmp_path / "out.zip").read_bytes()
    assert written.source.sha256 == base64.b64encode(hashlib.sha256(raw).digest()).decode()
    assert hashed.source.zip_path is None and hashed.source.size == 0 and hashed.archive is None
    assert written.source.zip_path == str(tmp_path / "out.zip")
    assert written.source.size == len(raw)


def test_s3_location_is_kept_for_the_upload(tmp_path: Path) -> None:
    defn = folder_with(tmp_path, Code={"S3Bucket": "b", "S3Key": "k.zip"})
    code = code_identity(defn).source
    assert (code.s3_bucket, code.s3_key) == ("b", "k.zip") and code.sha256


def test_src_zips_another_folder(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "main.py").write_text("X = 2\n")
    code = code_identity(defn, DeploySettings(src=other)).source
    assert code.sha256 == code_sha256(other, extra_ignores=["/.lambherd/"])
    assert code.sha256 != code_identity(defn).source.sha256
    with pytest.raises(UsageError, match=r"--src .*missing: no such folder or zip file"):
        code_identity(defn, DeploySettings(src=tmp_path / "missing"))


def test_skip_archive_needs_an_s3_location(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--skip-archive needs Code\.S3Bucket and Code\.S3Key"):
        code_identity(folder_with(tmp_path), DeploySettings(skip_archive=True))


@pytest.mark.slow
def test_skip_archive_reads_the_objects_checksum(aws: str, boto, tmp_path: Path) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="code")
    body = tiny_zip()
    s3.put_object(Bucket="code", Key="app.zip", Body=body, ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket="code", Key="plain.zip", Body=body)
    settings = DeploySettings(skip_archive=True)
    with_checksum = folder_with(tmp_path, "a", Code={"S3Bucket": "code", "S3Key": "app.zip"})
    code = code_identity(with_checksum, settings, clients=clients(aws)).source
    assert code.sha256 == base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert code.zip_path is None  # deployed as is: nothing built
    plain = folder_with(tmp_path, "b", Code={"S3Bucket": "code", "S3Key": "plain.zip"})
    assert code_identity(plain, settings, clients=clients(aws)).source.sha256 is None
    missing = folder_with(tmp_path, "c", Code={"S3Bucket": "code", "S3Key": "gone.zip"})
    with pytest.raises(NotFoundError, match=r"s3://code/gone\.zip: no such object"):
        code_identity(missing, settings, clients=clients(aws))


def record_code_baseline(folder: Path, code_sha256: str) -> None:
    """The code part of an import record, as the import writes it."""
    local = folder_sha256(folder, folder)
    doc = {"code": {"CodeSha256": code_sha256, "LocalSha256": local}}
    (folder / RECORD_FILE).write_text(json.dumps(doc))


def test_the_import_baseline_stands_while_the_folder_is_unchanged(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    built = code_identity(defn).source.sha256
    record_code_baseline(defn.source_dir, "REMOTE-SHA=")
    assert code_identity(defn).source.sha256 == "REMOTE-SHA="
    assert code_identity(defn, dest=tmp_path / "z.zip").source.sha256 == "REMOTE-SHA="
    # a dependency build added later does not count as a change of the imported folder
    build = defn.source_dir / ".lambherd" / "build"
    build.mkdir(parents=True)
    (build / "dep.py").write_text("D = 1\n")
    assert code_identity(defn).source.sha256 == "REMOTE-SHA="
    # --src names other code (even a copy of the same files): the baseline is not about it
    copy = tmp_path / "copy"
    shutil.copytree(defn.source_dir, copy)
    assert code_identity(defn, DeploySettings(src=copy)).source.sha256 != "REMOTE-SHA="
    # --src naming the definition's own folder is that folder
    same = DeploySettings(src=defn.source_dir)
    assert code_identity(defn, same).source.sha256 == "REMOTE-SHA="
    # an edit is a change again
    (defn.source_dir / "app.py").write_text(APP + "# edited\n")
    edited = code_identity(defn).source.sha256
    assert edited not in ("REMOTE-SHA=", built)


def test_an_unreadable_baseline_is_no_baseline(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    built = code_identity(defn).source.sha256
    (defn.source_dir / RECORD_FILE).write_text("not json")
    assert code_identity(defn).source.sha256 == built
