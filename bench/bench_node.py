"""Node.js in the local emulator (``python3 bench/bench_node.py``), against bare Node, same run.

1. warm round trip through the Invoke API, trivial Node handler, keep-alive http.client: p50/p99
2. cold start: request -> response on a new environment (node + aws-lambda-ric + the handler)
   vs a bare ``node -e "require('./index.js')"`` start in the same folder (the floor any
   Node runtime pays), interleaved; and, to split the difference, ``node`` importing the
   runtime interface client and the handler without serving anything
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from lambherd.local import FunctionSpec
from lambherd.local.invoke_api import start_local_api
from lambherd.local.runtime_kinds import resolve_runtime

PATH = "/2015-03-31/functions/{}/invocations"
HANDLER = "exports.handler = async (event) => event;\n"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _invoke(conn: http.client.HTTPConnection, name: str) -> None:
    conn.request("POST", PATH.format(name), body=b'{"k":1}')
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"status {resp.status}")


def warm_round_trip(port: int, n: int) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(200):
        _invoke(conn, "bench")
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        _invoke(conn, "bench")
        samples.append((time.perf_counter() - t) * 1000)
    conn.close()
    return _pct(samples, 50), _pct(samples, 99)


def _timed(argv: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True)
    return (time.perf_counter() - t) * 1000


def cold_start(server, spec: FunctionSpec, rounds: int) -> tuple[float, float, float]:
    """Interleaved: a cold invoke, a bare node start, node importing the ric; medians."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server.port)
    node = resolve_runtime(spec.runtime)
    entry = Path(getattr(node, "entry", ""))
    ric = next(entry.parent.glob("node_modules/aws-lambda-ric/package.json")).parent
    main = ric / ("dist/index.mjs" if (ric / "dist/index.mjs").is_file() else "index.mjs")
    bare = [node.executable, "-e", "require('./index.js')"]
    # 4.x starts itself on import (it would wait for a Runtime API): 3.x only exports run()
    with_ric = [
        node.executable,
        "--input-type=module",
        "-e",
        f"await import({str(main)!r}); await import('./index.js');",
    ]
    cold, floor, ric_floor = [], [], []
    for _ in range(rounds):
        server.runtime.register(spec)  # replaces the pool: the next invoke starts a new environment
        t = time.perf_counter()
        _invoke(conn, spec.name)
        cold.append((time.perf_counter() - t) * 1000)
        floor.append(_timed(bare, spec.code_dir))
        if (ric / "dist/index.mjs").is_file():
            ric_floor.append(_timed(with_ric, spec.code_dir))
    conn.close()
    ric_ms = statistics.median(ric_floor) if ric_floor else float("nan")
    return statistics.median(cold), statistics.median(floor), ric_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000, help="warm round trips")
    parser.add_argument("--cold", type=int, default=15, help="cold start rounds")
    parser.add_argument("--runtime", default="nodejs20.x", help="runtime of the function")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp)
        (code / "index.js").write_text(HANDLER)
        common = {"handler": "index.handler", "runtime": args.runtime, "code_dir": code}
        warm_spec = FunctionSpec(name="bench", provisioned=1, **common)
        cold_spec = FunctionSpec(name="cold", **common)
        server = start_local_api([warm_spec, cold_spec], port=0)
        try:
            for line in server.runtime.warnings:
                print(f"note: {line}")
            p50, p99 = warm_round_trip(server.server.port, args.n)
            print(
                f"Node warm invoke ({args.n} invokes, keep-alive): "
                f"p50 {p50:.3f} ms  p99 {p99:.3f} ms"
            )
            cold, bare, ric = cold_start(server, cold_spec, args.cold)
            print(
                f"Node cold start (median of {args.cold}): {cold:.1f} ms request->response; "
                f"bare `node -e \"require('./index.js')\"`: {bare:.1f} ms "
                f"(cold/bare {cold / bare:.2f}x, +{cold - bare:.1f} ms); "
                f"node importing aws-lambda-ric and the handler: {ric:.1f} ms"
            )
        finally:
            server.close()
            server.runtime.close()


if __name__ == "__main__":
    main()
