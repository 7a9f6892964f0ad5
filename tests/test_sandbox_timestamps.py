"""Timestamps a user sees: LastModified follows updates, and a sandbox restart (from the
journal tail after a kill, or from a snapshot after a clean stop) keeps every one of them.

Without the recorded request times, a replay re-creates functions, versions, URL configs and
layers at restart time, so ``lambherd versions`` / ``list`` / ``status`` would show the restart as
every LastModified. Time passes by moving the sandbox clock, not by sleeping.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lambherd.sandbox import persistence
from sandbox_testkit import (
    Sandbox,
    code_zip,
    create,
    invoke,
    kill_sandbox,
    running,
    sandbox_now,
    saved_state,
    zip_of,
)

NAME = "dated"
pytestmark = pytest.mark.slow


def _parse(stamp: str) -> datetime:
    """Lambda's or moto's timestamp (``...+0000`` / ``...000Z``) as an aware datetime."""
    text = stamp.replace("+0000", "+00:00")
    if text.endswith("Z"):
        text = text[:-1][:26] + "+00:00"  # moto's nanoseconds: keep microseconds
    return datetime.fromisoformat(text)


def _snapshot(sb: Sandbox) -> dict[str, Any]:
    lam, logs, cw = sb.client("lambda"), sb.client("logs"), sb.client("cloudwatch")
    versions = lam.list_versions_by_function(FunctionName=NAME)["Versions"]
    listed = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == NAME]
    url = lam.get_function_url_config(FunctionName=NAME)
    layer = lam.list_layer_versions(LayerName="datedlib")["LayerVersions"]
    provisioned = lam.get_provisioned_concurrency_config(FunctionName=NAME, Qualifier="live")
    group = f"/aws/lambda/{NAME}"
    events = logs.filter_log_events(logGroupName=group)["events"]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    stats = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": NAME}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=1,
        Statistics=["Sum"],
    )["Datapoints"]
    return {
        "function": lam.get_function(FunctionName=NAME)["Configuration"]["LastModified"],
        "configuration": lam.get_function_configuration(FunctionName=NAME)["LastModified"],
        "listed": [f["LastModified"] for f in listed],
        "versions": {v["Version"]: v["LastModified"] for v in versions},
        "each_version": {
            v["Version"]: lam.get_function_configuration(FunctionName=NAME, Qualifier=v["Version"])[
                "LastModified"
            ]
            for v in versions
        },
        "url": (url["CreationTime"], url["LastModifiedTime"]),
        "layer": [(v["Version"], v["CreatedDate"]) for v in layer],
        "provisioned": provisioned["LastModified"],
        "events": sorted((e["timestamp"], e["message"]) for e in events),
        "ingested": sorted((e["timestamp"], e["message"], e["ingestionTime"]) for e in events),
        "groups": [(g["logGroupName"], g["creationTime"]) for g in groups],
        "streams": [
            (s["logStreamName"], s["creationTime"], s["lastIngestionTime"]) for s in streams
        ],
        "metrics": sorted((d["Timestamp"], d["Sum"]) for d in stats),
    }


def _build(sb: Sandbox) -> None:
    """Changes spread over a few (sandbox) seconds, so a replay at restart time would show."""
    lam = sb.client("lambda")
    lam.publish_layer_version(LayerName="datedlib", Content={"ZipFile": code_zip("lib")})
    create(lam, NAME, "one", Publish=True)  # $LATEST and version 1
    sb.advance_clock(1.1)
    lam.update_function_code(FunctionName=NAME, ZipFile=code_zip("two"))
    lam.publish_version(FunctionName=NAME)  # version 2
    lam.create_function_url_config(FunctionName=NAME, AuthType="NONE")
    sb.advance_clock(1.1)
    lam.update_function_code(FunctionName=NAME, ZipFile=code_zip("three"), Publish=True)  # 3
    lam.update_function_configuration(FunctionName=NAME, MemorySize=256)
    lam.update_function_url_config(FunctionName=NAME, Cors={"AllowOrigins": ["*"]})
    lam.create_alias(FunctionName=NAME, Name="live", FunctionVersion="2")
    lam.put_provisioned_concurrency_config(
        FunctionName=NAME, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    for i in range(3):
        assert invoke(lam, NAME, {"i": i}, Qualifier="live")["StatusCode"] == 200


def test_restart_from_the_journal_and_from_a_snapshot_keeps_every_timestamp(
    tmp_path: Path,
) -> None:
    with running(tmp_path / "state") as sb:
        _build(sb)
        before = _snapshot(sb)
        # the times really are spread out, and distinct per version
        assert set(before["versions"]) == {"$LATEST", "1", "2", "3"}
        v1, v2, v3 = (_parse(before["versions"][v]) for v in ("1", "2", "3"))
        assert v2 - v1 >= timedelta(seconds=1) and v3 - v2 >= timedelta(seconds=1)
        assert _parse(before["function"]) >= v3
        assert before["url"][0] != before["url"][1]
        assert before["each_version"] == before["versions"]
        assert before["events"] and before["metrics"]
        saved = saved_state(sb.state_dir)
        assert saved["snapshot_seq"] is None and saved["requests"] and saved["telemetry"]
        assert all(r.at is not None for r in saved["requests"])
        sb.advance_clock(1.1)  # a replay stamping "now" could not hit the old times by chance

        kill_sandbox(sb.state_dir)  # no last snapshot: the journal tail is all there is
        sb.start()
        restarted_at = sandbox_now(sb.endpoint)  # the clock's offset survives the restart
        after = _snapshot(sb)
        assert after == before  # ingestion times included: telemetry records carry theirs
        assert _parse(after["versions"]["1"]) < restarted_at - timedelta(seconds=3)

        sb.stop()  # a clean stop: everything goes into a snapshot, the journal ends empty
        saved = saved_state(sb.state_dir)
        assert saved["snapshot_seq"] and saved["requests"] == [] and saved["telemetry"] == []
        sb.start()
        assert _snapshot(sb) == before


def test_journal_lines_without_a_time_still_replay(tmp_path: Path) -> None:
    """A journal written before times were recorded: state comes back, stamped at replay."""
    record = persistence.RecordedRequest("POST", "/x", "", {"Host": "h"}, b"{}", at=12.5)
    line = json.loads(record.to_json())
    assert line["at"] == 12.5
    assert persistence.RecordedRequest.from_json(json.dumps(line)) == record
    assert persistence.request_time(record.environ()) == datetime.fromtimestamp(12.5, UTC)
    del line["at"]
    old = persistence.RecordedRequest.from_json(json.dumps(line))
    assert old.at is None and persistence.TIME_ENVIRON_KEY not in old.environ()

    with running(tmp_path / "state") as sb:
        create(sb.client("lambda"), "legacy")
        kill_sandbox(sb.state_dir)  # the journal keeps the request (a clean stop snapshots)
        path = sb.state_dir / "journal.jsonl"
        docs = [json.loads(x) for x in path.read_text().splitlines()]
        assert docs and all("at" in d for d in docs)
        path.write_text(
            "".join(json.dumps({k: v for k, v in d.items() if k != "at"}) + "\n" for d in docs)
        )
        sb.start()
        got = sb.client("lambda").get_function_configuration(FunctionName="legacy")
        assert got["FunctionName"] == "legacy" and got["LastModified"]


def test_last_modified_follows_configuration_and_code_updates(tmp_path: Path) -> None:
    with running(tmp_path / "state") as sb:
        _last_modified_follows_updates(sb)


def _last_modified_follows_updates(sb: Sandbox) -> None:
    lam = sb.client("lambda")
    create(lam, "dated")
    created = lam.get_function_configuration(FunctionName="dated")["LastModified"]
    sb.advance_clock(0.01)
    updated = lam.update_function_configuration(FunctionName="dated", MemorySize=512)
    assert updated["LastModified"] > created
    got = lam.get_function_configuration(FunctionName="dated")["LastModified"]
    assert got == updated["LastModified"]
    lam.get_waiter("function_updated_v2").wait(FunctionName="dated")
    sb.advance_clock(0.01)
    recoded = lam.update_function_code(
        FunctionName="dated", ZipFile=zip_of({"app.py": "def handler(e, c): 2"})
    )
    assert recoded["LastModified"] > got
