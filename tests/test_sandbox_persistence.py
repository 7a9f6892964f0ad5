"""The sandbox's saved state through real servers and boto3: bounded by live state, private,
free of credentials, whole after kill -9 at any moment, and the rooms' part in it."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from lambherd.sandbox import process
from local_testkit import wait_for_file
from sandbox_testkit import (
    REGION,
    ROLE,
    client,
    create_with,
    free_port,
    kill_sandbox,
    make_bucket,
    running,
    saved_state,
    zip_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
DATA = Path(__file__).parent / "data" / "sandbox"
HANDLER = "def handler(event, context):\n    return event\n"


def _state_bytes(state: Path) -> int:
    """Bytes of the saved state (snapshot, journals, blobs; not extracted code or the log).

    A running server may be replacing a file (a snapshot rewrites the journals beside their
    names, then renames): a file gone between the listing and its size was such a one."""
    total = 0
    for path in state.rglob("*"):
        top = path.relative_to(state).parts[0]
        if top == "code" or path.name == process.LOG_FILE:
            continue
        try:
            if path.is_file():
                total += path.stat().st_size
        except FileNotFoundError:
            continue
    return total


def _random_zip(rng: random.Random, size: int) -> bytes:
    return zip_of({"app.py": HANDLER, "data.bin": rng.randbytes(size).hex()[:size]})


def test_state_stays_bounded_by_live_state_over_many_code_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBHERD_SANDBOX_COMPACT_MB", "0.25")
    rng = random.Random(64)
    updates = 60
    with running(tmp_path / "state") as sb:
        lam = sb.client("lambda", "eu-west-1")
        lam.create_function(
            FunctionName="churn",
            Runtime="python3.12",
            Handler="app.handler",
            Role=ROLE,
            Code={"ZipFile": _random_zip(rng, 64 * 1024)},
        )
        peak = 0
        for _ in range(updates):
            last = _random_zip(rng, 64 * 1024)
            lam.update_function_code(FunctionName="churn", ZipFile=last)
            peak = max(peak, _state_bytes(sb.state_dir))
        uploaded = updates * len(last)
        assert uploaded > 3_800_000
        assert peak < 1_500_000, peak  # the tail is snapshotted away as it grows
        sb.stop()
        assert _state_bytes(sb.state_dir) < 600_000
        assert len(list((sb.state_dir / "blobs").iterdir())) <= 2  # the live zip (+ its base64)
        sb.start()
        lam = sb.client("lambda", "eu-west-1")
        location = lam.get_function(FunctionName="churn")["Code"]["Location"]
        assert urllib.request.urlopen(location).read() == last


def test_a_deleted_large_upload_frees_its_space(tmp_path: Path) -> None:
    body = os.urandom(24 * 1024 * 1024)
    with running(tmp_path / "state") as sb:
        s3 = sb.client("s3", "eu-west-1")
        make_bucket(s3, "big-uploads")
        s3.put_object(Bucket="big-uploads", Key="pkg.zip", Body=body)
        lam = sb.client("lambda", "eu-west-1")
        lam.create_function(
            FunctionName="from-s3",
            Runtime="python3.12",
            Handler="app.handler",
            Role=ROLE,
            Code={"S3Bucket": "big-uploads", "S3Key": "pkg.zip"},
        )
        # the body is a blob, not a 32 MB journal line
        assert (sb.state_dir / "journal.jsonl").stat().st_size < 20_000
        assert _state_bytes(sb.state_dir) > len(body)
        sb.stop()
        # S3's object and the function's code: one blob named by their hash
        assert (sb.state_dir / "blobs" / hashlib.sha256(body).hexdigest()).exists()
        assert len(body) < _state_bytes(sb.state_dir) < len(body) + 1_000_000
        sb.start()
        s3, lam = sb.client("s3", "eu-west-1"), sb.client("lambda", "eu-west-1")
        assert s3.get_object(Bucket="big-uploads", Key="pkg.zip")["Body"].read() == body
        lam.delete_function(FunctionName="from-s3")
        s3.delete_object(Bucket="big-uploads", Key="pkg.zip")
        sb.stop()
        assert _state_bytes(sb.state_dir) < 1_000_000


def test_credentials_never_reach_the_state_files(tmp_path: Path) -> None:
    import boto3
    from botocore.config import Config

    key, secret, token = (
        "AKIAUSERKEY0EXAMPLE1",
        "s3cr3t/Secret+Key/EXAMPLE",
        "FQoGZXIvTOKEN-example",
    )
    with running(tmp_path / "state") as sb:
        session = boto3.session.Session(
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            region_name="ap-northeast-1",
        )
        lam = session.client("lambda", endpoint_url=sb.endpoint)
        s3 = session.client("s3", endpoint_url=sb.endpoint)
        lam.create_function(
            FunctionName="configured",
            Runtime="python3.12",
            Handler="app.handler",
            Role=ROLE,
            Code={"ZipFile": zip_of({"app.py": HANDLER})},
            Environment={"Variables": {"DB_PASSWORD": "kept-as-configuration"}},
        )
        make_bucket(s3, "signed")
        v4 = session.client("s3", endpoint_url=sb.endpoint, config=Config(signature_version="s3v4"))
        for c, name in ((s3, "k"), (v4, "k4")):  # botocore's default (SigV2) and SigV4
            url = c.generate_presigned_url(
                "put_object", Params={"Bucket": "signed", "Key": name}, ExpiresIn=300
            )
            assert token in url and "Signature=" in url
            put = urllib.request.Request(
                url, b"presigned body", {"Content-Type": "application/octet-stream"}, method="PUT"
            )
            assert urllib.request.urlopen(put).status == 200
        kill_sandbox(sb.state_dir)  # the journal holds every request
        journaled = (sb.state_dir / "journal.jsonl").read_bytes()
        bodies = [r.body for r in saved_state(sb.state_dir)["requests"]]
        assert any(b"kept-as-configuration" in b for b in bodies)  # configuration: kept (0600)

        def leaked(data: bytes) -> list[str]:
            found = [s for s in (key, secret, token) if s.encode() in data]
            found += re.findall(rb"Signature=[0-9a-f]{64}", data)  # SigV4 header or query
            found += re.findall(rb"Signature=[A-Za-z0-9%+/]{20,}3D", data)  # SigV2 query
            return found + [s for s in ("X-Amz-Security-Token=",) if s.encode() in data]

        assert leaked(journaled) == []
        sb.start()
        got = sb.client("lambda", "ap-northeast-1").get_function(FunctionName="configured")
        env = got["Configuration"]["Environment"]["Variables"]
        assert env == {"DB_PASSWORD": "kept-as-configuration"}
        for name in ("k", "k4"):
            obj = sb.client("s3", "ap-northeast-1").get_object(Bucket="signed", Key=name)
            assert obj["Body"].read() == b"presigned body"
        sb.stop()
        for path in sb.state_dir.rglob("*"):
            if path.is_file() and path.name != process.LOG_FILE:
                assert leaked(path.read_bytes()) == [], path


def test_state_files_are_private_and_an_old_folder_is_tightened(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)
    (state / "journal.jsonl").write_bytes((DATA / "journal-main.jsonl").read_bytes())
    os.chmod(state / "journal.jsonl", 0o644)
    old = os.umask(0o022)
    try:
        with running(state) as sb:
            create_with(sb.client("lambda"), "fresh", HANDLER)
            s3 = sb.client("s3")
            make_bucket(s3, "private-bodies")
            s3.put_object(Bucket="private-bodies", Key="k", Body=os.urandom(64 * 1024))
    finally:
        os.umask(old)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    modes = {
        str(p.relative_to(state)): stat.S_IMODE(p.stat().st_mode)
        for p in [*state.iterdir(), *(state / "blobs").iterdir()]
    }
    assert modes["blobs"] == 0o700 and modes["snapshot.bin"] == 0o600
    files = {k: v for k, v in modes.items() if (state / k).is_file()}
    assert files and set(files.values()) == {0o600}, files


def _burst(endpoint: str, round_no: int, acked: dict[str, Any], stop: threading.Event) -> None:
    """Writes until the server dies; what was acknowledged lands in ``acked``."""
    rng = random.Random(round_no)
    lam = client(endpoint, "lambda", "eu-west-1")
    s3 = client(endpoint, "s3", "eu-west-1")
    arn = lam.get_function(FunctionName="burst")["Configuration"]["FunctionArn"]
    i = 0
    try:
        while not stop.is_set():
            i += 1
            name = f"r{round_no}-{i}"
            body = rng.randbytes(rng.choice((100, 20_000, 70_000)))
            s3.put_object(Bucket="burst", Key=name, Body=body)
            acked["objects"][name] = hashlib.sha256(body).hexdigest()
            acked["tag_sent"] = name
            lam.tag_resource(Resource=arn, Tags={"last": name})
            acked["tag"] = name
            if i % 5 == 0:
                lam.update_function_code(
                    FunctionName="burst", ZipFile=zip_of({"app.py": HANDLER, "n": name})
                )
                version = lam.publish_version(FunctionName="burst")["Version"]
                acked["versions"].append(version)
    except (EndpointConnectionError, ConnectionClosedError, ClientError, OSError):
        return  # the server was killed under this request


def test_kill_9_at_random_moments_during_a_write_burst_loses_no_acknowledged_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBHERD_SANDBOX_COMPACT_MB", "0.05")  # snapshots all the time
    rng = random.Random(20261201)
    acked: dict[str, Any] = {"objects": {}, "tag": None, "tag_sent": None, "versions": []}
    state = tmp_path / "state"
    port = free_port()
    endpoint = process.start_background(port, state)
    lam, s3 = client(endpoint, "lambda", "eu-west-1"), client(endpoint, "s3", "eu-west-1")
    create_with(lam, "burst", HANDLER)
    make_bucket(s3, "burst")
    snapshots_seen = set()
    try:
        for round_no in range(6):
            stop = threading.Event()
            writer = threading.Thread(target=_burst, args=(endpoint, round_no, acked, stop))
            writer.start()
            time.sleep(rng.uniform(0.3, 1.5))
            kill_sandbox(state)
            stop.set()
            writer.join(60)
            assert not writer.is_alive()
            endpoint = process.start_background(port, state)  # loads whatever the kill left
            saved = saved_state(state)
            snapshots_seen.add(saved["snapshot_seq"])
            lam, s3 = client(endpoint, "lambda", "eu-west-1"), client(endpoint, "s3", "eu-west-1")
            listed = s3.list_objects_v2(Bucket="burst").get("Contents", [])
            have = {o["Key"] for o in listed}
            missing = set(acked["objects"]) - have
            assert not missing, f"round {round_no}: acknowledged objects lost: {sorted(missing)}"
            for name, digest in list(acked["objects"].items())[-5:]:
                got = s3.get_object(Bucket="burst", Key=name)["Body"].read()
                assert hashlib.sha256(got).hexdigest() == digest
            versions = [
                v["Version"]
                for v in lam.list_versions_by_function(FunctionName="burst")["Versions"]
            ]
            assert set(acked["versions"]) <= set(versions)
            arn = lam.get_function(FunctionName="burst")["Configuration"]["FunctionArn"]
            tags = lam.list_tags(Resource=arn)["Tags"]
            # the last acknowledged tag, or the one whose answer the kill cut off
            assert tags["last"] in {acked["tag"], acked["tag_sent"]}
        assert len(acked["objects"]) > 20
        assert len(snapshots_seen - {None}) >= 2  # kills landed between different snapshots
    finally:
        process.stop(state)


def test_stop_waits_while_a_snapshot_is_written_and_not_forever(tmp_path: Path) -> None:
    marker = tmp_path / "snapshot.writing"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, pathlib, signal, time\n"
            f"marker = pathlib.Path({str(marker)!r})\n"
            "def term(*_):\n"
            "    time.sleep(1.5)  # the snapshot under way when the stop came\n"
            "    os._exit(0)  # the marker names it until it is gone (no window to race)\n"
            "signal.signal(signal.SIGTERM, term)\n"
            "marker.write_text(str(os.getpid()))\n"
            "print('ready', flush=True)\n"
            "while True:\n"
            "    time.sleep(0.05)\n",
        ],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    assert process._terminate(
        child.pid, timeout=0.2, busy=lambda: process._writing_snapshot(tmp_path, child.pid)
    )
    assert child.wait(10) == 0  # it finished its snapshot: no SIGKILL
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\ntime.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    assert process._terminate(stubborn.pid, timeout=0.3, busy=lambda: False)
    assert stubborn.wait(10) == -9  # not writing anything: killed after the timeout


def test_a_request_in_flight_finishes_when_the_sandbox_stops(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    source = (
        "import pathlib, time\n"
        "def handler(event, context):\n"
        "    pathlib.Path(event['marker']).write_text('x')\n"
        "    time.sleep(1.0)\n"
        "    return {'done': True}\n"
    )
    with running(tmp_path / "state") as sb:
        create_with(sb.client("lambda"), "slowish", source, Timeout=30)
        out: dict[str, Any] = {}

        def call() -> None:
            lam = sb.client("lambda", read_timeout=60)
            resp = lam.invoke(FunctionName="slowish", Payload=json.dumps({"marker": str(marker)}))
            out["payload"] = json.loads(resp["Payload"].read())

        worker = threading.Thread(target=call)
        worker.start()
        wait_for_file(marker)
        sb.stop()
        worker.join(30)
        assert out.get("payload") == {"done": True}
        assert not (sb.state_dir / "server.stopping").exists()  # it said so while it stopped


def test_connections_stay_open_and_unread_bodies_are_read_away(tmp_path: Path) -> None:
    import http.client

    with running(tmp_path / "state") as sb:
        s3 = sb.client("s3")
        make_bucket(s3, "chunks")
        conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
        conn.request("GET", "/_lambherd/health")
        first = conn.getresponse()
        assert first.status == 200 and first.getheader("Connection") is None
        first.read()
        sock = conn.sock
        # a body the endpoint never reads must not become the next request
        conn.request("POST", "/_lambherd/health", body=b"x" * 200_000)
        conn.getresponse().read()
        conn.request(
            "PUT",
            "/chunks/k",
            body=iter([b"abc", b"def"]),
            headers=_signed_s3_put(sb.port, "/chunks/k"),
            encode_chunked=True,
        )
        put = conn.getresponse()
        put.read()
        assert put.status == 200
        assert s3.get_object(Bucket="chunks", Key="k")["Body"].read() == b"abcdef"
        conn.request("GET", "/_lambherd/health")
        assert json.loads(conn.getresponse().read())["service"] == "lambherd-sandbox"
        assert conn.sock is sock  # one connection served all of them
        conn.request("GET", "/_lambherd/health", headers={"Connection": "close"})
        last = conn.getresponse()
        assert last.getheader("Connection") == "close"
        last.read()
        conn.close()


def _signed_s3_put(port: int, path: str) -> dict[str, str]:
    """The headers of a SigV4-signed S3 PUT with an unsigned (chunked) payload: the sandbox
    wants what AWS wants on its APIs."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="PUT",
        url=f"http://127.0.0.1:{port}{path}",
        headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
    )
    S3SigV4Auth(Credentials("sandbox", "sandbox"), "s3", REGION).add_auth(request)
    return {k: v for k, v in request.headers.items()}


def test_code_over_lambdas_size_limits_is_refused_as_lambda_does(tmp_path: Path) -> None:
    import base64
    import io
    import struct
    import zipfile

    def claiming(unzipped: int) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("app.py", HANDLER)
        data = bytearray(buf.getvalue())
        struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 24, unzipped)
        return bytes(data)

    def refused(call: Any) -> tuple[int, str, str]:
        with pytest.raises(ClientError) as info:
            call()
        err = info.value.response
        return (
            err["ResponseMetadata"]["HTTPStatusCode"],
            err["Error"]["Code"],
            err["Error"]["Message"],
        )

    with running(tmp_path / "state") as sb:
        lam = sb.client("lambda", "eu-west-1")
        s3 = sb.client("s3", "eu-west-1")
        params = {"Runtime": "python3.12", "Handler": "app.handler", "Role": ROLE}
        assert refused(
            lambda: lam.create_function(
                FunctionName="zipped", Code={"ZipFile": b"\0" * (52428800 + 1)}, **params
            )
        ) == (
            413,
            "RequestEntityTooLargeException",
            "Zipped size must be smaller than 52428800 bytes",
        )
        assert len(base64.b64encode(b"\0" * 52_700_000)) > 70_167_211
        assert refused(
            lambda: lam.create_function(
                FunctionName="request", Code={"ZipFile": b"\0" * 52_700_000}, **params
            )
        ) == (
            413,
            "RequestEntityTooLargeException",
            "Request must be smaller than 70167211 bytes for the CreateFunction operation",
        )
        too_big = (
            400,
            "InvalidParameterValueException",
            "Unzipped size must be smaller than 262144000 bytes",
        )
        assert (
            refused(
                lambda: lam.create_function(
                    FunctionName="unzipped", Code={"ZipFile": claiming(262144001)}, **params
                )
            )
            == too_big
        )
        make_bucket(s3, "pkgs")
        s3.put_object(Bucket="pkgs", Key="big.zip", Body=claiming(300_000_000))
        assert (
            refused(
                lambda: lam.create_function(
                    FunctionName="via-s3", Code={"S3Bucket": "pkgs", "S3Key": "big.zip"}, **params
                )
            )
            == too_big
        )
        lam.create_function(
            FunctionName="ok", Code={"ZipFile": zip_of({"app.py": HANDLER})}, **params
        )
        assert (
            refused(lambda: lam.update_function_code(FunctionName="ok", ZipFile=claiming(2**29)))
            == too_big
        )
        assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["ok"]
        journaled = [(r.method, r.path) for r in saved_state(sb.state_dir)["requests"]]
        assert journaled == [  # nothing refused was applied or kept
            ("PUT", "/pkgs"),
            ("PUT", "/pkgs/big.zip"),
            ("POST", "/2015-03-31/functions"),
        ]


def test_a_rooms_own_state_survives_a_restart(tmp_path: Path) -> None:
    from lambherd.sandbox.dispatcher import SandboxApp

    class Counter:
        def __init__(self) -> None:
            self.count = 0
            self.restored_with: dict[str, Any] | None = None

        def snapshot(self) -> dict[str, Any]:
            return {"count": self.count}

        def restore(self, doc: dict[str, Any]) -> None:
            self.restored_with = doc
            self.count = doc["count"]

    calls: list[int] = []
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    first = SandboxApp(tmp_path / "state", "http://127.0.0.1:1")
    room = Counter()
    first.state.rooms.register("counter", room)
    first.state.rooms.after_restore(lambda: calls.append(room.count))
    first.restore()
    assert room.restored_with is None and calls == [0]  # nothing saved yet: a new room
    with first.write_lock:
        room.count = 41
    first.close()  # the last snapshot
    second = SandboxApp(tmp_path / "state", "http://127.0.0.1:1")
    again = Counter()
    second.state.rooms.register("counter", again)
    second.state.rooms.after_restore(lambda: calls.append(again.count))
    second.restore()
    assert again.restored_with == {"count": 41} and calls == [0, 41]
    with pytest.raises(ValueError, match="already registered"):
        second.state.rooms.register("counter", Counter())
    second.close()

    class Leaky(Counter):
        def snapshot(self) -> dict[str, Any]:
            return {"obj": object()}

    third = SandboxApp(tmp_path / "other", "http://127.0.0.1:1")
    third.state.rooms.register("leaky", Leaky())
    third.restore()
    with pytest.raises(TypeError):  # a room must hand out JSON data
        third.state.snapshot()
    third.close()  # the failed last snapshot is logged; the journal keeps what there is


def test_what_the_rooms_build_on_in_moto_survives_a_snapshot(tmp_path: Path) -> None:
    """Queues and their messages, topics, rules, schedules, scalable targets and scheduled
    actions, tables with streams, streams, alarms, event source mappings, invoke configs,
    function URLs' InvokeMode and CORS, stacks' exports, assumed roles: all moto state, all in
    the snapshot (no room code)."""
    import boto3

    from sandbox_testkit import in_process

    cron = "cron(0 9 * * ? *)"
    target = {"ServiceNamespace": "lambda", "ResourceId": "function:f:live"}
    dim = {"ScalableDimension": "lambda:function:ProvisionedConcurrency"}
    with in_process(tmp_path / "state") as sb:
        c = lambda service: sb.client(service, "eu-west-1")  # noqa: E731
        queue = c("sqs").create_queue(QueueName="q")["QueueUrl"]
        c("sqs").send_message(QueueUrl=queue, MessageBody="kept message")
        c("sns").create_topic(Name="topic")
        c("events").put_rule(Name="rule", ScheduleExpression="rate(5 minutes)")
        fn_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
        c("events").put_targets(Rule="rule", Targets=[{"Id": "1", "Arn": fn_arn}])
        c("scheduler").create_schedule(
            Name="nightly",
            ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": fn_arn, "RoleArn": ROLE},
        )
        c("dynamodb").create_table(
            TableName="table",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        c("kinesis").create_stream(StreamName="stream", ShardCount=1)
        c("cloudwatch").put_metric_alarm(
            AlarmName="errors",
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        create_with(c("lambda"), "f", HANDLER)
        c("lambda").publish_version(FunctionName="f")  # a target needs an alias or version
        c("lambda").create_alias(FunctionName="f", Name="live", FunctionVersion="1")
        aas = c("application-autoscaling")
        aas.register_scalable_target(**target, **dim, MinCapacity=1, MaxCapacity=5)
        aas.put_scheduled_action(
            **target,
            **dim,
            ScheduledActionName="morning",
            Schedule=cron,
            Timezone="Asia/Tokyo",
            ScalableTargetAction={"MinCapacity": 3, "MaxCapacity": 5},
        )
        c("sqs").create_queue(QueueName="jobs")  # a mapping's own queue: q's message stays put
        c("lambda").create_event_source_mapping(
            EventSourceArn="arn:aws:sqs:eu-west-1:123456789012:jobs", FunctionName="f", BatchSize=5
        )
        c("lambda").put_function_event_invoke_config(FunctionName="f", MaximumRetryAttempts=1)
        c("lambda").create_function_url_config(  # the streaming and CORS rooms read these
            FunctionName="f",
            AuthType="NONE",
            InvokeMode="RESPONSE_STREAM",
            Cors={"AllowOrigins": ["https://example.com"], "MaxAge": 60},
        )
        template = {
            "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"Out": {"Value": "v", "Export": {"Name": "exported"}}},
        }
        c("cloudformation").create_stack(StackName="stack", TemplateBody=json.dumps(template))
        creds = c("sts").assume_role(RoleArn=ROLE, RoleSessionName="room")["Credentials"]
    with in_process(tmp_path / "state") as sb:  # loaded from the snapshot the close wrote
        assert saved_state(sb.state_dir)["requests"] == []
        c = lambda service: sb.client(service, "eu-west-1")  # noqa: E731
        got = c("sqs").receive_message(QueueUrl=c("sqs").get_queue_url(QueueName="q")["QueueUrl"])
        assert [m["Body"] for m in got["Messages"]] == ["kept message"]
        assert [t["TopicArn"].rsplit(":", 1)[1] for t in c("sns").list_topics()["Topics"]] == [
            "topic"
        ]
        assert c("events").list_targets_by_rule(Rule="rule")["Targets"][0]["Arn"] == fn_arn
        assert c("scheduler").get_schedule(Name="nightly")["ScheduleExpression"] == "rate(1 hour)"
        actions = c("application-autoscaling").describe_scheduled_actions(ServiceNamespace="lambda")
        assert [
            (a["ScheduledActionName"], a["Schedule"], a["Timezone"])
            for a in actions["ScheduledActions"]
        ] == [("morning", cron, "Asia/Tokyo")]
        assert c("dynamodb").describe_table(TableName="table")["Table"]["LatestStreamArn"]
        assert c("kinesis").describe_stream(StreamName="stream")["StreamDescription"]["Shards"]
        assert [a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]] == [
            "errors"
        ]
        mappings = c("lambda").list_event_source_mappings(FunctionName="f")["EventSourceMappings"]
        assert [m["BatchSize"] for m in mappings] == [5]
        config = c("lambda").get_function_event_invoke_config(FunctionName="f")
        assert config["MaximumRetryAttempts"] == 1
        url = c("lambda").get_function_url_config(FunctionName="f")
        assert url["InvokeMode"] == "RESPONSE_STREAM"
        assert url["Cors"] == {"AllowOrigins": ["https://example.com"], "MaxAge": 60}
        assert [e["Name"] for e in c("cloudformation").list_exports()["Exports"]] == ["exported"]
        assumed = boto3.client(
            "sts",
            region_name="eu-west-1",
            endpoint_url=sb.endpoint,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        assert ":assumed-role/" in assumed.get_caller_identity()["Arn"]


def test_the_concurrency_rooms_own_state_survives_a_restart_from_a_snapshot(
    tmp_path: Path,
) -> None:
    """Scheduled actions still run, quota requests keep their Id and go on to APPROVED, the
    scaling activities stay listed and provisioned configs are allocated again, after a start
    that loads the snapshot (no journal request replayed)."""
    from datetime import timedelta

    from concurrency_testkit import next_tokyo, wait_for
    from lambherd.defaults import CONCURRENCY_QUOTA_CODE
    from sandbox_testkit import in_process, provisioned_ready

    region = "ap-northeast-1"
    target = {
        "ServiceNamespace": "lambda",
        "ResourceId": "function:kept:live",
        "ScalableDimension": "lambda:function:ProvisionedConcurrency",
    }
    quota = {"ServiceCode": "lambda", "QuotaCode": CONCURRENCY_QUOTA_CODE}
    state = tmp_path / "state"
    with in_process(state) as sb:
        lam = sb.client("lambda", region)
        aas, sq = sb.client("application-autoscaling", region), sb.client("service-quotas", region)
        create_with(lam, "kept", HANDLER)
        lam.publish_version(FunctionName="kept")
        lam.create_alias(FunctionName="kept", Name="live", FunctionVersion="1")
        lam.put_provisioned_concurrency_config(
            FunctionName="kept", Qualifier="live", ProvisionedConcurrentExecutions=1
        )
        assert provisioned_ready(lam, "kept", "live")["Status"] == "READY"
        aas.register_scalable_target(**target, MinCapacity=2, MaxCapacity=4)  # scales out to 2
        aas.put_scheduled_action(
            **target,
            ScheduledActionName="morning",
            Schedule="cron(0 9 * * ? *)",
            Timezone="Asia/Tokyo",
            ScalableTargetAction={"MinCapacity": 3},
        )
        asked = sq.request_service_quota_increase(**quota, DesiredValue=2000)["RequestedQuota"]
        assert asked["Status"] == "PENDING"
        before = aas.describe_scaling_activities(ServiceNamespace="lambda")["ScalingActivities"]
        assert [a["Description"] for a in before] == ["Setting provisioned concurrency to 2"]
        nine = next_tokyo(sb.app.clock.now() + timedelta(hours=1), 9)
    with in_process(state) as sb:  # loaded from the snapshot the close wrote
        assert saved_state(state)["requests"] == [] and sb.app.replayed == 0
        lam = sb.client("lambda", region)
        aas, sq = sb.client("application-autoscaling", region), sb.client("service-quotas", region)
        got = sq.get_requested_service_quota_change(RequestId=asked["Id"])["RequestedQuota"]
        assert (got["Id"], got["DesiredValue"], got["Status"]) == (asked["Id"], 2000.0, "PENDING")
        listed = sq.list_requested_service_quota_change_history(ServiceCode="lambda")
        assert [r["Id"] for r in listed["RequestedQuotas"]] == [asked["Id"]]
        after = aas.describe_scaling_activities(ServiceNamespace="lambda")["ScalingActivities"]
        assert [a["ActivityId"] for a in after] == [a["ActivityId"] for a in before]
        live = provisioned_ready(lam, "kept", "live")  # its environments died with the process
        assert (live["Status"], live["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 2)
        sb.app.clock.advance(6 * 60)  # past the 5 minutes a request is PENDING
        got = sq.get_requested_service_quota_change(RequestId=asked["Id"])["RequestedQuota"]
        assert got["Status"] == "APPROVED"
        assert sq.get_service_quota(**quota)["Quota"]["Value"] == 2000.0
        sb.app.clock.set(nine)  # the scheduled action's time: its minimum, 3, is applied
        wait_for(
            lambda: (
                lam.get_provisioned_concurrency_config(FunctionName="kept", Qualifier="live")[
                    "RequestedProvisionedConcurrentExecutions"
                ]
                == 3
            ),
            timeout=60,
        )
        scaled = aas.describe_scalable_targets(ServiceNamespace="lambda")["ScalableTargets"]
        assert [(t["MinCapacity"], t["MaxCapacity"]) for t in scaled] == [(3, 4)]
