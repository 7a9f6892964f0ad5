"""``logs`` against moto's server: a window in each format, REPORT statistics, following new
events without repeats (and through throttling), pagination, bad input.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import OPS_GROUP, OPS_NAME
from aws_testkit import clients as _clients
from aws_testkit import put_log_events as _put
from lambherd.cloudwatch.logs import LogQuery, fetch_events, follow_events

NAME, GROUP = OPS_NAME, OPS_GROUP


def _lambda_events(start_ms: int, request: str, duration: float, cold: bool) -> list[dict]:
    init = "\tInit Duration: 200.00 ms" if cold else ""
    lines = [
        f"START RequestId: {request} Version: $LATEST",
        f"hello from {request}",
        f"END RequestId: {request}",
        f"REPORT RequestId: {request}\tDuration: {duration:.2f} ms\t"
        f"Billed Duration: {int(duration) + 1} ms\tMemory Size: 128 MB\t"
        f"Max Memory Used: {60 + int(duration) % 7} MB{init}\t",
    ]
    return [{"timestamp": start_ms + i, "message": m + "\n"} for i, m in enumerate(lines)]


@pytest.mark.slow
def test_logs_prints_window_in_formats(lh, fn_dir: Path, log_group: Any) -> None:
    now = int(time.time() * 1000)
    _put(log_group, _lambda_events(now - 120_000, "req-1", 12.5, True))
    _put(log_group, _lambda_events(now - 3_600_000, "req-old", 9.0, False))
    res = lh("-C", fn_dir, "logs")
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert len(lines) == 4 and lines[0].endswith("START RequestId: req-1 Version: $LATEST")
    assert "req-old" not in res.out  # older than the default --since 10m
    res = lh(
        "-C", fn_dir, "logs", "--since", "2h", "--format", "detailed", "--filter-pattern", "START"
    )
    assert [line.split(" ", 2)[1] for line in res.out.splitlines()] == [
        "2024/05/01/[$LATEST]abc"
    ] * 2
    res = lh("-C", fn_dir, "logs", "--since", "2h", "--format", "json")
    docs = [json.loads(line) for line in res.out.splitlines()]
    assert [d["message"] for d in docs][:2] == [
        "START RequestId: req-old Version: $LATEST",
        "hello from req-old",
    ]


@pytest.mark.slow
def test_logs_stats_figures(lh, fn_dir: Path, log_group: Any) -> None:
    now = int(time.time() * 1000)
    durations = [10.0, 20.0, 30.0, 40.0, 250.0]
    for i, d in enumerate(durations):
        _put(log_group, _lambda_events(now - 60_000 + i * 10, f"r{i}", d, cold=i == 0))
    json_report = {
        "type": "platform.report",
        "record": {
            "requestId": "j1",
            "metrics": {
                "durationMs": 35.0,
                "billedDurationMs": 36,
                "memorySizeMB": 128,
                "maxMemoryUsedMB": 99,
                "initDurationMs": 150.0,
            },
        },
    }
    _put(log_group, [{"timestamp": now - 1000, "message": json.dumps(json_report)}])
    res = lh("-C", fn_dir, "--output", "json", "logs", "--stats")
    assert res.code == 0, res.err
    stats = json.loads(res.out)
    assert stats["invocations"] == 6 and stats["cold_starts"] == 2
    # sorted durations 10 20 30 35 40 250: nearest rank p50 = 3rd, p90 = 6th
    assert (stats["duration_p50_ms"], stats["duration_p90_ms"], stats["duration_p99_ms"]) == (
        30.0,
        250.0,
        250.0,
    )
    assert stats["duration_max_ms"] == 250.0
    assert stats["billed_duration_total_ms"] == 11 + 21 + 31 + 41 + 251 + 36
    assert stats["max_memory_used_mb"] == 99.0 and stats["memory_size_mb"] == 128.0
    text = lh("-C", fn_dir, "--no-color", "logs", "--stats")
    assert "Cold starts" in text.out and "99 MB of 128 MB (77%)" in text.out


def test_logs_missing_group_is_one_line(lh, fn_dir: Path) -> None:
    res = lh("-C", fn_dir, "logs")
    assert res.code == 1 and res.err.startswith(f"error: reading log group {GROUP}:")


def test_logs_rejects_bad_since(lh, fn_dir: Path, api_calls: list[str]) -> None:
    res = lh("-C", fn_dir, "logs", "--since", "yesterday")
    assert res.code == 1 and "--since: 'yesterday' is neither a duration" in res.err
    assert api_calls == []


def test_follow_picks_up_new_events_without_repeats(aws: str, fn_dir: Path, log_group: Any) -> None:
    now = int(time.time() * 1000)
    _put(log_group, _lambda_events(now - 5000, "first", 5.0, True))
    clients = _clients(aws)
    polls: list[int] = []
    clients.register_hook("before-call.logs.FilterLogEvents", lambda **_: polls.append(1))
    stop = threading.Event()
    seen: list[str] = []
    query = LogQuery(GROUP, now - 60_000)

    def run() -> None:
        for event in follow_events(clients.client("logs"), query, poll_interval=0.05, stop=stop):
            seen.append(event["message"].strip())

    thread = threading.Thread(target=run)
    thread.start()
    try:
        _wait_for(lambda: len(seen) == 4)
        # Same millisecond as the last event seen: must still be printed, once.
        last_ts = now - 5000 + 3
        _put(log_group, [{"timestamp": last_ts, "message": "late in same ms"}])
        log_group.create_log_stream(logGroupName=GROUP, logStreamName="other")
        _put(log_group, _lambda_events(now, "second", 7.0, False), stream="other")
        _wait_for(lambda: len(seen) == 9)
        after = len(polls)
        _wait_for(lambda: len(polls) >= after + 4)  # several more polls: nothing may repeat
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert len(seen) == len(set(seen)) == 9
    assert seen[:4] == [
        "START RequestId: first Version: $LATEST",
        "hello from first",
        "END RequestId: first",
        seen[3],
    ]
    assert "late in same ms" in seen and seen[-1].startswith("REPORT RequestId: second")


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.slow
def test_follow_survives_throttling(aws: str, fn_dir: Path, log_group: Any) -> None:
    from botocore.awsrequest import AWSResponse

    now = int(time.time() * 1000)
    _put(log_group, _lambda_events(now - 1000, "t", 3.0, False))
    clients = _clients(aws, max_attempts=1)
    throttled = {"left": 6}
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    class _Raw:
        def stream(self, **_: Any) -> Any:
            yield body

    def throttle(request: Any, **_: Any) -> Any:
        if throttled["left"] > 0:
            throttled["left"] -= 1
            headers = {
                "x-amzn-ErrorType": "ThrottlingException",
                "Content-Type": "application/x-amz-json-1.1",
            }
            return AWSResponse(request.url, 400, headers, _Raw())
        return None

    clients.register_hook("before-send.cloudwatch-logs.FilterLogEvents", throttle)
    delays: list[float] = []
    events = list(
        follow_events(
            clients.client("logs"),
            LogQuery(GROUP, now - 10_000),
            poll_interval=0.01,
            max_polls=6,
            on_throttle=delays.append,
        )
    )
    # botocore itself retries once per poll; our backoff doubles after each throttled poll
    assert throttled["left"] == 0 and len(delays) >= 2
    assert delays == [0.01 * 2 ** (i + 1) for i in range(len(delays))]
    assert [e["message"].split(" ")[0] for e in events] == ["START", "hello", "END", "REPORT"]


def test_fetch_events_paginates(aws: str, fn_dir: Path, log_group: Any) -> None:
    now = int(time.time() * 1000)
    _put(log_group, [{"timestamp": now - 20_000 + i, "message": f"line {i}"} for i in range(25)])
    client = _clients(aws).client("logs")
    original = client.filter_log_events

    def small_pages(**kwargs: Any) -> Any:
        return original(limit=10, **kwargs)

    client.filter_log_events = small_pages
    got = [e["message"] for e in fetch_events(client, LogQuery(GROUP, now - 60_000))]
    assert got == [f"line {i}" for i in range(25)]


def test_window_is_printed_in_time_order_across_streams(lh, fn_dir: Path, log_group: Any) -> None:
    now = int(time.time() * 1000)
    log_group.create_log_stream(logGroupName=GROUP, logStreamName="b")
    _put(log_group, [{"timestamp": now - 3000 + 2 * i, "message": f"a{i}"} for i in range(3)])
    _put(log_group, [{"timestamp": now - 2999 + 2 * i, "message": f"b{i}"} for i in range(3)], "b")
    res = lh("-C", fn_dir, "logs", "--since", "1m")
    assert res.code == 0, res.err
    assert [line.split(" ", 1)[1] for line in res.out.splitlines()] == [
        "a0",
        "b0",
        "a1",
        "b1",
        "a2",
        "b2",
    ]


def test_empty_page_with_a_token_does_not_end_the_window(aws: str, log_group: Any) -> None:
    """CloudWatch documents that a page may be empty and still carry a nextToken."""
    now = int(time.time() * 1000)
    _put(log_group, [{"timestamp": now - 1000, "message": "after the empty page"}])
    client = _clients(aws).client("logs")
    original = client.filter_log_events
    calls: list[dict] = []

    def empty_first(**kwargs: Any) -> Any:
        calls.append(dict(kwargs))
        if len(calls) == 1:
            return {"events": [], "nextToken": "empty-page"}
        kwargs.pop("nextToken", None)
        return original(**kwargs)

    client.filter_log_events = empty_first
    got = [e["message"] for e in fetch_events(client, LogQuery(GROUP, now - 60_000))]
    assert got == ["after the empty page"]
    assert calls[1]["nextToken"] == "empty-page"


def test_ctrl_c_ends_follow_normally(aws: str, fn_dir: Path, log_group: Any) -> None:
    _put(log_group, [{"timestamp": int(time.time() * 1000) - 1000, "message": "seen"}])
    proc = subprocess.Popen(
        [sys.executable, "-m", "lambherd", "logs", "--follow", "--poll-interval", "0.1"],
        cwd=fn_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        first = proc.stdout.readline().decode()  # printed: the follow loop is running
        assert first.rstrip().endswith(" seen")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert err.decode() == "" and out == b""
