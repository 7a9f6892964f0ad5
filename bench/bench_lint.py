"""Benchmark: ``lambherd lint`` over a 50-function project (no --live), against peers in the
same run.

The project is written to a temporary folder: 50 function folders, each a function.json with a
template call, a ~60-line handler module (boto3 client at init, a client made in the handler,
a helper it calls, a print of the event), a helper module, a tests/ folder and a
concurrency.json, plus a lambherd.toml with [defaults] and [lint]. Every command runs as a fresh
process, as a user or CI runs it (median of N interleaved runs after a warm-up):

- ``lambherd lint`` (text output, exit 1 expected: the project has warnings);
- ``ruff check`` over the same 100 Python files with the default rules: a fast, single-purpose
  linter (Rust) reading and parsing the same source; lint does that and more (renders 50
  definitions and their sidecars, lists 50 packages as the deploy zips them, follows calls);
- ``python -c pass``: the interpreter start-up floor every Python CLI pays.

Target: lambherd lint in under 1 s on this machine.

    python3 bench/bench_lint.py [--runs 10] [--functions 50]
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

TARGET_SECONDS = 1.0
HANDLER = '''"""Order handler {i}: reads the order, stores it, notifies the shop."""

import json
import logging
import os

import boto3

from helpers import normalise

logger = logging.getLogger(__name__)
TABLE = os.environ.get("TABLE", "orders")
dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(TABLE)


def notify(order):
    sns = boto3.client("sns")  # made per invocation: LH101
    sns.publish(TopicArn=os.environ["TOPIC"], Message=json.dumps(order))


def price(items):
    total = 0
    for item in items:
        total += item.get("price", 0) * item.get("quantity", 1)
    return round(total, 2)


def validate(order):
    missing = [k for k in ("id", "items", "customer") if k not in order]
    if missing:
        raise ValueError(f"missing fields: {{missing}}")
    return order


def handler(event, context):
    print(json.dumps(event))  # the whole event: LH105
    body = json.loads(event.get("body") or "{{}}")
    order = normalise(validate(body))
    order["total"] = price(order["items"])
    table.put_item(Item=order)
    notify(order)
    logger.info("stored order %s", order["id"])
    return {{"statusCode": 200, "body": json.dumps({{"id": order["id"]}})}}
'''
HELPERS = '''"""Shared helpers."""


def normalise(order):
    order = dict(order)
    order["customer"] = str(order["customer"]).strip().lower()
    order["items"] = [dict(i) for i in order.get("items", [])]
    return order
'''


def write_project(root: Path, count: int) -> None:
    (root / "lambherd.toml").write_text(
        '[project]\nname = "bench"\n\n[defaults]\nRuntime = "python3.12"\nMemorySize = 256\n\n'
        '[lint]\ndisable = ["LH307"]\n'
    )
    for i in range(count):
        folder = root / "functions" / f"orders{i:02d}"
        (folder / "tests").mkdir(parents=True)
        definition = {
            "FunctionName": f"bench-orders-{i:02d}",
            "Handler": "app.handler",
            "Role": "arn:aws:iam::123456789012:role/bench",
            "Timeout": 10,
            "Environment": {"Variables": {"TABLE": "{{ env `TABLE` `orders` }}", "TOPIC": "t"}},
        }
        (folder / "function.json").write_text(json.dumps(definition, indent=2))
        (folder / "app.py").write_text(HANDLER.format(i=i))
        (folder / "helpers.py").write_text(HELPERS)
        (folder / "tests" / "test_app.py").write_text("def test_nothing():\n    assert True\n")
        (folder / ".lambdaignore").write_text("tests/\n")
        (folder / "concurrency.json").write_text('{"ReservedConcurrentExecutions": 5}\n')


def run_once(argv: list[str], cwd: Path, ok_codes: tuple[int, ...]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--functions", type=int, default=50)
    args = parser.parse_args()

    py = sys.executable
    ruff = shutil.which("ruff", path=str(Path(py).parent)) or shutil.which("ruff")
    commands: dict[str, tuple[list[str], tuple[int, ...]]] = {
        "python -c pass": ([py, "-c", "pass"], (0,)),
        "lambherd lint": ([py, "-m", "lambherd", "lint"], (1,)),
    }
    if ruff:
        commands["ruff check (same files)"] = (
            [ruff, "check", "--no-cache", "--isolated", "functions"],
            (0, 1),
        )
    env_note = "" if ruff else " (ruff not found: skipped)"
    with tempfile.TemporaryDirectory(prefix="lambherd-bench-lint-") as tmp:
        root = Path(tmp)
        write_project(root, args.functions)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv, ok in commands.values():
            run_once(argv, root, ok)
        for _ in range(args.runs):
            for name, (argv, ok) in commands.items():
                times[name].append(run_once(argv, root, ok))
        inproc = subprocess.run(
            [py, "-m", "lambherd", "--output", "json", "lint"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        doc = json.loads(inproc.stdout)
    medians = {name: statistics.median(values) for name, values in times.items()}

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {args.functions} functions, "
        f"median of {args.runs}{env_note}"
    )
    for name, seconds in medians.items():
        print(f"{name:26} {seconds * 1000:8.1f} ms")
    summary = doc["summary"]
    print(
        f"lint's own work (in process): {doc['seconds'] * 1000:.1f} ms; findings: "
        f"{summary['warning']} warnings, {summary['info']} info, {summary['error']} errors"
    )
    ours = medians["lambherd lint"]
    print(f"lambherd lint / python -c pass: {ours / medians['python -c pass']:.1f}x")
    if "ruff check (same files)" in medians:
        print(f"lambherd lint / ruff check: {ours / medians['ruff check (same files)']:.1f}x")
    ok = ours < TARGET_SECONDS
    print(
        f"lambherd lint: {ours:.3f} s (target < {TARGET_SECONDS:.0f} s: {'ok' if ok else 'MISSED'})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
