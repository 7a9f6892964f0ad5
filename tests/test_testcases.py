"""The tests.yaml format on plain data: cases loaded and checked, each kind of expectation judged,
any invoker pluggable, JUnit XML.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lambherd.errors import DefinitionError
from lambherd.invocation import (
    SYNC_PAYLOAD_LIMIT,
    InvokeOutcome,
)
from lambherd.testcases import (
    TestCase,
    contains,
    evaluate,
    junit_xml,
    load_cases,
    run_cases,
)


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
