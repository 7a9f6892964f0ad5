"""What only the Node.js runtimes have: module formats, callback handlers, Node's context fields
and Lambda's memory flags, and streamed responses (``awslambda.streamifyResponse``) through the
Runtime API to a real boto3 ``invoke_with_response_stream`` and a raw HTTP reader.

The behaviours both kinds share (init reuse, REPORT lines, errors, timeouts, memory, init
errors...) are the parametrised cases of test_local_runtime.py and its neighbours.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lambherd.local import FunctionSpec, LocalRuntime
from lambherd.local.invoke_api import serve_invoke_api
from lambherd.local.streaming import ResponseStream, StreamedInvocation
from local_testkit import NODE, NODE_KIND, needs_node

pytestmark = [needs_node, pytest.mark.slow, pytest.mark.timeout(120)]


def node_spec(folder: str, handler: str = "index.handler", **kw) -> FunctionSpec:
    return FunctionSpec(
        name=folder,
        handler=handler,
        runtime=NODE,
        code_dir=NODE_KIND.folder(folder),
        timeout_s=kw.pop("timeout_s", 3.0),
        **kw,
    )


@pytest.fixture
def rt():
    runtime = LocalRuntime()
    yield runtime
    runtime.close()


def call(rt: LocalRuntime, name: str, event: dict | None = None, **kw):
    result = rt.invoke(name, json.dumps(event or {}).encode(), **kw)
    return result, (json.loads(result.payload) if result.payload else None)


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("esm_mjs", {"format": "mjs"}),
        ("esm_module", {"format": "module", "type": "module"}),
        ("cjs", {"format": "cjs"}),
    ],
)
def test_module_formats_load_as_on_lambda(rt, folder, expected):
    rt.register(node_spec(folder))
    result, body = call(rt, folder)
    assert result.function_error is None, result.payload
    assert {k: body[k] for k in expected} == expected


def test_context_fields_of_node(rt):
    rt.register(node_spec("esm_mjs", log_group="/custom/group"))
    result, body = call(rt, "esm_mjs")
    assert body["name"] == "esm_mjs" and body["group"] == "/custom/group"
    assert body["request"] == result.request_id
    assert "[$LATEST]" in body["stream"] and body["waits"] is True


def test_callback_handlers_answer_and_fail(rt):
    rt.register(node_spec("callback"))
    result, body = call(rt, "callback", {"k": 1})
    assert result.function_error is None and body == {"style": "callback", "echo": {"k": 1}}
    result, doc = call(rt, "callback", {"fail": True})
    assert result.function_error == "Unhandled"
    assert doc["errorType"] == "TypeError" and doc["errorMessage"] == "callback said no"
    assert doc["trace"][0] == "TypeError: callback said no"


def test_node_gets_lambda_s_memory_flags_and_node_path(rt):
    rt.register(node_spec("basic", memory_mb=256))
    names = ["NODE_PATH", "AWS_EXECUTION_ENV", "PYTHONPATH", "LAMBDA_RUNTIME_DIR"]
    _, env = call(rt, "basic", {"action": "env", "names": names})
    assert env["NODE_PATH"].split(":")[-1] == str(NODE_KIND.folder("basic").resolve())
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{NODE}" and env["PYTHONPATH"] is None
    assert env["LAMBDA_RUNTIME_DIR"]
    pid = rt.pids("basic")[0]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    # Lambda's bootstrap: new space = memory/10, semi space half of it, old space the rest
    assert b"--max-old-space-size=231" in argv and b"--max-semi-space-size=12" in argv
    assert b"--expose-gc" in argv


# -- streamed responses ----------------------------------------------------------------------


def test_streamed_chunks_arrive_while_the_function_runs(rt, tmp_path):
    rt.register(node_spec("stream"))
    release = tmp_path / "release"
    run = StreamedInvocation(
        lambda stream: rt.invoke(
            "stream", json.dumps({"release": str(release)}).encode(), stream=stream
        )
    )
    chunks = run.stream.chunks()
    first = next(chunks)  # the function is still waiting for `release`: this streamed
    assert first.startswith(b"part 0 ")
    assert not run.stream.closed.is_set()
    release.write_text("go")
    rest = b"".join(chunks)
    result = run.result()
    assert result.function_error is None and result.payload == b""
    assert first + rest == f"part 0 {result.request_id}\npart 1\npart 2\n".encode()
    assert run.stream.content_type == "application/octet-stream"
    assert "REPORT RequestId:" in result.log


def test_a_plain_invoke_of_a_streaming_function_gets_the_whole_body(rt):
    rt.register(node_spec("stream"))
    result = rt.invoke("stream", b'{"parts": 2}')
    assert result.function_error is None
    assert result.payload == f"part 0 {result.request_id}\npart 1\n".encode()


def test_an_error_mid_stream_comes_through_the_trailers(rt):
    rt.register(node_spec("stream"))
    run = StreamedInvocation(lambda stream: rt.invoke("stream", b'{"fail": true}', stream=stream))
    body = b"".join(run.stream.chunks())
    result = run.result()
    assert body.startswith(b"part 0 ")
    assert run.stream.error_type == "Error"
    assert json.loads(run.stream.error_body)["errorMessage"] == "broke mid-stream"
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"] == "Error"


def test_streamed_responses_keep_lambda_s_size_limit(rt):
    rt.register(node_spec("stream"))
    stream = ResponseStream(limit=3 * 1024 * 1024)  # Lambda's 200 MB, scaled down
    stream.abandon()  # nobody reads: the bytes are dropped, the limit is kept
    result = rt.invoke("stream", json.dumps({"big": 5 * 1024 * 1024}).encode(), stream=stream)
    assert stream.error_type == "Function.ResponseSizeTooLarge"
    assert stream.total <= 3 * 1024 * 1024
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"] == "Function.ResponseSizeTooLarge"


def test_bandwidth_after_the_first_megabytes_is_capped(rt):
    rt.register(node_spec("stream"))
    # Lambda's 6 MB uncapped then 2 MB/s, scaled down: 1 MiB uncapped, then 4 MiB/s
    stream = ResponseStream(uncapped=1024 * 1024, rate=4 * 1024 * 1024)
    stream.abandon()  # nobody reads: the bytes are dropped, the pace is kept
    started = time.monotonic()
    result = rt.invoke("stream", json.dumps({"big": 3 * 1024 * 1024}).encode(), stream=stream)
    elapsed = time.monotonic() - started
    assert result.function_error is None
    assert stream.total == 3 * 1024 * 1024
    assert elapsed >= 0.5  # 2 MiB past the uncapped part at 4 MiB/s


def test_boto3_invoke_with_response_stream(rt, tmp_path, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    rt.register(node_spec("stream"))
    rt.register(node_spec("basic"))
    server = serve_invoke_api(rt, port=0)
    try:
        client = boto3.client("lambda", endpoint_url=server.url, region_name="ap-northeast-1")
        release = tmp_path / "release"
        resp = client.invoke_with_response_stream(
            FunctionName="stream", Payload=json.dumps({"release": str(release)}), LogType="Tail"
        )
        events = iter(resp["EventStream"])
        first = next(events)["PayloadChunk"]["Payload"]
        assert first.startswith(b"part 0 ")  # read before the function could finish
        release.write_text("go")
        rest = list(events)
        assert b"".join(e["PayloadChunk"]["Payload"] for e in rest[:-1]) == b"part 1\npart 2\n"
        complete = rest[-1]["InvokeComplete"]
        assert "ErrorCode" not in complete and "REPORT RequestId" in _tail(complete)
        assert resp["ExecutedVersion"] == "$LATEST"
        # a function that fails mid-stream: the error in InvokeComplete
        resp = client.invoke_with_response_stream(FunctionName="stream", Payload=b'{"fail": 1}')
        complete = list(resp["EventStream"])[-1]["InvokeComplete"]
        assert complete["ErrorCode"] == "Error"
        assert json.loads(complete["ErrorDetails"])["errorMessage"] == "broke mid-stream"
        # a function that does not stream: its result as one chunk
        resp = client.invoke_with_response_stream(FunctionName="basic", Payload=b'{"k": 2}')
        got = list(resp["EventStream"])
        assert json.loads(got[0]["PayloadChunk"]["Payload"])["echo"] == {"k": 2}
        assert got[-1]["InvokeComplete"] == {}
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.invoke_with_response_stream(FunctionName="missing", Payload=b"{}")
    finally:
        server.close()


def _tail(complete: dict) -> str:
    import base64

    return base64.b64decode(complete.get("LogResult", "")).decode()
