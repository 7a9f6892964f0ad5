"""invoke, logs, metrics and test against moto's server (real boto3 calls, no mocks of ours)."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import OPS_GROUP, OPS_NAME, moto_api
from aws_testkit import clients as _clients
from aws_testkit import put_log_events as _put
from lambherd.aws import AwsClients, AwsSettings
from lambherd.errors import PayloadTooLargeError
from lambherd.invocation import SYNC_PAYLOAD_LIMIT, invoke_function, iter_json_documents
from lambherd.services.logs import LogQuery, fetch_events, follow_events
from lambherd.services.metrics import collect_metrics

NAME, GROUP = OPS_NAME, OPS_GROUP


# -- invoke ------------------------------------------------------------------------------------
def test_invoke_payload_prints_body_and_status(lh, fn_dir: Path, api_calls: list[str]) -> None:
    res = lh("-C", fn_dir, "invoke", "--payload", '{"name": "Ada"}')
    assert res.code == 0, res.err
    assert json.loads(res.out) == {"name": "Ada"}
    assert "status: 200" in res.err
    assert api_calls.count("Invoke") == 1


def test_invoke_stdin_stream_one_call_per_document(lh, fn_dir: Path, api_calls: list[str]) -> None:
    res = lh("-C", fn_dir, "invoke", input='{"n": 1}\n{"n": 2}{"n": 3}\n{\n  "n": 4\n}\n')
    assert res.code == 0, res.err
    assert [json.loads(d) for d in iter_json_documents(io.StringIO(res.out))] == [
        {"n": 1},
        {"n": 2},
        {"n": 3},
        {"n": 4},
    ]
    assert api_calls.count("Invoke") == 4


def test_invoke_non_json_stdin_is_refused_before_any_call(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    res = lh("-C", fn_dir, "invoke", input="name=Ada\n")
    assert res.code == 1
    assert (
        res.err.strip()
        == "error: stdin: document 1 is not JSON: Expecting value (line 1, column 1)"
    )
    assert "Invoke" not in api_calls and "Traceback" not in res.err


def test_invoke_payload_file_async_and_dry_run(lh, fn_dir: Path) -> None:
    (fn_dir / "event.json").write_text('{"from": "file"}')
    res = lh("-C", fn_dir, "invoke", "--payload-file", "event.json", "--async")
    assert res.code == 0 and "status: 202" in res.err
    res = lh("-C", fn_dir, "invoke", "--payload", "{}", "--dry-run")
    assert res.code == 0 and "status: 204" in res.err and res.out == ""
    res = lh("-C", fn_dir, "--output", "json", "invoke", "--payload", '{"x": 1}')
    assert json.loads(res.out)["Payload"] == {"x": 1}


def test_invoke_refuses_oversized_payloads_without_calling(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    (fn_dir / "big.json").write_text('"' + "x" * SYNC_PAYLOAD_LIMIT + '"')
    res = lh("-C", fn_dir, "invoke", "--payload-file", "big.json")
    assert res.code == 1
    assert "above Lambda's synchronous limit of 6,291,456 bytes" in res.err
    async_payload = '"' + "x" * (1024 * 1024) + '"'
    res = lh("-C", fn_dir, "invoke", "--async", "--payload", async_payload)
    assert res.code == 1 and "asynchronous limit of 1,048,576 bytes" in res.err
    res = lh("-C", fn_dir, "invoke", "--async", input=async_payload)
    assert res.code == 1 and "stdin: document 1 is over" in res.err
    assert "Invoke" not in api_calls


def test_invoke_service_counts_no_call_for_oversized(aws: str, fn_dir: Path) -> None:
    clients = _clients(aws)
    sent: list[str] = []
    clients.register_hook("before-call", lambda model, **_: sent.append(model.name))
    with pytest.raises(PayloadTooLargeError):
        invoke_function(clients.client("lambda"), NAME, b"1" * (SYNC_PAYLOAD_LIMIT + 1))
    assert sent == []
    outcome = invoke_function(clients.client("lambda"), NAME, b'{"a": 1}', log_tail=True)
    assert sent == ["Invoke"] and outcome.json_body() == {"a": 1} and outcome.duration_ms


def test_invoke_function_error_exits_1(lh, fn_dir: Path) -> None:
    # (moto's Invoke fails on a top-level JSON array or string payload, so objects here.)
    # moto answers a response body over 6,000,000 bytes with FunctionError Unhandled
    # (Function.ResponseSizeTooLarge); its echo of our payload makes that happen.
    (fn_dir / "large.json").write_text('{"big": "' + "y" * 6_100_000 + '"}')
    res = lh("-C", fn_dir, "invoke", "--payload-file", "large.json")
    assert res.code == 1
    assert "function error: Unhandled" in res.err
    assert json.loads(res.out)["errorType"] == "Function.ResponseSizeTooLarge"


# -- logs --------------------------------------------------------------------------------------
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


# -- metrics -----------------------------------------------------------------------------------
def _put_metric(
    cw: Any, name: str, value: float, when: datetime, qualifier: str | None = None
) -> None:
    dims = [{"Name": "FunctionName", "Value": NAME}]
    if qualifier:
        dims.append({"Name": "Resource", "Value": f"{NAME}:{qualifier}"})
    cw.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[{"MetricName": name, "Dimensions": dims, "Value": value, "Timestamp": when}],
    )


def test_metrics_read_back_through_cli(lh, fn_dir: Path, boto) -> None:
    cw = boto("cloudwatch")
    now = datetime.now(UTC)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    earlier = this_hour - timedelta(hours=2) + timedelta(minutes=5)
    for value in (10, 30):
        _put_metric(cw, "Invocations", value, earlier)
    _put_metric(cw, "Invocations", 60, this_hour + timedelta(seconds=1))
    _put_metric(cw, "Errors", 5, earlier)
    _put_metric(cw, "Errors", 1, this_hour + timedelta(seconds=1))
    _put_metric(cw, "Throttles", 2, earlier)
    for value in (100.0, 200.0, 600.0):
        _put_metric(cw, "Duration", value, earlier)
    _put_metric(cw, "ConcurrentExecutions", 7, earlier)
    _put_metric(cw, "Invocations", 999, earlier, qualifier="live")

    res = lh("-C", fn_dir, "--output", "json", "metrics", "--since", "3h", "--period", "1h")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    totals = data["totals"]
    assert totals["invocations"] == 100 and totals["errors"] == 6
    assert totals["error_rate"] == pytest.approx(6.0)
    assert totals["throttles"] == 2 and totals["concurrency_max"] == 7
    assert totals["duration_avg"] == pytest.approx(300.0) and totals["duration_max"] == 600.0
    # moto has no percentile statistics: reported as unavailable, everything else still works
    assert "duration_p50" not in totals
    assert data["notes"] == ["duration percentiles are not available from this endpoint"]
    series = data["series"]
    assert len(series["timestamps"]) == 4
    assert series["invocations"] == [None, 40.0, None, 60.0]
    assert series["error_rate"][1] == pytest.approx(12.5)

    live = lh("-C", fn_dir, "--output", "json", "metrics", "--since", "3h", "--qualifier", "live")
    assert json.loads(live.out)["totals"]["invocations"] == 999

    text = lh(
        "-C", fn_dir, "--no-color", "metrics", "--since", "3h", "--period", "1h", "--provisioned"
    )
    assert text.code == 0, text.err
    assert " ▆ █" in text.out and "Error rate" in text.out and "6.0%" in text.out
    assert "Spillover invocations" in text.out
    assert "percentiles are not available" in text.err


def test_metrics_service_window_and_percentile_fallback_is_quick(aws: str, fn_dir: Path) -> None:
    cw = _clients(aws).client("cloudwatch")  # full retries: the percentile call must not use them
    started = time.monotonic()
    report = collect_metrics(cw, NAME, since=timedelta(hours=2), period=timedelta(minutes=30))
    assert time.monotonic() - started < 5
    assert report.totals["invocations"] == 0 and report.totals["error_rate"] is None
    assert len(report.timestamps) in (4, 5)


def test_metrics_rejects_bad_period(lh, fn_dir: Path, api_calls: list[str]) -> None:
    res = lh("-C", fn_dir, "metrics", "--period", "90s")
    assert res.code == 1 and "--period: 90s must be a whole number of minutes" in res.err
    assert "GetMetricData" not in api_calls


# -- test --------------------------------------------------------------------------------------
def test_test_command_against_moto_with_junit(lh, fn_dir: Path, aws: str, tmp_path: Path) -> None:
    (fn_dir / "tests.yaml").write_text(
        "- name: echoes the name\n  payload: {name: Ada, deep: {x: 1}}\n"
        "  expect: {contains: {deep: {x: 1}}, matches: 'Ada', max_duration_ms: 60000}\n"
        "- name: wrong expectation\n  payload: {name: Bob}\n"
        "  expect:\n    contains: {name: Ada}\n"
        "- name: canned greeting\n  payload: {}\n  expect: {contains: {statusCode: 200}}\n"
    )
    # moto echoes each payload: the second and third cases cannot pass.
    junit = tmp_path / "out" / "junit.xml"
    res = lh("-C", fn_dir, "--no-color", "test", "--junit", junit)
    assert res.code == 1
    assert "PASS echoes the name" in res.out
    assert "FAIL wrong expectation" in res.out
    assert '-  "name": "Ada"' in res.out and '+  "name": "Bob"' in res.out
    assert "FAIL canned greeting" in res.out
    assert "1 passed, 2 failed" in res.out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == NAME
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")


def test_test_command_all_pass_and_canned_results(lh, fn_dir: Path, aws: str) -> None:
    body = json.dumps({"statusCode": 200, "body": "Hello, Ada!"})
    moto_api(aws, "static/lambda-simple/response", {"results": [body], "region": "us-east-1"})
    (fn_dir / "tests.json").write_text(
        json.dumps(
            [
                {
                    "name": "greets",
                    "payload": {"name": "Ada"},
                    "expect": {
                        "success": True,
                        "contains": {"statusCode": 200, "body": "Hello, Ada!"},
                    },
                },
                {"name": "echo", "payload": {"k": "v"}, "expect": {"contains": {"k": "v"}}},
            ]
        )
    )
    res = lh("-C", fn_dir, "--output", "json", "test")
    assert res.code == 0, res.out + res.err
    cases = json.loads(res.out)["cases"]
    assert [c["passed"] for c in cases] == [True, True]
    assert cases[0]["response"] == {"statusCode": 200, "body": "Hello, Ada!"}


def test_test_command_rejects_unknown_key_before_invoking(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    (fn_dir / "tests.yaml").write_text("- name: typo\n  payload: {}\n  expects: {success: true}\n")
    res = lh("-C", fn_dir, "test")
    assert res.code == 1
    assert res.err.strip().startswith("error: tests.yaml: case 'typo': unknown key expects")
    assert "Invoke" not in api_calls


def test_test_command_without_tests_file(lh, fn_dir: Path) -> None:
    res = lh("-C", fn_dir, "test")
    assert res.code == 1 and "no tests.yaml or tests.json here" in res.err


def test_log_tail_version_and_function_error_printing(
    lh, fn_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto sends no LogResult / ExecutedVersion: answer this one Invoke with Lambda's real
    HTTP shape (headers x-amz-log-result, x-amz-executed-version, x-amz-function-error)."""
    from botocore.awsrequest import AWSResponse

    tail = (
        "START RequestId: r1\nboom\nREPORT RequestId: r1\tDuration: 4.50 ms\tMemory Size: 128 MB\n"
    )
    body = json.dumps({"errorType": "ValueError", "errorMessage": "boom"}).encode()

    class _Raw(io.BytesIO):
        def stream(self, **_: Any) -> Any:
            yield self.getvalue()

    def lambda_answer(request: Any, **_: Any) -> Any:
        headers = {
            "x-amz-log-result": base64.b64encode(tail.encode()).decode(),
            "x-amz-executed-version": "7",
            "x-amz-function-error": "Unhandled",
            "Content-Type": "application/json",
        }
        return AWSResponse(request.url, 200, headers, _Raw(body))

    original = AwsClients.__init__

    def with_answer(self: AwsClients, settings: AwsSettings | None = None) -> None:
        original(self, settings)
        self.register_hook("before-send.lambda.Invoke", lambda_answer)

    monkeypatch.setattr(AwsClients, "__init__", with_answer)
    res = lh("-C", fn_dir, "invoke", "--payload", "{}", "--log-tail", "--qualifier", "live")
    assert res.code == 1
    assert json.loads(res.out) == {"errorType": "ValueError", "errorMessage": "boom"}
    assert "boom\nREPORT RequestId: r1" in res.err
    assert "status: 200  version: 7  function error: Unhandled" in res.err

    (fn_dir / "tests.yaml").write_text(
        "- name: fails as expected\n  expect: {error: ValueError, max_duration_ms: 5}\n"
        "- name: too slow\n  expect: {error: ValueError, max_duration_ms: 4}\n"
    )
    res = lh("-C", fn_dir, "--no-color", "test")
    assert res.code == 1
    assert "PASS fails as expected (4 ms)" in res.out or "PASS fails as expected (5 ms)" in res.out
    assert "took 4.5 ms, above max_duration_ms 4" in res.out
