"""Benchmark: ``lambherd validate`` vs ``sam validate`` on an equivalent one-function definition.

Writes the hello function (examples/hello, rendered) twice into a temporary folder: as
function.json for lambherd and as a SAM template.yaml, then times each validator as a fresh
process (median of N interleaved runs, after a warm-up). Target: lambherd takes at most half
of ``sam validate``'s time. sam is found on PATH or given with ``--sam`` (install it into a
separate venv, e.g. ``python3 -m venv /tmp/sam && /tmp/sam/bin/pip install aws-sam-cli``);
without it only lambherd and a bare ``python -c pass`` are measured. sam runs with telemetry
off and dummy credentials (nothing is sent anywhere).

    python3 bench/bench_validate.py [--runs 10] [--sam /tmp/sam/bin/sam] [--lint]
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
from pathlib import Path

FUNCTION = {
    "FunctionName": "hello",
    "Description": "Greets the caller and records the greeting in S3",
    "Runtime": "python3.12",
    "Handler": "app.handler",
    "Role": "arn:aws:iam::123456789012:role/lambda-hello",
    "MemorySize": 256,
    "Timeout": 10,
    "Architectures": ["x86_64"],
    "Environment": {"Variables": {"GREETING": "Hello", "BUCKET": "hello-greetings"}},
    "Tags": {"team": "platform", "service": "hello"},
}

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello
      Description: Greets the caller and records the greeting in S3
      Runtime: python3.12
      Handler: app.handler
      CodeUri: .
      Role: arn:aws:iam::123456789012:role/lambda-hello
      MemorySize: 256
      Timeout: 10
      Architectures: [x86_64]
      Environment:
        Variables:
          GREETING: Hello
          BUCKET: hello-greetings
      Tags:
        team: platform
        service: hello
"""

APP = "def handler(event, context):\n    return {'statusCode': 200}\n"
TARGET_RATIO = 0.5


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one successful run of ``argv``."""
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sam", default=shutil.which("sam"), help="sam executable (optional)")
    parser.add_argument("--lint", action="store_true", help="also time `sam validate --lint`")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SAM_CLI_TELEMETRY="0",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # dummy: sam's basic validation works offline
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
    )
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "lambherd validate": [py, "-m", "lambherd", "validate"],
    }
    if args.sam:
        sam = [args.sam, "validate", "--region", "us-east-1", "-t", "template.yaml"]
        commands["sam validate"] = sam
        if args.lint:
            commands["sam validate --lint"] = [*sam, "--lint"]

    with tempfile.TemporaryDirectory(prefix="lambherd-bench-validate-") as tmp:
        folder = Path(tmp)
        (folder / "function.json").write_text(json.dumps(FUNCTION, indent=2))
        (folder / "template.yaml").write_text(TEMPLATE)
        (folder / "app.py").write_text(APP)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():
            run_once(argv, folder, env)
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(run_once(argv, folder, env))
    medians = {name: statistics.median(values) for name, values in times.items()}

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, median of {args.runs}")
    for name, seconds in medians.items():
        print(f"{name:22} {seconds * 1000:8.1f} ms")
    ours = medians["lambherd validate"]
    if "sam validate" not in medians:
        print("sam validate           skipped (sam not on PATH; pass --sam)")
        return 0
    ratio = ours / medians["sam validate"]
    ok = ratio <= TARGET_RATIO
    print(
        f"lambherd / sam validate: {ratio:.2f} "
        f"(target <= {TARGET_RATIO}: {'ok' if ok else 'MISSED'})"
    )
    if "sam validate --lint" in medians:
        print(f"lambherd / sam validate --lint: {ours / medians['sam validate --lint']:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
