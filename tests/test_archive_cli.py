"""``lambherd archive``: the command, its output, stdout mode, and CodeSha256 on Lambda (moto)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lambherd.archive import build_archive


@pytest.fixture
def fn_dir(tmp_path: Path) -> Path:
    d = tmp_path / "fn"
    d.mkdir()
    (d / "function.json").write_text(
        json.dumps({"FunctionName": "hello", "Runtime": "python3.12", "Handler": "app.handler"})
    )
    (d / "app.py").write_text("def handler(event, context):\n    return 'hi'\n")
    (d / "notes.md").write_text("internal\n")
    (d / ".lambdaignore").write_text("*.md\nfunction.json\n.lambdaignore\n*.zip\n")
    return d


def test_archive_writes_function_zip_and_reports(lh, fn_dir: Path) -> None:
    res = lh("-C", fn_dir, "archive")
    assert res.code == 0, res.err
    zpath = fn_dir / "function.zip"
    with zipfile.ZipFile(zpath) as zf:
        assert zf.namelist() == ["app.py"]
    expected = build_archive(fn_dir, io.BytesIO())
    assert f"CodeSha256 {expected.sha256_b64}" in res.err
    assert "1 file," in res.err and res.out == ""
    again = lh("-C", fn_dir, "archive")
    assert again.code == 0 and zipfile.ZipFile(zpath).namelist() == ["app.py"]


def test_archive_json_output(lh, fn_dir: Path) -> None:
    res = lh("-C", fn_dir, "--output", "json", "archive", "--dest", "out/code.zip")
    assert res.code != 0 and "out" in res.err  # missing folder: one clear line
    assert "Traceback" not in res.err
    (fn_dir / "out").mkdir()
    res = lh("-C", fn_dir, "--output", "json", "archive", "--dest", "out/code.zip")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["files"] == 1 and doc["path"] == str(fn_dir / "out" / "code.zip")
    digest = hashlib.sha256((fn_dir / "out" / "code.zip").read_bytes()).digest()
    assert doc["code_sha256"] == base64.b64encode(digest).decode()


def test_archive_to_stdout_is_binary_zip(fn_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lambherd", "-C", str(fn_dir), "archive", "--dest", "-"],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    buf = io.BytesIO()
    build_archive(fn_dir, buf)
    assert proc.stdout == buf.getvalue()
    assert b"CodeSha256" in proc.stderr
    assert not (fn_dir / "function.zip").exists()


def test_archive_prints_symlink_warnings(lh, fn_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x")
    os.symlink(tmp_path / "secret", fn_dir / "secret")
    res = lh("-C", fn_dir, "archive")
    assert res.code == 0
    assert "warning: secret: symlink" in res.err


def test_archive_symlink_flag_stores_links(lh, fn_dir: Path) -> None:
    os.symlink("app.py", fn_dir / "main.py")
    assert lh("-C", fn_dir, "archive", "--symlink").code == 0
    with zipfile.ZipFile(fn_dir / "function.zip") as zf:
        assert zf.read("main.py") == b"app.py"


def test_archive_over_limit_is_one_line_error(lh, fn_dir: Path) -> None:
    with open(fn_dir / "big.bin", "wb") as f:
        f.truncate(251 * 1024 * 1024)
    res = lh("-C", fn_dir, "archive")
    assert res.code != 0
    assert res.err.startswith("error: code package is 251.0 MiB unzipped")
    assert "Traceback" not in res.err and not (fn_dir / "function.zip").exists()


def test_s3_code_skips_zipped_limit(lh, fn_dir: Path, monkeypatch) -> None:
    import lambherd.archive

    monkeypatch.setattr(lambherd.archive, "ZIPPED_LIMIT", 2000)
    (fn_dir / "r.bin").write_bytes(os.urandom(5000))
    res = lh("-C", fn_dir, "archive")
    assert res.code != 0 and "direct upload" in res.err and "S3" in res.err
    doc = json.loads((fn_dir / "function.json").read_text())
    doc["Code"] = {"S3Bucket": "b", "S3Key": "k.zip"}
    (fn_dir / "function.json").write_text(json.dumps(doc))
    assert lh("-C", fn_dir, "archive").code == 0


def test_no_definition_is_clear_error(lh, tmp_path: Path) -> None:
    res = lh("-C", tmp_path, "archive")
    assert res.code != 0 and res.err.startswith("error: ") and "function.json" in res.err


@pytest.mark.slow
def test_hash_equals_lambda_code_sha256(aws, boto, lambda_role, fn_dir: Path) -> None:
    result = build_archive(fn_dir, fn_dir / "function.zip")
    created = boto("lambda").create_function(
        FunctionName="hello",
        Runtime="python3.12",
        Handler="app.handler",
        Role=lambda_role,
        Code={"ZipFile": (fn_dir / "function.zip").read_bytes()},
    )
    assert created["CodeSha256"] == result.sha256_b64
    (fn_dir / "app.py").touch()
    os.utime(fn_dir / "app.py", (1, 1))
    assert build_archive(fn_dir, io.BytesIO()).sha256_b64 == created["CodeSha256"]


def test_custom_definition_name_goes_in_unless_listed(lh, fn_dir: Path) -> None:
    # lambroll leaves out only what .lambdaignore lists, whatever --function names
    (fn_dir / "function.json").rename(fn_dir / "prod.json")
    assert lh("-C", fn_dir, "--function", "prod.json", "archive").code == 0
    assert zipfile.ZipFile(fn_dir / "function.zip").namelist() == ["app.py", "prod.json"]
    with (fn_dir / ".lambdaignore").open("a") as f:
        f.write("prod.json\n")
    assert lh("-C", fn_dir, "--function", "prod.json", "archive").code == 0
    assert zipfile.ZipFile(fn_dir / "function.zip").namelist() == ["app.py"]
