"""lambroll compatibility: the zip lambroll makes from a folder (files, names, modes, links).

lambroll's fixture test/src is rebuilt here from the facts its tests state (names, modes,
links; ext-hello.txt is a link to a file outside test/src — its target is not in the tests, we
point it one folder up). Only long-standing entry points are used (``build_archive``,
``build_function_zip``, ``read_ignore_file``), so the same file measures any lambherd version.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from lambherd.archive import build_archive
from lambherd.archive.function_package import build_function_zip
from lambherd.archive.ignore import read_ignore_file
from lambherd.definition.model import FunctionDefinition

#: lambroll.go DefaultExcludes (what `lambroll init` writes to .lambdaignore)
DEFAULT_EXCLUDES = [
    ".lambdaignore",
    "function.json",
    "function.jsonnet",
    "function_url.json",
    "function_url.jsonnet",
    "function.zip",
    ".git/*",
    ".terraform/*",
    "terraform.tfstate",
]


def lambroll_src(root: Path) -> Path:
    """lambroll's test/src: files, the 0755 `world`, and the three links of its newer tests."""
    src = root / "test" / "src"
    files = {
        ".lambdaignore": "*.bin\n# comment\n\n*.zip\n",
        "dir/sub.txt": "sub\n",
        "hello.txt": "hello\n",
        "ignore.bin": "\0",
        "index.js": "exports.handler = async () => 'ok';\n",
        "skip/hello.pl": "print 'hello';\n",
        "skip/subdir/subfile.txt": "",
        "world": "#!/bin/sh\necho world\n",
    }
    for rel, text in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (src / "world").chmod(0o755)
    (root / "test" / "ext-hello.txt").write_text("hello from outside\n")
    os.symlink("hello.txt", src / "hello.symlink")
    os.symlink("dir", src / "dir.symlink")
    os.symlink("../ext-hello.txt", src / "ext-hello.txt")
    return src


def zip_entries(data: bytes) -> dict[str, tuple[int, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: (i.external_attr >> 16, zf.read(i)) for i in zf.infolist()}


def archive(src: Path, excludes: list[str], tmp: Path, *, symlink: bool = False) -> dict:
    """createZipArchive(src, excludes, keepSymlink): the excludes as an ignore file's lines."""
    ignore = tmp / "excludes"
    ignore.write_text("\n".join(excludes) + "\n")
    out = io.BytesIO()
    build_archive(src, out, ignore_file=ignore, store_symlinks=symlink)
    return zip_entries(out.getvalue())


LAMBROLL_EXPECTED = [
    "dir/sub.txt",
    "ext-hello.txt",
    "hello.symlink",
    "hello.txt",
    "index.js",
    "world",
]


# source: fujiwara/lambroll archive_test.go TestCreateZipArchive (createZipArchives, 3 suites)
@pytest.mark.parametrize(
    ("src_dir", "symlink", "expected"),
    [
        ("test/src", False, LAMBROLL_EXPECTED),
        ("test/src/dir/..", False, LAMBROLL_EXPECTED),
        ("test/src", True, sorted([*LAMBROLL_EXPECTED, "dir.symlink"])),
    ],
    ids=[".:test/src", "test/src/dir:../", ".:test/src:symlink"],
)
def test_lambroll_create_zip_archive(tmp_path: Path, src_dir: str, symlink: bool, expected) -> None:
    lambroll_src(tmp_path)
    entries = archive(
        tmp_path / src_dir, [*DEFAULT_EXCLUDES, "*.bin", "skip/*"], tmp_path, symlink=symlink
    )
    assert sorted(entries) == expected


# source: lambroll archive.go addToZip (zip.FileInfoHeader keeps the permission bits;
# a followed link is stored with its target's content; --symlink stores the link itself)
def test_lambroll_zip_modes_and_link_contents(tmp_path: Path) -> None:
    src = lambroll_src(tmp_path)
    followed = archive(src, [*DEFAULT_EXCLUDES, "*.bin", "skip/*"], tmp_path)
    assert followed["world"][0] & 0o777 == 0o755 and followed["hello.txt"][0] & 0o777 == 0o644
    assert followed["hello.symlink"] == (stat.S_IFREG | 0o644, b"hello\n")
    assert followed["ext-hello.txt"][1] == b"hello from outside\n"
    kept = archive(src, [*DEFAULT_EXCLUDES, "*.bin", "skip/*"], tmp_path, symlink=True)
    assert stat.S_ISLNK(kept["hello.symlink"][0]) and kept["hello.symlink"][1] == b"hello.txt"
    assert stat.S_ISLNK(kept["dir.symlink"][0]) and kept["dir.symlink"][1] == b"dir"


# source: fujiwara/lambroll deploy_test.go TestDeployOptionExpand (test/src/.lambdaignore)
def test_lambroll_expand_exclude_file(tmp_path: Path) -> None:
    src = lambroll_src(tmp_path)
    assert read_ignore_file(src / ".lambdaignore") == ["*.bin", "*.zip"]


def tree(root: Path, files: list[str]) -> Path:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    return root


# source: lambroll archive.go matchExcludes (wildcard.Match of each line against the whole path
# relative to the source; lambroll/wildcard/match.go: `*` any run incl. `/`, `?` one rune)
@pytest.mark.parametrize(
    ("patterns", "files", "kept"),
    [
        (["hello.txt"], ["hello.txt", "sub/hello.txt"], ["sub/hello.txt"]),
        (["dir/*.txt"], ["dir/a.txt", "dir/a/b.txt", "x/dir/c.txt"], ["x/dir/c.txt"]),
        (["skip"], ["skip/x.pl", "skipped.pl"], ["skip/x.pl", "skipped.pl"]),
        (["tests/"], ["tests/t.py", "app.py"], ["app.py", "tests/t.py"]),
        (["*.md", "!keep.md"], ["a.md", "keep.md", "app.py"], ["app.py"]),
        (["?.py"], ["a.py", "ab.py", "d/c.py"], ["ab.py", "d/c.py"]),
        (["*.pyc"], ["a.pyc", "p/__pycache__/m.pyc", "a.py"], ["a.py"]),
    ],
    ids=[
        "root-file-only",
        "star-crosses-slash",
        "folder-name-alone",
        "trailing-slash",
        "no-negation",
        "question-mark",
        "any-depth",
    ],
)
def test_lambroll_exclude_matching(tmp_path: Path, patterns, files, kept) -> None:
    src = tree(tmp_path / "src", files)
    assert sorted(archive(src, patterns, tmp_path)) == kept


# source: lambroll archive.go createZipArchive (no implicit excludes: DefaultExcludes are only
# written by `lambroll init`; a folder without .lambdaignore is zipped whole)
def test_lambroll_no_implicit_excludes(tmp_path: Path) -> None:
    src = tree(tmp_path / "src", ["function.json", "app.py", ".git/HEAD", "terraform.tfstate"])
    out = io.BytesIO()
    build_archive(src, out)
    assert sorted(zip_entries(out.getvalue())) == [
        ".git/HEAD",
        "app.py",
        "function.json",
        "terraform.tfstate",
    ]


# source: lambroll option.go ExcludeFile (default ".lambdaignore", read relative to where
# lambroll runs, next to function.json) and deploy.go (--src only changes what is zipped)
def test_lambroll_ignore_file_with_src(tmp_path: Path) -> None:
    fn = tree(tmp_path / "fn", ["function.json"])
    (fn / ".lambdaignore").write_text("*.txt\n")
    other = tree(tmp_path / "other", ["a.txt", "b.md"])
    defn = FunctionDefinition(path=fn / "function.json", config={"FunctionName": "x"})
    out = io.BytesIO()
    build_function_zip(defn, out, source=other)
    assert sorted(zip_entries(out.getvalue())) == ["b.md"]
