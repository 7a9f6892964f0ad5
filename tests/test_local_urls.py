"""Function URLs of ``local start`` (a function_url.json in the folder), called over raw HTTP
as curl or a browser would: the payload 2.0 event, CORS, AWS_IAM, and RESPONSE_STREAM URLs
streaming a Node function's writes while it runs."""

from __future__ import annotations

import http.client
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lambherd.app import App
from lambherd.project.context import attach_project
from lambherd.services.local import LocalStartRequest, start_local
from local_testkit import NODE, NODE_KIND, RuntimeKind, hello_function, needs_node

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CORS = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "MaxAge": 60}


def _serve(folder: Path, url_config: dict) -> object:
    (folder / "function_url.json").write_text(json.dumps({"Config": url_config}))
    app = attach_project(App(workdir=folder))
    return start_local(app, LocalStartRequest(port=0))


def _request(url: str, method: str = "GET", path: str = "", **headers: str):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(method, parts.path + path, headers=headers)
    return conn, conn.getresponse()


def test_buffered_url_with_cors(tmp_path: Path, runtime_kind: RuntimeKind) -> None:
    folder = hello_function(tmp_path, runtime_kind)
    served = _serve(folder, {"AuthType": "NONE", "Cors": CORS})
    try:
        assert served.url and "/_lambda_url/" in served.url
        conn, resp = _request(served.url, path="items/7?color=red", Origin="https://app.example")
        body = json.loads(resp.read())
        assert resp.status == 200
        assert resp.getheader("Access-Control-Allow-Origin") == "https://app.example"
        event = body["echo"]
        assert event["version"] == "2.0" and event["rawPath"] == "/items/7"
        assert event["queryStringParameters"] == {"color": "red"}
        assert event["requestContext"]["http"]["method"] == "GET"
        conn.close()
        conn, resp = _request(
            served.url,
            "OPTIONS",
            Origin="https://app.example",
            **{"Access-Control-Request-Method": "POST"},
        )
        assert resp.status == 200 and resp.read() == b""  # answered without invoking
        assert resp.getheader("Access-Control-Allow-Methods") == "GET,POST"
        assert resp.getheader("Access-Control-Max-Age") == "60"
        conn.close()
    finally:
        served.close()


def test_aws_iam_urls_want_a_signature(tmp_path: Path) -> None:
    folder = hello_function(tmp_path)
    served = _serve(folder, {"AuthType": "AWS_IAM"})
    try:
        conn, resp = _request(served.url)
        assert resp.status == 403 and b"AWS_IAM" in resp.read()
        conn.close()
        auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/lambda/aws4_request"
        conn, resp = _request(served.url, Authorization=auth)
        doc = json.loads(resp.read())
        assert resp.status == 200
        assert doc["echo"]["requestContext"]["authorizer"]["iam"]["accessKey"] == "AKIDEXAMPLE"
        conn.close()
    finally:
        served.close()


@needs_node
def test_response_stream_url_streams_while_the_function_runs(tmp_path: Path) -> None:
    folder = tmp_path / "streamer"
    shutil.copytree(NODE_KIND.folder("stream"), folder)
    definition = {"FunctionName": "streamer", "Handler": "index.handler", "Runtime": NODE}
    (folder / "function.json").write_text(json.dumps(definition))
    served = _serve(folder, {"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM", "Cors": CORS})
    release = tmp_path / "release"
    try:
        conn, resp = _request(
            served.url, path=f"?http=1&release={release}", Origin="https://app.example"
        )
        # status, headers and cookies from the HttpResponseStream prelude, before the end
        assert resp.status == 201
        assert resp.getheader("x-streamed") == "yes"
        assert resp.getheader("Set-Cookie") == "flavour=node"
        assert resp.getheader("Transfer-Encoding") == "chunked"
        assert resp.getheader("Access-Control-Allow-Origin") == "https://app.example"
        first = resp.read1(1024)  # part 0, while the function waits for `release`
        assert first.startswith(b"part 0 ")
        release.write_text("go")
        rest = resp.read()
        assert rest.endswith(b"part 1\npart 2\n")
        conn.close()
    finally:
        served.close()


@needs_node
def test_the_hello_node_example_streams_its_greeting(tmp_path: Path) -> None:
    """examples/hello-node as README shows it: `local start`, then its URL with curl."""
    folder = tmp_path / "hello-node"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "hello-node", folder)
    served = start_local(attach_project(App(workdir=folder)), LocalStartRequest(port=0))
    try:
        assert served.url
        conn, resp = _request(served.url, path="?name=Ada", Origin="https://any.example")
        assert resp.status == 200
        assert resp.getheader("Content-Type") == "text/plain; charset=utf-8"
        assert resp.getheader("Transfer-Encoding") == "chunked"
        assert resp.getheader("Access-Control-Allow-Origin") == "*"
        assert resp.read1(1024) == b"Hello\n"  # one chunk per write
        assert resp.read() == b"from\nLambda,\nAda!\n"
        conn.close()
    finally:
        served.close()
