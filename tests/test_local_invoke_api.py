"""The Invoke API of ``local start``, driven by a real boto3 client and raw HTTP, for each
runtime kind (the server in front of a Python or a Node.js function)."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from pathlib import Path

import pytest

from lambherd.local import FunctionSpec
from lambherd.local.invoke_api import split_function_name, start_local_api
from local_testkit import RuntimeKind

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def api(monkeypatch, runtime_kind: RuntimeKind):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    common = {
        "name": "fn",
        "handler": runtime_kind.handler,
        "runtime": runtime_kind.runtime,
        "code_dir": runtime_kind.folder("basic"),
    }
    specs = [
        FunctionSpec(timeout_s=2, reserved_concurrency=1, **common),
        FunctionSpec(version="3", environment={"V": "three"}, **common),
    ]
    server = start_local_api(specs, port=0, warm="eager")
    pids = server.runtime.pids()
    yield server
    server.close()
    server.runtime.close()
    assert pids and not any(Path(f"/proc/{p}").exists() for p in pids)


@pytest.fixture
def client(api):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=api.url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.mark.slow
def test_boto3_invoke_with_log_tail(client):
    resp = client.invoke(FunctionName="fn", Payload=b'{"hello": "world"}', LogType="Tail")
    assert resp["StatusCode"] == 200
    assert resp["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in resp
    body = json.loads(resp["Payload"].read())
    assert body["echo"] == {"hello": "world"}
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert "START RequestId:" in tail and "REPORT RequestId:" in tail


@pytest.mark.slow
def test_function_error_header(client, runtime_kind):
    resp = client.invoke(FunctionName="fn", Payload=b'{"action": "fail"}')
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(resp["Payload"].read())["errorType"] == runtime_kind.fail_type


@pytest.mark.slow
def test_qualifier_and_arn_names(client):
    for kwargs in (
        {"FunctionName": "fn", "Qualifier": "3"},
        {"FunctionName": "fn:3"},
        {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:fn:3"},
    ):
        resp = client.invoke(Payload=b'{"action": "env", "names": ["V"]}', **kwargs)
        assert resp["ExecutedVersion"] == "3"
        assert json.loads(resp["Payload"].read()) == {"V": "three"}


@pytest.mark.slow
def test_unknown_function_is_resource_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="Function not found"):
        client.invoke(FunctionName="missing", Payload=b"{}")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="fn", Qualifier="99", Payload=b"{}")


@pytest.mark.slow
def test_too_large_payloads(client):
    from botocore.exceptions import ClientError

    # Lambda answers RequestEntityTooLargeException (not the modelled RequestTooLargeException)
    big = json.dumps("x" * (6 * 1024 * 1024)).encode()
    with pytest.raises(ClientError) as sync_error:
        client.invoke(FunctionName="fn", Payload=big)
    medium = json.dumps("x" * (1024 * 1024)).encode()
    with pytest.raises(ClientError) as async_error:
        client.invoke(FunctionName="fn", Payload=medium, InvocationType="Event")
    for err, limit in ((sync_error, 6291456), (async_error, 1048576)):
        assert err.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        assert f"smaller than {limit} bytes" in err.value.response["Error"]["Message"]


@pytest.mark.slow
def test_event_and_dry_run(client):
    assert client.invoke(FunctionName="fn", InvocationType="DryRun")["StatusCode"] == 204
    started = time.monotonic()
    resp = client.invoke(
        FunctionName="fn", InvocationType="Event", Payload=b'{"action": "sleep", "seconds": 0.5}'
    )
    assert resp["StatusCode"] == 202
    assert time.monotonic() - started < 0.4


@pytest.mark.slow
def test_throttled_is_429_too_many_requests(api, client):
    runner = threading.Thread(
        target=client.invoke,
        kwargs={"FunctionName": "fn", "Payload": b'{"action": "sleep", "seconds": 0.6}'},
    )
    runner.start()
    deadline = time.monotonic() + 5
    while api.runtime.pool("fn").limit.in_flight < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    with pytest.raises(client.exceptions.TooManyRequestsException) as info:
        client.invoke(FunctionName="fn", Payload=b"{}")
    runner.join()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert info.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


@pytest.mark.slow
def test_raw_keep_alive_and_bad_json(api):
    conn = http.client.HTTPConnection(api.server.host, api.server.port)
    path = "/2015-03-31/functions/fn/invocations"
    for _ in range(3):  # same connection each time (HTTP/1.1 keep-alive)
        conn.request("POST", path, body=b"{}")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("X-Amz-Executed-Version") == "$LATEST"
        resp.read()
    conn.request("POST", path, body=b"{not json")
    resp = conn.getresponse()
    assert (
        resp.status == 400
        and resp.getheader("x-amzn-ErrorType") == "InvalidRequestContentException"
    )
    resp.read()
    conn.request("POST", "/2015-03-31/nothing", body=b"")
    resp = conn.getresponse()
    assert resp.status == 404
    resp.read()
    conn.close()


def test_split_function_name():
    assert split_function_name("fn") == ("fn", None)
    assert split_function_name("fn:prod") == ("fn", "prod")
    assert split_function_name("123456789012:function:fn") == ("fn", None)
    assert split_function_name("arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Afn%3A2") == (
        "fn",
        "2",
    )
