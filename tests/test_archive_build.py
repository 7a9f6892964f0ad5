"""build_archive: byte-identical output, a valid zip, normalised metadata, ignore rules."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from lambherd.archive import (
    GITIGNORE_DEFAULT_EXCLUDES,
    LAMBROLL_DEFAULT_EXCLUDES,
    build_archive,
    code_sha256,
)
from lambherd.archive.ignore import load_rules, wildcard_match
from lambherd.archive.tree import SourceEntry
from lambherd.archive.zipwriter import DeterministicZip, PackedEntry, active_codec, pack_entry


def make_tree(root: Path, files: dict[str, bytes | str], *, mtime: int | None = None) -> Path:
    """Write ``files`` (relative path -> content) under root; optionally set every mtime."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
        if mtime is not None:
            os.utime(p, (mtime, mtime))
    return root


SAMPLE = {
    "app.py": "def handler(event, context):\n    return {'ok': True}\n" * 20,
    "lib/util.py": "X = 1\n",
    "lib/data.bin": bytes(range(256)) * 64,
    "bin/run.sh": "#!/bin/sh\necho hi\n",
    "empty.txt": "",
    "z/é-unicode.txt": "accent\n",
}


def names(zip_path: Path | bytes) -> list[str]:
    src = io.BytesIO(zip_path) if isinstance(zip_path, bytes) else zip_path
    with zipfile.ZipFile(src) as zf:
        return [i.filename for i in zf.infolist()]


def test_same_content_gives_identical_bytes_despite_mtimes_and_umask(tmp_path: Path) -> None:
    a = make_tree(tmp_path / "a", SAMPLE, mtime=1_000_000_000)
    old = os.umask(0o077)
    try:
        b = make_tree(tmp_path / "b", dict(reversed(list(SAMPLE.items()))), mtime=1_700_000_000)
    finally:
        os.umask(old)
    os.chmod(a / "bin/run.sh", 0o700)
    os.chmod(b / "bin/run.sh", 0o755)
    os.chmod(b / "app.py", 0o600)
    ra = build_archive(a, tmp_path / "a.zip")
    rb = build_archive(b, tmp_path / "b.zip")
    da, db = (tmp_path / "a.zip").read_bytes(), (tmp_path / "b.zip").read_bytes()
    assert da == db
    assert ra.sha256_b64 == rb.sha256_b64
    assert ra.sha256_b64 == base64.b64encode(hashlib.sha256(da).digest()).decode()
    assert code_sha256(a) == ra.sha256_b64
    assert ra.size == len(da) and ra.file_count == len(SAMPLE)
    assert ra.uncompressed_size == sum(
        len(v.encode() if isinstance(v, str) else v) for v in SAMPLE.values()
    )


def test_content_change_changes_hash(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", SAMPLE)
    before = code_sha256(src)
    (src / "lib/util.py").write_text("X = 2\n")
    assert code_sha256(src) != before


def test_zip_is_valid_sorted_and_normalised(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", SAMPLE)
    os.chmod(src / "bin/run.sh", 0o744)
    out = tmp_path / "out.zip"
    build_archive(src, out)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(SAMPLE)
        for i in infos:
            assert i.date_time == (1980, 1, 1, 0, 0, 0)
            assert i.create_system == 3
            assert i.extra == b""
            want = 0o100755 if i.filename == "bin/run.sh" else 0o100644
            assert i.external_attr >> 16 == want, i.filename
            assert zf.read(i) == (src / i.filename).read_bytes()
        kinds = {i.filename: i.compress_type for i in infos}
    assert kinds["app.py"] == zipfile.ZIP_DEFLATED
    assert kinds["empty.txt"] == zipfile.ZIP_STORED
    assert oct(stat.S_IMODE(out.stat().st_mode)) == oct(0o644)
    if shutil.which("unzip"):
        proc = subprocess.run(["unzip", "-tq", str(out)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_incompressible_file_is_stored(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", {"random.bin": os.urandom(50_000)})
    out = tmp_path / "o.zip"
    build_archive(src, out)
    with zipfile.ZipFile(out) as zf:
        (info,) = zf.infolist()
        assert info.compress_type == zipfile.ZIP_STORED
        assert zf.read(info) == (src / "random.bin").read_bytes()


def test_big_file_streams_in_chunks_and_stays_valid(tmp_path: Path, monkeypatch) -> None:
    from lambherd.archive import zipwriter

    monkeypatch.setattr(zipwriter, "WHOLE_FILE_LIMIT", 10_000)
    monkeypatch.setattr(zipwriter, "CHUNK", 4096)
    blob = (b"lambda " * 20_000) + os.urandom(3000)
    src = make_tree(tmp_path / "s", {"big.txt": blob, "rand.bin": os.urandom(30_000)})
    out = tmp_path / "o.zip"
    first = build_archive(src, out)
    with zipfile.ZipFile(out) as zf:
        assert zf.read("big.txt") == blob
        assert zf.getinfo("big.txt").compress_type == zipfile.ZIP_DEFLATED
        assert zf.getinfo("rand.bin").compress_type == zipfile.ZIP_STORED
        assert zf.read("rand.bin") == (src / "rand.bin").read_bytes()
    assert build_archive(src, out).sha256_b64 == first.sha256_b64


def test_stream_dest_matches_file_dest(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", SAMPLE)
    buf = io.BytesIO()
    r1 = build_archive(src, buf)
    r2 = build_archive(src, tmp_path / "f.zip")
    assert buf.getvalue() == (tmp_path / "f.zip").read_bytes()
    assert r1.path is None and r2.path == tmp_path / "f.zip"


def test_zip_inside_source_never_includes_itself(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", SAMPLE)
    build_archive(src, src / "function.zip")
    build_archive(src, src / "out" / "custom.zip") if (src / "out").mkdir() is None else None
    second = build_archive(src, src / "out" / "custom.zip")
    listed = names(src / "out" / "custom.zip")
    # the zip being written never; an older zip in the folder, as lambroll does, unless listed
    assert "out/custom.zip" not in listed and "function.zip" in listed
    assert any("function.zip" in w for w in second.warnings)
    assert second.file_count == len(SAMPLE) + 1
    assert not [p for p in (src / "out").iterdir() if p.name.endswith(".tmp")]


DEFAULT_FILES = {
    "function.json": "{}",
    "function_url.json": "{}",
    ".git/HEAD": "ref",
    ".terraform/x": "",
    "terraform.tfstate": "{}",
    "app.py": "x",
    "sub/function.json": "{} nested is kept",
}


def test_lambroll_style_leaves_out_only_what_the_file_lists(tmp_path: Path) -> None:
    # lambroll's createZipArchive applies no DefaultExcludes: only `lambroll init` writes them
    src = make_tree(tmp_path / "s", DEFAULT_FILES)
    result = build_archive(src, tmp_path / "o.zip")
    assert set(names(tmp_path / "o.zip")) == set(DEFAULT_FILES)
    assert any("function.json" in w and "no .lambdaignore" in w for w in result.warnings)
    (src / ".lambdaignore").write_text("\n".join(LAMBROLL_DEFAULT_EXCLUDES) + "\n")
    result = build_archive(src, tmp_path / "o.zip")
    assert names(tmp_path / "o.zip") == ["app.py", "sub/function.json"]
    assert result.warnings == ()


def test_gitignore_style_keeps_lambherd_defaults(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", {**DEFAULT_FILES, ".lambdaignore": ""})
    assert "/function.json" in GITIGNORE_DEFAULT_EXCLUDES
    build_archive(src, tmp_path / "o.zip", ignore_style="gitignore")
    assert names(tmp_path / "o.zip") == ["app.py", "sub/function.json"]


def test_unknown_ignore_style_is_refused(tmp_path: Path) -> None:
    from lambherd.errors import ArchiveError

    make_tree(tmp_path / "s", {"app.py": ""})
    with pytest.raises(ArchiveError, match="ignore style 'git'"):
        build_archive(tmp_path / "s", tmp_path / "o.zip", ignore_style="git")


IGNORE_FILES = {
    "app.py": "",
    "app.pyc": "",
    "pkg/mod.py": "",
    "pkg/mod.pyc": "",
    "pkg/__pycache__/mod.cpython-311.pyc": "",
    "tests/test_a.py": "",
    "tests/keep/data.txt": "",
    "docs/readme.md": "",
    "docs/keep.md": "",
    "build/out.txt": "",
    "src/build/inner.txt": "",
    "README.md": "",
    "notes.md": "",
}


@pytest.mark.parametrize(
    ("patterns", "expected_missing"),
    [
        ("*.pyc\n", {"app.pyc", "pkg/mod.pyc", "pkg/__pycache__/mod.cpython-311.pyc"}),
        ("__pycache__/\n", {"pkg/__pycache__/mod.cpython-311.pyc"}),
        ("/build\n", {"build/out.txt"}),
        ("build/\n", {"build/out.txt", "src/build/inner.txt"}),
        ("tests/*\n", {"tests/test_a.py", "tests/keep/data.txt"}),
        ("*.md\n!docs/keep.md\n", {"docs/readme.md", "README.md", "notes.md"}),
        ("# comment\n\ndocs/\n!docs/keep.md\n", {"docs/readme.md"}),
        ("*\n!*/\n!*.py\n", set(IGNORE_FILES) - {"app.py", "pkg/mod.py", "tests/test_a.py"}),
        ("**/keep/**\n", {"tests/keep/data.txt"}),
    ],
    ids=[
        "glob",
        "dir",
        "anchored",
        "dir-any-depth",
        "lambroll-star",
        "negation",
        "reinclude-under-excluded-dir",
        "allowlist",
        "double-star",
    ],
)
def test_gitignore_rules(tmp_path: Path, patterns: str, expected_missing: set[str]) -> None:
    src = make_tree(tmp_path / "s", {**IGNORE_FILES, ".lambdaignore": patterns})
    out = tmp_path / "o.zip"
    build_archive(src, out, ignore_style="gitignore")
    assert set(names(out)) == set(IGNORE_FILES) - expected_missing


@pytest.mark.parametrize(
    ("patterns", "expected_missing"),
    [
        ("*.pyc\n", {"app.pyc", "pkg/mod.pyc", "pkg/__pycache__/mod.cpython-311.pyc"}),
        ("__pycache__/\n", set()),  # a trailing / matches no file path
        ("*__pycache__/*\n", {"pkg/__pycache__/mod.cpython-311.pyc"}),
        ("build/*\n", {"build/out.txt"}),  # whole path: src/build/ is not build/
        ("build\n", set()),  # a folder's name alone leaves nothing out
        ("*build/*\n", {"build/out.txt", "src/build/inner.txt"}),
        ("tests/*\n", {"tests/test_a.py", "tests/keep/data.txt"}),
        ("docs/*.md\n", {"docs/readme.md", "docs/keep.md"}),
        ("*.md\n!docs/keep.md\n", {"docs/readme.md", "docs/keep.md", "README.md", "notes.md"}),
        ("README.md\n", {"README.md"}),  # only the root's file
        ("*/keep/*\n", {"tests/keep/data.txt"}),
        ("n?tes.md\n", {"notes.md"}),
        ("  # comment\n\n  notes.md  \n", {"notes.md"}),  # trimmed, comments skipped
        ("*\n", set(IGNORE_FILES)),
    ],
)
def test_lambroll_rules(tmp_path: Path, patterns: str, expected_missing: set[str]) -> None:
    src = make_tree(tmp_path / "s", {**IGNORE_FILES, ".lambdaignore": patterns})
    out = tmp_path / "o.zip"
    result = build_archive(src, out, allow_empty=True)
    assert set(names(out)) == set(IGNORE_FILES) - expected_missing | {".lambdaignore"} - (
        {".lambdaignore"} if patterns == "*\n" else set()
    )
    gitignore_like = any(c in patterns for c in "!") or "/\n" in patterns
    assert any("gitignore syntax" in w for w in result.warnings) == gitignore_like


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a*", "a/b/c", True),
        ("*c", "a/b/c", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?", "a", False),
        ("a*b*c", "aXbYc", True),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("a\\*", "a\\xyz", True),  # no escapes: \ is itself, * still a wildcard
        ("é?", "éü", True),  # runes, not bytes
    ],
)
def test_wildcard_match_as_minio(pattern: str, name: str, matches: bool) -> None:
    assert wildcard_match(pattern, name) is matches


def test_skipped_folders_agree_with_file_matching(tmp_path: Path) -> None:
    # the walk prunes a folder only when every path under it matches; check against brute force
    from lambherd.archive.ignore import WildcardRules

    rules = WildcardRules(("a*/x/*", "b/*", "?c*", "d", "*e/", "f/*/g*"))
    for folder in ["a", "ab/x", "b", "b/c", "cc", "xcy", "d", "e", "xe", "f/q", "f"]:
        if rules.ignores_dir(folder):
            for tail in ["z", "q/r", "g", "x/y"]:
                assert rules.ignores_file(f"{folder}/{tail}"), (folder, tail)
    assert rules.ignores_dir("b") and rules.ignores_dir("ab/x") and rules.ignores_dir("xc")
    assert not rules.ignores_dir("d") and not rules.ignores_dir("xe") and not rules.ignores_dir("f")


def test_custom_ignore_file_and_extra_ignores_lambroll(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", {**IGNORE_FILES, ".myignore": "*.md\n"})
    out = tmp_path / "o.zip"
    build_archive(src, out, ignore_file=".myignore", extra_ignores=["*.pyc"])
    got = set(names(out))
    assert ".myignore" in got and "README.md" not in got  # lambroll zips its exclude file
    assert "app.pyc" not in got


def test_ignore_file_read_from_base_dir(tmp_path: Path) -> None:
    # lambroll reads .lambdaignore where it runs, also when --src names another folder
    src = make_tree(tmp_path / "other", {"a.txt": "", "b.md": "", ".lambdaignore": "*.txt\n"})
    base = make_tree(tmp_path / "fn", {".lambdaignore": "*.md\n"})
    build_archive(src, tmp_path / "o.zip", ignore_base=base)
    assert names(tmp_path / "o.zip") == [".lambdaignore", "a.txt"]


def test_custom_ignore_file_and_extra_ignores(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", {**IGNORE_FILES, ".myignore": "*.md\n"})
    out = tmp_path / "o.zip"
    build_archive(
        src,
        out,
        ignore_file=".myignore",
        extra_ignores=["*.pyc", "!app.pyc"],
        ignore_style="gitignore",
    )
    got = set(names(out))
    assert ".myignore" not in got and "README.md" not in got
    assert "app.pyc" in got and "pkg/mod.pyc" not in got


def test_bad_ignore_pattern_is_one_clear_error(tmp_path: Path) -> None:
    from lambherd.errors import ArchiveError

    with pytest.raises(ArchiveError, match="ignore pattern"):
        load_rules(tmp_path, None, ["foo\\"], style="gitignore")


def test_extra_trees_merge_at_root_source_wins(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "s", {"app.py": "mine", ".lambdaignore": "*.pyc\n"})
    deps = make_tree(
        tmp_path / "deps", {"app.py": "theirs", "requests/__init__.py": "r", "requests/x.pyc": "c"}
    )
    out = tmp_path / "o.zip"
    result = build_archive(src, out, extra_trees=[deps])
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == [".lambdaignore", "app.py", "requests/__init__.py"]
        assert zf.read("app.py") == b"mine"
    assert any("shadowed" in w for w in result.warnings)


def test_missing_source_is_archive_error(tmp_path: Path) -> None:
    from lambherd.errors import ArchiveError

    with pytest.raises(ArchiveError, match="source folder not found"):
        build_archive(tmp_path / "nope", tmp_path / "o.zip")


@pytest.mark.slow
def test_zip64_when_more_than_65535_entries(tmp_path: Path) -> None:
    codec = active_codec()
    entry = SourceEntry("x", "/dev/null", 0)
    buf = io.BytesIO()
    writer = DeterministicZip(buf)
    empty = pack_entry(SourceEntry("x", os.devnull, 0), codec)
    for n in range(70_000):
        writer.add(
            PackedEntry(
                SourceEntry(f"f{n:06d}", entry.path, 0), empty.method, empty.crc, 0, 0, data=b""
            )
        )
    writer.close()
    data = buf.getvalue()
    assert b"PK\x06\x06" in data  # Zip64 end of central directory
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert len(zf.infolist()) == 70_000
        assert zf.namelist()[-1] == "f069999"
    if shutil.which("unzip"):
        (tmp_path / "many.zip").write_bytes(data)
        proc = subprocess.run(["unzip", "-tq", str(tmp_path / "many.zip")], capture_output=True)
        assert proc.returncode == 0, proc.stdout
