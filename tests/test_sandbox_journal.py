"""The journal: what a landed version wrote still replays to the same state, and becomes a
snapshot (with an empty journal) that loads to that state again."""

from __future__ import annotations

import importlib.util
import json
import shutil
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sandbox_testkit import running, saved_state

DATA = Path(__file__).parent / "data" / "sandbox"


def _recorder() -> ModuleType:
    """``data/sandbox/record_journal.py``: how the fixture was made, and its snapshot."""
    spec = importlib.util.spec_from_file_location("record_journal", DATA / "record_journal.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _functions(snapshot: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (region, name, entry)
        for region, doc in snapshot.items()
        for name, entry in doc.items()
        if isinstance(entry, dict) and "code" in entry
    ]


@pytest.mark.slow
def test_a_journal_recorded_by_the_landed_version_replays_to_the_same_state(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(DATA / "journal-main.jsonl", state / "journal.jsonl")
    expected = json.loads((DATA / "journal-main.expected.json").read_text())
    lines = len((state / "journal.jsonl").read_text().splitlines())
    for start in ("the landed version's journal", "the snapshot it became"):
        with running(state) as sb:
            got = json.loads(
                json.dumps(_recorder().snapshot(sb.endpoint), sort_keys=True, default=str)
            )
            # every Code.Location downloads its zip, in every region (the landed version's did
            # not outside us-east-1: its URL named no region)
            for region, name, entry in _functions(got):
                with urllib.request.urlopen(sb.endpoint + entry["code"], timeout=30) as resp:
                    assert resp.status == 200 and resp.read()[:2] == b"PK", (region, name)
                entry["code"] = entry["code"].split("?", 1)[0]
            # migrated at the first start: the snapshot holds every line, the journal is empty
            saved = saved_state(state)
            assert (saved["snapshot_seq"], saved["requests"]) == (lines, []), start
        assert len(_functions(got)) == 3, start
        assert got == expected, start
