"""Symlinks as lambroll packages them (archive.go ``addToZip``/``followSymlink``).

Without --symlink a link to a file is stored with the file's content wherever the file lives;
links to folders, broken links and absolute links (joined under the link's folder, as Go's
``filepath.Join`` does) are skipped with a warning. With --symlink every link is kept as a link.
"""

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
    (outside / "shared.py").write_text("SHARED = 1\n")
    (outside / "tool.sh").write_text("#!/bin/sh\n")
    (outside / "tool.sh").chmod(0o755)
    return root


def read_zip(path: Path) -> dict[str, tuple[int, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: (i.external_attr >> 16, zf.read(i)) for i in zf.infolist()}


def test_file_link_inside_source_is_followed(src: Path, tmp_path: Path) -> None:
    os.symlink("lib/real.py", src / "alias.py")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    assert read_zip(out)["alias.py"] == (0o100644, b"REAL = 1\n")
    assert result.warnings == () and result.skipped_links == ()


def test_file_link_out_of_the_source_is_packaged(src: Path, tmp_path: Path) -> None:
    # the monorepo layout `fn/app.py -> ../shared/app.py`: lambroll ships the file's content
    os.symlink("../outside/shared.py", src / "shared.py")
    os.symlink("../../outside/tool.sh", src / "lib" / "tool.sh")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    entries = read_zip(out)
    assert entries["shared.py"] == (0o100644, b"SHARED = 1\n")
    assert entries["lib/tool.sh"][0] == 0o100755  # the target's mode
    assert result.warnings == ()


def test_dir_link_is_skipped_with_warning(src: Path, tmp_path: Path) -> None:
    os.symlink("lib", src / "vendor")
    os.symlink("../outside", src / "outdir")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    assert set(read_zip(out)) == {"app.py", "lib/real.py"}
    assert result.skipped_links == ("outdir", "vendor")
    assert any(w.startswith("vendor:") and "folder" in w for w in result.warnings)


def test_absolute_link_is_read_under_the_link_folder(src: Path, tmp_path: Path) -> None:
    # Go's filepath.Join(dir, "/abs/x") is dir + "/abs/x": lambroll does not find the target
    os.symlink(tmp_path / "outside" / "shared.py", src / "abs.py")
    result = build_archive(src, tmp_path / "o.zip")
    assert "abs.py" not in read_zip(tmp_path / "o.zip")
    assert result.skipped_links == ("abs.py",)
    assert any("abs.py" in w and "absolute" in w for w in result.warnings)


def test_broken_link_is_skipped_with_warning(src: Path, tmp_path: Path) -> None:
    os.symlink("missing.py", src / "dangling.py")
    result = build_archive(src, tmp_path / "o.zip")
    assert any("dangling.py" in w and "No such file" in w for w in result.warnings)
    assert "dangling.py" not in read_zip(tmp_path / "o.zip")


@pytest.mark.timeout(20)
def test_directory_loop_does_not_hang(src: Path, tmp_path: Path) -> None:
    os.symlink("..", src / "lib" / "up")
    os.symlink(".", src / "self")
    os.symlink("b", src / "a")
    os.symlink("a", src / "b")
    out = tmp_path / "o.zip"
    result = build_archive(src, out)
    assert set(read_zip(out)) == {"app.py", "lib/real.py"}
    assert result.skipped_links == ("a", "b", "lib/up", "self")


def test_store_symlinks_keeps_every_link(src: Path, tmp_path: Path) -> None:
    os.symlink("lib/real.py", src / "alias.py")
    os.symlink("lib", src / "vendor")
    os.symlink("../outside/shared.py", src / "shared.py")
    os.symlink("missing", src / "dangling")
    out = tmp_path / "o.zip"
    result = build_archive(src, out, store_symlinks=True)
    entries = read_zip(out)
    assert entries["alias.py"] == (stat.S_IFLNK | 0o777, b"lib/real.py")
    assert entries["vendor"] == (stat.S_IFLNK | 0o777, b"lib")
    assert entries["shared.py"] == (stat.S_IFLNK | 0o777, b"../outside/shared.py")
    assert entries["dangling"] == (stat.S_IFLNK | 0o777, b"missing")
    assert any("shared.py" in w and "dangles" in w for w in result.warnings)
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
    os.symlink("lib", src / "vendor")
    (src / ".lambdaignore").write_text("vendor\n.lambdaignore\n")
    result = build_archive(src, tmp_path / "o.zip")
    assert result.warnings == () and result.skipped_links == ()
