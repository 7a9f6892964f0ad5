"""safe_extract: refuses zip-slip, absolute paths, escaping symlinks, bombs; writes nothing then."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from lambherd.archive import build_archive
from lambherd.archive.extract import safe_extract
from lambherd.errors import ArchiveError


def make_zip(path: Path, entries: list[tuple[str, bytes, int]]) -> Path:
    """A zip of (name, data, unix mode) entries; mode 0 leaves the attributes unset."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode:
                info.create_system = 3
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A parent folder holding the target; nothing else may appear in it after a refusal."""
    parent = tmp_path / "parent"
    parent.mkdir()
    return parent


def test_extracts_files_modes_and_links(sandbox: Path, tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "ok.zip",
        [
            ("app.py", b"print(1)\n", 0o100644),
            ("bin/run", b"#!/bin/sh\n", 0o100700),
            ("lib/", b"", 0o040755),
            ("lib/x.txt", b"x", 0),
            ("lib/link", b"x.txt", stat.S_IFLNK | 0o777),
            ("bin/up", b"../lib/x.txt", stat.S_IFLNK | 0o777),
        ],
    )
    target = sandbox / "fn"
    written = safe_extract(z, target)
    assert [p.relative_to(target).as_posix() for p in written] == [
        "app.py",
        "bin/run",
        "bin/up",
        "lib/link",
        "lib/x.txt",
    ]
    assert stat.S_IMODE((target / "bin/run").stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "app.py").stat().st_mode) == 0o644
    assert os.readlink(target / "lib/link") == "x.txt"
    assert (target / "bin/up").read_text() == "x"
    assert snapshot(sandbox) == {
        "fn",
        *(
            f"fn/{n}"
            for n in ["app.py", "bin", "bin/run", "bin/up", "lib", "lib/link", "lib/x.txt"]
        ),
    }


def test_roundtrip_with_our_archive_and_existing_target(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "m.py").write_text("M = 1\n")
    (src / "tool").write_text("#!/bin/sh\n")
    os.chmod(src / "tool", 0o755)
    buf = io.BytesIO()
    build_archive(src, buf)
    target = tmp_path / "dst"
    target.mkdir()
    (target / "function.json").write_text("{}")
    (target / "tool").write_text("old")
    buf.seek(0)
    safe_extract(buf, target)
    assert (target / "pkg/m.py").read_text() == "M = 1\n"
    assert (target / "tool").read_text() == "#!/bin/sh\n"
    assert os.access(target / "tool", os.X_OK)
    assert (target / "function.json").read_text() == "{}"


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("ok.txt", b"1", 0), ("../evil.txt", b"x", 0)], "zip-slip"),
        ([("ok.txt", b"1", 0), ("a/../../evil.txt", b"x", 0)], "zip-slip"),
        ([("/tmp/evil.txt", b"x", 0)], "absolute path"),
        ([("C:/evil.txt", b"x", 0)], "absolute path"),
        ([("ok.txt", b"1", 0), ("l", b"/etc/passwd", stat.S_IFLNK | 0o777)], "outside"),
        ([("a/l", b"../../x", stat.S_IFLNK | 0o777)], "outside"),
        ([("x", b"1", 0), ("x", b"2", 0)], "twice"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "drive", "link-abs", "link-up", "duplicate"],
)
def test_refusals_write_nothing(
    sandbox: Path, tmp_path: Path, entries: list[tuple[str, bytes, int]], message: str
) -> None:
    z = make_zip(tmp_path / "bad.zip", entries)
    before = snapshot(tmp_path)
    with pytest.raises(ArchiveError, match=message):
        safe_extract(z, sandbox / "fn")
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "evil.txt").exists()


def test_link_chain_escaping_via_dot_link_is_refused(sandbox: Path, tmp_path: Path) -> None:
    # 'd' -> '.' is harmless alone; 'e' -> 'd/..' looks inside lexically but resolves to the parent.
    z = make_zip(
        tmp_path / "chain.zip",
        [("d", b".", stat.S_IFLNK | 0o777), ("e", b"d/..", stat.S_IFLNK | 0o777)],
    )
    with pytest.raises(ArchiveError, match="resolves outside"):
        safe_extract(z, sandbox / "fn")
    assert snapshot(sandbox) == set()


def test_file_through_link_entry_cannot_escape(sandbox: Path, tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "through.zip",
        [("d", b".", stat.S_IFLNK | 0o777), ("d/x.txt", b"x", 0)],
    )
    with pytest.raises(ArchiveError):
        safe_extract(z, sandbox / "fn")
    assert snapshot(sandbox) == set()
    assert not (tmp_path / "x.txt").exists() and not (sandbox / "x.txt").exists()


def test_too_many_files(sandbox: Path, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "many.zip", [(f"f{i}", b"", 0) for i in range(11)])
    with pytest.raises(ArchiveError, match="11 entries, more than the limit of 10"):
        safe_extract(z, sandbox / "fn", max_files=10)
    assert snapshot(sandbox) == set()


def test_declared_size_over_cap(sandbox: Path, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "big.zip", [("zeros", bytes(200_000), 0)])
    with pytest.raises(ArchiveError, match="200000 bytes unzipped, more than the limit"):
        safe_extract(z, sandbox / "fn", max_total_bytes=100_000)
    assert snapshot(sandbox) == set()


def test_bomb_lying_about_its_size(sandbox: Path, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "bomb.zip", [("zeros", bytes(1_000_000), 0)])
    data = bytearray(z.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 1000)  # central directory: uncompressed size 1000
    lh = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, lh + 22, 1000)  # local header too
    z.write_bytes(bytes(data))
    with zipfile.ZipFile(z) as zf:
        assert zf.infolist()[0].file_size == 1000
    with pytest.raises(ArchiveError):
        safe_extract(z, sandbox / "fn", max_total_bytes=10_000)
    assert snapshot(sandbox) == set()


def test_not_a_zip(sandbox: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ArchiveError, match="not a valid zip"):
        safe_extract(bad, sandbox / "fn")


def test_file_vs_folder_conflict_in_target_moves_nothing(sandbox: Path, tmp_path: Path) -> None:
    target = sandbox / "fn"
    (target / "pkg").mkdir(parents=True)
    z = make_zip(tmp_path / "c.zip", [("a.txt", b"a", 0), ("pkg", b"file now", 0)])
    with pytest.raises(ArchiveError, match="is a folder"):
        safe_extract(z, target)
    assert snapshot(sandbox) == {"fn", "fn/pkg"}
