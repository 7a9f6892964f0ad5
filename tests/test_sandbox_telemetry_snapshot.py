"""The snapshot's telemetry section: invocation logs and metrics are kept apart from the
backends' pickle and loaded after the start, so a start costs the same however many invokes
happened; nothing a user reads is lost, and what is written meanwhile stays after it.

In process (``SandboxApp``, no port): the loader is held back by a gate the test opens."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from lambherd.defaults import SANDBOX_ACCOUNT_ID
from lambherd.local.spec import InvokeResult
from lambherd.sandbox import snapshots

REGION = "eu-central-1"
GROUP = "/aws/lambda/counted"
INVOKES = 300  # more items per list than one chunk of the section


def result(i: int) -> InvokeResult:
    return InvokeResult(
        request_id=f"req-{i}",
        payload=b"{}",
        function_error=None,
        executed_version="1",
        log=f"START {i}\nline {i}\nEND {i}\n",
        duration_ms=float(i),
        billed_duration_ms=i + 1,
        memory_size_mb=128,
        max_memory_used_mb=40,
        init_duration_ms=None,
    )


def record(app: Any, i: int) -> None:
    app.telemetry.record(
        "counted", "1", GROUP, result(i), region=REGION, resource=None, concurrent=1,
        throttled=False,
    )  # fmt: skip


def messages(app: Any) -> list[str]:
    return [
        m
        for s in app.facade.log_streams(SANDBOX_ACCOUNT_ID)
        if s.group == GROUP
        for _t, m, _at in s.events
    ]


def durations(app: Any) -> list[float]:
    return sorted(
        p.value
        for _r, p in app.facade.metric_points(SANDBOX_ACCOUNT_ID, REGION)
        if p.name == "Duration" and p.dimensions == (("FunctionName", "counted"),)
    )


def new_app(state: Path) -> Any:
    """A sandbox app on ``state`` (moto is global to the process: emptied for a new folder)."""
    from lambherd.sandbox import moto_state
    from lambherd.sandbox.dispatcher import SandboxApp

    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    if not (state / snapshots.SNAPSHOT_FILE).exists():
        moto_state.reset()
    return SandboxApp(state, "http://127.0.0.1:1")


def test_telemetry_is_loaded_after_the_start_and_what_came_meanwhile_stays_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    first = new_app(state)
    first.restore()
    for i in range(INVOKES):
        record(first, i)
    before_messages, before_durations = messages(first), durations(first)
    assert len(before_messages) == 3 * INVOKES and len(before_durations) == INVOKES
    first.close()  # the last snapshot: the telemetry in its own section
    header = snapshots.read_header(state / snapshots.SNAPSHOT_FILE)
    assert header is not None and header["format"] == snapshots.FORMAT
    assert header["telemetry"]["lists"] >= 2 and header["telemetry"]["bytes"] > 0

    gate, entered = threading.Event(), threading.Event()
    real = snapshots.load_telemetry

    def held(*args: Any, **kwargs: Any) -> int:
        entered.set()
        assert gate.wait(30), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshots, "load_telemetry", held)
    second = new_app(state)
    second.restore()  # returns while the telemetry is still held back: the port could open
    try:
        assert entered.wait(30)
        assert not second.state.telemetry_loaded
        assert second.health()["journal"]["telemetry_loaded"] is False
        assert second.facade.function_count(SANDBOX_ACCOUNT_ID) >= 0  # the control plane serves
        record(second, INVOKES)  # an invoke meanwhile: it is written, not held
        readers: list[list[str]] = []
        reader = threading.Thread(target=lambda: readers.append(messages(second)))
        reader.start()
        reader.join(0.3)
        assert reader.is_alive(), "a logs reader did not wait for the telemetry"
    finally:
        gate.set()
    reader.join(30)
    assert second.state.telemetry_loaded
    expected = [*before_messages, f"START {INVOKES}", f"line {INVOKES}", f"END {INVOKES}"]
    assert readers == [expected]  # everything, the old first, in order
    assert durations(second) == sorted([*before_durations, float(INVOKES)])
    second.close()  # waits for nothing now; the next snapshot holds all of it

    third = new_app(state)
    third.restore()
    third.state.wait_telemetry()
    assert messages(third) == expected
    assert durations(third) == sorted([*before_durations, float(INVOKES)])
    third.close()


def test_a_snapshot_waits_for_the_telemetry_it_would_otherwise_lose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    first = new_app(state)
    first.restore()
    for i in range(20):
        record(first, i)
    first.close()
    gate = threading.Event()
    real = snapshots.load_telemetry
    monkeypatch.setattr(
        snapshots, "load_telemetry", lambda *a, **k: (gate.wait(30), real(*a, **k))[1]
    )
    second = new_app(state)
    second.restore()
    done = threading.Event()
    taker = threading.Thread(target=lambda: (second.state.snapshot(), done.set()))
    taker.start()
    assert not done.wait(0.3), "a snapshot was taken with the telemetry not loaded yet"
    gate.set()
    taker.join(30)
    assert done.is_set()
    second.close()
    third = new_app(state)
    third.restore()
    assert len(messages(third)) == 3 * 20  # the snapshot taken meanwhile kept every event
    third.close()


def test_a_first_format_snapshot_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot as the landed version wrote it (format 1: the telemetry in the one pickle)."""
    import json

    from lambherd.sandbox import moto_state

    state = tmp_path / "state"
    first = new_app(state)
    first.restore()
    for i in range(5):
        record(first, i)
    with monkeypatch.context() as m:
        m.setattr(moto_state, "telemetry_lists", lambda _saved: [])  # nothing kept apart
        first.close()
    path = state / snapshots.SNAPSHOT_FILE
    magic, line, payload = path.read_bytes().split(b"\n", 2)
    header = json.loads(line)
    assert header["telemetry"]["bytes"] == 0
    header["format"] = 1
    del header["telemetry"]
    path.write_bytes(magic + b"\n" + json.dumps(header).encode() + b"\n" + payload)
    again = new_app(state)
    again.restore()
    assert again.state.telemetry_loaded  # nothing apart: loaded with the backends
    assert len(messages(again)) == 3 * 5 and len(durations(again)) == 5
    again.close()
