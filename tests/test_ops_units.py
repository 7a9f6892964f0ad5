"""Pure parts of ops/: durations, REPORT parsing and stats, payload streams, test-case judging."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lambherd.durations import parse_duration, parse_time
from lambherd.errors import DefinitionError, PayloadTooLargeError, UsageError
from lambherd.invocation import (
    ASYNC_PAYLOAD_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    InvokeOutcome,
    check_payload_size,
    encode_payload,
    iter_json_documents,
)
from lambherd.report import parse_report, summarise
from lambherd.services.metrics import sparkline, window
from lambherd.testcases import (
    TestCase,
    contains,
    evaluate,
    junit_xml,
    load_cases,
    run_cases,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


# -- durations ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10m", NOW - timedelta(minutes=10)),
        ("3h", NOW - timedelta(hours=3)),
        ("2d", NOW - timedelta(days=2)),
        ("30s", NOW - timedelta(seconds=30)),
        ("now", NOW),
        ("2024-04-30T08:15:00Z", datetime(2024, 4, 30, 8, 15, tzinfo=UTC)),
        ("2024-04-30T08:15:00", datetime(2024, 4, 30, 8, 15, tzinfo=UTC)),
        ("2024-04-30T10:15:00+02:00", datetime(2024, 4, 30, 8, 15, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["10x", "", "yesterday", "-3h", "0m"])
def test_parse_time_rejects_nonsense(text: str) -> None:
    with pytest.raises(UsageError, match="--since"):
        parse_time(text, now=NOW, option="--since")


def test_parse_duration() -> None:
    assert parse_duration("1h") == timedelta(hours=1)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    with pytest.raises(UsageError, match="--period: '5 parsecs' is not a duration"):
        parse_duration("5 parsecs", option="--period")


# -- REPORT lines ------------------------------------------------------------------------------
TEXT_COLD = (
    "REPORT RequestId: 11111111-aaaa\tDuration: 102.25 ms\tBilled Duration: 103 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 71 MB\tInit Duration: 240.50 ms\t\n"
)
# Fields out of the usual order, plus an X-Ray field: parsing is by name.
TEXT_WARM = (
    "REPORT RequestId: 22222222-bbbb\tMax Memory Used: 80 MB\tMemory Size: 256 MB\t"
    "Billed Duration: 5 ms\tDuration: 4.10 ms\tXRAY TraceId: 1-abc\tSegmentId: 9f\tSampled: true"
)
JSON_WARM = json.dumps(
    {
        "time": "2024-05-01T12:00:00.000Z",
        "type": "platform.report",
        "record": {
            "requestId": "33333333-cccc",
            "metrics": {
                "durationMs": 20.0,
                "billedDurationMs": 21,
                "memorySizeMB": 256,
                "maxMemoryUsedMB": 90,
            },
            "status": "success",
        },
    }
)


def test_parse_report_text_and_json() -> None:
    cold = parse_report(TEXT_COLD)
    assert cold is not None and cold.cold_start
    assert (cold.request_id, cold.duration_ms, cold.billed_duration_ms) == (
        "11111111-aaaa",
        102.25,
        103.0,
    )
    assert (cold.memory_size_mb, cold.max_memory_used_mb, cold.init_duration_ms) == (
        256.0,
        71.0,
        240.5,
    )
    warm = parse_report(TEXT_WARM)
    assert warm is not None and not warm.cold_start
    assert (warm.duration_ms, warm.billed_duration_ms, warm.max_memory_used_mb) == (4.1, 5.0, 80.0)
    js = parse_report(JSON_WARM)
    assert js is not None and js.request_id == "33333333-cccc" and js.duration_ms == 20.0
    assert js.max_memory_used_mb == 90.0 and not js.cold_start


@pytest.mark.parametrize(
    "line",
    [
        "START RequestId: x Version: $LATEST",
        "END RequestId: x",
        "hello REPORT",
        '{"type": "platform.start", "record": {}}',
        '{"type": "platform.report", "record": {"metrics": {}}}',
        "REPORT RequestId: x",
    ],
)
def test_parse_report_ignores_other_lines(line: str) -> None:
    assert parse_report(line) is None


def test_summarise_known_inputs() -> None:
    lines = [
        f"REPORT RequestId: r{i}\tDuration: {d} ms\tBilled Duration: {int(d) + 1} ms\t"
        f"Memory Size: 128 MB\tMax Memory Used: {40 + i} MB"
        + ("\tInit Duration: 300 ms" if i < 2 else "")
        for i, d in enumerate([float(x) for x in range(1, 101)])
    ]
    stats = summarise(r for r in map(parse_report, lines) if r)
    assert stats.invocations == 100
    assert stats.cold_starts == 2
    assert stats.duration_p50_ms == 50.0
    assert stats.duration_p90_ms == 90.0
    assert stats.duration_p99_ms == 99.0
    assert stats.duration_max_ms == 100.0
    assert stats.billed_duration_total_ms == sum(range(2, 102))
    assert stats.max_memory_used_mb == 139.0 and stats.memory_size_mb == 128.0
    assert stats.memory_used_ratio == pytest.approx(139 / 128)
    assert summarise([]).duration_p50_ms is None


# -- payload streams ---------------------------------------------------------------------------
def _docs(text: str, **kwargs: int) -> list[object]:
    return [json.loads(d) for d in iter_json_documents(io.StringIO(text), **kwargs)]


def test_stream_of_documents_in_order() -> None:
    text = '{"n": 1}\n{"n": 2}{"n": 3}  4 "five"\n[6,\n 7]\n{\n  "n": {\n    "deep": 8\n  }\n}\n9'
    assert _docs(text) == [
        {"n": 1},
        {"n": 2},
        {"n": 3},
        4,
        "five",
        [6, 7],
        {"n": {"deep": 8}},
        9,
    ]
    assert _docs("") == [] and _docs("  \n\n") == []


def test_stream_yields_each_document_before_reading_on() -> None:
    class Lines(io.StringIO):
        reads = 0

        def readline(self, size: int = -1) -> str:
            Lines.reads += 1
            return super().readline(size)

    stream = Lines('{"a": 1}\n{"b": 2}\n')
    docs = iter_json_documents(stream)
    assert json.loads(next(docs)) == {"a": 1}
    assert Lines.reads == 1  # the first invocation does not wait for the rest of stdin


def test_stream_rejects_non_json_with_position() -> None:
    docs = iter_json_documents(io.StringIO('{"ok": 1}\nnot json\n{"never": 1}\n'))
    assert json.loads(next(docs)) == {"ok": 1}
    with pytest.raises(UsageError, match=r"stdin: document 2 is not JSON: Expecting value"):
        next(docs)
    with pytest.raises(UsageError, match="document 1 is not JSON"):
        _docs('{"unterminated": ')


def test_stream_refuses_oversized_document() -> None:
    with pytest.raises(PayloadTooLargeError, match="document 2 is over"):
        _docs('{"a": 1}\n{"big": "' + "x" * 5000 + '"}\n', max_bytes=1000)


def test_payload_limits() -> None:
    check_payload_size(b"x" * SYNC_PAYLOAD_LIMIT)
    with pytest.raises(PayloadTooLargeError, match="synchronous limit of 6,291,456"):
        check_payload_size(b"x" * (SYNC_PAYLOAD_LIMIT + 1))
    check_payload_size(b"x" * ASYNC_PAYLOAD_LIMIT, "Event")
    with pytest.raises(PayloadTooLargeError, match="asynchronous limit of 1,048,576"):
        check_payload_size(b"x" * (ASYNC_PAYLOAD_LIMIT + 1), "Event")
    with pytest.raises(UsageError, match=r"--payload:1:2: payload is not JSON"):
        encode_payload("{oops}", "--payload")


# -- metrics helpers ---------------------------------------------------------------------------
def test_sparkline_scales_from_zero() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([None, 10, 0]) == " █▁"
    assert sparkline([0, 0]) == "▁▁"


def test_window_aligns_to_period() -> None:
    now = datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)
    start, end, seconds, count = window(timedelta(hours=3), timedelta(hours=1), now)
    assert start == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert (seconds, count, end) == (3600, 4, datetime(2024, 5, 1, 13, 0, tzinfo=UTC))
    with pytest.raises(UsageError, match="whole number of minutes"):
        window(timedelta(hours=3), timedelta(seconds=90), now)
    with pytest.raises(UsageError, match="too many"):
        window(timedelta(days=30), timedelta(minutes=1), now)


# -- test cases --------------------------------------------------------------------------------
def _outcome(body: object, error: str | None = None, ms: float = 12.0) -> InvokeOutcome:
    return InvokeOutcome(200, json.dumps(body).encode(), function_error=error, duration_ms=ms)


def _case(expect: dict, name: str = "c") -> TestCase:
    from lambherd.testcases import _expectation

    return TestCase(name, b"{}", expect=_expectation("tests.yaml: case 'c'", expect))


def test_contains_is_a_recursive_subset() -> None:
    got = {
        "statusCode": 200,
        "body": "hi",
        "headers": {"a": "1", "b": "2"},
        "list": [{"x": 1, "y": 2}],
    }
    assert contains({"statusCode": 200, "headers": {"a": "1"}}, got)
    assert contains({"list": [{"x": 1}]}, got)
    assert not contains({"headers": {"a": "2"}}, got)
    assert not contains({"missing": None}, got)
    assert not contains({"list": []}, got)
    assert not contains({"statusCode": True}, {"statusCode": 1})
    assert contains("plain", "plain")


def test_evaluate_pass_and_each_kind_of_failure() -> None:
    ok = evaluate(
        _case({"contains": {"statusCode": 200}, "matches": "Hello, \\w+"}),
        _outcome({"statusCode": 200, "body": "Hello, Ada!"}),
    )
    assert ok.passed and ok.failures == ()

    bad = evaluate(
        _case({"contains": {"statusCode": 200, "body": "Hello, Ada!"}}),
        _outcome({"statusCode": 500, "body": "Hello, Ada!", "extra": 1}),
    )
    assert not bad.passed
    assert bad.failures == ("response does not contain the expected subset",)
    assert '-  "statusCode": 200' in bad.diff and '+  "statusCode": 500' in bad.diff
    assert "extra" not in bad.diff  # the diff shows only the expected part

    err = {"errorType": "ValueError", "errorMessage": "no name"}
    unexpected = evaluate(_case({}), _outcome(err, "Unhandled"))
    assert unexpected.failures == (
        "expected success, got a function error (Unhandled) ValueError: no name",
    )
    assert evaluate(_case({"error": "ValueError"}), _outcome(err, "Unhandled")).passed
    wrong = evaluate(_case({"error": "KeyError"}), _outcome(err, "Unhandled"))
    assert wrong.failures == ("expected error KeyError, got ValueError",)
    assert evaluate(_case({"success": False}), _outcome({"ok": 1})).failures == (
        "expected an error, but the function succeeded",
    )
    slow = evaluate(_case({"max_duration_ms": 10}), _outcome({}, ms=25.5))
    assert slow.failures == ("took 25.5 ms, above max_duration_ms 10",)
    nomatch = evaluate(_case({"matches": "^bye"}), _outcome("hello"))
    assert nomatch.failures[0].startswith("response does not match /^bye/")


def _write(tmp_path: Path, text: str, name: str = "tests.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_cases_yaml_json_and_payload_file(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "ada.json").write_text('{"name": "Ada"}')
    path = _write(
        tmp_path,
        "- name: inline\n  payload: {a: 1}\n  qualifier: live\n"
        "  expect: {contains: {ok: true}, max_duration_ms: 100}\n"
        "- name: from file\n  payload_file: events/ada.json\n  expect: {error: ValueError}\n",
    )
    inline, from_file = load_cases(path)
    assert json.loads(inline.payload) == {"a": 1} and inline.qualifier == "live"
    assert inline.expect.success and inline.expect.contains == {"ok": True}
    assert json.loads(from_file.payload) == {"name": "Ada"}
    assert not from_file.expect.success and from_file.expect.error == "ValueError"
    js = _write(tmp_path, json.dumps([{"name": "j", "payload": []}]), "tests.json")
    assert load_cases(js)[0].payload == b"[]"


def test_example_tests_file_loads() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "hello" / "tests.yaml"
    cases = load_cases(example)
    assert [c.name for c in cases] == ["greets by name", "defaults to world"]
    assert cases[1].expect.max_duration_ms == 3000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- name: a\n  paylod: {}\n", r"tests.yaml: case 'a': unknown key paylod \(allowed: name"),
        ("- name: a\n  expect: {sucess: true}\n", r"case 'a': expect: unknown key sucess"),
        ("- name: a\n  expect: {success: true, error: E}\n", "contradicts error: E"),
        ("- name: a\n- name: a\n", "case 'a': the name is used twice"),
        ("- payload: {}\n", r"tests.yaml: case 1: `name` is required"),
        (
            "- name: a\n  payload_file: nope.json\n",
            "case 'a': payload_file nope.json: No such file",
        ),
        ("- name: a\n  payload: {}\n  payload_file: x\n", "either payload or payload_file"),
        ("- name: a\n  expect: {matches: '('}\n", "matches: invalid regular expression"),
        ("- name: a\n  expect: {max_duration_ms: -1}\n", "max_duration_ms must be a positive"),
        ("name: a\n", "expected a list of cases"),
        ("- name: [\n", r"tests.yaml:\d+:\d+: invalid YAML"),
    ],
)
def test_load_cases_rejects_mistakes(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        load_cases(_write(tmp_path, text))


def test_run_cases_with_a_pluggable_invoker_and_junit() -> None:
    calls: list[tuple[bytes, str | None]] = []

    def invoker(payload: bytes, qualifier: str | None) -> InvokeOutcome:
        calls.append((payload, qualifier))
        name = json.loads(payload).get("name")
        if name is None:
            return _outcome({"errorType": "KeyError", "errorMessage": "'name'"}, "Unhandled")
        return _outcome({"statusCode": 200, "body": f"Hello, {name}!"})

    cases = [
        TestCase(
            "greets",
            b'{"name": "Ada"}',
            "live",
            _case({"contains": {"body": "Hello, Ada!"}}).expect,
        ),
        TestCase(
            "wrong", b'{"name": "Bob"}', None, _case({"contains": {"body": "Hello, Ada!"}}).expect
        ),
        TestCase("no name", b"{}", None, _case({}).expect),
        TestCase("too big", b'"' + b"x" * SYNC_PAYLOAD_LIMIT + b'"', None, _case({}).expect),
    ]
    results = run_cases(cases, invoker, qualifier=None)
    assert [r.passed for r in results] == [True, False, False, False]
    assert [q for _, q in calls] == ["live", None, None]  # the oversized case was never sent
    assert results[3].error is not None and "synchronous limit" in results[3].error
    run_cases(cases[:1], invoker, qualifier="v2")
    assert calls[-1][1] == "v2"  # --qualifier overrides the case's

    root = ET.fromstring(junit_xml(results, "hello"))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    by_name = {tc.get("name"): tc for tc in suite.iter("testcase")}
    assert by_name["greets"].find("failure") is None
    failure = by_name["wrong"].find("failure")
    assert failure is not None and '+  "body": "Hello, Bob!"' in (failure.text or "")
    assert by_name["too big"].find("error") is not None


def test_auto_period_gives_a_readable_trend() -> None:
    from lambherd.services.metrics import auto_period

    assert auto_period(timedelta(minutes=10)) == timedelta(minutes=1)
    assert auto_period(timedelta(hours=1)) == timedelta(minutes=5)
    assert auto_period(timedelta(hours=3)) == timedelta(minutes=15)
    assert auto_period(timedelta(hours=24)) == timedelta(hours=1)
    assert auto_period(timedelta(days=2)) == timedelta(hours=3)
    assert auto_period(timedelta(days=7)) == timedelta(days=1)
