"""diff against moto's server: imported function shows nothing, changes, --code, --mask..."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from deploy_testkit import NAME, mutating, recording, write_function
from lambherd import exit_codes


def _create_by_hand(boto, role: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(e, c):\n    return 1\n")
    boto("lambda").create_function(
        FunctionName=NAME,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
        Environment={"Variables": {"TOKEN": "old-secret"}},
        Tags={"team": "shop"},
    )


@pytest.mark.slow
def test_diff_of_missing_function_and_after_deploy(aws, lambda_role, lh, tmp_path: Path) -> None:
    fn = write_function(tmp_path / "fn", lambda_role, MemorySize=256)
    r = lh("-C", fn, "diff", "--exit-code")
    assert r.code == exit_codes.DIFFERENCES
    assert "orders (not deployed)" in r.out and '+  "MemorySize": 256' in r.out
    assert lh("-C", fn, "deploy").code == 0
    r = lh("-C", fn, "diff", "--exit-code", "--code")
    assert r.code == 0 and r.out == ""


@pytest.mark.slow
def test_imported_function_shows_no_difference_then_changes(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    _create_by_hand(boto, lambda_role)
    fn = write_function(
        tmp_path / "fn",
        lambda_role,
        Environment={"Variables": {"TOKEN": "old-secret"}},
        Tags={"team": "shop"},
    )
    rec = recording(monkeypatch)
    assert lh("-C", fn, "diff", "--exit-code").code == 0
    assert mutating(rec.names) == []
    # code differs: the hand-made zip is not ours
    r = lh("-C", fn, "diff", "--code", "--exit-code")
    assert r.code == exit_codes.DIFFERENCES and "CodeSha256" in r.out
    write_function(
        fn,
        lambda_role,
        Environment={"Variables": {"TOKEN": "new-secret"}},
        Tags={"team": "ops"},
        Timeout=10,
    )
    r = lh("-C", fn, "diff", "--mask")
    assert "new-secret" not in r.out and "old-secret" not in r.out
    assert "******** (changed)" in r.out
    assert '+  "Timeout": 10' in r.out and '-  "Timeout": 3' in r.out
    assert '+    "team": "ops"' in r.out
    r = lh(
        "-C",
        fn,
        "diff",
        "--exit-code",
        "--ignore",
        "Timeout",
        "--ignore",
        "Tags",
        "--ignore",
        "Environment",
    )
    assert r.code == 0, r.out
    r = lh("-C", fn, "--output", "json", "diff")
    assert json.loads(r.out)["differences"] is True


@pytest.mark.slow
def test_diff_against_a_qualifier(aws, boto, lambda_role, lh, tmp_path: Path) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=512)
    assert lh("-C", fn, "deploy", "--no-publish").code == 0
    assert lh("-C", fn, "diff", "--exit-code").code == 0
    r = lh("-C", fn, "diff", "--exit-code", "--qualifier", "current")
    assert r.code == exit_codes.DIFFERENCES and "orders:current (deployed)" in r.out
