"""Benchmark: start-up time of ``lambherd --help``, ``deploy --help`` and ``validate --help``.

Everything runs with the interpreter of a *clean* venv: one made in a temporary folder (or
given with ``--clean-venv DIR``, made there if missing) holding click alone, the version this
venv has, installed by pip with no dependencies. A dev venv (setuptools' .pth hook, certifi's,
an editable finder) and the host interpreter make every start dearer and flatter the ratios.
The peers, measured in the same run, interleaved: ``python -c pass`` and ``python -c "import
click"``; lambherd runs as the console script pip writes (``lambherd ...``, and once as
``python -m lambherd deploy --help``) with this tree's ``src`` (or ``--src``) on PYTHONPATH,
which is all a help path may need (it imports click and nothing else outside the
standard library). Bytecode is cached for every command alike in a private
PYTHONPYCACHEPREFIX (a PYTHONDONTWRITEBYTECODE in the environment would make lambherd
recompile its modules on every start while click reads its installed .pyc files).

Target (issue 20): ``lambherd --help`` and ``lambherd deploy --help`` <= 1.3x ``import click``.
``--compare-src DIR`` also measures the same commands with another source tree (e.g. main's
``src``), interleaved in the same run, and prints each command's ratio to it. ``sam --help``
is measured too when ``sam`` is on PATH (or given with ``--sam``).

    .venv/bin/python bench/bench_startup.py [--runs 30] [--clean-venv DIR] [--compare-src DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

#: ``lambherd --help`` and ``deploy --help`` against ``python -c "import click"``.
TARGET_RATIO = 1.3
TARGETED = ("lambherd --help", "lambherd deploy --help")
SRC = Path(__file__).resolve().parents[1] / "src"


def clean_venv(where: Path) -> Path:
    """The interpreter of a venv at ``where`` holding click alone (made if missing)."""
    python = where / "bin" / "python"
    version = metadata.version("click")
    if python.exists() and _click_version(python) == version:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "--no-deps", f"click=={version}"], check=True)
    if _click_version(python) != version:
        raise SystemExit(f"{where}: could not install click {version}")
    return python


#: What pip writes as the ``lambherd`` console script (``[project.scripts]``).
_CONSOLE_SCRIPT = """#!{python}
import re
import sys
from lambherd.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


def console_script(where: Path, python: Path) -> Path:
    """``lambherd`` as pip installs it, run by the clean venv's interpreter (the code comes from
    PYTHONPATH): what a user types, without ``-m``'s runpy."""
    script = where / "lambherd"
    script.write_text(_CONSOLE_SCRIPT.format(python=python), encoding="utf-8")
    script.chmod(0o755)
    return script


def _click_version(python: Path) -> str | None:
    done = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('click'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv`` (output discarded; a
    failure stops the benchmark). CPU time moves less than wall time on a busy machine."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read() if child.stderr else b""
    if child.stderr:
        child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)}: failed\n{err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU times per command, runs interleaved, after two warm-up runs each (the
    first writes the bytecode cache)."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for argv, env in commands.values():
        run_once(argv, env)
        run_once(argv, env)
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            wall, cpu = run_once(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--clean-venv", type=Path, help="venv to use (made with click if missing)")
    parser.add_argument("--src", type=Path, default=SRC, help="lambherd source tree to measure")
    parser.add_argument("--compare-src", type=Path, help="another lambherd source tree, alike")
    parser.add_argument("--sam", default=shutil.which("sam"), help="sam executable (optional)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lh-bench-startup-") as tmp:
        python = clean_venv(args.clean_venv or Path(tmp) / "venv")
        base = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        base["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        own_env = dict(base, PYTHONPATH=str(args.src.resolve()))
        py = str(python)
        script = str(console_script(Path(tmp), python))
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([py, "-c", "pass"], base),
            "python -c 'import click'": ([py, "-c", "import click"], base),
        }
        own = {
            "lambherd --help": ["--help"],
            "lambherd deploy --help": ["deploy", "--help"],
            "lambherd validate --help": ["validate", "--help"],
        }
        for name, rest in own.items():
            commands[name] = ([script, *rest], own_env)
        dash_m = [py, "-m", "lambherd", "deploy", "--help"]
        commands["python -m lambherd deploy --help"] = (dash_m, own_env)
        if args.compare_src:
            other = dict(base, PYTHONPATH=str(args.compare_src.resolve()))
            for name, rest in own.items():
                commands[f"{name} [compared]"] = ([script, *rest], other)
        if args.sam:
            commands["sam --help"] = ([args.sam, "--help"], dict(os.environ))
        walls, cpus = measure(commands, args.runs)

    med = {name: statistics.median(v) for name, v in walls.items()}
    cpu = {name: statistics.median(v) for name, v in cpus.items()}
    bare, click_ = med["python -c pass"], med["python -c 'import click'"]
    click_cpu = cpu["python -c 'import click'"]
    version = metadata.version("click")
    print(
        f"clean venv {python.parent.parent} (python {sys.version.split()[0]}, click {version}), "
        f"{os.cpu_count()} cpus, median of {args.runs} interleaved runs"
    )
    missed = []
    for name in commands:
        ratio = med[name] / click_
        verdict = ""
        if name in TARGETED:
            ok = ratio <= TARGET_RATIO
            verdict = f"  target <= {TARGET_RATIO}x click: {'ok' if ok else 'MISSED'}"
            if not ok:
                missed.append(name)
        print(
            f"{name:34} {med[name] * 1000:7.1f} ms  {med[name] / bare:5.2f}x bare  "
            f"{ratio:5.2f}x click  cpu {cpu[name] * 1000:6.1f} ms "
            f"({cpu[name] / click_cpu:4.2f}x click){verdict}"
        )
    if not args.sam:
        print("sam --help                         skipped (sam not on PATH)")
    if args.compare_src:
        print(f"against {args.compare_src} (same run, interleaved):")
        for name in own:
            ratio = med[name] / med[f"{name} [compared]"]
            cpu_ratio = cpu[name] / cpu[f"{name} [compared]"]
            print(f"{name:34} {ratio:5.2f}x the compared tree (cpu {cpu_ratio:5.2f}x)")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
