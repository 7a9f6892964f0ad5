"""The sandbox's Lambda metrics as CloudWatch serves Lambda's: one series per dimension set
(FunctionName; FunctionName+Resource; FunctionName+Resource+ExecutedVersion; none, across all
functions), each counted once, read back by the AWS CLI and boto3 in ap-northeast-1."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fidelity_testkit import TOKYO, aws
from sandbox_testkit import create, invoke

pytestmark = pytest.mark.slow
NAME = "series-fn"


def _sum(dimensions: list[str]) -> float:
    start = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dims = ["--dimensions", *dimensions] if dimensions else []
    got = aws("cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda",
              "--metric-name", "Invocations", *dims, "--statistics", "Sum",
              "--period", "86400", "--start-time", start, "--end-time", end)  # fmt: skip
    return sum(p["Sum"] for p in got["Datapoints"])


def _wait_for_sum(dimensions: list[str], wanted: float, timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while (got := _sum(dimensions)) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)  # the telemetry write follows the invoke's answer
    return got


def test_each_dimension_set_is_its_own_series(sandbox: Any) -> None:
    import boto3

    endpoint = os.environ["AWS_ENDPOINT_URL"]  # the module's sandbox (the fixture set it)
    lam = boto3.client("lambda", region_name=TOKYO, endpoint_url=endpoint)
    try:
        lam.delete_function(FunctionName=NAME)
    except lam.exceptions.ResourceNotFoundException:
        pass
    create(lam, NAME)
    version = lam.publish_version(FunctionName=NAME)["Version"]
    lam.create_alias(FunctionName=NAME, Name="live", FunctionVersion=version)
    for _ in range(6):
        assert invoke(lam, NAME, Qualifier="live")["StatusCode"] == 200
    by_name = [f"Name=FunctionName,Value={NAME}"]
    by_resource = [*by_name, f"Name=Resource,Value={NAME}:live"]
    by_version = [*by_resource, f"Name=ExecutedVersion,Value={version}"]
    assert _wait_for_sum(by_version, 6) == 6
    assert _sum(by_name) == 6  # not 18: the other two sets are other series
    assert _sum(by_resource) == 6
    assert _sum([]) >= 6  # across all functions of the region
    listed = aws("cloudwatch", "list-metrics", "--namespace", "AWS/Lambda",
                 "--metric-name", "Invocations",
                 "--dimensions", f"Name=FunctionName,Value={NAME}")["Metrics"]  # fmt: skip
    sets = sorted(tuple(sorted(d["Name"] for d in m["Dimensions"])) for m in listed)
    assert sets == [
        ("ExecutedVersion", "FunctionName", "Resource"),
        ("FunctionName",),
        ("FunctionName", "Resource"),
    ]
    # boto3 reads the same (its protocol is CBOR, the CLI's its own botocore's)
    cw = boto3.client("cloudwatch", region_name=TOKYO, endpoint_url=endpoint)
    stats = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": NAME}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=86400,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert [(p["Sum"], p["SampleCount"]) for p in stats] == [(6.0, 6.0)]
