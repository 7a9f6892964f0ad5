"""Response streaming in the sandbox (ap-northeast-1): a Node function deployed with lambherd,
called with boto3's ``invoke_with_response_stream`` and on its ``RESPONSE_STREAM`` function URL
over raw HTTP, as a user would with the SDK and curl. Chunks arrive while the function still
runs (it waits for a file the test writes after reading the first chunk)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deploy_testkit import LAMBDAIGNORE, ROLE
from local_testkit import NODE, NODE_KIND, needs_node

pytestmark = [needs_node, pytest.mark.slow, pytest.mark.timeout(240)]

TOKYO = "ap-northeast-1"
NAME = "streamer"


@pytest.fixture
def tokyo(sandbox, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_REGION", TOKYO)
    monkeypatch.setenv("AWS_DEFAULT_REGION", TOKYO)
    lam = boto3.client("lambda", region_name=TOKYO, endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    try:
        lam.delete_function(FunctionName=NAME)
    except lam.exceptions.ResourceNotFoundException:
        pass
    return lam


def _deploy(lh, folder: Path, invoke_mode: str) -> None:
    shutil.copytree(NODE_KIND.folder("stream"), folder)
    definition = {"FunctionName": NAME, "Runtime": NODE, "Handler": "index.handler", "Role": ROLE}
    (folder / "function.json").write_text(json.dumps(definition))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    url = {"Config": {"AuthType": "NONE", "InvokeMode": invoke_mode}}
    (folder / "function_url.json").write_text(json.dumps(url))
    res = lh("-C", folder, "deploy")
    assert res.code == 0, res.err


def test_invoke_with_response_stream_in_the_sandbox(tokyo, lh, tmp_path: Path) -> None:
    _deploy(lh, tmp_path / "fn", "RESPONSE_STREAM")
    release = tmp_path / "release"
    resp = tokyo.invoke_with_response_stream(
        FunctionName=NAME, Qualifier="current", Payload=json.dumps({"release": str(release)})
    )
    assert resp["ExecutedVersion"] == "1"
    events = iter(resp["EventStream"])
    first = next(events)["PayloadChunk"]["Payload"]
    assert first.startswith(b"part 0 ")
    release.write_text("go")
    rest = list(events)
    assert b"".join(e["PayloadChunk"]["Payload"] for e in rest[:-1]) == b"part 1\npart 2\n"
    assert "ErrorCode" not in rest[-1]["InvokeComplete"]
    failed = tokyo.invoke_with_response_stream(FunctionName=NAME, Payload=b'{"fail": true}')
    complete = list(failed["EventStream"])[-1]["InvokeComplete"]
    assert complete["ErrorCode"] == "Error"
    # the invocations are in the sandbox's CloudWatch like any other
    logs = __import__("boto3").client(
        "logs", region_name=TOKYO, endpoint_url=os.environ["AWS_ENDPOINT_URL"]
    )
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{NAME}")["logStreams"]
    assert streams


def test_response_stream_url_in_the_sandbox(tokyo, lh, tmp_path: Path) -> None:
    _deploy(lh, tmp_path / "fn", "RESPONSE_STREAM")
    address = tokyo.get_function_url_config(FunctionName=NAME)["FunctionUrl"]
    release = tmp_path / "release"
    parts = urlsplit(address)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request("GET", f"{parts.path}?http=1&release={release}")
    resp = conn.getresponse()
    assert resp.status == 201 and resp.getheader("x-streamed") == "yes"
    assert resp.getheader("Set-Cookie") == "flavour=node"
    first = resp.read1(1024)
    assert first.startswith(b"part 0 ")  # the function still waits for `release`
    release.write_text("go")
    assert resp.read().endswith(b"part 1\npart 2\n")
    conn.close()
