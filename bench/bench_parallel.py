"""Benchmark: a project deploy's default (adaptive) parallelism against ``--parallel 1`` (and
the old fixed default, ``--parallel 4``), 200 functions, simulated network latency on every
API call, one moto server started here (127.0.0.1), in process.

    .venv/bin/python bench/bench_parallel.py [--functions 200] [--latency-ms 50]
        [--rate-limit RPS] [--burst N]

Every function changes (MemorySize) before each measured deploy, so each deploys the same
steps (UpdateFunctionConfiguration, its wait, PublishVersion, UpdateAlias). The latency is a
botocore ``before-send`` hook that sleeps. With ``--rate-limit``, the same hook also answers
429 TooManyRequestsException beyond a token bucket of ``--burst`` tokens refilled at RPS (an
API rate limit, all APIs together; throttled calls take no token), and the adaptive run is
repeated under it: it must back off and still deploy every function (botocore's standard
retries and lambherd's own retry the throttled calls).
Prints each deploy's wall time (plan included), its run phase, the calls made, the throttles
met, what the adaptive limit did, and the ratios against ``--parallel 1`` in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_project import free_port, write_project


class Bucket:
    """A token bucket: ``take`` is False when the rate is exceeded."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second, self.burst = per_second, float(burst)
        self.tokens, self.at = float(burst), time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
            self.at = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kw: Any) -> Any:
        yield self.body


def session(root: Path, latency: float, bucket: Bucket | None) -> tuple[Any, dict[str, int]]:
    from botocore.awsrequest import AWSResponse

    from lambherd.app import App
    from lambherd.aws import AwsClients

    counts = {"calls": 0, "throttled": 0}
    lock = threading.Lock()
    app = App(workdir=root, assume_yes=True)
    clients = AwsClients(app.aws)

    def before_send(request: Any, **_kw: Any) -> Any:
        time.sleep(latency)
        with lock:
            counts["calls"] += 1
        if bucket is None or bucket.take():
            return None
        with lock:
            counts["throttled"] += 1
        headers = {
            "x-amzn-ErrorType": "TooManyRequestsException",
            "Content-Type": "application/json",
        }
        body = b'{"message": "Rate exceeded", "Type": "User"}'
        return AWSResponse(request.url, 429, headers, _Raw(body))

    clients.register_hook("before-send.*.*", before_send)
    app.__dict__["clients"] = clients
    return app, counts


def timed_deploy(
    root: Path, parallel: int | None, latency: float, bucket: Bucket | None = None
) -> dict[str, Any]:
    from lambherd.services.deploy import DeployRequest, RunSettings, deploy

    app, counts = session(root, latency, bucket)
    start = time.perf_counter()
    run = deploy(app, DeployRequest(run=RunSettings(parallel=parallel))).run
    elapsed = time.perf_counter() - start
    failed = [(o.name, o.error) for o in run.outcomes if o.error]
    return {
        "wall": elapsed,
        "run": run.seconds,
        "deployed": run.count("deployed"),
        "failed": failed,
        "pacing": run.pacing.describe() if run.pacing else f"fixed {parallel}",
        **counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate-limit", type=float, default=0.0, help="calls/s; 0: none")
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
    )
    os.environ.pop("AWS_PROFILE", None)
    import boto3

    iam = boto3.client("iam", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    trust = '{"Version":"2012-10-17","Statement":[]}'
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    n, latency = args.functions, args.latency_ms / 1000
    print(
        f"project of {n} functions, +{args.latency_ms:.0f} ms per call, moto on 127.0.0.1, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus"
    )
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        write_project(root, role, n, 128)
        first = timed_deploy(root, None, 0.0)
        assert not first["failed"], first["failed"]
        print(f"create {n} (no latency, default): {first['wall']:.2f} s")
        runs: list[tuple[str, int | None, Bucket | None]] = [
            ("--parallel 1", 1, None),
            ("--parallel 4", 4, None),
            ("default (adaptive)", None, None),
        ]
        if args.rate_limit:
            runs.append(
                (
                    f"default, {args.rate_limit:.0f} calls/s limit",
                    None,
                    Bucket(args.rate_limit, args.burst),
                )
            )
        for memory, (label, parallel, bucket) in enumerate(runs, start=256):
            write_project(root, role, n, memory)
            row = timed_deploy(root, parallel, latency, bucket)
            rows[label] = row
            print(
                f"{label}: {row['wall']:.2f} s (run phase {row['run']:.2f} s), "
                f"{row['deployed']} deployed, {len(row['failed'])} failed, {row['calls']} calls, "
                f"{row['throttled']} throttled; {row['pacing']}"
            )
            assert row["deployed"] == n and not row["failed"], row["failed"][:3]
    server.stop()
    base = rows["--parallel 1"]
    for label, row in rows.items():
        if label == "--parallel 1":
            continue
        print(
            f"ratio {label} vs --parallel 1: {base['wall'] / row['wall']:.2f}x wall, "
            f"{base['run'] / row['run']:.2f}x run phase"
        )


if __name__ == "__main__":
    main()
