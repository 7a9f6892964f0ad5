"""Audit of issue 2 (core): bad input found by hand, each now one clear line and no traceback."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from lambherd.archive import build_archive, code_sha256
from lambherd.errors import ArchiveError

ROLE = "arn:aws:iam::123456789012:role/lambda-exec"


def write_function(folder: Path, *, code: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "function.json").write_text(
        json.dumps(
            {
                "FunctionName": "audit",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": ROLE,
            }
        )
    )
    (folder / ".lambdaignore").write_text("function.json\n.lambdaignore\n")  # as init writes
    if code:
        (folder / "app.py").write_text("def handler(event, context):\n    return event\n")
    return folder


def assert_one_error(result, *needles: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    first = result.err.splitlines()[0]
    assert first.startswith("error: ")
    for needle in needles:
        assert needle in first, first


# --- archive -----------------------------------------------------------------------------


def test_archive_dest_is_a_folder_is_one_line_error(tmp_path: Path, lh) -> None:
    folder = write_function(tmp_path / "fn")
    (folder / "out").mkdir()
    result = lh("-C", folder, "archive", "--dest", "out")
    assert_one_error(result, "out", "is a folder")
    assert list((folder / "out").iterdir()) == []
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # no temp file left


def test_archive_of_empty_folder_is_refused(tmp_path: Path, lh) -> None:
    folder = write_function(tmp_path / "fn", code=False)
    result = lh("-C", folder, "archive")
    assert_one_error(result, "no file to put in the zip", "empty")
    assert not (folder / "function.zip").exists()


def test_archive_everything_ignored_is_refused(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn")
    (folder / ".lambdaignore").write_text("*.py\nfunction.json\n.lambdaignore\n")
    with pytest.raises(ArchiveError, match=r"left out by \.lambdaignore"):
        build_archive(folder, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_code_sha256_of_empty_folder_still_hashes(tmp_path: Path) -> None:
    """diff/plan hash an empty folder (an imported function without --download) without error."""
    folder = write_function(tmp_path / "fn", code=False)
    assert code_sha256(folder) == "hznHbmgfkAkjuQDJ3w73XPQh05yrtUZQxLmtGbanbYU="  # empty zip


def test_archive_missing_explicit_exclude_file_is_an_error(tmp_path: Path, lh) -> None:
    folder = write_function(tmp_path / "fn")
    result = lh("-C", folder, "archive", "--exclude-file", "nope.ignore")
    assert_one_error(result, "--exclude-file nope.ignore", "no such file")
    assert not (folder / "function.zip").exists()
    # the default .lambdaignore may be absent
    assert lh("-C", folder, "archive").code == 0
    assert (folder / "function.zip").is_file()


def test_archive_explicit_exclude_file_is_used(tmp_path: Path, lh) -> None:
    import zipfile

    folder = write_function(tmp_path / "fn")
    (folder / "notes.txt").write_text("x")
    (folder / "my.ignore").write_text("*.txt\nfunction.json\n")
    assert lh("-C", folder, "archive", "--exclude-file", "my.ignore").code == 0
    names = zipfile.ZipFile(folder / "function.zip").namelist()
    assert names == [".lambdaignore", "app.py", "my.ignore"]  # lambroll zips unlisted ones


# --- init --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--function-name", "bad name!"], "--function-name 'bad name!' is not a valid"),
        (["--function-name", "x" * 300], "at most 256 characters"),
        (["--function-name", "orders", "--qualifier", "a b"], "--qualifier 'a b' is not a valid"),
    ],
)
def test_init_refuses_invalid_names_before_calling_aws(
    tmp_path: Path, lh, args: list[str], needle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No AWS at all: the name is checked before any call (an unreachable endpoint would hang).
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = lh("-C", tmp_path, "init", *args)
    assert_one_error(result, needle)
    assert len(result.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_init_accepts_function_arn(aws, boto, lambda_role, tmp_path: Path, lh) -> None:
    from test_init_import import tiny_zip

    resp = boto("lambda").create_function(
        FunctionName="byarn",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
    )
    result = lh("-C", tmp_path, "init", "--function-name", resp["FunctionArn"])
    assert result.code == 0, result.err
    assert json.loads((tmp_path / "function.json").read_text())["FunctionName"] == "byarn"


def test_init_jsonnet_next_to_function_json_says_which_is_read(
    aws, boto, lambda_role, tmp_path: Path, lh
) -> None:
    from test_init_import import tiny_zip

    boto("lambda").create_function(
        FunctionName="both",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
    )
    assert lh("-C", tmp_path, "init", "--function-name", "both").code == 0
    result = lh("-C", tmp_path, "init", "--function-name", "both", "--jsonnet")
    assert result.code == 0, result.err
    assert "function.json is also here and is read first" in result.err
    assert (tmp_path / "function.jsonnet").is_file()


# --- AWS access --------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_fails_fast_with_one_line(
    tmp_path: Path, lh, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connection refused used to be retried 10 times with backoff: about a minute of silence."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    start = time.monotonic()
    result = lh("-C", tmp_path, "--endpoint-url", f"http://127.0.0.1:{_closed_port()}", "list")
    elapsed = time.monotonic() - start
    assert_one_error(result, "cannot reach AWS endpoint")
    assert elapsed < 20, f"took {elapsed:.1f} s"
