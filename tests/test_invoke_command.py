"""``invoke`` against moto's server: one payload or a stream of JSON documents (each checked
before the first call), payload files, async and dry runs, limits, function errors, log tails.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aws_testkit import OPS_GROUP, OPS_NAME
from aws_testkit import clients as _clients
from lambherd.aws import AwsClients, AwsSettings
from lambherd.errors import PayloadTooLargeError, UsageError
from lambherd.invocation import (
    SYNC_PAYLOAD_LIMIT,
    invoke_function,
    iter_json_documents,
)

NAME, GROUP = OPS_NAME, OPS_GROUP


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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
