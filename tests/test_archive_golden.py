"""The zip's bytes are pinned: a fixture tree must keep zipping to the same SHA-256.

Lambda's CodeSha256 is the zip's SHA-256, so any change of the bytes (the compressor, its
level, the entry order, the headers, how big files stream) makes every deployed function look
changed. These hashes were taken before the archive was reworked for speed (issue #20) and
must never move silently; a deliberate format change updates them and says so.
"""

from __future__ import annotations

import base64
import hashlib
import random
from pathlib import Path

import pytest

from lambherd.archive import build_archive, zipwriter

#: CodeSha256 of the fixture tree with the default codec (libdeflate level 6).
GOLDEN_LIBDEFLATE = "wC+12Pfqi8VVNGTRI1Jy7fUM2/SnGSIi/gvbDvU+8hc="
#: The same tree with files over 64 KiB streamed (the path of files over 16 MiB).
GOLDEN_LIBDEFLATE_STREAMED = "K0UOjYHfxsAI5cVj75SiIKy/AaUq2QpGJA0KNP8v8Vg="
#: Two files at the whole-file limit's edges (16 MiB: one piece; 16 MiB + 1: streamed).
GOLDEN_LIMIT_EDGES = "YUa4fIoBIw8YrqXt1RLXMUvpkl9PHnd0W30TyXDjbqA="
#: The same tree with the zlib fallback (used when ``deflate`` cannot be imported).
GOLDEN_ZLIB = "YlxMlD+FTfdaJhOgaGsQN+nAu6GHHI+MAeNSZ5SRj78="


def fixture_tree(root: Path) -> Path:
    """A tree touching every branch of the writer: empty, tiny, text, incompressible, an
    executable, non-ASCII names, nested folders, a symlink followed, and files big enough to
    stream when the whole-file limit is lowered."""
    rng = random.Random(20)
    files: dict[str, bytes] = {
        "app.py": b"def handler(event, context):\n    return {'ok': True}\n" * 40,
        "empty.txt": b"",
        "one.txt": b"x",
        "lib/__init__.py": b"",
        "lib/util.py": b"".join(b"VALUE_%d = %d\n" % (i, i * i) for i in range(2000)),
        "lib/data.bin": bytes(range(256)) * 300,
        "lib/random.bin": rng.randbytes(200_000),  # stored: deflate cannot shrink it
        "lib/hex.txt": rng.randbytes(150_000).hex().encode(),  # streamed when lowered
        "z/é-unicode.txt": b"accent\n" * 10,
        "deep/a/b/c/d.json": b'{"k": [1, 2, 3]}\n' * 500,
    }
    for i in range(120):  # many small files
        files[f"many/m{i:03d}.py"] = (f"# module {i}\n" + "print('x')\n" * (i % 7)).encode()
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    run = root / "bin" / "run.sh"
    run.parent.mkdir()
    run.write_bytes(b"#!/bin/sh\necho hi\n")
    run.chmod(0o755)
    (root / "link.py").symlink_to("app.py")
    return root


@pytest.fixture
def codec_restored():
    before = zipwriter.active_codec()
    yield
    zipwriter.set_codec(before.name, before.level)


def _sha(tree: Path, tmp: Path) -> str:
    result = build_archive(tree, tmp / "out.zip")
    digest = base64.b64decode(result.sha256_b64)
    assert digest == hashlib.sha256((tmp / "out.zip").read_bytes()).digest()
    return result.sha256_b64


def test_default_codec_bytes_are_pinned(tmp_path: Path) -> None:
    assert zipwriter.active_codec().name == "libdeflate"
    assert zipwriter.active_codec().level == 6
    assert _sha(fixture_tree(tmp_path / "t"), tmp_path) == GOLDEN_LIBDEFLATE


def test_streamed_entries_are_pinned(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(zipwriter, "WHOLE_FILE_LIMIT", 64 * 1024)
    assert _sha(fixture_tree(tmp_path / "t"), tmp_path) == GOLDEN_LIBDEFLATE_STREAMED


def test_zlib_fallback_bytes_are_pinned(tmp_path: Path, codec_restored) -> None:
    zipwriter.set_codec("zlib")
    assert _sha(fixture_tree(tmp_path / "t"), tmp_path) == GOLDEN_ZLIB


def test_whole_file_limit_edges_are_pinned(tmp_path: Path) -> None:
    """Where the whole-file limit lies decides which compressor a file meets, so it is part
    of the format: a file of exactly 16 MiB is deflated whole, one byte more streams."""
    assert zipwriter.WHOLE_FILE_LIMIT == 16 * 1024 * 1024
    tree = tmp_path / "t"
    tree.mkdir()
    block = random.Random(16).randbytes(512).hex().encode()  # 1 KiB, repeated: compressible
    whole = (block * (16 * 1024))[: 16 * 1024 * 1024]
    (tree / "whole.bin").write_bytes(whole)
    (tree / "streamed.bin").write_bytes(whole + b"!")
    assert _sha(tree, tmp_path) == GOLDEN_LIMIT_EDGES
