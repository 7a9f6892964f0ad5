"""Benchmark: a project deploy's default (adaptive) parallelism against ``--parallel 1`` (and
the old fixed default, ``--parallel 4``), 200 functions, simulated network latency on every
API call, one moto server started here (127.0.0.1), in process.

    .venv/bin/python bench/bench_parallel.py [--functions 200] [--latency-ms 50]
        [--rate-limit RPS] [--burst N] [--before-plan-reads 8] [--server lean|moto]
        [--repeat N]

The server runs in this process, so its CPU shares the client's interpreter lock (AWS's does
not). ``--server lean`` (the default) serves moto's WSGI application with the sandbox's
cached host -> service lookup on the sandbox's keep-alive HTTP server
(``lambherd.sandbox.moto_state.wsgi_app``, ``http_server.make_sandbox_server``);
``--server moto`` is moto's own ``ThreadedMotoServer`` (every request lists moto's ~174 service
folders, and answers ``Connection: close``: a new connection and thread per call), which is
what this bench used first: there, the server's CPU, not the latency, bounds a parallel deploy.

Every function changes (MemorySize) before each measured deploy, so each deploys the same
steps (UpdateFunctionConfiguration, its wait, PublishVersion, UpdateAlias). The latency is a
botocore ``before-send`` hook that sleeps. With ``--rate-limit``, the same hook also answers
429 TooManyRequestsException beyond a token bucket of ``--burst`` tokens refilled at RPS (an
API rate limit, all APIs together; throttled calls take no token), and the adaptive run is
repeated under it: it must back off and still deploy every function (botocore's standard
retries and lambherd's own retry the throttled calls).
With ``--before-plan-reads N``, ``--parallel 1`` and the default also run with the plan's
reads in a fixed pool of N (how planning read before its reads adapted: 8), the "before" rows
of the same run; ``--repeat N`` runs each default N times, interleaved (medians compared).
Prints each deploy's wall time (plan included), its run phase, the calls made, the throttles
met, what the adaptive limits did (the plan's reads, the run), and the ratios against
``--parallel 1`` in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_project import free_port, point_at, write_project


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


@contextlib.contextmanager
def plan_reads(fixed: int | None) -> Any:
    """The deploy's plan with its reads in a fixed pool of ``fixed`` (None: as it is)."""
    import lambherd.services.deploy as service

    original = service.plan_targets
    if fixed is not None:
        service.plan_targets = functools.partial(original, workers=fixed)
    try:
        yield
    finally:
        service.plan_targets = original


def timed_deploy(
    root: Path,
    parallel: int | None,
    latency: float,
    bucket: Bucket | None = None,
    reads: int | None = None,
) -> dict[str, Any]:
    from lambherd.services.deploy import DeployRequest, RunSettings, deploy

    app, counts = session(root, latency, bucket)
    start, cpu = time.perf_counter(), time.process_time()
    with plan_reads(reads):
        report = deploy(app, DeployRequest(run=RunSettings(parallel=parallel)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    run = report.run
    failed = [(o.name, o.error) for o in run.outcomes if o.error]
    planned = report.changeset.reads
    return {
        "wall": elapsed,
        "cpu": cpu,
        "run": run.seconds,
        "deployed": run.count("deployed"),
        "failed": failed,
        "pacing": run.pacing.describe() if run.pacing else f"fixed {parallel}",
        "reads": planned.describe() if planned else f"fixed {reads}",
        **counts,
    }


def median_row(got: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall, run phase and CPU of repeated deploys."""
    import statistics

    return {k: statistics.median(r[k] for r in got) for k in ("wall", "run", "cpu")}


def start_server(kind: str, port: int) -> Any:
    """moto on 127.0.0.1:``port`` in a thread of this process; ``.stop()`` ends it."""
    if kind == "moto":
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        return server
    from lambherd.sandbox.http_server import make_sandbox_server
    from lambherd.sandbox.moto_state import wsgi_app

    http = make_sandbox_server("127.0.0.1", port, wsgi_app())
    thread = threading.Thread(target=http.serve_forever, name="bench-moto", daemon=True)
    thread.start()

    class Lean:
        def stop(self) -> None:
            http.shutdown()
            http.server_close()
            thread.join()

    return Lean()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate-limit", type=float, default=0.0, help="calls/s; 0: none")
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--server", choices=("lean", "moto"), default="lean")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each default, interleaved")
    parser.add_argument(
        "--before-plan-reads", type=int, default=0, help="also run with N fixed plan readers"
    )
    args = parser.parse_args()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = start_server(args.server, port)
    role = point_at(port, "eu-west-1")
    n, latency = args.functions, args.latency_ms / 1000
    print(
        f"project of {n} functions, +{args.latency_ms:.0f} ms per call, moto on 127.0.0.1 "
        f"({args.server} server, in process), python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}"
    )
    rows: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        write_project(root, role, n, 128)
        first = timed_deploy(root, None, 0.0)
        assert not first["failed"], first["failed"]
        print(f"create {n} (no latency, default): {first['wall']:.2f} s")
        runs: list[tuple[str, int | None, Bucket | None, int | None]] = []
        before = args.before_plan_reads or None
        base_before = f"--parallel 1, plan reads fixed {before} (before)"
        default_before = f"default, plan reads fixed {before} (before)"
        if before:
            runs.append((base_before, 1, None, before))
        runs += [("--parallel 1", 1, None, None), ("--parallel 4", 4, None, None)]
        for _ in range(max(1, args.repeat)):  # the two defaults interleaved
            if before:
                runs.append((default_before, None, None, before))
            runs.append(("default (adaptive)", None, None, None))
        if args.rate_limit:
            bucket = Bucket(args.rate_limit, args.burst)
            runs.append((f"default, {args.rate_limit:.0f} calls/s limit", None, bucket, None))
        for memory, (label, parallel, bucket, reads) in enumerate(runs, start=256):
            write_project(root, role, n, memory)
            row = timed_deploy(root, parallel, latency, bucket, reads)
            rows.setdefault(label, []).append(row)
            print(
                f"{label}: {row['wall']:.2f} s (plan {row['wall'] - row['run']:.2f} s, run "
                f"phase {row['run']:.2f} s; CPU {row['cpu']:.2f} s, server's included), "
                f"{row['deployed']} deployed, "
                f"{len(row['failed'])} failed, {row['calls']} calls, "
                f"{row['throttled']} throttled; plan reads {row['reads']}; run {row['pacing']}",
                flush=True,
            )
            assert row["deployed"] == n and not row["failed"], row["failed"][:3]
    server.stop()
    med = {label: median_row(got) for label, got in rows.items()}
    for label, row in med.items():
        peer_label = base_before if "(before)" in label else "--parallel 1"
        if label == peer_label:
            continue
        peer = med[peer_label]
        many = f" (median of {len(rows[label])})" if len(rows[label]) > 1 else ""
        print(
            f"ratio {label}{many} vs {peer_label}: {peer['wall'] / row['wall']:.2f}x wall, "
            f"{peer['run'] / row['run']:.2f}x run phase"
        )
    if before:
        old, new = med[default_before], med["default (adaptive)"]
        print(
            f"default, adaptive plan reads vs fixed {before} (medians): "
            f"{old['wall'] / new['wall']:.2f}x wall; plan {old['wall'] - old['run']:.2f} s -> "
            f"{new['wall'] - new['run']:.2f} s; CPU {old['cpu']:.2f} s -> {new['cpu']:.2f} s"
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
