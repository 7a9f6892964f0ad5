"""Lambda's size limits: checked before upload, with the biggest contributors named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambherd.archive import UNZIPPED_LIMIT, ZIPPED_LIMIT, build_archive
from lambherd.archive.limits import human_size
from lambherd.errors import ArchiveError


def sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no disk space."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)


def test_limits_are_lambdas() -> None:
    assert ZIPPED_LIMIT == 50 * 1024 * 1024
    assert UNZIPPED_LIMIT == 250 * 1024 * 1024
    assert human_size(52_428_800) == "50.0 MiB"
    assert human_size(812) == "812 B"


@pytest.mark.timeout(10)
def test_unzipped_limit_checked_before_compressing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    sparse(src / "libs" / "huge.so", 200 * 1024 * 1024)
    sparse(src / "data" / "model.bin", 60 * 1024 * 1024)
    (src / "app.py").write_text("x")
    out = tmp_path / "o.zip"
    with pytest.raises(ArchiveError) as info:
        build_archive(src, out)  # 260 MiB of zeros would take seconds to deflate
    msg = str(info.value)
    assert "260.0 MiB unzipped" in msg and "250.0 MiB" in msg
    assert "biggest: libs/ 200.0 MiB, data/ 60.0 MiB, app.py 1 B" in msg
    assert info.value.hint
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_unzipped_limit_lists_top_five(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for i in range(7):
        sparse(src / f"d{i}" / "f", 1000 * (i + 1))
    with pytest.raises(ArchiveError, match=r"biggest: d6/ .*, d5/ .*, d4/ .*, d3/ .*, d2/ [^,]*$"):
        build_archive(src, tmp_path / "o.zip", max_unzipped_bytes=10_000)


def test_zipped_limit_stops_and_leaves_no_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(5):
        (src / f"r{i}.bin").write_bytes(os.urandom(40_000))
    out = tmp_path / "o.zip"
    with pytest.raises(ArchiveError, match=r"zip is over 97.7 KiB .*direct upload; biggest: r"):
        build_archive(src, out, max_zipped_bytes=100_000)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_no_zipped_limit_through_s3(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "r.bin").write_bytes(os.urandom(40_000))
    result = build_archive(src, tmp_path / "o.zip", max_zipped_bytes=None)
    assert result.size > 40_000
