"""Benchmark: ``lambherd concurrency`` for an account of many functions on the sandbox — its API
calls and wall time — against peers in the same run that read the same things per function.

    python3 bench/bench_concurrency.py [--functions 200] [--provisioned 10] [--runs 3]
                                       [--aws PATH] [--aws-sample 10]

A private sandbox (free port, temporary state, ap-northeast-1) is started here and stopped at
the end: ``--functions`` functions, every 10th with reserved concurrency, ``--provisioned`` of
them with an alias, one provisioned environment, a scalable target and a scheduled action; a
few invocations so that metrics exist. Prints:

- lambherd: the operations one ``concurrency --account`` sends (counted in process), the median
  time of the reads in process, and of ``lambherd --output json concurrency --account`` as a
  fresh process;
- peer 1, boto3 one function at a time (what a script would do): GetFunctionConcurrency,
  ListProvisionedConcurrencyConfigs, GetMetricStatistics for ConcurrentExecutions and Throttles
  (and utilisation and spillover of each provisioned alias), DescribeScalableTargets and
  DescribeScheduledActions of each alias: its calls and median time in process;
- peer 2, the AWS CLI making those per-function calls, one process each, on ``--aws-sample``
  functions, extrapolated to all of them (said so).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REGION = "ap-northeast-1"
ROLE = "arn:aws:iam::123456789012:role/bench"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    return buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(make: Any, count: int, provisioned: int) -> list[str]:
    lam, aas = make("lambda"), make("application-autoscaling")
    code = _zip()
    names = [f"bench-cc-{i:03d}" for i in range(count)]
    scaled = set(names[:: max(1, count // max(1, provisioned))][:provisioned])
    for i, name in enumerate(names):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Handler="app.handler",
            Role=ROLE,
            Code={"ZipFile": code},
        )
        if i % 10 == 0:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
        if name in scaled:
            lam.publish_version(FunctionName=name)
            lam.create_alias(FunctionName=name, Name="current", FunctionVersion="1")
            lam.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier="current", ProvisionedConcurrentExecutions=1
            )
            target = {
                "ServiceNamespace": "lambda",
                "ResourceId": f"function:{name}:current",
                "ScalableDimension": "lambda:function:ProvisionedConcurrency",
            }
            aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=2)
            aas.put_scheduled_action(
                **target,
                ScheduledActionName="morning",
                Schedule="cron(0 9 * * ? *)",
                Timezone="Asia/Tokyo",
                ScalableTargetAction={"MinCapacity": 2},
            )
    for name in names[:20]:
        lam.invoke(FunctionName=name, Payload=b"{}")
    for name in sorted(scaled)[:5]:
        while (
            lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="current")["Status"]
            != "READY"
        ):
            time.sleep(0.1)
        lam.invoke(FunctionName=name, Qualifier="current", Payload=b"{}")
    return names


def _lambherd_in_process(endpoint: str) -> tuple[float, dict[str, int], int]:
    from lambherd.app import App
    from lambherd.aws import AwsSettings
    from lambherd.services.concurrency import ConcurrencyRequest, concurrency_view

    app = App(aws=AwsSettings(region=REGION, endpoint_url=endpoint))
    start = time.perf_counter()
    view = concurrency_view(app, ConcurrencyRequest(since="1h", account=True))
    return time.perf_counter() - start, view.calls, len(view.functions)


def _boto3_per_function(make: Any, names: list[str]) -> tuple[float, int]:
    lam, cw, aas = make("lambda"), make("cloudwatch"), make("application-autoscaling")
    calls = 0
    end = datetime.now(UTC)
    start_time = end - timedelta(hours=1)
    began = time.perf_counter()

    def stat(name: str, metric: str, statistic: str, resource: str | None = None) -> Any:
        dims = [{"Name": "FunctionName", "Value": name}]
        if resource:
            dims.append({"Name": "Resource", "Value": resource})
        return cw.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=dims,
            StartTime=start_time,
            EndTime=end,
            Period=3600,
            Statistics=[statistic],
        )

    for name in names:
        lam.get_function_concurrency(FunctionName=name)
        configs = lam.list_provisioned_concurrency_configs(FunctionName=name)
        stat(name, "ConcurrentExecutions", "Maximum")
        stat(name, "Throttles", "Sum")
        calls += 4
        for config in configs.get("ProvisionedConcurrencyConfigs", []):
            qualifier = config["FunctionArn"].rsplit(":", 1)[-1]
            rid = f"function:{name}:{qualifier}"
            stat(name, "ProvisionedConcurrencyUtilization", "Average", f"{name}:{qualifier}")
            stat(name, "ProvisionedConcurrencySpilloverInvocations", "Sum", f"{name}:{qualifier}")
            aas.describe_scalable_targets(ServiceNamespace="lambda", ResourceIds=[rid])
            aas.describe_scheduled_actions(ServiceNamespace="lambda", ResourceId=rid)
            calls += 4
    return time.perf_counter() - began, calls


def _aws_cli_sample(aws: str, env: dict[str, str], endpoint: str, names: list[str]) -> float:
    common = ["--region", REGION, "--endpoint-url", endpoint, "--output", "json"]
    end = datetime.now(UTC)
    window = ["--start-time", (end - timedelta(hours=1)).isoformat(), "--end-time", end.isoformat()]
    began = time.perf_counter()
    for name in names:
        dims = ["--dimensions", f"Name=FunctionName,Value={name}"]
        for cmd in (
            ["lambda", "get-function-concurrency", "--function-name", name],
            ["lambda", "list-provisioned-concurrency-configs", "--function-name", name],
            [
                "cloudwatch",
                "get-metric-statistics",
                "--namespace",
                "AWS/Lambda",
                "--metric-name",
                "ConcurrentExecutions",
                *dims,
                *window,
                "--period",
                "3600",
                "--statistics",
                "Maximum",
            ],
            [
                "cloudwatch",
                "get-metric-statistics",
                "--namespace",
                "AWS/Lambda",
                "--metric-name",
                "Throttles",
                *dims,
                *window,
                "--period",
                "3600",
                "--statistics",
                "Sum",
            ],
        ):
            subprocess.run([aws, *cmd, *common], env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--provisioned", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--aws", default=shutil.which("aws"), help="the AWS CLI (peer 2)")
    parser.add_argument("--aws-sample", type=int, default=10)
    args = parser.parse_args()

    import boto3

    from lambherd.sandbox import process

    work = Path(tempfile.mkdtemp(prefix="lh-bench-concurrency-"))
    state = work / "sandbox"
    port = _free_port()
    endpoint = process.start_background(port, state)
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": str(work / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "aws-credentials"),
    }
    env.pop("AWS_PROFILE", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION)

    try:
        began = time.perf_counter()
        names = _setup(make, args.functions, args.provisioned)
        print(f"set-up: {len(names)} functions in {time.perf_counter() - began:.1f}s")
        ours, theirs, cli_runs = [], [], []
        calls: dict[str, int] = {}
        peer_calls = 0
        for _ in range(args.runs):  # interleaved
            seconds, calls, rows = _lambherd_in_process(endpoint)
            assert rows == len(names), rows
            ours.append(seconds)
            seconds, peer_calls = _boto3_per_function(make, names)
            theirs.append(seconds)
            cmd = [
                sys.executable,
                "-m",
                "lambherd",
                "--output",
                "json",
                "concurrency",
                "--account",
                "--since",
                "1h",
            ]
            start = time.perf_counter()
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
            cli_runs.append(time.perf_counter() - start)
            assert len(json.loads(out)["functions"]) == len(names)
        total = sum(calls.values())
        print(f"lambherd concurrency --account: {total} API calls for {len(names)} functions:")
        for operation, count in sorted(calls.items()):
            print(f"  {operation}: {count}")
        ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
        print(f"lambherd, reads in process: median {ours_m * 1000:.0f} ms ({args.runs} runs)")
        print(f"lambherd, a fresh process: median {statistics.median(cli_runs) * 1000:.0f} ms")
        print(
            f"peer 1, boto3 one function at a time: {peer_calls} API calls, "
            f"median {theirs_m * 1000:.0f} ms"
        )
        print(f"ratio lambherd / boto3 per function (in process): {ours_m / theirs_m:.2f}")
        print(f"ratio of API calls: {total / peer_calls:.3f}")
        if args.aws:
            sample = names[: args.aws_sample]
            seconds = _aws_cli_sample(args.aws, env, endpoint, sample)
            whole = seconds / len(sample) * len(names)
            print(
                f"peer 2, the AWS CLI, 4 processes per function: {seconds:.1f}s for "
                f"{len(sample)} functions, so about {whole:.0f}s for {len(names)} "
                f"(extrapolated); ratio lambherd process / AWS CLI: "
                f"{statistics.median(cli_runs) / whole:.3f}"
            )
    finally:
        process.stop(state)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
