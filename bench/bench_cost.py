"""Benchmark: ``lambherd cost --since 1h`` on the sandbox, its API calls and wall time, against
the same reads made with the AWS CLI in the same run; and a project of many functions.

    python3 bench/bench_cost.py [--runs 5] [--functions 20] [--aws PATH]

A private sandbox (free port, temporary state) is started here and stopped at the end. Each
function is invoked a few times so that its metrics and REPORT lines exist. Prints:

- the operations one ``cost`` of a single function sends (in process, counted by a hook);
- the median wall time of ``lambherd cost --since 1h`` (a fresh process each run) against the
  AWS CLI reading the same things (get-function-configuration,
  list-provisioned-concurrency-configs, get-metric-data, describe-log-groups,
  filter-log-events: five processes), and their ratio;
- the median wall time of ``cost`` for a project of ``--functions`` functions, per function.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROLE = "arn:aws:iam::123456789012:role/bench"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    return buf.getvalue()


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--functions", type=int, default=20)
    parser.add_argument("--aws", default=shutil.which("aws"), help="the AWS CLI (the peer)")
    args = parser.parse_args()

    import boto3

    from lambherd.sandbox import process

    work = Path(tempfile.mkdtemp(prefix="lh-bench-cost-"))
    state = work / "sandbox"
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = process.start_background(port, state)
    env = {
        **os.environ,
        "LAMBHERD_SANDBOX": "1",
        "LAMBHERD_SANDBOX_PORT": str(port),
        "LAMBHERD_SANDBOX_DIR": str(state),
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.pop("AWS_PROFILE", None)
    try:
        lam = boto3.client(
            "lambda",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        project = work / "project"
        (project / "functions").mkdir(parents=True)
        (project / "lambherd.toml").write_text('[project]\nname = "bench"\n')
        code = _zip()
        for i in range(args.functions):
            name = f"bench-{i:03d}"
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Handler="app.handler",
                Role=ROLE,
                Code={"ZipFile": code},
            )
            for _ in range(3):
                lam.invoke(FunctionName=name, Payload=b"{}")
            folder = project / "functions" / name
            folder.mkdir()
            (folder / "function.json").write_text(
                json.dumps({"FunctionName": name, "Runtime": "python3.12", "Role": ROLE})
            )

        # operations of one cost, counted in process
        from lambherd.app import App
        from lambherd.aws import AwsClients, AwsSettings
        from lambherd.services.cost import CostRequest, estimate_cost

        names: list[str] = []
        app = App(workdir=work, aws=AwsSettings(sandbox=True, endpoint_url=endpoint))
        clients = AwsClients(app.aws)
        clients.register_hook(
            "provide-client-params.*.*", lambda model, **kw: names.append(model.name)
        )
        app.__dict__["clients"] = clients
        estimate_cost(app, CostRequest(function_name="bench-000", since="1h"))
        print(f"one function: {len(names)} API calls: {', '.join(names)}")

        one = [sys.executable, "-m", "lambherd", "-C", str(work), "cost", "--since", "1h"]
        one += ["--function-name", "bench-000"]
        lh_times = [_timed(one, env) for _ in range(args.runs)]
        print(
            f"lambherd cost (one function), median of {args.runs}: "
            f"{statistics.median(lh_times) * 1000:.0f} ms"
        )
        if args.aws:
            now = datetime.now(UTC)
            start = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            end = (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            queries = json.dumps(
                [
                    {
                        "Id": f"q{i}",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/Lambda",
                                "MetricName": metric,
                                "Dimensions": [{"Name": "FunctionName", "Value": "bench-000"}],
                            },
                            "Period": 3600,
                            "Stat": stat,
                        },
                    }
                    for i, (metric, stat) in enumerate(
                        [
                            ("Invocations", "Sum"),
                            ("Duration", "Sum"),
                            ("ConcurrentExecutions", "Maximum"),
                        ]
                    )
                ]
            )
            aws = [args.aws, "--endpoint-url", endpoint, "--region", "us-east-1"]
            calls = [
                ["lambda", "get-function-configuration", "--function-name", "bench-000"],
                ["lambda", "list-provisioned-concurrency-configs", "--function-name", "bench-000"],
                [
                    "cloudwatch",
                    "get-metric-data",
                    "--metric-data-queries",
                    queries,
                    "--start-time",
                    start,
                    "--end-time",
                    end,
                ],
                ["logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/bench-000"],
                ["logs", "filter-log-events", "--log-group-name", "/aws/lambda/bench-000"],
            ]
            cli_times = [sum(_timed(aws + c, env) for c in calls) for _ in range(args.runs)]
            cli = statistics.median(cli_times)
            print(f"AWS CLI, the same five reads, median of {args.runs}: {cli * 1000:.0f} ms")
            print(f"ratio lambherd / AWS CLI: {statistics.median(lh_times) / cli:.2f}")
        else:
            print("no AWS CLI found (--aws PATH): peer not measured")

        proj = [sys.executable, "-m", "lambherd", "-C", str(project), "cost", "--since", "1h"]
        proj_times = [_timed(proj, env) for _ in range(args.runs)]
        median = statistics.median(proj_times)
        print(
            f"lambherd cost (project of {args.functions}), median of {args.runs}: "
            f"{median * 1000:.0f} ms, {median * 1000 / args.functions:.0f} ms a function"
        )
    finally:
        process.stop(state)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
