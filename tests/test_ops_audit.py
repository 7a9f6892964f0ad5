"""Audit of invoke / logs / metrics / test: bad input, stream positions, Ctrl-C, odd pages.

Against moto's server (real boto3 calls); the CLI runs in process through ``lh`` or, where real
stdin bytes or a real Ctrl-C matter, as a child process.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import OPS_GROUP as GROUP
from aws_testkit import clients as _clients
from aws_testkit import put_log_events as _put
from lambherd.errors import DefinitionError, UsageError
from lambherd.invocation import InvokeOutcome, iter_json_documents
from lambherd.services.logs import LogQuery, fetch_events
from lambherd.testcases import TestCase, junit_xml, load_cases, run_cases

pytestmark = pytest.mark.timeout(60)


def _run(args: list[str], stdin: bytes, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``lambherd ARGS`` as a child process with raw bytes on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "lambherd", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=30,
        env={**os.environ, **env},
    )


# -- invoke ------------------------------------------------------------------------------------
def test_stdin_stream_is_checked_whole_before_the_first_call(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    res = lh("-C", fn_dir, "invoke", input='{"n": 1}\n{"n": 2}\n{oops}\n{"n": 4}\n')
    assert res.code == 1
    assert res.err.strip() == (
        "error: stdin: document 3 is not JSON: Expecting property name enclosed in double"
        " quotes (line 3, column 2)"
    )
    assert "Invoke" not in api_calls and res.out == ""


def test_stream_errors_name_the_line_and_column_of_stdin() -> None:
    def error_of(text: str) -> str:
        with pytest.raises(UsageError) as info:
            list(iter_json_documents(io.StringIO(text)))
        return info.value.message

    assert error_of('{"a": 1} {oops}').endswith("(line 1, column 11)")
    assert error_of('{"a":\n 1}\n\n  [1,\n  x]').endswith("(line 5, column 3)")
    assert "document 2" in error_of('{"a":\n 1}\n\n  [1,\n  x]')
    assert error_of('  \n\n {"a":\n1').endswith("(line 4, column 2)")


def test_non_utf8_stdin_is_one_line_error_before_any_call(fn_dir: Path) -> None:
    # An endpoint nobody listens on: any AWS call would fail with a connection error instead.
    for data in (b'{"a": "\xe9"}\n', bytes(range(256)) * 4):
        res = _run(["invoke"], data, fn_dir, AWS_ENDPOINT_URL="http://127.0.0.1:9")
        err = res.stderr.decode()
        assert res.returncode == 1, err
        assert err.strip() == "error: stdin: document 1 (near line 1) is not UTF-8 text"


def test_empty_stdin_is_an_error_not_a_silent_success(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    res = lh("-C", fn_dir, "invoke", input="  \n\n")
    assert res.code == 1
    assert res.err.splitlines()[0] == "error: stdin: no JSON document to send"
    assert "Invoke" not in api_calls


def test_oversized_payload_file_error_names_the_file(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    (fn_dir / "big.json").write_text('"' + "x" * (1024 * 1024) + '"')
    res = lh("-C", fn_dir, "invoke", "--async", "--payload-file", "big.json")
    assert res.code == 1
    assert res.err.splitlines()[0].startswith("error: big.json: payload is 1,048,578 bytes")
    assert "Invoke" not in api_calls


def test_log_tail_with_async_warns(lh, fn_dir: Path) -> None:
    res = lh("-C", fn_dir, "invoke", "--async", "--log-tail", "--payload", "{}")
    assert res.code == 0, res.err
    assert "warning: --log-tail has no effect with --async" in res.err


# -- logs --------------------------------------------------------------------------------------
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


# -- metrics -----------------------------------------------------------------------------------
def test_metrics_of_an_unknown_function_warns(lh, fn_dir: Path, tmp_path: Path) -> None:
    res = lh("-C", tmp_path, "metrics", "--function-name", "no-such-fn", "--since", "2h")
    assert res.code == 0, res.err
    assert "warning: function no-such-fn was not found" in res.err
    assert "Invocations" in res.out
    res = lh("-C", fn_dir, "metrics", "--qualifier", "nope", "--since", "2h")
    assert res.code == 0 and "warning: function ops-fn:nope was not found" in res.err
    res = lh("-C", fn_dir, "metrics", "--since", "2h")
    assert res.code == 0 and "warning" not in res.err


# -- test --------------------------------------------------------------------------------------
def test_junit_xml_stays_well_formed_with_control_characters() -> None:
    log = "START\n\x1b[31mred\x1b[0m nul:\x00 bell:\x07\nEND\n"

    def invoker(payload: bytes, qualifier: str | None) -> InvokeOutcome:
        return InvokeOutcome(200, b'{"s": "\\u0001"}', log_tail=log)

    case = TestCase("ctl \x01 case", b"{}")
    results = run_cases([case], invoker)
    root = ET.fromstring(junit_xml(results, "fn\x1b"))
    testcase = root.find("testsuite/testcase")
    assert testcase is not None and testcase.get("name") == "ctl \\x01 case"
    assert root.find("testsuite").get("name") == "fn\\x1b"
    assert "\\x1b[31mred\\x1b[0m nul:\\x00 bell:\\x07" in testcase.find("system-out").text


def test_empty_tests_file_is_an_error(tmp_path: Path) -> None:
    for name, text in (("tests.yaml", "[]\n"), ("tests.json", "[]")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(DefinitionError, match=f"{name}: no cases"):
            load_cases(path)


def test_test_command_with_empty_tests_file_exits_1(lh, fn_dir: Path, api_calls) -> None:
    (fn_dir / "tests.yaml").write_text("[]\n")
    res = lh("-C", fn_dir, "test")
    assert res.code == 1
    assert res.err.strip().startswith("error: tests.yaml: no cases")
    assert "Invoke" not in api_calls and res.out == ""
