"""The journal: what a landed version wrote still replays to the same state."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from sandbox_testkit import running

DATA = Path(__file__).parent / "data" / "sandbox"


def _recorder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("record_journal", DATA / "record_journal.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_journal_recorded_by_the_landed_version_replays_to_the_same_state(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(DATA / "journal-main.jsonl", state / "journal.jsonl")
    expected = json.loads((DATA / "journal-main.expected.json").read_text())
    with running(state) as sb:
        got = json.loads(json.dumps(_recorder().snapshot(sb.endpoint), sort_keys=True, default=str))
    assert got == expected
