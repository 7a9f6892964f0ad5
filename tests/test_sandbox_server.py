"""The sandbox server through boto3: Lambda additions over moto, telemetry, process handling."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambherd import sandbox
from lambherd.sandbox import process
from sandbox_testkit import (
    Sandbox,
    code_zip,
    create,
    free_port,
    invoke,
    make_bucket,
    provisioned_ready,
    running,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running(tmp_path_factory.mktemp("sandbox-state")) as sb:
        yield sb


def metric_total(cw: Any, name: str, metric: str, stat: str = "Sum", **extra: str) -> float:
    """One statistic over the last hour, for exactly these dimensions (as CloudWatch matches)."""
    dims = [{"Name": "FunctionName", "Value": name}]
    dims += [{"Name": k, "Value": v} for k, v in extra.items()]
    query = {
        "Id": "q",
        "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dims},
            "Period": 3600,
            "Stat": stat,
        },
    }
    resp = cw.get_metric_data(
        MetricDataQueries=[query], StartTime=time.time() - 3600, EndTime=time.time() + 60
    )
    return sum(resp["MetricDataResults"][0]["Values"])


def test_invoke_runs_the_invoked_versions_code_and_follows_alias_weights(box: Sandbox) -> None:
    lam = box.client("lambda")
    create(lam, "weights", "one")
    v1 = lam.publish_version(FunctionName="weights")["Version"]
    lam.update_function_code(FunctionName="weights", ZipFile=code_zip("two"))
    v2 = lam.publish_version(FunctionName="weights")["Version"]
    assert (v1, v2) == ("1", "2")
    assert json.loads(invoke(lam, "weights", Qualifier="1")["Body"])["tag"] == "one"
    latest = invoke(lam, "weights")
    assert latest["ExecutedVersion"] == "$LATEST"
    assert json.loads(latest["Body"]) == {"tag": "two", "version": "$LATEST"}

    lam.create_alias(
        FunctionName="weights",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    seen: Counter[str] = Counter()
    for _ in range(60):
        resp = invoke(lam, "weights", Qualifier="live")
        body = json.loads(resp["Body"])
        assert body["version"] == resp["ExecutedVersion"]
        assert body["tag"] == {"1": "one", "2": "two"}[resp["ExecutedVersion"]]
        seen[resp["ExecutedVersion"]] += 1
    assert set(seen) == {"1", "2"}
    assert 15 <= seen["2"] <= 45, seen  # 50 % +- 25 points: p(fail) < 1e-4


def test_log_tail_and_function_error(box: Sandbox) -> None:
    lam = box.client("lambda")
    create(lam, "tail")
    ok = invoke(lam, "tail", {"hello": 1}, LogType="Tail")
    log = base64.b64decode(ok["LogResult"]).decode()
    assert 'event {"hello": 1}' in log
    assert "REPORT RequestId:" in log and "Init Duration" in log
    warm = base64.b64decode(invoke(lam, "tail", LogType="Tail")["LogResult"]).decode()
    assert "REPORT RequestId:" in warm and "Init Duration" not in warm  # same environment
    sha = base64.b64decode(lam.get_function(FunctionName="tail")["Configuration"]["CodeSha256"])
    assert (box.state_dir / "code" / sha.hex() / "app.py").is_file()  # extracted once, by hash
    bad = invoke(lam, "tail", {"fail": True})
    assert bad["FunctionError"] == "Unhandled"
    assert json.loads(bad["Body"])["errorMessage"] == "boom"
    with pytest.raises(ClientError) as err:
        invoke(lam, "tail", Qualifier="9")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_event_invocation_runs_in_the_background(box: Sandbox) -> None:
    lam, s3 = box.client("lambda"), box.client("s3")
    make_bucket(s3, "async-out")
    create(lam, "later", "queued")
    resp = lam.invoke(
        FunctionName="later", InvocationType="Event", Payload=b'{"bucket": "async-out"}'
    )
    assert resp["StatusCode"] == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        keys = s3.list_objects_v2(Bucket="async-out").get("Contents", [])
        if keys:
            break
        time.sleep(0.1)
    assert s3.get_object(Bucket="async-out", Key="k")["Body"].read() == b"queued"


def test_invocations_write_lambda_logs_and_metrics(box: Sandbox) -> None:
    lam, logs, cw = box.client("lambda"), box.client("logs"), box.client("cloudwatch")
    create(lam, "observed")
    create(lam, "observed-custom", LoggingConfig={"LogFormat": "Text", "LogGroup": "/team/x"})
    for _ in range(3):
        invoke(lam, "observed")
    invoke(lam, "observed", {"fail": True})
    invoke(lam, "observed-custom")
    assert lam.get_function(FunctionName="observed-custom")["Configuration"]["LoggingConfig"] == {
        "LogFormat": "Text",
        "LogGroup": "/team/x",
    }

    streams = logs.describe_log_streams(logGroupName="/aws/lambda/observed")["logStreams"]
    assert len(streams) == 1
    assert streams[0]["logStreamName"].endswith("]" + streams[0]["logStreamName"][-32:])
    assert "/[$LATEST]" in streams[0]["logStreamName"]
    events = logs.filter_log_events(logGroupName="/aws/lambda/observed")["events"]
    messages = [e["message"] for e in events]
    assert sum(m.startswith("START RequestId:") for m in messages) == 4
    assert sum(m.startswith("REPORT RequestId:") for m in messages) == 4
    custom = logs.filter_log_events(logGroupName="/team/x")["events"]
    assert any(e["message"].startswith("REPORT") for e in custom)

    lam.publish_version(FunctionName="observed")
    lam.create_alias(FunctionName="observed", Name="live", FunctionVersion="1")
    for _ in range(2):
        invoke(lam, "observed", Qualifier="live")

    def total(metric: str, stat: str = "Sum", **extra: str) -> float:
        return metric_total(cw, "observed", metric, stat, **extra)

    assert total("Invocations") == 6
    assert total("Errors") == 1
    assert total("Duration", "SampleCount") == 6
    assert total("ConcurrentExecutions", "Maximum") >= 1
    assert total("Invocations", Resource="observed:live") == 2
    assert total("Invocations", Resource="observed:live", ExecutedVersion="1") == 2


def test_revision_id_is_enforced_and_changes_on_every_change(box: Sandbox) -> None:
    lam = box.client("lambda")
    first = create(lam, "revs")["RevisionId"]
    assert lam.get_function(FunctionName="revs")["Configuration"]["RevisionId"] == first
    second = lam.update_function_configuration(
        FunctionName="revs", MemorySize=256, RevisionId=first
    )["RevisionId"]
    assert second != first
    for call in (
        lambda: lam.update_function_code(
            FunctionName="revs", ZipFile=code_zip("x"), RevisionId=first
        ),
        lambda: lam.publish_version(FunctionName="revs", RevisionId=first),
        lambda: lam.add_permission(
            FunctionName="revs",
            StatementId="s",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            RevisionId=first,
        ),
    ):
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "PreconditionFailedException"
    version = lam.publish_version(FunctionName="revs", RevisionId=second)
    assert version["RevisionId"] not in (first, second)
    alias = lam.create_alias(FunctionName="revs", Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as err:
        lam.update_alias(FunctionName="revs", Name="live", RevisionId="stale")
    assert err.value.response["Error"]["Code"] == "PreconditionFailedException"
    moved = lam.update_alias(FunctionName="revs", Name="live", RevisionId=alias["RevisionId"])
    assert moved["RevisionId"] != alias["RevisionId"]


def test_racing_updates_one_wins_one_gets_precondition_failed(box: Sandbox) -> None:
    lam = box.client("lambda")
    revision = create(lam, "race")["RevisionId"]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def update(memory: int) -> None:
        client = box.client("lambda")
        barrier.wait()
        try:
            client.update_function_configuration(
                FunctionName="race", MemorySize=memory, RevisionId=revision
            )
            outcomes.append("ok")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=update, args=(m,)) for m in (256, 512)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["PreconditionFailedException", "ok"]


def test_provisioned_concurrency_round_trip(box: Sandbox) -> None:
    lam = box.client("lambda")
    create(lam, "prov")
    lam.publish_version(FunctionName="prov")
    lam.create_alias(FunctionName="prov", Name="live", FunctionVersion="1")
    put = lam.put_provisioned_concurrency_config(
        FunctionName="prov", Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert put["RequestedProvisionedConcurrentExecutions"] == 2
    assert put["Status"] == "IN_PROGRESS"  # pre-warmed environments are started first
    got = provisioned_ready(lam, "prov", "live")
    assert got["Status"] == "READY" and got["AllocatedProvisionedConcurrentExecutions"] == 2
    listed = lam.list_provisioned_concurrency_configs(FunctionName="prov")
    assert [
        c["FunctionArn"].rsplit(":", 1)[-1] for c in listed["ProvisionedConcurrencyConfigs"]
    ] == ["live"]
    # the two provisioned environments are pre-warmed: the first invoke has no init
    log = base64.b64decode(invoke(lam, "prov", Qualifier="live", LogType="Tail")["LogResult"])
    assert b"REPORT" in log and b"Init Duration" not in log
    with pytest.raises(ClientError) as err:
        lam.put_provisioned_concurrency_config(
            FunctionName="prov", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.delete_provisioned_concurrency_config(FunctionName="prov", Qualifier="live")
    with pytest.raises(ClientError) as err:
        lam.get_provisioned_concurrency_config(FunctionName="prov", Qualifier="live")
    assert err.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_reserved_concurrency_floor_account_settings_and_throttles(box: Sandbox) -> None:
    lam, cw = box.client("lambda"), box.client("cloudwatch")
    create(lam, "reserved")
    before = lam.get_account_settings()["AccountLimit"]
    assert before["ConcurrentExecutions"] == 1000
    free = before["UnreservedConcurrentExecutions"]
    with pytest.raises(ClientError) as err:
        lam.put_function_concurrency(
            FunctionName="reserved", ReservedConcurrentExecutions=free - 99
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "below its minimum value of [100]" in err.value.response["Error"]["Message"]
    lam.put_function_concurrency(FunctionName="reserved", ReservedConcurrentExecutions=free - 100)
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 100

    lam.put_function_concurrency(FunctionName="reserved", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as err:
        invoke(lam, "reserved")
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert metric_total(cw, "reserved", "Throttles") == 1
    lam.delete_function_concurrency(FunctionName="reserved")
    assert json.loads(invoke(lam, "reserved")["Body"])["tag"] == "v1"


def test_code_location_serves_the_zip(box: Sandbox) -> None:
    lam = box.client("lambda")
    create(lam, "download", "zipped")
    lam.publish_version(FunctionName="download")
    lam.update_function_code(FunctionName="download", ZipFile=code_zip("newer"))
    for qualifier, tag in (("1", "zipped"), (None, "newer")):
        kwargs = {"Qualifier": qualifier} if qualifier else {}
        resp = lam.get_function(FunctionName="download", **kwargs)
        assert resp["Code"]["Location"].startswith(box.endpoint)
        data = urllib.request.urlopen(resp["Code"]["Location"]).read()
        assert data == code_zip(tag)


def test_moto_defects_avoided_and_missing_role_created(box: Sandbox) -> None:
    lam, iam = box.client("lambda"), box.client("iam")
    lam.create_function(
        FunctionName="roleless",
        Runtime="python3.12",
        Handler="app.handler",
        Role="arn:aws:iam::123456789012:role/service/made-for-me",
        Code={"ZipFile": code_zip("r")},
    )
    assert iam.get_role(RoleName="made-for-me")["Role"]["Path"] == "/service/"
    with pytest.raises(ClientError) as err:
        lam.delete_function(FunctionName="roleless", Qualifier="$LATEST")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lam.get_function(FunctionName="roleless")["Configuration"]["FunctionName"] == "roleless"


def test_function_code_reaches_the_sandbox_services(box: Sandbox) -> None:
    lam, s3 = box.client("lambda"), box.client("s3")
    make_bucket(s3, "from-lambda")
    create(lam, "writer", "written")
    assert "FunctionError" not in invoke(lam, "writer", {"bucket": "from-lambda"})
    assert s3.get_object(Bucket="from-lambda", Key="k")["Body"].read() == b"written"


def test_restart_keeps_state(tmp_path: Path) -> None:
    with running(tmp_path / "state") as sb:
        lam, logs = sb.client("lambda"), sb.client("logs")
        create(lam, "durable", "first", Tags={"team": "a"})
        lam.publish_version(FunctionName="durable")
        lam.update_function_code(FunctionName="durable", ZipFile=code_zip("second"))
        lam.publish_version(FunctionName="durable")
        lam.create_alias(FunctionName="durable", Name="live", FunctionVersion="2")
        lam.create_function_url_config(FunctionName="durable", AuthType="NONE")
        invoke(lam, "durable", Qualifier="live")
        before = lam.get_function(FunctionName="durable")
        sb.stop()
        assert not sandbox.status(sb.port, sb.state_dir).running
        sb.start()
        lam, logs = sb.client("lambda"), sb.client("logs")
        after = lam.get_function(FunctionName="durable")
        for key in ("CodeSha256", "RevisionId", "Version"):
            assert after["Configuration"][key] == before["Configuration"][key]
        assert after["Tags"] == {"team": "a"}
        versions = lam.list_versions_by_function(FunctionName="durable")["Versions"]
        assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
        assert lam.get_alias(FunctionName="durable", Name="live")["FunctionVersion"] == "2"
        assert lam.get_function_url_config(FunctionName="durable")["AuthType"] == "NONE"
        events = logs.filter_log_events(logGroupName="/aws/lambda/durable")["events"]
        assert any(e["message"].startswith("REPORT") for e in events)
        assert json.loads(invoke(lam, "durable", Qualifier="1")["Body"])["tag"] == "first"
        assert urllib.request.urlopen(after["Code"]["Location"]).read() == code_zip("second")


def test_ensure_running_starts_in_background_and_reset_empties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", str(port))
    monkeypatch.setenv("LAMBHERD_SANDBOX_DIR", str(tmp_path / "auto"))
    assert not sandbox.status().running
    try:
        endpoint = sandbox.ensure_running()
        assert endpoint == f"http://127.0.0.1:{port}"
        assert sandbox.ensure_running() == endpoint  # a second call finds it running
        current = sandbox.status()
        assert current.running and current.functions == 0
        assert (tmp_path / "auto" / "sandbox.log").exists()
        sb = Sandbox(tmp_path / "auto", port)
        sb.endpoint = endpoint
        create(sb.client("lambda"), "gone")
        assert sandbox.status().functions == 1
        sandbox.reset()
        assert sandbox.status().functions == 0
    finally:
        pid = sandbox.status().pid
        assert sandbox.stop()
        assert pid is not None and not process._alive(pid)
    assert not sandbox.status().running
    assert not sandbox.stop()  # stopping twice is harmless
