"""Benchmark: lambherd's deterministic zip vs Info-ZIP ``zip -r -X -q -6`` on the same tree,
and against the compress-only limit of this machine's cores.

Builds (once) a tree of ~19,000 files / ~300 MB under ``bench/.data/tree`` by copying
site-packages folders (``--tree full``), and from it a ~240 MB package of hard links without its
largest files (``--tree package``, the default: under Lambda's 250 MiB unzipped limit, the
package the deploy benchmark deploys). Every tool runs as a fresh process, runs interleaved;
each prints its median wall time and CPU time (user + system: steadier on a shared machine).

The compress-only limit: every file already in memory, libdeflate at the same level in one
thread per core, nothing read, hashed or written — the ceiling of any zip tool on these cores.
``--compare-src DIR`` also times another lambherd source tree (e.g. main's ``src``) in the same
run: the before/after figure.

    python3 bench/bench_archive.py [--runs 3] [--tree package|full] [--compare-src DIR]
                                   [--level N] [--backend isal|zlib|libdeflate] [--memory]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
TREE = DATA / "tree"
PACKAGE = DATA / "package240"
PACKAGE_BYTES = 240_000_000
PACKAGES = ("botocore", "boto3", "moto", "awscli", "sympy", "numpy", "scipy")
SRC = HERE.parent / "src"


def site_folders() -> list[Path]:
    """Where PACKAGES are looked for: this interpreter's site-packages, then its base
    interpreter's (a venv lacks numpy & co.; the tree is the same whichever runs the bench)."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    found = [
        Path(sysconfig.get_paths()["purelib"]),
        Path(sysconfig.get_paths(vars=base)["purelib"]),
    ]
    return list(dict.fromkeys(found))


def _count(tree: Path) -> tuple[int, int]:
    files = total = 0
    for root, _dirs, names in os.walk(tree):
        for n in names:
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                total += os.path.getsize(p)
    return files, total


def make_tree() -> tuple[int, int]:
    """Copy site-packages folders into TREE (once); return (files, bytes)."""
    if not TREE.is_dir():
        tmp = DATA / "tree.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in PACKAGES:
            site = next((s for s in site_folders() if (s / name).is_dir()), None)
            if site is not None:
                shutil.copytree(site / name, tmp / name, symlinks=True)
        tmp.rename(TREE)
    return _count(TREE)


def make_package(limit: int = PACKAGE_BYTES) -> tuple[int, int]:
    """PACKAGE (once): TREE as hard links, without its largest files until it holds at most
    ``limit`` bytes. Returns (files, bytes)."""
    make_tree()
    if not PACKAGE.is_dir():
        files = []
        for root, _dirs, names in os.walk(TREE):
            for n in names:
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    files.append((os.path.getsize(p), p))
        files.sort(reverse=True)
        total = sum(size for size, _ in files)
        dropped = set()
        for size, p in files:
            if total <= limit:
                break
            dropped.add(p)
            total -= size
        tmp = DATA / "package.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        for root, _dirs, names in os.walk(TREE):
            rel = os.path.relpath(root, TREE)
            (tmp / rel).mkdir(parents=True, exist_ok=True)
            for n in names:
                p = os.path.join(root, n)
                if p not in dropped and os.path.isfile(p) and not os.path.islink(p):
                    os.link(p, tmp / rel / n)
        tmp.rename(PACKAGE)
    return _count(PACKAGE)


_last_children = [0.0]


def _children_cpu_delta() -> float:
    """CPU time (user + system) of the children reaped since the last call."""
    t = os.times()
    now = t.children_user + t.children_system
    delta, _last_children[0] = now - _last_children[0], now
    return delta


def run_child(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and stdout of one fresh process."""
    _children_cpu_delta()
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, env=env, cwd=cwd, text=True, check=True)
    return time.perf_counter() - start, _children_cpu_delta(), done.stdout


#: The archive as ``lambherd archive`` makes it, in a fresh process: prints size and CodeSha256.
OURS = """
import sys
from lambherd.archive import build_archive, zipwriter
if sys.argv[3]:
    zipwriter.set_codec(sys.argv[3], int(sys.argv[4]) if sys.argv[4] else None)
r = build_archive(sys.argv[1], sys.argv[2], max_zipped_bytes=None, max_unzipped_bytes=None)
print(r.size, r.sha256_b64)
"""

#: Every file in memory first (not timed), then one libdeflate thread per core.
LIMIT = """
import os, sys, time, threading, deflate
level, workers = int(sys.argv[2]), os.cpu_count() or 1
datas = []
for root, _, names in os.walk(sys.argv[1]):
    for n in names:
        p = os.path.join(root, n)
        if os.path.isfile(p) and not os.path.islink(p):
            with open(p, "rb") as f:
                datas.append(f.read())
datas.sort(key=len, reverse=True)
lock, it = threading.Lock(), iter(datas)
def work():
    while True:
        with lock:
            d = next(it, None)
        if d is None:
            return
        deflate.deflate_compress(d, level)
threads = [threading.Thread(target=work) for _ in range(workers)]
c, t = time.process_time(), time.perf_counter()
for th in threads: th.start()
for th in threads: th.join()
print(time.perf_counter() - t, time.process_time() - c)
"""


def peak_rss_mb(tree: Path) -> float:
    """Peak RSS (MB) of a fresh Python that archives ``tree`` to /dev/null."""
    code = (
        "import resource, sys\n"
        "from lambherd.archive import build_archive\n"
        "with open('/dev/null', 'wb') as out:\n"
        "    r = build_archive(sys.argv[1], out, max_zipped_bytes=None, max_unzipped_bytes=None)\n"
        "print(r.uncompressed_size, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree)], check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[1]) / 1024


def memory() -> int:
    """Peak memory on the bench tree vs four hard-linked copies of it (~1.2 GB)."""
    make_tree()
    big = DATA / "big"
    if not big.is_dir():
        big.mkdir()
        for i in range(4):
            subprocess.run(["cp", "-al", str(TREE), str(big / f"copy{i}")], check=True)
    bigfiles = DATA / "bigfiles"
    if not bigfiles.is_dir():
        bigfiles.mkdir()
        so = max((p for p in TREE.rglob("*.so")), key=lambda p: p.stat().st_size)
        for i in range(100):
            os.link(so, bigfiles / f"lib{i:03d}.so")
    small = DATA / "small"
    if not small.is_dir():
        subprocess.run(["cp", "-al", str(TREE / "boto3"), str(small)], check=True)
    for tree in (small, TREE, big, bigfiles):
        files = sum(len(f) for _, _, f in os.walk(tree))
        print(f"{tree.name:6}: {files:6} files  peak RSS {peak_rss_mb(tree):6.1f} MB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tree", choices=("package", "full"), default="package")
    parser.add_argument("--compare-src", help="another lambherd src folder, timed alike")
    parser.add_argument("--level", type=int, default=None, help="override the compression level")
    parser.add_argument("--backend", default=None, help="libdeflate, isal or zlib")
    parser.add_argument(
        "--memory", action="store_true", help="peak RSS on a ~1.2 GB tree (4 hard-linked copies)"
    )
    args = parser.parse_args()
    if args.memory:
        return memory()

    files, total = make_package() if args.tree == "package" else make_tree()
    tree = PACKAGE if args.tree == "package" else TREE
    print(f"tree: {tree} — {files} files, {total / 1e6:.1f} MB")
    theirs = DATA / "infozip.zip"
    level = "" if args.level is None else str(args.level)
    tools: dict[str, tuple[list[str], dict[str, str] | None, Path | None]] = {
        "info-zip -6": (["zip", "-r", "-X", "-q", "-6", str(theirs), "."], None, theirs),
    }
    mine = DATA / "ours.zip"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    ours = [sys.executable, "-c", OURS, str(tree), str(mine), args.backend or "", level]
    tools["lambherd (this tree)"] = (ours, env, mine)
    if args.compare_src:
        before = DATA / "before.zip"
        argv = [sys.executable, "-c", OURS, str(tree), str(before), args.backend or "", level]
        tools["lambherd (compared)"] = (argv, dict(os.environ, PYTHONPATH=args.compare_src), before)
    limit_argv = [sys.executable, "-c", LIMIT, str(tree), str(args.level or 6)]
    walls: dict[str, list[float]] = {name: [] for name in [*tools, "compress-only limit"]}
    cpus: dict[str, list[float]] = {name: [] for name in walls}
    outputs: dict[str, str] = {}
    for _ in range(args.runs):
        for name, (argv, child_env, _dest) in tools.items():
            if name.startswith("info-zip"):
                theirs.unlink(missing_ok=True)
                wall, cpu, out = run_child(argv, cwd=tree)
            else:
                wall, cpu, out = run_child(argv, child_env)
            walls[name].append(wall)
            cpus[name].append(cpu)
            outputs[name] = out.strip()
        _, _, out = run_child(limit_argv, env)
        inner_wall, inner_cpu = (float(x) for x in out.split())
        walls["compress-only limit"].append(inner_wall)
        cpus["compress-only limit"].append(inner_cpu)

    med = {name: statistics.median(v) for name, v in walls.items()}
    cpu = {name: statistics.median(v) for name, v in cpus.items()}
    size = {name: dest.stat().st_size for name, (_, _, dest) in tools.items() if dest}
    load = os.getloadavg()[0]
    print(
        f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}  median of {args.runs}  "
        f"load average {load:.1f} (a shared machine moves wall times; CPU times move less)"
    )
    zip_wall, zip_size = med["info-zip -6"], size["info-zip -6"]
    limit = med["compress-only limit"]
    for name in tools:
        ratio = zip_wall / med[name]
        line = f"{name:22}: {med[name]:6.2f} s  cpu {cpu[name]:6.2f} s  {size[name] / 1e6:8.2f} MB"
        if not name.startswith("info-zip"):
            line += (
                f"  {ratio:4.2f}x info-zip  size {size[name] / zip_size:.4f}  "
                f"{limit / med[name] * 100:3.0f}% of the limit  [{outputs[name].split()[-1]}]"
            )
        print(line)
    print(
        f"{'compress-only limit':22}: {limit:6.2f} s  cpu {cpu['compress-only limit']:6.2f} s  "
        f"({os.cpu_count()} threads, libdeflate {args.level or 6}, data in memory)"
    )
    if args.compare_src:
        a, b = med["lambherd (this tree)"], med["lambherd (compared)"]
        c = cpu["lambherd (compared)"] / cpu["lambherd (this tree)"]
        print(f"this tree vs compared: {b / a:.2f}x faster (cpu: {c:.2f}x less)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
