"""Benchmark: what a no-op deploy of the 240 MB package cannot go below (issue #20 item 4).

Times, as fresh processes run interleaved, the parts any no-op deploy of this package pays, each
measured alone, next to ``lambherd deploy`` itself (nothing changed since the last deploy):

- ``boto3 GetFunction``: import boto3, make a Lambda client, send one GetFunction (the floor
  ``bench_deploy_package.py`` prints);
- ``stat walk``: a bare interpreter listing every folder of the package and stat'ing every file
  (``os.scandir`` + ``DirEntry.stat``, nothing else: the least that tells an unchanged tree from
  a changed one without trusting folder times);
- ``lambherd imports``: the core modules a deploy imports before its first AWS call, without
  boto3 (shown, not part of the floor: they are lambherd's own cost).

The first two, less the bare interpreter counted twice, are a floor for any tool written in
Python on this machine; the deploy's excess over it is what lambherd itself costs (its imports,
rendering, validation, the code manifest, four reads instead of one, the plan). Until the fourth
round the floor counted the imports too, which hid part of the excess.

    .venv/bin/python bench/bench_noop_floor.py [--runs 10]

It starts a moto server on 127.0.0.1 and deploys the package once first, as
``bench_deploy_package.py`` does (same folder, same bytecode cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_deploy_package import FLOOR, FOLDER, NAME, PYCACHE, SRC, start_cloud  # noqa: E402

WALK = """
import os, sys
def walk(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with os.scandir(fd) as it:
            for e in list(it):
                if e.is_dir(follow_symlinks=False):
                    walk(path + "/" + e.name)
                else:
                    e.stat(follow_symlinks=False)
    finally:
        os.close(fd)
walk(sys.argv[1])
"""

IMPORTS = (
    "import lambherd.cli.main, lambherd.services.deploy, lambherd.pipeline.planning, "
    "lambherd.pipeline.runner, lambherd.plan.concerns, lambherd.archive.manifest"
)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    from bench_archive import make_package

    make_package()
    server, env = start_cloud()
    env.update(PYTHONPATH=str(SRC), PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        deploy = [sys.executable, "-m", "lambherd", "-C", str(FOLDER), "deploy"]
        peers = {
            "lambherd deploy (no-op)": deploy,
            "boto3 GetFunction": [sys.executable, "-c", FLOOR.format(name=NAME)],
            "stat walk": [sys.executable, "-c", WALK, str(FOLDER)],
            "lambherd imports": [sys.executable, "-c", IMPORTS],
            "bare interpreter": [sys.executable, "-c", "pass"],
        }
        timed(deploy, env)  # create: the manifest and the bytecode are written
        for argv in peers.values():
            timed(argv, env)  # unmeasured: bytecode cached, files in the page cache
        walls: dict[str, list[float]] = {name: [] for name in peers}
        for _ in range(args.runs):
            for name, argv in peers.items():
                walls[name].append(timed(argv, env))
    finally:
        server.stop()
    med = {k: statistics.median(v) for k, v in walls.items()}
    bare = med["bare interpreter"]
    print(
        f"median of {args.runs} interleaved runs, load average {os.getloadavg()[0]:.1f}, "
        f"{os.cpu_count()} cpus"
    )
    for name, value in med.items():
        print(f"{name:26}: {value:6.3f} s")
    floor = med["boto3 GetFunction"] + (med["stat walk"] - bare)
    deploy_wall = med["lambherd deploy (no-op)"]
    print(
        f"floor = GetFunction + (walk - bare): {floor:.3f} s; "
        f"the no-op deploy is {deploy_wall / floor:.2f}x it, {deploy_wall - floor:+.3f} s "
        f"(lambherd's core imports alone: {med['lambherd imports'] - bare:.3f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
