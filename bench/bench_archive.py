"""Benchmark: lambherd's deterministic zip vs Info-ZIP ``zip -r -X -q -6`` on the same tree.

Builds (once) a tree of ~19,000 files / ~300 MB under ``bench/.data/tree`` by copying
site-packages folders of this Python, then times each tool (median of N runs) and prints the
ratio of times and of sizes.

    python3 bench/bench_archive.py [--runs 3] [--level N] [--backend isal|zlib|deflate]
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
PACKAGES = ("botocore", "boto3", "moto", "awscli", "sympy", "numpy", "scipy")


def site_folders() -> list[Path]:
    """Where PACKAGES are looked for: this interpreter's site-packages, then its base
    interpreter's (a venv lacks numpy & co.; the tree is the same whichever runs the bench)."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    found = [
        Path(sysconfig.get_paths()["purelib"]),
        Path(sysconfig.get_paths(vars=base)["purelib"]),
    ]
    return list(dict.fromkeys(found))


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
    files = total = 0
    for root, _dirs, names in os.walk(TREE):
        for n in names:
            p = os.path.join(root, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                total += os.path.getsize(p)
    return files, total


def time_runs(fn, runs: int) -> float:
    """Median wall time of ``fn()`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    parser.add_argument("--level", type=int, default=None, help="override the compression level")
    parser.add_argument("--backend", default=None, help="libdeflate, isal or zlib")
    parser.add_argument(
        "--memory", action="store_true", help="peak RSS on a ~1.2 GB tree (4 hard-linked copies)"
    )
    args = parser.parse_args()
    if args.memory:
        return memory()

    from lambherd.archive import build_archive, zipwriter

    if args.backend or args.level is not None:
        zipwriter.set_codec(args.backend or zipwriter.active_codec().name, args.level)
    codec = zipwriter.active_codec()

    files, total = make_tree()
    print(f"tree: {TREE} — {files} files, {total / 1e6:.1f} MB")
    ours = DATA / "ours.zip"
    theirs = DATA / "infozip.zip"

    def run_ours() -> None:
        build_archive(TREE, ours, max_zipped_bytes=None, max_unzipped_bytes=None)

    def run_zip() -> None:
        theirs.unlink(missing_ok=True)
        subprocess.run(["zip", "-r", "-X", "-q", "-6", str(theirs), "."], cwd=TREE, check=True)

    t_zip = time_runs(run_zip, args.runs)
    t_ours = time_runs(run_ours, args.runs)
    s_zip = theirs.stat().st_size
    s_ours = ours.stat().st_size
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    label = f"lambherd {codec.name}:{codec.level}"
    print(f"{'info-zip -6':<22}: {t_zip:7.2f} s  {s_zip / 1e6:8.2f} MB  (median of {args.runs})")
    print(f"{label:<22}: {t_ours:7.2f} s  {s_ours / 1e6:8.2f} MB")
    print(f"speed-up: {t_zip / t_ours:.2f}x  size ratio (ours/info-zip): {s_ours / s_zip:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
