"""Benchmarks of the local Lambda emulator (``python3 bench/bench_local.py``).

1. warm round trip through the Invoke API, trivial handler, raw keep-alive http.client: p50/p99
2. throughput with 2 warm environments (2 client processes, one keep-alive connection each)
3. cold start: request -> response on a new environment vs bare
   ``python -c "import awslambdaric.bootstrap, app"`` with the runtime's own interpreter
   (the floor any runtime pays)
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lambherd.local import FunctionSpec
from lambherd.local.interpreters import resolve_interpreter
from lambherd.local.invoke_api import start_local_api

PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
PATH = "/2015-03-31/functions/{}/invocations"
HANDLER = "def handler(event, context):\n    return event\n"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _invoke(conn: http.client.HTTPConnection, name: str) -> None:
    conn.request("POST", PATH.format(name), body=b'{"k":1}')
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"status {resp.status}")


def warm_round_trip(port: int, n: int) -> tuple[float, float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(200):
        _invoke(conn, "bench")
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        _invoke(conn, "bench")
        samples.append((time.perf_counter() - t) * 1000)
    conn.close()
    return _pct(samples, 50), _pct(samples, 99), statistics.mean(samples)


def _client(port: int, seconds: float, out: multiprocessing.Queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    _invoke(conn, "bench")
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        _invoke(conn, "bench")
        count += 1
    out.put(count)


def throughput(port: int, clients: int, seconds: float) -> float:
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_client, args=(port, seconds, out)) for _ in range(clients)
    ]
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def cold_start(server, spec: FunctionSpec, rounds: int) -> tuple[float, float, float]:
    """Interleaved: one cold invoke, then one bare import process, ``rounds`` times."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server.port)
    # The floor: the runtime's own interpreter importing what `python -m awslambdaric` loads.
    python = resolve_interpreter(spec.runtime).executable
    bare_cmd = [python, "-c", "import awslambdaric.bootstrap, app"]
    cold, bare = [], []
    for _ in range(rounds):
        server.runtime.register(spec)  # replaces the pool: the next invoke starts a new environment
        t = time.perf_counter()
        _invoke(conn, spec.name)
        cold.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        subprocess.run(bare_cmd, cwd=spec.code_dir, check=True)
        bare.append((time.perf_counter() - t) * 1000)
    conn.close()
    cold_ms, bare_ms = statistics.median(cold), statistics.median(bare)
    return cold_ms, bare_ms, cold_ms - bare_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000, help="warm round trips")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run length")
    parser.add_argument("--cold", type=int, default=15, help="cold start rounds")
    parser.add_argument("--runtime", default=PY, help="runtime of the benchmark function")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp)
        (code / "app.py").write_text(HANDLER)
        common = {"handler": "app.handler", "runtime": args.runtime, "code_dir": code}
        warm_spec = FunctionSpec(name="bench", reserved_concurrency=2, provisioned=2, **common)
        cold_spec = FunctionSpec(name="cold", **common)
        server = start_local_api([warm_spec, cold_spec], port=0)
        try:
            port = server.server.port
            p50, p99, mean = warm_round_trip(port, args.n)
            print(
                f"warm round trip ({args.n} invokes, keep-alive): "
                f"p50 {p50:.3f} ms  p99 {p99:.3f} ms  mean {mean:.3f} ms"
            )
            for clients in (1, 2):
                rate = throughput(port, clients, args.seconds)
                print(
                    f"throughput, 2 warm environments, {clients} client connection(s): "
                    f"{rate:,.0f} invocations/s"
                )
            cold, bare, overhead = cold_start(server, cold_spec, args.cold)
            print(
                f"cold start (median of {args.cold}): {cold:.1f} ms request->response; "
                f"bare `python{args.runtime[6:]} -c 'import awslambdaric.bootstrap, app'`: "
                f"{bare:.1f} ms; "
                f"overhead {overhead:.1f} ms"
            )
        finally:
            server.close()
            server.runtime.close()


if __name__ == "__main__":
    main()
