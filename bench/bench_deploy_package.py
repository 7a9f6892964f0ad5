"""Benchmark: deploying the 240 MB package (issue #20 items 4 and 5) on a moto server started
here (127.0.0.1, eu-west-1), the function's code through S3 (Code.S3Bucket).

    python3 bench/bench_deploy_package.py [--runs 3] [--compare-src DIR]

The package is ``bench_archive.py``'s (``bench/.data/package240``: ~18,700 files, 240 MB),
hard-linked into a function folder with an ``app.py``. Every command runs as a fresh
``python -m lambherd`` process; runs are interleaved. Printed, in one run:

- a no-op deploy (nothing changed since the last deploy) with the code manifest, against the
  same no-op deploy with the manifest deleted first (the tree re-zipped to learn its hash, as
  before the manifest) and, with ``--compare-src`` (e.g. main's ``src``), against that tree;
- the floor under any no-op deploy: a process that imports boto3, makes a Lambda client and
  sends one GetFunction (what reading the function alone costs; a deploy also reads its
  aliases, versions and tags);
- the peak RSS of a code-change deploy (one byte of app.py, so the zip is built and uploaded)
  against ``lambherd archive`` of the same folder (target: <= 1.5x), and the compared tree's.

Every process runs with its bytecode cached in ``bench/.data/pycache`` (``PYTHONPYCACHEPREFIX``:
nothing written into the trees), written by an unmeasured first deploy of each tree, as an
installed package has it: with ``PYTHONDONTWRITEBYTECODE`` set, as on the machine this was
written on, every process would otherwise compile lambherd's ~300 modules again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_archive import DATA, PACKAGE, SRC, make_package  # noqa: E402

NAME = "bench-package"
REGION = "eu-west-1"
FOLDER = DATA / "deploy240"
MANIFEST = FOLDER / ".lambherd" / "code-manifest.json"
PYCACHE = DATA / "pycache"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_folder(role: str) -> None:
    """FOLDER: the package as hard links, plus function.json, .lambdaignore and app.py."""
    if not FOLDER.is_dir():
        tmp = DATA / "deploy240.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(PACKAGE, tmp, copy_function=os.link)
        tmp.rename(FOLDER)
    definition = {
        "FunctionName": NAME,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": role,
        "MemorySize": 1024,
        "Code": {"S3Bucket": "bench-code", "S3Key": f"{NAME}.zip"},
    }
    (FOLDER / "function.json").write_text(json.dumps(definition))
    (FOLDER / ".lambdaignore").write_text("function.json\n.lambdaignore\n")
    write_app(0)
    shutil.rmtree(FOLDER / ".lambherd", ignore_errors=True)


def write_app(version: int) -> None:
    (FOLDER / "app.py").write_text(f"def handler(e, c):\n    return {version:06d}\n")


#: ``python -m lambherd`` that also writes its peak RSS (VmHWM: this process's own memory map,
#: not the parent's, which ``ru_maxrss`` of a child includes on Linux) to argv[1].
CHILD = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def hwm():
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    with open(out, "w") as fh:
        fh.write(kb)
atexit.register(hwm)
sys.argv[0] = "lambherd"
runpy.run_module("lambherd", run_name="__main__", alter_sys=True)
"""


def run(src: Path, env: dict[str, str], *args: str) -> tuple[float, float, float]:
    """Wall time (s), peak RSS (MB) and CPU time (user + system, s: steadier than wall time
    on a shared machine) of one ``python -m lambherd`` process."""
    child_env = dict(env, PYTHONPATH=str(src), PYTHONPYCACHEPREFIX=str(PYCACHE))
    child_env.pop("PYTHONDONTWRITEBYTECODE", None)
    hwm = DATA / "deploy-hwm.txt"
    argv = [sys.executable, "-c", CHILD, str(hwm), "-C", str(FOLDER), *args]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({src}): {err.decode()}")
    return wall, int(hwm.read_text()) / 1024, usage.ru_utime + usage.ru_stime


FLOOR = "import boto3; boto3.client('lambda').get_function(FunctionName={name!r})"


def run_floor(env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU time of one boto3 GetFunction process (the floor of a no-op deploy)."""
    child_env = dict(env, PYTHONPYCACHEPREFIX=str(PYCACHE))
    child_env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = [sys.executable, "-c", FLOOR.format(name=NAME)]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=child_env, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("the boto3 GetFunction floor failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-src", help="another lambherd src folder, run alike")
    args = parser.parse_args()
    files, total = make_package()
    server, env = start_cloud()
    try:
        print(f"package: {FOLDER} — {files + 1} files, {total / 1e6:.1f} MB, through S3")
        trees = {"this tree": SRC}
        if args.compare_src:
            trees["compared"] = Path(args.compare_src)
        run(SRC, env, "deploy")  # create; the manifest is written
        for src in list(trees.values())[1:]:
            run(src, env, "deploy")  # unmeasured: its bytecode cached, as this tree's now
        noop: dict[str, list[float]] = {"manifest": [], "no manifest": []}
        noop.update({f"{name}": [] for name in trees if name != "this tree"})
        noop["boto3 floor"] = []
        cpu: dict[str, list[float]] = {name: [] for name in noop}
        run_floor(env)  # unmeasured: its bytecode cached
        rss: dict[str, list[float]] = {"archive": [], **{f"deploy {n}": [] for n in trees}}
        version = 0
        for _ in range(args.runs):
            # the compared tree first: this tree's deploy last leaves the manifest knowing the
            # deployed zip, as it does after any deploy of this tree
            for name in reversed(trees):
                version += 1
                write_app(version)  # one byte changed: a zip is built and uploaded
                rss[f"deploy {name}"].append(run(trees[name], env, "deploy")[1])
            rss["archive"].append(run(SRC, env, "archive", "--dest", "../archive.zip")[1])
            for name, src in [("manifest", SRC), *list(trees.items())[1:], ("no manifest", SRC)]:
                if name == "no manifest":
                    MANIFEST.unlink(missing_ok=True)  # (written again by this deploy)
                elif args.compare_src:
                    # unmeasured: the manifest's stamps in this tree's own layout (the trees
                    # share the folder, and a tree that finds the other's layout checks every
                    # file against the per-file table, then writes its own)
                    run(src, env, "deploy")
                wall, _rss, used = run(src, env, "deploy")
                noop[name].append(wall)
                cpu[name].append(used)
            wall, used = run_floor(env)
            noop["boto3 floor"].append(wall)
            cpu["boto3 floor"].append(used)
        print(
            f"median of {args.runs}, load average {os.getloadavg()[0]:.1f} "
            "(a shared machine: wall times move; the lead re-runs on a quiet one)"
        )
        med = {k: statistics.median(v) for k, v in noop.items()}
        used = {k: statistics.median(v) for k, v in cpu.items()}
        base, base_cpu = med["manifest"], used["manifest"]
        floor, floor_cpu = med.pop("boto3 floor"), used.pop("boto3 floor")
        for name, value in med.items():
            line = f"no-op deploy, {name:12}: {value:6.2f} s  cpu {used[name]:6.2f} s"
            if name != "manifest":
                line += f"  {value / base:4.1f}x the manifest's (cpu {used[name] / base_cpu:4.1f}x)"
            print(line)
        print(
            f"boto3 GetFunction alone   : {floor:6.2f} s  cpu {floor_cpu:6.2f} s  "
            f"(the manifest's no-op is {base / floor:4.2f}x it, cpu {base_cpu / floor_cpu:4.2f}x)"
        )
        arch = statistics.median(rss["archive"])
        print(f"peak RSS, archive          : {arch:6.1f} MB")
        for name in trees:
            value = statistics.median(rss[f"deploy {name}"])
            print(f"peak RSS, deploy {name:10}: {value:6.1f} MB  {value / arch:4.2f}x archive's")
    finally:
        server.stop()
    return 0


def start_cloud() -> tuple[Any, dict[str, str]]:
    """A moto server on 127.0.0.1 with the role and bucket the package deploys with, FOLDER made,
    and the environment a measured process runs in (pointed at it, credentials of its own)."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
    )
    try:
        iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, **_keys(env))
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **_keys(env))
        s3.create_bucket(
            Bucket="bench-code", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        make_folder(role)
    except BaseException:
        server.stop()
        raise
    return server, env


def _keys(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


if __name__ == "__main__":
    raise SystemExit(main())
