"""Benchmarks of the sandbox (issue 20 items 1-3, issue 13 item 4), each against a peer in one run.

    python3 bench/bench_sandbox.py [--old-src /tmp/old/src] [--only invoke,restart,...]

Every sandbox is a server process (``python -m lambherd.sandbox.server``) on its own port and
state folder, started by this script; ``--old-src`` runs the same measurements against another
checkout's ``src`` (e.g. main's: ``git worktree add /tmp/lh-old main``) with this interpreter.

- invoke: boto3 ``invoke`` round trips (p50/p90) through the sandbox and through ``lambherd
  local start`` (the peer), interleaved, ``--rounds`` times.
- restart: ``--functions`` x ``--versions`` (200 x 20) built, the server stopped, then the
  time from ``Popen`` to the first health answer; again after ``--invokes`` invokes (and to
  the first FilterLogEvents answer: their logs loaded); and an empty state folder (the floor:
  interpreter and imports).
- churn: state-folder bytes after ``--updates`` UpdateFunctionCode of a 64 KiB zip (500).
- big: state-folder bytes with one ``--big-mb`` S3 upload, after deleting it, and the restart.
- dispatch: moto's host lookup cached (this code) vs moto's own (the same code, a launcher
  turns the cache off): restart time at 200 x 20 and a no-op ``plan`` of a 200-function project.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NEW_SRC = HERE.parent / "src"
ROLE = "arn:aws:iam::123456789012:role/bench"
HANDLER = "def handler(event, context):\n    return event\n"
LAUNCHER = """
import sys
if sys.argv[1] == "plain":  # moto's own host lookup: the cache turned off
    import lambherd.sandbox.moto_state as moto_state
    real = moto_state.wsgi_app
    moto_state.wsgi_app = lambda cached=True: real(cached=False)
from lambherd.sandbox.server import main
sys.exit(main(sys.argv[2:]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}{unit}" if lo == hi else f"{lo:.{digits}f}-{hi:.{digits}f}{unit}"


def code_zip(tag: str, pad: int = 0, rng: random.Random | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("app.py", (2020, 1, 1, 0, 0, 0)), HANDLER + f"# {tag}\n")
        if pad:
            data = (rng or random.Random(tag)).randbytes(pad)
            zf.writestr(zipfile.ZipInfo("pad.bin", (2020, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def client(endpoint: str, service: str, region: str = "us-east-1") -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}, read_timeout=300),
    )


def folder_bytes(state: Path) -> int:
    """The saved state: everything in the folder but extracted code and the log."""
    total = 0
    for path in state.rglob("*"):
        top = path.relative_to(state).parts[0]
        if path.is_file() and top != "code" and path.name != "sandbox.log":
            total += path.stat().st_size
    return total


def line_sizes(path: Path) -> list[int]:
    try:
        with open(path, "rb") as fh:
            return [len(line) for line in fh]
    except FileNotFoundError:
        return []


class Server:
    """One sandbox server process (``src``: which lambherd; ``mode``: "cached" or "plain")."""

    def __init__(self, src: Path, state: Path, *, mode: str = "cached", env: dict | None = None):
        self.src, self.state, self.mode = src, state, mode
        self.env = {**os.environ, "PYTHONPATH": str(src), **(env or {})}
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> float:
        """Seconds from Popen to the first health answer."""
        self.state.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--state-dir", str(self.state)]
        if self.src == NEW_SRC or (self.src / "lambherd" / "sandbox" / "moto_state.py").exists():
            cmd = [sys.executable, "-c", LAUNCHER, self.mode, *args]
        else:
            cmd = [sys.executable, "-m", "lambherd.sandbox.server", *args]
        log = open(self.state / "bench-server.log", "ab")  # noqa: SIM115 - closed by stop()
        started = self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=log, cwd=HERE)
        self._log = log
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "/_lambherd/health", timeout=2):
                    return time.perf_counter() - started
            except OSError:
                if self.proc.poll() is not None:
                    log = self.state / "bench-server.log"
                    raise RuntimeError(f"server exited: see {log}") from None
                time.sleep(0.005)

    def stop(self) -> float:
        """SIGTERM and wait; seconds it took."""
        assert self.proc is not None
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(600)
        self._log.close()
        return time.perf_counter() - started

    def rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


# -- invoke -----------------------------------------------------------------------------------
def invoke_samples(endpoint: str, name: str, n: int) -> list[float]:
    lam = client(endpoint, "lambda")
    for _ in range(50):
        lam.invoke(FunctionName=name, Payload=b'{"k":1}')["Payload"].read()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        lam.invoke(FunctionName=name, Payload=b'{"k":1}')["Payload"].read()
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_invoke(srcs: dict[str, Path], tmp: Path, rounds: int, n: int) -> None:
    folder = tmp / "fn"
    folder.mkdir()
    (folder / "app.py").write_text(HANDLER)
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (folder / "function.json").write_text(
        json.dumps({"FunctionName": "bench", "Runtime": runtime, "Handler": "app.handler"})
    )
    port = free_port()
    local = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambherd",
            "-C",
            str(folder),
            "local",
            "start",
            "--port",
            str(port),
            "--warm",
            "eager",
        ],
        env={**os.environ, "PYTHONPATH": str(NEW_SRC)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers = {}
    try:
        for label, src in srcs.items():
            server = Server(src, tmp / f"invoke-{label}")
            server.start()
            client(server.endpoint, "lambda").create_function(
                FunctionName="bench",
                Runtime=runtime,
                Handler="app.handler",
                Role=ROLE,
                Code={"ZipFile": code_zip("bench")},
            )
            servers[label] = server
        local_ep = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                invoke_samples(local_ep, "bench", 1)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        results: dict[str, dict[str, list[float]]] = {}
        for _ in range(rounds):  # interleaved: each round measures every peer once
            for label, where in [("local start", local_ep)] + [
                (f"sandbox ({k})", s.endpoint) for k, s in servers.items()
            ]:
                samples = invoke_samples(where, "bench", n)
                got = results.setdefault(label, {"p50": [], "p90": []})
                got["p50"].append(pct(samples, 50))
                got["p90"].append(pct(samples, 90))
        base = results["local start"]["p50"]
        print(f"\ninvoke: boto3 round trips, {n} per round after 50 warm-up, {rounds} rounds")
        for label, got in results.items():
            ratios = [a / b for a, b in zip(got["p50"], base, strict=True)]
            print(
                f"  {label:<22} p50 {spread(got['p50'], ' ms')}  p90 {spread(got['p90'], ' ms')}"
                f"  p50 vs local start {spread(ratios, 'x')}"
            )
        calls = rounds * (n + 50) + 1
        for label, server in servers.items():
            journal = line_sizes(server.state / "journal.jsonl")
            telemetry = line_sizes(server.state / "telemetry.jsonl")
            print(
                f"  sandbox ({label}) after {calls} calls: control-plane journal {len(journal)} "
                f"lines, telemetry journal {len(telemetry)} lines"
            )
    finally:
        for server in servers.values():
            server.stop()
        local.send_signal(signal.SIGTERM)  # SIGINT: ignored from a background job
        local.wait(30)


# -- restart --------------------------------------------------------------------------------
def build_fleet(endpoint: str, functions: int, versions: int) -> float:
    started = time.perf_counter()

    def one(i: int) -> None:
        lam = client(endpoint, "lambda")
        name = f"fleet-{i:03d}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Handler="app.handler",
            Role=ROLE,
            Code={"ZipFile": code_zip(f"{name}-1")},
            Publish=True,
        )
        for v in range(2, versions + 1):
            lam.update_function_code(FunctionName=name, ZipFile=code_zip(f"{name}-{v}"))
            lam.publish_version(FunctionName=name)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(functions)))
    return time.perf_counter() - started


def invoke_many(endpoint: str, count: int) -> None:
    def some(k: int) -> None:
        lam = client(endpoint, "lambda")
        for j in range(k, count, 4):
            lam.invoke(FunctionName=f"fleet-{j % 10:03d}", Qualifier=str(1 + j % 3))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(some, range(4)))


def timed_restarts(src: Path, state: Path, times: int, mode: str = "cached") -> list[float]:
    out = []
    for _ in range(times):
        server = Server(src, state, mode=mode)
        out.append(server.start())
        server.stop()
    return out


def interleaved(states: dict[str, tuple[Path, Path]], rounds: int) -> dict[str, list[float]]:
    """Restart times, each round one restart per peer (``label -> (src, state)``)."""
    out: dict[str, list[float]] = {label: [] for label in states}
    for _ in range(rounds):
        for label, (src, state) in states.items():
            out[label] += timed_restarts(src, state, 1)
    return out


def bench_restart(
    srcs: dict[str, Path], tmp: Path, functions: int, versions: int, invokes: int, rounds: int
) -> dict[str, Path]:
    print(f"\nrestart: {functions} functions x {versions} versions (Popen -> first health answer)")
    empty = interleaved({k: (src, tmp / f"empty-{k}") for k, src in srcs.items()}, rounds)
    built, notes = {}, {}
    for label, src in srcs.items():
        state = tmp / f"fleet-{label}"
        server = Server(src, state)
        server.start()
        took = build_fleet(server.endpoint, functions, versions)
        stop = server.stop()
        notes[label] = (
            f"state {folder_bytes(state) / 1e6:.1f} MB, built in {took:.0f} s, stop {stop:.1f} s"
        )
        built[label] = state
    fleet = interleaved({k: (srcs[k], built[k]) for k in srcs}, rounds)
    rss = {}
    for label, src in srcs.items():
        server = Server(src, built[label])
        server.start()
        invoke_many(server.endpoint, invokes)
        server.stop()
    after = interleaved({k: (srcs[k], built[k]) for k in srcs}, rounds)
    readable = {}
    for label, src in srcs.items():
        server = Server(src, built[label])
        server.start()
        logs = client(server.endpoint, "logs")
        logs.filter_log_events(logGroupName="/aws/lambda/fleet-000", limit=1)
        readable[label] = time.perf_counter() - server.started_at
        rss[label] = server.rss_mb()
        server.stop()
    for label in srcs:
        print(
            f"  {label}: empty folder {spread(empty[label], ' s')}; at {functions}x{versions} "
            f"{spread(fleet[label], ' s')} ({notes[label]}); after {invokes} more invokes "
            f"{spread(after[label], ' s')}, their logs readable {readable[label]:.2f} s after "
            f"Popen; peak RSS {rss[label]:.0f} MB"
        )
    return built


# -- churn and big uploads ------------------------------------------------------------------
def bench_churn(srcs: dict[str, Path], tmp: Path, updates: int) -> None:
    print(f"\nchurn: {updates} UpdateFunctionCode of a 64 KiB zip (incompressible)")
    for label, src in srcs.items():
        state = tmp / f"churn-{label}"
        server = Server(src, state)
        server.start()
        lam = client(server.endpoint, "lambda")
        rng = random.Random(500)
        lam.create_function(
            FunctionName="churn",
            Runtime="python3.12",
            Handler="app.handler",
            Role=ROLE,
            Code={"ZipFile": code_zip("0", 64 * 1024, rng)},
        )
        before = folder_bytes(state)
        for i in range(updates):
            lam.update_function_code(FunctionName="churn", ZipFile=code_zip(str(i), 64 * 1024, rng))
        during = folder_bytes(state)
        server.stop()
        stopped = folder_bytes(state)
        restart = timed_restarts(src, state, 1)[0]
        print(
            f"  {label}: state {before / 1e6:.2f} MB after create, {during / 1e6:.2f} MB after "
            f"{updates} updates, {stopped / 1e6:.2f} MB after stop; restart {restart:.2f} s"
        )


def bench_big(srcs: dict[str, Path], tmp: Path, sizes: dict[str, int]) -> None:
    print("\nbig: one S3 upload, then deleted")
    for label, src in srcs.items():
        mb = sizes[label]
        state = tmp / f"big-{label}"
        server = Server(src, state)
        server.start()
        s3 = client(server.endpoint, "s3")
        s3.create_bucket(Bucket="big-uploads")
        body = os.urandom(mb * 2**20)
        s3.put_object(Bucket="big-uploads", Key="pkg", Body=body)
        del body
        with_it = folder_bytes(state)
        longest = max(line_sizes(state / "journal.jsonl"), default=0)
        s3.delete_object(Bucket="big-uploads", Key="pkg")
        server.stop()
        deleted = folder_bytes(state)
        server = Server(src, state)
        restart = server.start()
        rss = server.rss_mb()
        server.stop()
        print(
            f"  {label} ({mb} MiB): state {with_it / 1e6:.0f} MB with it (longest journal line "
            f"{longest / 1e6:.1f} MB), {deleted / 1e6:.2f} MB after delete + stop; restart "
            f"{restart:.2f} s, peak RSS {rss:.0f} MB"
        )


# -- dispatch cache ---------------------------------------------------------------------------
def bench_dispatch(fleet: Path, tmp: Path, rounds: int, functions: int) -> None:
    sys.path.insert(0, str(HERE))
    from bench_project import timed_deploy, timed_plan, write_project

    print("\ndispatch: moto's host lookup cached vs moto's own (the same code otherwise)")
    restarts: dict[str, list[float]] = {"cached": [], "plain": []}
    for _ in range(rounds):
        for mode in ("cached", "plain"):
            restarts[mode] += timed_restarts(NEW_SRC, fleet, 1, mode)
    root = tmp / "proj"
    state = tmp / "plan-state"
    server = Server(NEW_SRC, state)
    server.start()
    os.environ.update(
        AWS_ACCESS_KEY_ID="sandbox",
        AWS_SECRET_ACCESS_KEY="sandbox",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=server.endpoint,
    )
    os.environ.pop("AWS_PROFILE", None)
    write_project(root, ROLE, functions, 128)
    timed_deploy(root, 4)
    server.stop()
    plans: dict[str, list[float]] = {"cached": [], "plain": []}
    for _ in range(rounds):
        for mode in ("cached", "plain"):
            server = Server(NEW_SRC, state, mode=mode)
            server.start()
            os.environ["AWS_ENDPOINT_URL"] = server.endpoint
            timed_plan(root)  # warm: clients, the first requests
            plans[mode].append(timed_plan(root)[0])
            server.stop()
    for what, got in (("restart at the fleet", restarts), (f"{functions}-function plan", plans)):
        ratios = [p / c for p, c in zip(got["plain"], got["cached"], strict=True)]
        print(
            f"  {what}: cached {spread(got['cached'], ' s')}, moto's own "
            f"{spread(got['plain'], ' s')}; own / cached {spread(ratios, 'x')}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-src", type=Path, help="another checkout's src (the 'before')")
    parser.add_argument("--only", default="invoke,restart,churn,big,dispatch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=500, help="invokes per round")
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--invokes", type=int, default=4000)
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--old-big-mb", type=int, default=256, help="the old code's big upload")
    parser.add_argument("--keep", type=Path, help="keep the state folders here")
    args = parser.parse_args()
    only = set(args.only.split(","))
    srcs = {"this": NEW_SRC}
    if args.old_src:
        srcs["old"] = args.old_src.resolve()
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    load = os.getloadavg()[0]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average {load:.1f}")
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        if "invoke" in only:
            bench_invoke(srcs, tmp, args.rounds, args.n)
        fleet = None
        if "restart" in only or "dispatch" in only:
            built = bench_restart(
                srcs if "restart" in only else {"this": NEW_SRC},
                tmp,
                args.functions,
                args.versions,
                args.invokes,
                args.rounds,
            )
            fleet = built["this"]
        if "churn" in only:
            bench_churn(srcs, tmp, args.updates)
        if "big" in only:
            bench_big(srcs, tmp, {"this": args.big_mb, "old": args.old_big_mb})
        if "dispatch" in only and fleet is not None:
            bench_dispatch(fleet, tmp, args.rounds, args.functions)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
