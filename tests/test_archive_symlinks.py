"""Symlinks: followed inside the source, skipped when escaping or looping, kept with --symlink."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from lambherd.archive import build_archive


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "real.py").write_text("REAL = 1\n")
    (root / "app.py").write_text("import lib.real\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("do not ship\n")
    return root


def read_zip(path: Path) -> dict[str, tuple[int, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: (i.external_attr >> 16, zf.read(i)) for i in zf.infolist()}


def test_file_link_inside_source_is_followed(src: Path, tmp_path: Path) -> None:
    os.symlink("lib/real.py", src / "alias.py")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    entries = read_zip(out)
    assert entries["alias.py"] == (0o100644, b"REAL = 1\n")
    assert result.warnings == ()


def test_dir_link_inside_source_is_followed(src: Path, tmp_path: Path) -> None:
    os.symlink("lib", src / "vendor")
    out = tmp_path / "o.zip"
    build_archive(src, out)
    assert read_zip(out)["vendor/real.py"][1] == b"REAL = 1\n"


def test_link_escaping_source_is_skipped_with_warning(src: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "outside" / "secret.txt", src / "secret.txt")
    os.symlink("../outside", src / "outdir")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    entries = read_zip(out)
    assert "secret.txt" not in entries and not any(n.startswith("outdir") for n in entries)
    assert any("secret.txt" in w and "leaves the source" in w for w in result.warnings)
    assert any("outdir" in w and "leaves the source" in w for w in result.warnings)


def test_broken_link_is_skipped_with_warning(src: Path, tmp_path: Path) -> None:
    os.symlink("missing.py", src / "dangling.py")
    result = build_archive(src, tmp_path / "o.zip")
    assert any("dangling.py" in w and "broken" in w for w in result.warnings)
    assert "dangling.py" not in read_zip(tmp_path / "o.zip")


@pytest.mark.timeout(20)
def test_directory_loop_does_not_hang(src: Path, tmp_path: Path) -> None:
    os.symlink("..", src / "lib" / "up")
    os.symlink(".", src / "self")
    os.symlink("b", src / "a")
    os.symlink("a", src / "b")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    entries = read_zip(out)
    assert set(entries) == {"app.py", "lib/real.py"}
    assert any("lib/up" in w and "loop" in w for w in result.warnings)
    assert any(w.startswith("self:") and "loop" in w for w in result.warnings)


def test_store_symlinks_keeps_links_as_links(src: Path, tmp_path: Path) -> None:
    os.symlink("lib/real.py", src / "alias.py")
    os.symlink("lib", src / "vendor")
    os.symlink(tmp_path / "outside" / "secret.txt", src / "secret.txt")
    out = tmp_path / "o.zip"
    result = build_archive(src, out, store_symlinks=True)
    entries = read_zip(out)
    assert entries["alias.py"] == (stat.S_IFLNK | 0o777, b"lib/real.py")
    assert entries["vendor"] == (stat.S_IFLNK | 0o777, b"lib")
    assert "secret.txt" not in entries
    assert any("secret.txt" in w for w in result.warnings)
    if shutil.which("unzip"):
        dest = tmp_path / "x"
        subprocess.run(["unzip", "-q", str(out), "-d", str(dest)], check=True)
        assert os.readlink(dest / "alias.py") == "lib/real.py"
        assert (dest / "vendor" / "real.py").read_text() == "REAL = 1\n"


def test_follow_symlinks_false_skips_links(src: Path, tmp_path: Path) -> None:
    os.symlink("lib/real.py", src / "alias.py")
    result = build_archive(src, tmp_path / "o.zip", follow_symlinks=False)
    assert "alias.py" not in read_zip(tmp_path / "o.zip")
    assert any("alias.py" in w for w in result.warnings)


def test_ignored_link_is_silent(src: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "outside" / "secret.txt", src / "secret.txt")
    (src / ".lambdaignore").write_text("secret.txt\n")
    result = build_archive(src, tmp_path / "o.zip")
    assert result.warnings == ()
