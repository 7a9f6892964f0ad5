"""``lint --live`` against the embedded sandbox: functions deployed with lambherd, invoked and
arranged with boto3 as a user would (in ap-northeast-1), then linted with what AWS reports."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambherd.lint.context import FunctionContext
from lambherd.lint.live import LiveFacts
from lambherd.lint.registry import all_checks
from lambherd.lint.settings import FunctionSettings
from lint_testkit import write_function
from sandbox_testkit import Sandbox, running, use_private_sandbox

pytestmark = pytest.mark.slow
REGION = "ap-northeast-1"
ACCOUNT = "123456789012"
SMALL = """
def handler(event, context):
    return {"ok": True}
"""
HUNGRY = """
def handler(event, context):
    block = bytearray(b"x") * (150 * 1024 * 1024)  # touched, so it counts as used memory
    return {"size": len(block)}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running(tmp_path_factory.mktemp("lint-live")) as sb:
        yield sb


@pytest.fixture
def aws(box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """lambherd's commands pointed at the module's sandbox; a boto3 client factory for it."""
    use_private_sandbox(monkeypatch, tmp_path, box.port, box.state_dir)

    def client(service: str) -> Any:
        from botocore.config import Config

        return boto3.client(
            service,
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
            region_name=REGION,
            endpoint_url=box.endpoint,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    return client


def _deploy(lh: Any, folder: Path) -> None:
    result = lh("-C", folder, "--sandbox", "--region", REGION, "deploy")
    assert result.code == 0, result.err


def _lint(lh: Any, folder: Path, *extra: str) -> dict[str, Any]:
    result = lh(
        "-C", folder, "--sandbox", "--region", REGION, "--output", "json", "lint", "--live", *extra
    )
    assert result.code in (0, 1), result.err
    return json.loads(result.out)


def _found(doc: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for fn in doc["functions"] for f in fn["findings"] if f["check"] == check]


def _invoke(client: Any, name: str, times: int = 1, qualifier: str = "current") -> None:
    lam = client("lambda")
    for _ in range(times):
        resp = lam.invoke(FunctionName=name, Qualifier=qualifier, Payload=b"{}")
        assert resp["StatusCode"] == 200 and "FunctionError" not in resp, resp["Payload"].read()


def _wait_for_reports(client: Any, name: str, count: int) -> None:
    """Until ``count`` REPORT lines are in the function's log group (written after invokes)."""
    logs = client("logs")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if sum(e["message"].startswith("REPORT ") for e in events) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name}: fewer than {count} REPORT lines after 20 s")


def test_memory_far_below_memory_size_is_seen_in_report_lines(
    aws: Any, lh: Any, tmp_path: Path
) -> None:
    idle = write_function(tmp_path / "lint-idle", {"app.py": SMALL}, MemorySize=1024, Timeout=10)
    hungry = write_function(
        tmp_path / "lint-hungry", {"app.py": HUNGRY}, MemorySize=256, Timeout=20
    )
    for folder in (idle, hungry):
        _deploy(lh, folder)
        _invoke(aws, folder.name, times=3)
        _wait_for_reports(aws, folder.name, 3)
    doc = _lint(lh, idle)
    (finding,) = _found(doc, "LH401")
    assert "over 3 invocations" in finding["message"]
    assert "of MemorySize 1024 MB" in finding["message"] and finding["severity"] == "info"
    assert finding["line"] == 9  # the "MemorySize" line of function.json
    assert _found(doc, "LH404") == []  # a fast init is not near the limit
    assert _found(_lint(lh, hungry), "LH401") == []  # uses more than half of its 256 MB


def test_throttles_and_reserved_concurrency_zero(aws: Any, lh: Any, tmp_path: Path) -> None:
    folder = write_function(tmp_path / "lint-throttled", {"app.py": SMALL}, Timeout=10)
    _deploy(lh, folder)
    lam = aws("lambda")
    assert _found(_lint(lh, folder), "LH403") == []
    lam.put_function_concurrency(FunctionName=folder.name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=folder.name, Payload=b"{}")
    deadline = time.monotonic() + 20
    while True:
        doc = _lint(lh, folder)
        if _found(doc, "LH403") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    (throttled,) = _found(doc, "LH403")
    assert throttled["message"] == "1 throttled invocations in the last 7 days"
    (zero,) = _found(doc, "LH309")
    assert "deployed function has reserved concurrency 0" in zero["message"]
    lam.delete_function_concurrency(FunctionName=folder.name)
    assert _found(_lint(lh, folder), "LH309") == []


def test_timeout_against_sqs_visibility_timeouts(aws: Any, lh: Any, tmp_path: Path) -> None:
    sqs = aws("sqs")
    arns = {}
    for queue, visibility in (("short", 120), ("tight", 120), ("roomy", 400)):
        url = sqs.create_queue(
            QueueName=f"lint-{queue}", Attributes={"VisibilityTimeout": str(visibility)}
        )["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        arns[queue] = attrs["Attributes"]["QueueArn"]
    sources = [{"EventSourceArn": arns["tight"]}, {"EventSourceArn": arns["roomy"]}]
    folder = write_function(
        tmp_path / "lint-worker",
        {"app.py": SMALL},
        Timeout=60,
        sidecars={"event_sources.json": sources},
    )
    _deploy(lh, folder)
    # a mapping made by hand (not in event_sources.json), its queue's visibility timeout
    # lowered afterwards (Lambda refuses a mapping on a queue already shorter): found by --live
    aws("lambda").create_event_source_mapping(
        EventSourceArn=arns["short"], FunctionName=folder.name, BatchSize=1
    )
    short_url = sqs.get_queue_url(QueueName="lint-short")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=short_url, Attributes={"VisibilityTimeout": "30"})
    doc = _lint(lh, folder)
    (refused,) = _found(doc, "LH302")
    assert "visibility timeout (30 s) of lint-short" in refused["message"]
    assert refused["severity"] == "error"
    (tight,) = _found(doc, "LH303")
    assert "lint-tight is 120 s, under 6 x Timeout (360 s)" in tight["message"]
    offline = json.loads(lh("-C", folder, "--output", "json", "lint").out)
    assert _found(offline, "LH302") == _found(offline, "LH303") == []


def test_api_gateway_permission_in_the_resource_policy(aws: Any, lh: Any, tmp_path: Path) -> None:
    folder = write_function(tmp_path / "lint-api", {"app.py": SMALL}, Timeout=60)
    _deploy(lh, folder)
    lam = aws("lambda")
    lam.add_permission(
        FunctionName=folder.name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
    )
    assert _found(_lint(lh, folder), "LH301") == []
    lam.add_permission(
        FunctionName=folder.name,
        StatementId="api",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc/*",
    )
    (finding,) = _found(_lint(lh, folder), "LH301")
    assert "resource policy lets apigateway.amazonaws.com invoke it" in finding["message"]


def test_provisioned_concurrency_left_on_an_old_version_and_idle(
    aws: Any, lh: Any, tmp_path: Path
) -> None:
    folder = write_function(tmp_path / "lint-warm", {"app.py": SMALL}, Timeout=10)
    _deploy(lh, folder)  # version 1, current -> 1
    lam, name = aws("lambda"), folder.name
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    assert _found(_lint(lh, folder), "LH310") == []  # current still serves version 1
    (folder / "app.py").write_text(SMALL + "\n# v2\n")
    _deploy(lh, folder)  # version 2, current -> 2; the allocation stays on 1
    (stale,) = _found(_lint(lh, folder), "LH310")
    assert stale["message"] == "version 1 has 2 provisioned environments but no alias serves it"

    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="current", ProvisionedConcurrentExecutions=2
    )
    now = datetime.now(UTC)
    aws("cloudwatch").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "ProvisionedConcurrencyUtilization",
                "Dimensions": [
                    {"Name": "FunctionName", "Value": name},
                    {"Name": "Resource", "Value": f"{name}:current"},
                ],
                "Timestamp": now - timedelta(minutes=m),
                "Value": value,
            }
            for m, value in ((5, 0.12), (65, 0.2))
        ],
    )
    doc = _lint(lh, folder)
    (idle,) = _found(doc, "LH402")
    assert "on current (2 environments) peaked at 20% utilisation" in idle["message"]
    assert _found(doc, "LH310") == []
    busy = {
        "MetricName": "ProvisionedConcurrencyUtilization",
        "Dimensions": [
            {"Name": "FunctionName", "Value": name},
            {"Name": "Resource", "Value": f"{name}:current"},
        ],
        "Timestamp": now - timedelta(minutes=30),
        "Value": 0.9,
    }
    aws("cloudwatch").put_metric_data(Namespace="AWS/Lambda", MetricData=[busy])
    assert _found(_lint(lh, folder), "LH402") == []  # it peaked at 90 %: in use


def test_init_duration_near_the_limit_and_the_notes(aws: Any, lh: Any, tmp_path: Path) -> None:
    folder = write_function(tmp_path / "lint-slowinit", {"app.py": SMALL}, Timeout=10)
    _deploy(lh, folder)
    _invoke(aws, folder.name)
    _wait_for_reports(aws, folder.name, 1)
    doc = _lint(lh, folder)
    assert _found(doc, "LH404") == []
    notes = doc["functions"][0]["notes"]
    # the sandbox serves GetFunctionRecursionConfig (sandbox.event_invoke_configs): no note
    assert not any("GetFunctionRecursionConfig" in n for n in notes)
    logs = aws("logs")
    group = f"/aws/lambda/{folder.name}"
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/01/[1]cold")
    report = (
        "REPORT RequestId: 0f\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: "
        "128 MB\tMax Memory Used: 60 MB\tInit Duration: 9120.55 ms\t"
    )
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/12/01/[1]cold",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": report}],
    )
    (finding,) = _found(_lint(lh, folder), "LH404")
    assert "Init Duration reached 9,121 ms" in finding["message"]


def test_a_function_not_deployed_is_a_note(aws: Any, lh: Any, tmp_path: Path) -> None:
    folder = write_function(tmp_path / "lint-nowhere", {"app.py": SMALL})
    doc = _lint(lh, folder)
    assert doc["functions"][0]["notes"] == [
        "--live: function lint-nowhere is not deployed; live checks skipped"
    ]


def _context(tmp_path: Path, live: LiveFacts) -> FunctionContext:
    from lambherd.definition import load_function

    folder = write_function(tmp_path / "fn", {"app.py": SMALL})
    return FunctionContext(
        load_function(folder / "function.json"), ".", folder, FunctionSettings(), live=live
    )


def test_live_recursion_setting(tmp_path: Path) -> None:
    """GetFunctionRecursionConfig is not served by the sandbox: the check's live branch is
    exercised on the facts a real endpoint returns."""
    check = dict((c.id, f) for c, f in all_checks())["LH312"]
    (hit,) = check(_context(tmp_path, LiveFacts(recursion="Allow")))
    assert "allows recursive loops" in hit.message
    assert list(check(_context(tmp_path, LiveFacts(recursion="Terminate")))) == []
