"""Batched packing (several small files per worker task, laid out by the worker) writes the
same bytes as writing entry by entry — also when the offsets pass 4 GiB and the central
records need Zip64 — and batches respect their size and count bounds."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from lambherd.archive import zipwriter
from lambherd.archive.tree import SourceEntry
from lambherd.archive.zipwriter import (
    ZIP64_LIMIT,
    DeterministicZip,
    active_codec,
    pack_all,
    pack_batch,
    pack_entry,
)


def _entries(root: Path, count: int) -> list[SourceEntry]:
    entries = []
    for i in range(count):
        path = root / f"f{i:03d}.txt"
        data = (f"file {i}\n" * (i * 13)).encode() + os.urandom(i % 5)
        path.write_bytes(data)
        name = f"d/é{i:03d}.txt" if i % 7 == 0 else f"d/f{i:03d}.txt"
        entries.append(SourceEntry(name, str(path), len(data), executable=i % 3 == 0))
    entries.append(SourceEntry("link", str(root / "f000.txt"), 8, link_target="f000.txt"))
    return sorted(entries, key=lambda e: e.arcname)


def _one_by_one(entries: list[SourceEntry], start: int) -> bytes:
    out = io.BytesIO()
    writer = DeterministicZip(out)
    writer._offset = start  # as if ``start`` bytes came before
    for e in entries:
        writer.add(pack_entry(e, active_codec()))
    writer.close()
    return out.getvalue()


def _batched(entries: list[SourceEntry], start: int, size: int) -> bytes:
    out = io.BytesIO()
    writer = DeterministicZip(out)
    writer._offset = start
    for i in range(0, len(entries), size):
        writer.add_batch(pack_batch(entries[i : i + size], active_codec()))
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("start", [0, 1000, ZIP64_LIMIT - 5000, ZIP64_LIMIT + 7])
@pytest.mark.parametrize("size", [1, 7, 200])
def test_batches_write_the_same_bytes(tmp_path: Path, start: int, size: int) -> None:
    entries = _entries(tmp_path, 40)
    assert _batched(entries, start, size) == _one_by_one(entries, start)


def test_batches_keep_their_bounds(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(zipwriter, "BATCH_FILES", 5)
    monkeypatch.setattr(zipwriter, "BATCH_BYTES", 3000)
    monkeypatch.setattr(zipwriter, "WHOLE_FILE_LIMIT", 4000)
    entries = _entries(tmp_path, 40)
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * 5000)
    entries.insert(20, SourceEntry("m/big.bin", str(big), 5000))
    batches = list(pack_all(entries, active_codec(), workers=2))
    assert [p.entry.arcname for b in batches for p in b.entries] == [e.arcname for e in entries]
    for batch in batches:
        if batch.single is not None:
            assert batch.single.entry.size > 4000 and len(batch.entries) == 1
            continue
        assert len(batch.entries) <= 5
        held = sum(p.size for p in batch.entries)
        assert held <= 3000 or len(batch.entries) == 1
