"""``archive``: bad input (a folder as --dest, an empty or wholly ignored folder, a missing
--exclude-file) is one clear line without a traceback; an explicit --exclude-file is used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_testkit import assert_one_error
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
