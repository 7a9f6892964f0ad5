"""Extracted code honours the umask, as every other file lambherd writes does (function.json
under umask 077 is 0600; app.py must not be 0644 beside it)."""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambherd.archive.extract import safe_extract


@pytest.fixture
def umask_077() -> Iterator[None]:
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, mode in (("app.py", 0o644), ("bin/run.sh", 0o755), ("lib/x.py", 0o666)):
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | mode) << 16
            zf.writestr(info, "x\n")
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_extracted_files_follow_the_umask(tmp_path: Path, umask_077: None) -> None:
    target = tmp_path / "out"
    safe_extract(_zip(tmp_path / "code.zip"), target)
    assert _mode(target / "app.py") == 0o600
    assert _mode(target / "lib" / "x.py") == 0o600
    assert _mode(target / "bin" / "run.sh") == 0o700  # executable stays executable, for us only
    assert _mode(target / "bin") == 0o700 and _mode(target) == 0o700


def test_the_usual_umask_gives_the_usual_modes(tmp_path: Path) -> None:
    before = os.umask(0o022)
    try:
        target = tmp_path / "out"
        safe_extract(_zip(tmp_path / "code.zip"), target)
    finally:
        os.umask(before)
    assert _mode(target / "app.py") == 0o644
    assert _mode(target / "lib" / "x.py") == 0o644  # never group/world-writable from a zip
    assert _mode(target / "bin" / "run.sh") == 0o755
