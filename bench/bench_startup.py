"""Benchmark: start-up time of ``lambherd --help``, ``deploy --help`` and ``validate --help``.

Each command runs as a fresh process of this same interpreter; the peer is a bare
``python -c pass`` measured in the same run (runs are interleaved so drift hits all alike).
Target: each lambherd command within 5x the bare start. ``sam --help`` is measured too when
``sam`` is on PATH (or given with ``--sam``). ``--compare-src DIR`` also measures the same
commands with another source tree first on the path (e.g. main's ``src``), interleaved in the
same run, and prints each command's ratio to it: a before/after figure on a shared machine.

    python3 bench/bench_startup.py [--runs 20] [--sam /path/to/sam] [--compare-src DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

TARGET_RATIO = 5.0


#: ``argv`` prefix marking a command run with ``--compare-src`` first on PYTHONPATH.
_COMPARED = "compare:"


def run_once(argv: list[str], compare_src: str | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv`` (output discarded; a
    failure stops the benchmark). CPU time moves less than wall time on a busy machine."""
    env = None
    if argv and argv[0] == _COMPARED:
        argv = argv[1:]
        env = dict(os.environ, PYTHONPATH=compare_src or "")
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)}: failed")
    return wall, usage.ru_utime + usage.ru_stime


def measure(
    commands: dict[str, list[str]], runs: int, compare_src: str | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall time and median CPU time per command, runs interleaved, after one warm-up
    run each."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():
        run_once(argv, compare_src)
    for _ in range(runs):
        for name, argv in commands.items():
            wall, cpu = run_once(argv, compare_src)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return (
        {name: statistics.median(values) for name, values in walls.items()},
        {name: statistics.median(values) for name, values in cpus.items()},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sam", default=shutil.which("sam"), help="sam executable (optional)")
    parser.add_argument("--compare-src", help="another lambherd source tree, measured alike")
    args = parser.parse_args()

    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "lambherd --help": [py, "-m", "lambherd", "--help"],
        "lambherd deploy --help": [py, "-m", "lambherd", "deploy", "--help"],
        "lambherd validate --help": [py, "-m", "lambherd", "validate", "--help"],
    }
    if args.sam:
        commands["sam --help"] = [args.sam, "--help"]
    own = [name for name in commands if name.startswith("lambherd")]
    if args.compare_src:
        for name in own:
            commands[f"{name} [compared]"] = [_COMPARED, *commands[name]]
    medians, cpu = measure(commands, args.runs, args.compare_src)
    bare = medians["python -c pass"]

    print(f"python {sys.version.split()[0]} ({py}), {os.cpu_count()} cpus, median of {args.runs}")
    missed = []
    for name, seconds in medians.items():
        ratio = seconds / bare
        verdict = ""
        if name.startswith("lambherd") and not name.endswith("[compared]"):
            ok = ratio <= TARGET_RATIO
            verdict = f"  target <= {TARGET_RATIO:.0f}x: {'ok' if ok else 'MISSED'}"
            if not ok:
                missed.append(name)
        cpu_ms = cpu[name] * 1000
        print(
            f"{name:26} {seconds * 1000:8.1f} ms  {ratio:5.2f}x bare  cpu {cpu_ms:6.1f} ms{verdict}"
        )
    if not args.sam:
        print("sam --help                 skipped (sam not on PATH)")
    if args.compare_src:
        print(f"against {args.compare_src} (same run, interleaved):")
        for name in own:
            ratio = medians[name] / medians[f"{name} [compared]"]
            cpu_ratio = cpu[name] / cpu[f"{name} [compared]"]
            print(f"{name:26} {ratio:5.2f}x the compared tree (cpu {cpu_ratio:5.2f}x)")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
