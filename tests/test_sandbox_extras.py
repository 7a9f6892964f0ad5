"""Sandbox extras through boto3: percentile metrics, layers, function URLs, snapshots."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox_testkit import (
    REGION,
    Sandbox,
    code_zip,
    create,
    create_with,
    invoke,
    running,
    saved_state,
    use_private_sandbox,
    zip_of,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running(tmp_path_factory.mktemp("sandbox-extras")) as sb:
        yield sb


# -- 1. percentile statistics ---------------------------------------------------------------


def _pct_query(qid: str, name: str, stat: str, period: int) -> dict[str, Any]:
    return {
        "Id": qid,
        "MetricStat": {
            "Metric": {
                "Namespace": "Custom/Extras",
                "MetricName": "Latency",
                "Dimensions": [{"Name": "FunctionName", "Value": name}],
            },
            "Period": period,
            "Stat": stat,
        },
    }


def test_get_metric_data_answers_percentiles_per_period(box: Sandbox) -> None:
    cw = box.client("cloudwatch")
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    dims = [{"Name": "FunctionName", "Value": "pct"}]
    # period 1: 1..100 ; period 2 (5 minutes later): 1000, 2000
    data = [
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": base, "Value": float(v)}
        for v in range(1, 101)
    ]
    later = base + timedelta(minutes=5)
    data += [
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": later, "Value": v}
        for v in (1000.0, 2000.0)
    ]
    other = [{"Name": "FunctionName", "Value": "someone-else"}]
    data.append({"MetricName": "Latency", "Dimensions": other, "Timestamp": base, "Value": 9e9})
    for i in range(0, len(data), 50):
        cw.put_metric_data(Namespace="Custom/Extras", MetricData=data[i : i + 50])

    queries = [
        _pct_query("p50", "pct", "p50", 300),
        _pct_query("p99", "pct", "p99", 300),
        _pct_query("whole90", "pct", "p90", 3600),
        _pct_query("avg", "pct", "Average", 3600),  # still answered by moto
    ]
    resp = cw.get_metric_data(
        MetricDataQueries=queries,
        StartTime=base - timedelta(minutes=5),
        EndTime=base + timedelta(minutes=55),
        ScanBy="TimestampAscending",
    )
    results = {r["Id"]: r for r in resp["MetricDataResults"]}
    assert [r["Id"] for r in resp["MetricDataResults"]] == ["p50", "p99", "whole90", "avg"]
    assert results["p50"]["Values"] == [50.0, 1000.0]
    assert results["p99"]["Values"] == [99.0, 2000.0]
    stamps = [t.replace(tzinfo=UTC) for t in results["p50"]["Timestamps"]]
    assert stamps == [base, later]
    assert results["whole90"]["Values"] == [92.0]  # 102 values: nearest rank ceil(91.8) = 92
    assert results["avg"]["Values"][0] == pytest.approx((5050 + 3000) / 102)
    assert results["p50"]["Label"] == "Latency p50"


def test_metrics_command_shows_duration_percentiles(
    box: Sandbox, lh: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lam = box.client("lambda")
    create(lam, "timed")
    for _ in range(4):
        assert invoke(lam, "timed")["StatusCode"] == 200
    use_private_sandbox(monkeypatch, tmp_path, box.port, box.state_dir)

    out = lh(
        "--sandbox", "--output", "json", "metrics", "--function-name", "timed", "--since", "1h"
    )
    assert out.code == 0, out.err
    doc = json.loads(out.out)
    assert doc["notes"] == []
    totals = doc["totals"]
    assert totals["invocations"] == 4
    assert totals["duration_p50"] is not None and totals["duration_p50"] > 0
    assert totals["duration_max"] >= totals["duration_p99"] >= totals["duration_p50"]

    table = lh("--sandbox", "metrics", "--function-name", "timed", "--since", "1h")
    assert table.code == 0, table.err
    assert "Duration p50" in table.out and "Duration p99" in table.out
    assert "percentiles are not available" not in table.err


# -- 2. layers --------------------------------------------------------------------------------

LAYER_USER = """
import greetlib
def handler(event, context):
    return {"greeting": greetlib.greet(event.get("who", "world")), "from": greetlib.__file__}
"""


def _publish_lib(lam: Any, word: str) -> tuple[str, bytes]:
    content = zip_of({"python/greetlib.py": f"def greet(who):\n    return '{word}, ' + who\n"})
    out = lam.publish_layer_version(
        LayerName="greetlib", Content={"ZipFile": content}, CompatibleRuntimes=["python3.12"]
    )
    return out["LayerVersionArn"], content


def test_invokes_mount_the_functions_layers(box: Sandbox) -> None:
    import hashlib

    lam = box.client("lambda")
    v1_arn, v1_zip = _publish_lib(lam, "hello")
    create_with(lam, "layered", LAYER_USER, Layers=[v1_arn])
    got = invoke(lam, "layered", {"who": "layers"})
    assert "FunctionError" not in got, got["Body"]
    body = json.loads(got["Body"])
    assert body["greeting"] == "hello, layers"
    layer_dir = box.state_dir / "code" / hashlib.sha256(v1_zip).hexdigest()
    assert body["from"] == str(layer_dir / "python" / "greetlib.py")
    lam.publish_version(FunctionName="layered")  # version 1 keeps layer version 1

    v2_arn, _ = _publish_lib(lam, "hi")
    lam.update_function_configuration(FunctionName="layered", Layers=[v2_arn])
    lam.get_waiter("function_updated_v2").wait(FunctionName="layered")
    assert json.loads(invoke(lam, "layered", {"who": "v2"})["Body"])["greeting"] == "hi, v2"
    old = invoke(lam, "layered", {"who": "v1"}, Qualifier="1")
    assert json.loads(old["Body"])["greeting"] == "hello, v1"

    # a function without its layer fails the import, as on Lambda
    create_with(lam, "unlayered", LAYER_USER)
    failed = invoke(lam, "unlayered")
    assert failed["FunctionError"] == "Unhandled"
    assert "greetlib" in failed["Body"].decode()


# -- 3. function URLs ---------------------------------------------------------------------------

WEB = """
import base64, json
def handler(event, context):
    path = event["rawPath"]
    if path == "/bare":
        return {"hello": "world"}
    if path == "/text":
        return "just text"
    if path == "/binary":
        return {"statusCode": 201, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(b"\\x00\\x01bin").decode(), "isBase64Encoded": True,
                "cookies": ["a=1", "b=2"]}
    if path == "/fail":
        raise RuntimeError("nope")
    return {"statusCode": 200, "headers": {"content-type": "application/json", "x-echo": "yes"},
            "body": json.dumps(event)}
"""


def _http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, Any, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_function_url_serves_payload_format_2(box: Sandbox) -> None:
    lam = box.client("lambda")
    create_with(lam, "web", WEB)
    created = lam.create_function_url_config(FunctionName="web", AuthType="NONE")
    url = created["FunctionUrl"]
    assert url.startswith(f"http://127.0.0.1:{box.port}/_lambda_url/") and url.endswith("/")
    uid = url.rstrip("/").rsplit("/", 1)[-1]
    assert lam.get_function_url_config(FunctionName="web")["FunctionUrl"] == url
    listed = lam.list_function_url_configs(FunctionName="web")["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [url]

    status, headers, body = _http(
        url + "items/7?x=1&x=2&y=",
        data=b'{"n": 1}',
        headers={"Content-Type": "application/json", "Cookie": "s=abc; t=def", "X-Custom": "v"},
        method="POST",
    )
    assert status == 200, body
    assert headers["x-echo"] == "yes"
    event = json.loads(body)
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/items/7"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["path"] == "/items/7"
    assert event["requestContext"]["domainPrefix"] == uid
    assert event["headers"]["x-custom"] == "v"
    assert "cookie" not in event["headers"] and event["cookies"] == ["s=abc", "t=def"]
    assert event["body"] == '{"n": 1}' and event["isBase64Encoded"] is False

    # binary request bodies arrive base64-encoded
    status, _, body = _http(
        url + "echo", data=b"\xff\x00", headers={"Content-Type": "image/png"}, method="PUT"
    )
    event = json.loads(body)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\x00"

    # results: bare JSON -> 200 application/json; a string as-is; base64 bodies and cookies
    status, headers, body = _http(url + "bare")
    assert (status, headers["Content-Type"], json.loads(body)) == (
        200,
        "application/json",
        {"hello": "world"},
    )
    assert _http(url + "text")[2] == b"just text"
    status, headers, body = _http(url + "binary")
    assert (status, body) == (201, b"\x00\x01bin")
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    status, _, body = _http(url + "fail")
    assert status == 502 and json.loads(body) == {"Message": "Internal Server Error"}

    # the Host-header form on the same port
    host = f"{uid}.lambda-url.{REGION}.localhost:{box.port}"
    status, _, body = _http(f"http://127.0.0.1:{box.port}/hosted?q=1", headers={"Host": host})
    assert status == 200 and json.loads(body)["rawPath"] == "/hosted"

    # invocations through the URL are Lambda invocations: they leave REPORT lines
    logs = box.client("logs")
    events = logs.filter_log_events(logGroupName="/aws/lambda/web")["events"]
    assert sum(e["message"].startswith("REPORT") for e in events) >= 6

    # unknown ids and deleted URLs answer 404
    assert _http(f"http://127.0.0.1:{box.port}/_lambda_url/{'0' * 32}/")[0] == 404
    lam.delete_function_url_config(FunctionName="web")
    assert _http(url)[0] == 404


def test_function_url_aws_iam_needs_a_signed_request(box: Sandbox) -> None:
    lam = box.client("lambda")
    create_with(lam, "private-web", WEB)
    url = lam.create_function_url_config(FunctionName="private-web", AuthType="AWS_IAM")[
        "FunctionUrl"
    ]
    status, _, body = _http(url + "bare")
    assert status == 403 and "AWS_IAM" in json.loads(body)["Message"]

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = AWSRequest(method="GET", url=url + "whoami")
    SigV4Auth(Credentials("sandbox", "sandbox"), "lambda", REGION).add_auth(signed)
    status, _, body = _http(url + "whoami", headers=dict(signed.headers.items()))
    assert status == 200, body
    assert json.loads(body)["requestContext"]["authorizer"]["iam"]["accessKey"] == "sandbox"
    lam.update_function_url_config(FunctionName="private-web", AuthType="NONE")
    assert _http(url + "bare")[0] == 200


# -- 4. snapshots -------------------------------------------------------------------------------


def _snapshot(sb: Sandbox) -> dict[str, Any]:
    lam, logs, cw = sb.client("lambda"), sb.client("logs"), sb.client("cloudwatch")
    fn = lam.get_function(FunctionName="kept")
    events = {}
    for group in ("/aws/lambda/kept", "/custom/app"):
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        for stream in streams:
            got = logs.get_log_events(
                logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
            )["events"]
            events[(group, stream["logStreamName"])] = [(e["timestamp"], e["message"]) for e in got]
    stats = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": "kept"}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=7200,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    return {
        "config": {
            k: fn["Configuration"][k] for k in ("CodeSha256", "RevisionId", "Layers", "MemorySize")
        },
        "tags": fn["Tags"],
        "versions": [
            (v["Version"], v["CodeSha256"], v["RevisionId"])
            for v in lam.list_versions_by_function(FunctionName="kept")["Versions"]
        ],
        "aliases": [
            (a["Name"], a["FunctionVersion"], a["RevisionId"], a.get("RoutingConfig"))
            for a in lam.list_aliases(FunctionName="kept")["Aliases"]
        ],
        "url": lam.get_function_url_config(FunctionName="kept")["FunctionUrl"],
        "events": events,
        "invocations": [(d["Sum"], d["SampleCount"]) for d in stats],
    }


def test_invocations_stay_out_of_the_journal_and_a_stop_snapshots_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBHERD_SANDBOX_COMPACT_MB", "1000")  # no snapshot while it runs
    with running(tmp_path / "state") as sb:
        lam, logs = sb.client("lambda"), sb.client("logs")
        layer_arn, _ = _publish_lib(lam, "hey")
        create(lam, "kept", "one", Tags={"team": "a"}, Layers=[layer_arn])
        lam.publish_version(FunctionName="kept")
        lam.update_function_code(FunctionName="kept", ZipFile=code_zip("two"))
        lam.publish_version(FunctionName="kept")
        lam.create_alias(
            FunctionName="kept",
            Name="live",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
        )
        lam.create_function_url_config(FunctionName="kept", AuthType="NONE")
        control = saved_state(sb.state_dir)["actions"]
        for i in range(12):
            assert invoke(lam, "kept", {"i": i}, Qualifier="live")["StatusCode"] == 200
        logs.create_log_group(logGroupName="/custom/app")
        logs.create_log_stream(logGroupName="/custom/app", logStreamName="s")
        now = int(time.time() * 1000)
        for i in range(5):
            logs.put_log_events(
                logGroupName="/custom/app",
                logStreamName="s",
                logEvents=[{"timestamp": now + i, "message": f"user line {i}"}],
            )
        before = _snapshot(sb)
        saved = saved_state(sb.state_dir)
        # the invocations' logs and metrics are telemetry records, not control-plane requests;
        # the user's own Logs calls are requests
        user_logs = ["CreateLogGroup", "CreateLogStream"] + ["PutLogEvents"] * 5
        assert saved["actions"] == [*control, *user_logs]
        kinds = [d["type"] for d in saved["telemetry"]]
        assert kinds.count("logs") == 12 and kinds.count("metrics") == 12
        seqs = [r.seq for r in saved["requests"]] + [d["seq"] for d in saved["telemetry"]]
        assert sorted(seqs) == list(range(1, len(seqs) + 1))  # one sequence for both
        sb.stop()

        saved = saved_state(sb.state_dir)
        assert saved["requests"] == [] and saved["telemetry"] == []
        assert saved["snapshot_seq"] == len(seqs)
        sb.start()
        after = _snapshot(sb)
        assert after == before
        assert sum(len(v) for v in after["events"].values()) >= 12 * 4 + 5
        assert _http(after["url"] + "x")[0] == 200  # the URL and the layer still work
        again = _snapshot(sb)
        assert sum(len(v) for v in again["events"].values()) > sum(
            len(v) for v in after["events"].values()
        )
        sb.stop()  # the URL invocation's telemetry joins the snapshot
        sb.start()
        assert _snapshot(sb) == again
