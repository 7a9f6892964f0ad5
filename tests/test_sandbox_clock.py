"""The sandbox clock and its scheduler: time moves forward on request, persists, and everything
the sandbox stamps (LastModified, URL times, log events, metrics) and runs (scheduled jobs)
follows it."""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lambherd.errors import UsageError
from lambherd.sandbox.clock import CLOCK_FILE, SandboxClock, parse_time
from lambherd.sandbox.scheduler import Scheduler
from sandbox_testkit import clock, create, in_process, invoke, move_clock, sandbox_now

START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now


def test_the_clock_moves_forward_persists_and_refuses_to_go_back(tmp_path: Path) -> None:
    wall = Wall()
    clk = SandboxClock(tmp_path, wall=wall)
    assert clk.now() == START and clk.offset_seconds == 0
    moved: list[datetime] = []
    clk.on_move(lambda: moved.append(clk.now()))
    assert clk.advance(3600) == START + timedelta(hours=1)
    wall.now += 10  # wall time goes on; the offset stays
    assert clk.now() == START + timedelta(hours=1, seconds=10)
    assert clk.set(parse_time("2026-12-02T09:00:00+09:00")) == START + timedelta(days=1)
    assert moved == [START + timedelta(hours=1), START + timedelta(days=1)]
    # the offset is kept in the state folder, readable by the owner only
    assert (tmp_path / CLOCK_FILE).stat().st_mode & 0o777 == 0o600
    again = SandboxClock(tmp_path, wall=wall)
    assert again.now() == START + timedelta(days=1)
    # never back
    with pytest.raises(UsageError, match="only moves forward"):
        clk.set(START)
    for bad in (-1, "10", True):
        with pytest.raises(UsageError, match="advance_seconds must be a number"):
            clk.advance(bad)  # type: ignore[arg-type]
    assert clk.now() == START + timedelta(days=1)
    clk.reset()
    assert clk.now() == datetime.fromtimestamp(wall.now, UTC)
    assert not (tmp_path / CLOCK_FILE).exists()


def test_parse_time_reads_iso_8601_and_says_what_is_wrong() -> None:
    assert parse_time("2026-12-02T09:00:00+09:00") == START + timedelta(days=1)
    assert parse_time("2026-12-01T00:00:00Z") == START
    assert parse_time("2026-12-01T00:00:00") == START  # no offset: UTC
    with pytest.raises(UsageError, match="'tomorrow' is not an ISO 8601 time"):
        parse_time("tomorrow")


def test_moving_the_clock_runs_every_job_it_passes_in_time_order(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wall = Wall()
    clk = SandboxClock(None, wall=wall)
    scheduler = Scheduler(clk)
    ran: list[tuple[str, datetime]] = []

    def job(name: str) -> Any:
        return lambda due: ran.append((name, due))

    try:
        evening = scheduler.at(START + timedelta(hours=18), job("evening"))
        scheduler.at(START + timedelta(hours=9), job("morning"))
        scheduler.every(4 * 3600, job("every-4h"))
        cancelled = scheduler.at(START + timedelta(hours=1), job("cancelled"))
        scheduler.cancel(cancelled)

        def boom(due: datetime) -> None:
            raise RuntimeError("a failing job")

        scheduler.at(START + timedelta(hours=2), boom, name="boom")
        assert [j.name for j in scheduler.jobs()][:2] == ["boom", "<lambda>"]
        assert ran == []
        with caplog.at_level(logging.ERROR, logger="lambherd.sandbox"):
            clk.advance(10 * 3600)  # jobs run before advance returns
        assert ran == [
            ("every-4h", START + timedelta(hours=4)),
            ("every-4h", START + timedelta(hours=8)),
            ("morning", START + timedelta(hours=9)),
        ]
        assert "scheduled job boom" in caplog.text and "a failing job" in caplog.text
        ran.clear()
        clk.set(START + timedelta(days=1))
        assert ran == [
            ("every-4h", START + timedelta(hours=12)),
            ("every-4h", START + timedelta(hours=16)),
            ("evening", START + timedelta(hours=18)),
            ("every-4h", START + timedelta(hours=20)),
            ("every-4h", START + timedelta(hours=24)),
        ]
        assert evening.runs == 1 and cancelled.runs == 0
        # a job whose time has passed runs at once
        ran.clear()
        scheduler.at(START, job("late"))
        assert ran == [("late", START)]
        # a repeat that does not move forward is dropped, not run forever
        scheduler.schedule(START + timedelta(days=2), job("stuck"), repeat=lambda due: due)
        clk.advance(2 * 86400)
        assert [n for n, _ in ran].count("stuck") == 1
    finally:
        scheduler.close()
    with pytest.raises(RuntimeError, match="closed"):
        scheduler.at(START, job("after close"))


def test_jobs_run_in_the_background_when_their_time_comes() -> None:
    clk = SandboxClock(None)
    scheduler = Scheduler(clk)
    fired = threading.Event()
    try:
        scheduler.at(clk.now() + timedelta(seconds=0.2), lambda due: fired.set())
        assert fired.wait(10), "the background thread never ran the job"
        with pytest.raises(ValueError):
            scheduler.every(0, lambda due: None)
    finally:
        scheduler.close()


# -- the endpoint, and what follows the clock (a real sandbox) ---------------------------------


def _post_clock(endpoint: str, body: bytes, method: str = "POST") -> tuple[int, Any]:
    req = urllib.request.Request(f"{endpoint}/_lambherd/clock", data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw.startswith(b"{") else raw


@pytest.mark.slow
def test_the_clock_endpoint_moves_time_and_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        before = sandbox_now(sb.endpoint)
        assert abs(before - datetime.now(UTC)) < timedelta(seconds=5)
        ran: list[datetime] = []
        sb.app.scheduler.at(before + timedelta(hours=1), ran.append)
        moved = move_clock(sb.endpoint, advance_seconds=7200)
        assert moved["offset_seconds"] >= 7200
        assert ran == [before + timedelta(hours=1)]  # run before the move answered
        target = before + timedelta(days=3)
        assert datetime.fromisoformat(move_clock(sb.endpoint, set=target)["now"]) >= target
        assert clock(sb.endpoint)["offset_seconds"] >= 3 * 86400 - 5
        for body, message in (
            (b"not json", "expected"),
            (b'{"advance_seconds": 1, "set": "2030-01-01T00:00:00Z"}', "expected"),
            (b'{"advance_seconds": -5}', "advance_seconds must be a number of 0 or more"),
            (b'{"set": "2020-01-01T00:00:00Z"}', "only moves forward"),
            (b'{"set": "soon"}', "is not an ISO 8601 time"),
        ):
            status, doc = _post_clock(sb.endpoint, body)
            assert status == 400 and message in doc["message"], (body, doc)
        assert _post_clock(sb.endpoint, b"{}", method="PUT")[0] == 405
        # sandbox reset puts the clock back to wall time
        urllib.request.urlopen(
            urllib.request.Request(f"{sb.endpoint}/_lambherd/reset", data=b"", method="POST")
        ).read()
        assert clock(sb.endpoint)["offset_seconds"] == 0


def _parse(stamp: str) -> datetime:
    text = stamp.replace("+0000", "+00:00")
    if text.endswith("Z"):
        text = text[:-1][:26] + "+00:00"
    return datetime.fromisoformat(text)


@pytest.mark.slow
def test_stamps_logs_and_metrics_follow_the_clock_and_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ahead = timedelta(days=2)  # far past what moto's own clock would accept for log events
    with in_process(state) as sb:
        move_clock(sb.endpoint, advance_seconds=ahead.total_seconds())
        lam, logs, cw = sb.client("lambda"), sb.client("logs"), sb.client("cloudwatch")
        created = create(lam, "later")
        expected = datetime.now(UTC) + ahead
        assert abs(_parse(created["LastModified"]) - expected) < timedelta(minutes=1)
        url = lam.create_function_url_config(FunctionName="later", AuthType="NONE")
        assert abs(_parse(url["CreationTime"]) - expected) < timedelta(minutes=1)
        assert invoke(lam, "later")["StatusCode"] == 200
        events = logs.filter_log_events(logGroupName="/aws/lambda/later")["events"]
        assert any(e["message"].startswith("REPORT") for e in events)
        for event in events:
            stamp = datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
            assert abs(stamp - expected) < timedelta(minutes=1)
        stats = cw.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": "later"}],
            StartTime=expected - timedelta(hours=1),
            EndTime=expected + timedelta(hours=1),
            Period=7200,
            Statistics=["Sum"],
        )["Datapoints"]
        assert [d["Sum"] for d in stats] == [1.0]
        before = lam.get_function_configuration(FunctionName="later")["LastModified"]
    assert json.loads((state / CLOCK_FILE).read_text())["offset_seconds"] >= ahead.total_seconds()
    assert os.stat(state / CLOCK_FILE).st_mode & 0o777 == 0o600
    with in_process(state) as sb:
        assert sandbox_now(sb.endpoint) - datetime.now(UTC) > ahead - timedelta(minutes=1)
        lam = sb.client("lambda")
        assert lam.get_function_configuration(FunctionName="later")["LastModified"] == before
