"""``lambherd cost --since`` end to end on the embedded sandbox, in ap-northeast-1: deploy a
function, invoke it N times, and the estimate counts N invocations and the billed durations of
their REPORT lines, as a plain boto3 client reads them from the same CloudWatch."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambherd.report import parse_report
from sandbox_testkit import free_port, stop_sandbox, use_private_sandbox

REGION = "ap-northeast-1"
N = 4
HANDLER = """
import time
def handler(event, context):
    time.sleep(0.02)
    print("working on", event)
    return {"ok": True}
"""


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    port = free_port()
    state = tmp_path / "sandbox-state"
    use_private_sandbox(monkeypatch, tmp_path, port, state)
    monkeypatch.setenv("LAMBHERD_SANDBOX", "1")
    try:
        yield {"endpoint": f"http://127.0.0.1:{port}"}
    finally:
        stop_sandbox(state)


def _client(sandbox: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=sandbox["endpoint"],
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


@pytest.mark.slow
def test_cost_reads_invocations_and_billed_durations_from_cloudwatch(
    sandbox: dict[str, Any], tmp_path: Path, lh: Any
) -> None:
    fn = tmp_path / "pricey"
    fn.mkdir()
    (fn / "function.json").write_text(
        json.dumps(
            {
                "FunctionName": "pricey",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": "arn:aws:iam::123456789012:role/pricey",
                "MemorySize": 512,
                "Timeout": 10,
            }
        )
    )
    (fn / "app.py").write_text(HANDLER)
    run = lambda *args: lh("-C", fn, "--region", REGION, *args)  # noqa: E731
    deployed = run("deploy")
    assert deployed.code == 0, deployed.err
    for i in range(N):
        invoked = run("invoke", "--qualifier", "current", "--payload", json.dumps({"i": i}))
        assert invoked.code == 0, invoked.err

    # what a user's own client sees in the same CloudWatch
    logs = _client(sandbox, "logs")
    events = logs.filter_log_events(logGroupName="/aws/lambda/pricey")["events"]
    reports = [r for r in (parse_report(e["message"]) for e in events) if r is not None]
    assert len(reports) == N
    billed = sum(Decimal(str(r.billed_duration_ms)) for r in reports)
    now = datetime.now(UTC)
    # GetMetricStatistics: moto matches every series whose dimensions include the asked ones
    # (CloudWatch matches the set exactly), so ask for the narrowest series Lambda writes for
    # an alias invocation: FunctionName + Resource + ExecutedVersion.
    stats = _client(sandbox, "cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[
            {"Name": "FunctionName", "Value": "pricey"},
            {"Name": "Resource", "Value": "pricey:current"},
            {"Name": "ExecutedVersion", "Value": "1"},
        ],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=1),
        Period=3600,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) == N

    res = run("--output", "json", "cost", "--since", "1h")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["region"] == REGION and doc["mode"] == "cloudwatch"
    assert doc["window"]["scale_to_month"] == 720
    fn_doc = doc["functions"][0]
    observed = fn_doc["observed"]
    assert observed["invocations"] == N
    assert observed["report_lines"]["method"] == "FilterLogEvents"
    assert observed["report_lines"]["count"] == N
    assert Decimal(str(observed["report_lines"]["billed_duration_ms_sum"])) == billed
    assert observed["report_lines"]["cold_starts"] == sum(r.cold_start for r in reports)
    assert observed["log_bytes_from"] == "counted" and observed["log_bytes"] > 0
    assert fn_doc["configuration"]["source"] == "deployed"
    assert fn_doc["configuration"]["memory_mb"] == 512
    usage = fn_doc["monthly_usage"]
    assert usage["invocations"] == N * 720
    requests = next(i for i in doc["items"] if i["name"] == "requests")
    assert requests["quantity"] == N * 720
    assert requests["unit_price_usd"] == 0.0000002
    duration = next(i for i in doc["items"] if i["name"].startswith("duration x86_64"))
    # billed ms a month x 0.5 GB: (billed / N) x N x 720 / 1000 x 0.5
    assert Decimal(str(duration["quantity"])) == pytest.approx(billed * 720 / 1000 / 2)
    assert any("scaled x720 to a 30-day month" in n for n in doc["notes"])
    assert any("no AWS/Logs IncomingBytes metric" in n for n in doc["notes"])

    # an endpoint with the IncomingBytes metric (as AWS has): the bytes come from it, and the
    # REPORT lines from Logs Insights, which the sandbox accepts but answers without the
    # statistics: auto falls back to FilterLogEvents and says so; insights alone is an error
    _client(sandbox, "cloudwatch").put_metric_data(
        Namespace="AWS/Logs",
        MetricData=[
            {
                "MetricName": "IncomingBytes",
                "Dimensions": [{"Name": "LogGroupName", "Value": "/aws/lambda/pricey"}],
                "Value": 5000.0,
                "Unit": "Bytes",
            }
        ],
    )
    auto = json.loads(run("--output", "json", "cost", "--since", "1h").out)
    seen = auto["functions"][0]["observed"]
    assert (seen["log_bytes"], seen["log_bytes_from"]) == (5000, "IncomingBytes")
    assert seen["report_lines"]["method"] == "FilterLogEvents"
    assert seen["report_lines"]["count"] == N
    assert any(
        "Logs Insights: the endpoint answered without the statistics" in n for n in auto["notes"]
    )
    insights = run("cost", "--since", "1h", "--report-source", "insights")
    assert insights.code == 1
    assert insights.err.strip() == (
        "error: Logs Insights on /aws/lambda/pricey: the endpoint answered without the "
        "statistics the query asks for"
    )

    # what-ifs beside today's figure, and the text view
    wif = json.loads(
        run("--output", "json", "cost", "--since", "1h", "--memory", "1024", "--arch", "arm64").out
    )
    assert wif["what_if"]["changes"] == {"memory_mb": 1024, "architecture": "arm64"}
    assert wif["functions"][0]["what_if"]["memory_mb"] == 1024
    text = run("cost", "--since", "1h", "--provisioned", "2")
    assert text.code == 0, text.err
    assert "what-if (provisioned 2)" in text.out
    assert "provisioned concurrency is cheaper than on-demand above" in text.out

    # a project of two functions: both read, a table sorted by cost, one free tier
    project = tmp_path / "shop"
    (project / "functions").mkdir(parents=True)
    (project / "lambherd.toml").write_text('[project]\nname = "shop"\n')
    shutil.copytree(fn, project / "functions" / "pricey")
    idle = project / "functions" / "idle"
    idle.mkdir()
    (idle / "function.json").write_text(
        json.dumps({"FunctionName": "idle", "Runtime": "python3.12", "MemorySize": 128})
    )
    both = lh("-C", project, "--region", REGION, "--output", "json", "cost", "--since", "1h")
    assert both.code == 0, both.err
    doc = json.loads(both.out)
    assert doc["project"] == "shop"
    assert [f["function"] for f in doc["functions"]] == ["pricey", "idle"]
    idle_doc = doc["functions"][1]
    assert idle_doc["configuration"]["source"] == "definition"  # never deployed
    assert idle_doc["observed"]["invocations"] is None
    assert any("function idle was not found" in n for n in doc["notes"])
