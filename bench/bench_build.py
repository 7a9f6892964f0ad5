"""Benchmark: ``lambherd build`` cold and warm versus ``sam build`` / ``sam build --cached``
on the same function (requirements: requests, pydantic), as ratios measured in one run.

    python3 bench/bench_build.py [--runs 3] [--sam /tmp/lambherd-bench-sam/bin/sam]

aws-sam-cli is never a project dependency: without ``--sam`` it is installed (once) into its
own venv under /tmp. Both tools build for the machine's Python version (``python3.11``: sam
builds with the local interpreter of the runtime's version) and x86_64. lambherd runs as a
fresh process (``python -m lambherd build``), like sam.

- cold: no lambherd build and an empty shared cache (uv's own download cache stays warm, as
  pip's does for sam); also "cold, empty uv cache": packages downloaded from PyPI again.
- warm: nothing changed since the last build.
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

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
REQUIREMENTS = "requests\npydantic\n"
SAM_VENV = Path("/tmp/lambherd-bench-sam")
TEMPLATE = f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: {RUNTIME}
      Architectures: [x86_64]
"""
APP = "import pydantic, requests\n\ndef handler(event, context):\n    return 1\n"


def ensure_sam(explicit: str | None) -> str:
    if explicit:
        return explicit
    sam = SAM_VENV / "bin" / "sam"
    if not sam.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SAM_VENV)], check=True)
        pip = [str(SAM_VENV / "bin" / "pip"), "install", "-q", "aws-sam-cli"]
        subprocess.run(pip, check=True)
    return str(sam)


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sam")
    args = parser.parse_args()
    sam = ensure_sam(args.sam)
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        base = Path(tmp)
        fn = base / "fn"
        fn.mkdir()
        definition = {"FunctionName": "b", "Runtime": RUNTIME, "Handler": "app.handler"}
        (fn / "function.json").write_text(json.dumps(definition))
        (fn / "requirements.txt").write_text(REQUIREMENTS)
        (fn / "app.py").write_text(APP)
        samdir = base / "sam"
        (samdir / "src").mkdir(parents=True)
        (samdir / "template.yaml").write_text(TEMPLATE)
        (samdir / "src" / "requirements.txt").write_text(REQUIREMENTS)
        (samdir / "src" / "app.py").write_text(APP)
        lh = [sys.executable, "-m", "lambherd", "-C", str(fn), "build"]
        timed([sam, "build"], samdir, env)  # warm pip's cache, as uv's is below
        timed(lh, fn, dict(env, LAMBHERD_CACHE_DIR=str(base / "warmup")))
        for run in range(args.runs):
            results.setdefault("sam build", []).append(timed([sam, "build"], samdir, env))
            results.setdefault("sam build --cached", []).append(
                timed([sam, "build", "--cached"], samdir, env)
            )
            shutil.rmtree(fn / ".lambherd", ignore_errors=True)
            cold_env = dict(env, LAMBHERD_CACHE_DIR=str(base / f"cache{run}"))
            results.setdefault("lambherd build (cold)", []).append(timed(lh, fn, cold_env))
            results.setdefault("lambherd build (warm)", []).append(timed(lh, fn, cold_env))
            shutil.rmtree(fn / ".lambherd", ignore_errors=True)
            empty_uv = dict(
                env,
                LAMBHERD_CACHE_DIR=str(base / f"ecache{run}"),
                UV_CACHE_DIR=str(base / f"uv{run}"),
            )
            results.setdefault("lambherd build (cold, empty uv cache)", []).append(
                timed(lh, fn, empty_uv)
            )
        size = sum(f.stat().st_size for f in (fn / ".lambherd" / "build").rglob("*") if f.is_file())
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"function: {RUNTIME} x86_64, requirements: requests, pydantic ({size / 1e6:.1f} MB)")
    for name, value in med.items():
        runs = ", ".join(f"{x:.2f}" for x in results[name])
        print(f"{name:40s} median {value:6.2f} s   ({runs})")
    print(f"cold / sam build          = {med['lambherd build (cold)'] / med['sam build']:.3f}")
    print(
        "cold (empty uv) / sam build = "
        f"{med['lambherd build (cold, empty uv cache)'] / med['sam build']:.3f}"
    )
    print(
        "warm / sam build --cached = "
        f"{med['lambherd build (warm)'] / med['sam build --cached']:.3f}"
    )


if __name__ == "__main__":
    main()
