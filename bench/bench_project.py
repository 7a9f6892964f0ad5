"""Benchmark: a 50-function project on one moto server started here (127.0.0.1).

    python3 bench/bench_project.py [--functions 50] [--latency-ms 50]

Measures, in process: the first deploy (create all), a no-op ``plan`` and a no-op ``deploy``
(wall time, API calls, mutating calls, bytes uploaded), and a deploy where every function
changed (MemorySize) with ``--parallel 4`` versus ``--parallel 1``. moto answers in about a
millisecond, so the parallel ratio is also measured with ``--latency-ms`` of simulated network
latency added to every API call (a botocore before-send hook that sleeps).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

MUTATING = ("Create", "Update", "Delete", "Publish", "Put", "Add", "Remove", "Tag", "Untag")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def point_at(port: int, region: str) -> str:
    """boto3 and lambherd (through the environment) pointed at the moto server on ``port`` in
    ``region``; the ARN of a role made there for the functions."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION=region,
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
    )
    os.environ.pop("AWS_PROFILE", None)
    import boto3

    iam = boto3.client("iam", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    trust = '{"Version":"2012-10-17","Statement":[]}'
    return iam.create_role(RoleName="bench", AssumeRolePolicyDocument=trust)["Role"]["Arn"]


def write_project(root: Path, role: str, count: int, memory: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambherd.toml").write_text(
        '[project]\nname = "bench"\n[defaults]\n'
        f'Runtime = "python3.12"\nHandler = "app.handler"\nRole = "{role}"\n'
        f"MemorySize = {memory}\n"
    )
    for i in range(count):
        folder = root / "functions" / f"fn{i:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "function.json").write_text(json.dumps({"FunctionName": f"bench-{i:03d}"}))
        (folder / "app.py").write_text(f"def handler(e, c):\n    return {i}\n")


def session(root: Path, latency: float) -> tuple[Any, list[str]]:
    from lambherd.app import App
    from lambherd.aws import AwsClients

    calls: list[str] = []
    app = App(workdir=root, assume_yes=True)
    clients = AwsClients(app.aws)
    clients.register_hook("provide-client-params.*.*", lambda model, **kw: calls.append(model.name))
    if latency:
        clients.register_hook("before-send.*.*", lambda **kw: time.sleep(latency))
    app.__dict__["clients"] = clients
    return app, calls


def timed_plan(root: Path, latency: float = 0.0) -> tuple[float, list[str], Any]:
    from lambherd.services.plan import plan

    app, calls = session(root, latency)
    start = time.perf_counter()
    changeset = plan(app).changeset
    return time.perf_counter() - start, calls, changeset


def timed_deploy(root: Path, parallel: int, latency: float = 0.0) -> tuple[float, list[str], Any]:
    from lambherd.services.deploy import DeployRequest, RunSettings, deploy

    app, calls = session(root, latency)
    start = time.perf_counter()
    result = deploy(app, DeployRequest(run=RunSettings(parallel=parallel))).run
    elapsed = time.perf_counter() - start
    assert result.ok, [o.error for o in result.outcomes if o.error]
    return elapsed, calls, result


def summary(calls: list[str]) -> str:
    mutating = [c for c in calls if c.startswith(MUTATING)]
    top = ", ".join(f"{k} {v}" for k, v in Counter(calls).most_common(6))
    return f"{len(calls)} calls ({len(mutating)} mutating): {top}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    role = point_at(port, "us-east-1")
    n, latency = args.functions, args.latency_ms / 1000
    print(f"project of {n} functions, moto on 127.0.0.1, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        write_project(root, role, n, 128)
        t, calls, _ = timed_deploy(root, 4)
        print(f"first deploy (create {n}), --parallel 4: {t:.2f} s; {summary(calls)}")
        t, calls, cs = timed_plan(root)
        print(f"no-op plan: {t:.2f} s; {cs.summary()}; {summary(calls)}")
        t, calls, result = timed_deploy(root, 4)
        print(f"no-op deploy: {t:.2f} s; {result.bytes_uploaded} bytes uploaded; {summary(calls)}")
        for lat in (0.0, latency):
            times = {}
            for parallel, memory in ((1, 256 + int(lat * 1000)), (4, 512 + int(lat * 1000))):
                write_project(root, role, n, memory)
                times[parallel], _, _ = timed_deploy(root, parallel, lat)
            label = f"+{lat * 1000:.0f} ms/call" if lat else "moto as is"
            print(
                f"all {n} changed ({label}): --parallel 1 {times[1]:.2f} s, --parallel 4 "
                f"{times[4]:.2f} s, ratio {times[1] / times[4]:.2f}x"
            )
        t, calls, cs = timed_plan(root, latency)
        print(f"no-op plan (+{latency * 1000:.0f} ms/call): {t:.2f} s")
    server.stop()


if __name__ == "__main__":
    main()
