"""Benchmark: ``lambherd tune`` of 6 memory sizes x 50 invocations with ``--parallel 10`` on the
sandbox: its wall time against the sum of the function's own durations divided by the
parallelism (the time ten perfectly packed invocations at a time would take), in one run.

    python3 bench/bench_tune.py [--invocations 50] [--parallel 10] [--sleep 0.1]

A private sandbox (free port, temporary state) is started here and stopped at the end. The
function sleeps ``--sleep`` seconds per invocation (so the machine's two cores are not what is
measured), at 128, 256, 512, 1024 (its own size), 1769 and 3008 MB. Prints:

- the wall time of the whole command (a fresh ``lambherd`` process: start, setup of the 6
  versions and aliases, the 300 invocations, the clean-up) and of its invocation phase;
- the sum of the function's own Durations (from the 300 REPORT lines) / the parallelism;
- the two ratios (1.0 would be no overhead at all: every slot busy with the function's work).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROLE = "arn:aws:iam::123456789012:role/bench"
REGION = "ap-northeast-1"
HANDLER = (
    "import time\n\ndef handler(event, context):\n    time.sleep(event['sleep'])\n    return 1\n"
)
SIZES = "128,256,512,1024,1769,3008"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    return buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invocations", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=0.1)
    args = parser.parse_args()

    import boto3

    from lambherd.sandbox import process

    with tempfile.TemporaryDirectory(prefix="bench-tune-") as tmp:
        state = Path(tmp) / "sandbox"
        endpoint = process.start_background(_free_port(), state)
        try:
            env = {
                **os.environ,
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "sandbox",
                "AWS_SECRET_ACCESS_KEY": "sandbox",
                "AWS_CONFIG_FILE": str(Path(tmp) / "aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(Path(tmp) / "aws-credentials"),
                "LAMBHERD_PRICE_CACHE": str(Path(tmp) / "prices.json"),
            }
            env.pop("AWS_PROFILE", None)
            lam = boto3.client(
                "lambda",
                endpoint_url=endpoint,
                region_name=REGION,
                aws_access_key_id="sandbox",
                aws_secret_access_key="sandbox",
            )
            lam.create_function(
                FunctionName="bench-tune",
                Runtime="python3.11",
                Handler="app.handler",
                Role=ROLE,
                Code={"ZipFile": _zip()},
                MemorySize=1024,
                Timeout=30,
            )
            cmd = [
                sys.executable, "-m", "lambherd", "--region", REGION, "--output", "json",
                "--yes", "tune", "--function-name", "bench-tune", "--memory", SIZES,
                "--invocations", str(args.invocations), "--parallel", str(args.parallel),
                "--payload", json.dumps({"sleep": args.sleep}),
            ]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            wall = time.perf_counter() - started
            doc = json.loads(done.stdout)
            left = lam.list_aliases(FunctionName="bench-tune")["Aliases"]
            assert not left, f"tune left aliases behind: {left}"
        finally:
            process.stop(state)
    ideal = doc["function_duration_ms_total"] / 1000 / args.parallel
    print(
        f"tune: {len(doc['results'])} sizes x {args.invocations} invocations "
        f"({doc['invocations']} in all), --parallel {args.parallel}, handler sleeps "
        f"{args.sleep * 1000:.0f} ms"
    )
    print(f"  wall time, whole command:     {wall:7.2f} s")
    print(f"  wall time, invocation phase:  {doc['invoke_seconds']:7.2f} s")
    print(
        f"  function's own durations:     {doc['function_duration_ms_total'] / 1000:7.2f} s in "
        f"all, / {args.parallel} = {ideal:.2f} s"
    )
    print(f"  ratio, whole command:         {wall / ideal:7.2f}")
    print(f"  ratio, invocation phase:      {doc['invoke_seconds'] / ideal:7.2f}")
    print(f"  best: {doc['best']['memory']} MB ({doc['best']['why'][:70]}...)")


if __name__ == "__main__":
    main()
