"""Prepared runtime environments: a venv per Python runtime with only what Lambda's runtime has.

Every Python runtime — also the one of lambherd's own interpreter — runs in a virtual
environment of its own, made (once) from a base interpreter of that version under the cache
folder (``$LAMBHERD_RUNTIME_CACHE``, else ``$XDG_CACHE_HOME/lambherd/runtimes``, else
``~/.cache/lambherd/runtimes``), never with lambherd's site-packages: a function that imports
``yaml`` or ``requests`` without packaging them fails here as it fails on Lambda. It holds
``awslambdaric`` (same major version as ours) and the boto3/botocore Lambda's runtime includes
(``RUNTIME_SDK`` below, with its source). uv builds it; pip when uv is missing.

Safe to call from many threads and processes at once: a file lock per environment serialises
the builds, each build happens in a temporary folder renamed into place when complete, and a
stamp (``lambherd-runtime.json``, written last) says what was installed. A folder without a
valid stamp is half-made and is rebuilt.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from lambherd.errors import LocalRuntimeError

STAMP = "lambherd-runtime.json"
#: Bumped when the layout of a prepared environment changes (old ones are rebuilt).
STAMP_FORMAT = 3  # 2: boto3/botocore pinned to the runtime's (RUNTIME_SDK); 3: bytecode compiled
#: How long one process waits for another one's build of the same environment.
LOCK_WAIT_S = 600.0
INSTALL_TIMEOUT_S = 600.0
_PROBE = (
    "import json, sys\n"
    "from importlib import metadata\n"
    "import awslambdaric, runtime_client, boto3\n"
    "print(json.dumps({'python': '%d.%d.%d' % sys.version_info[:3], "
    "'awslambdaric': metadata.version('awslambdaric'), 'boto3': metadata.version('boto3')}))\n"
)


@dataclass(frozen=True)
class PreparedRuntime:
    """A ready environment: its interpreter and what its stamp says."""

    python: str
    folder: Path
    stamp: dict[str, object]


def cache_root() -> Path:
    """Where prepared environments live (``LAMBHERD_RUNTIME_CACHE`` overrides)."""
    explicit = os.environ.get("LAMBHERD_RUNTIME_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lambherd" / "runtimes"


#: The AWS SDK for Python each managed runtime includes: (boto3, botocore). Source: the AWS Lambda
#: Developer Guide's runtime tables ("Lambda runtimes", SDK column; "Building Lambda functions
#: with Python", "Runtime-included SDK versions"), the last edition that listed each runtime:
#: python3.8 to 3.11 boto3-1.26.90 botocore-1.29.90 (2023), python3.12 boto3-1.28.72
#: botocore-1.31.72 (at its launch, Nov 2023), python3.13 boto3-1.34.145 botocore-1.34.145 (Nov
#: 2024). AWS now says the included version "depends on the runtime version and your AWS
#: Region" and updates it over time without a table; a function printing boto3.__version__
#: shows the one a region runs. A runtime not listed gets the newest boto3 (and a note in the
#: stamp). Bundle boto3 in the package when the exact version matters.
RUNTIME_SDK: dict[str, tuple[str, str]] = {
    "3.8": ("1.26.90", "1.29.90"),
    "3.9": ("1.26.90", "1.29.90"),
    "3.10": ("1.26.90", "1.29.90"),
    "3.11": ("1.26.90", "1.29.90"),
    "3.12": ("1.28.72", "1.31.72"),
    "3.13": ("1.34.145", "1.34.145"),
}


def requirements(version: str | None = None) -> list[str]:
    """What a prepared environment of Python ``version`` holds: awslambdaric of our major
    version, and boto3/botocore at the versions Lambda's runtime includes (``RUNTIME_SDK``)."""
    try:
        major = int(metadata.version("awslambdaric").split(".")[0])
        ric = f"awslambdaric>={major},<{major + 1}"
    except (metadata.PackageNotFoundError, ValueError):
        ric = "awslambdaric"
    sdk = RUNTIME_SDK.get(version or "")
    if sdk is None:
        return [ric, "boto3"]
    return [ric, f"boto3=={sdk[0]}", f"botocore=={sdk[1]}"]


def environment_folder(version: str, root: Path | None = None) -> Path:
    """The folder of the prepared environment for Python ``version`` ("3.12") on this CPU."""
    return (root or cache_root()) / f"python{version}-{platform.machine() or 'unknown'}"


def _venv_python(folder: Path) -> Path:
    return folder / "bin" / "python"


def cached_runtime(version: str, root: Path | None = None) -> PreparedRuntime | None:
    """The prepared environment for ``version`` when it is complete and current, else None.

    Cheap (file checks only): a valid stamp for today's requirements, an interpreter that
    still resolves (its base Python may have been removed), and awslambdaric's files.
    """
    folder = environment_folder(version, root)
    stamp = _read_stamp(folder)
    if stamp is None:
        return None
    if stamp.get("format") != STAMP_FORMAT or stamp.get("requirements") != requirements(version):
        return None
    python = _venv_python(folder)
    if not python.exists() or not os.path.exists(str(stamp.get("base", ""))):
        return None
    site = folder / "lib" / f"python{version}" / "site-packages"
    if not (site / "awslambdaric").is_dir() or not list(site.glob("runtime_client*.so")):
        return None
    return PreparedRuntime(str(python), folder, stamp)


def _read_stamp(folder: Path) -> dict[str, object] | None:
    try:
        data = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def prepare_runtime(
    version: str,
    base_python: str,
    *,
    root: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> PreparedRuntime:
    """The environment for Python ``version``, built from ``base_python`` unless cached.

    ``notify`` receives one line when a build starts (never when cached). Raises
    ``LocalRuntimeError`` with the reason when the environment cannot be made.
    """
    from lambherd.build.cache import key_lock  # a lock per key (here: per environment folder)

    found = cached_runtime(version, root)
    if found is not None:
        return found
    folder = environment_folder(version, root)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalRuntimeError(f"cannot create the runtime cache {folder.parent}: {exc}") from exc
    with key_lock(str(folder)), _file_lock(folder.parent / f"{folder.name}.lock"):
        found = cached_runtime(version, root)  # built by another process while we waited
        if found is not None:
            return found
        if notify is not None:
            notify(
                f"preparing the python{version} runtime environment (once): a venv of "
                f"{base_python} with {', '.join(requirements(version))} in {folder}"
            )
        try:
            _remove_leftovers(folder)
            temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        except OSError as exc:
            raise LocalRuntimeError(f"cannot write in {folder.parent}: {exc}") from exc
        try:
            os.chmod(temp, 0o755)
            stamp = _build(temp, version, base_python)
            (temp / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
            _replace(temp, folder)
        except OSError as exc:
            raise LocalRuntimeError(f"cannot write {folder}: {exc}") from exc
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    found = cached_runtime(version, root)
    if found is None:
        raise LocalRuntimeError(f"the environment built in {folder} is incomplete")
    return found


def _build(temp: Path, version: str, base_python: str) -> dict[str, object]:
    """Make the venv in ``temp`` and install the requirements; the stamp to write."""
    from lambherd.build.installer import find_installer

    installer = find_installer()
    if installer.name == "uv":
        uv = installer.argv[0]
        tool = _tool_version([uv, "--version"]) or "uv"
        _run(
            [uv, "venv", "--quiet", "--no-project", "--python", base_python, str(temp)],
            "uv venv",
        )
        _run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--compile-bytecode",  # children run with PYTHONDONTWRITEBYTECODE (cold starts)
                "--python",
                str(_venv_python(temp)),
                *requirements(version),
            ],
            "uv pip install",
        )
    else:
        tool = "pip"
        _run([base_python, "-m", "venv", str(temp)], f"{base_python} -m venv")
        _run(
            [
                str(_venv_python(temp)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *requirements(version),
            ],
            "pip install",
        )
    probe = _run([str(_venv_python(temp)), "-c", _PROBE], "the new environment's check")
    try:
        installed = json.loads(probe.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise LocalRuntimeError("the new environment's check printed no versions") from None
    if not str(installed.get("python", "")).startswith(f"{version}."):
        raise LocalRuntimeError(
            f"{base_python} is Python {installed.get('python')}, not Python {version}"
        )
    return {
        "format": STAMP_FORMAT,
        "runtime": f"python{version}",
        "machine": platform.machine(),
        "base": os.path.realpath(base_python),
        "requirements": requirements(version),
        "installed": installed,
        "installer": tool,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _run(argv: list[str], what: str) -> str:
    env = dict(os.environ)
    env.update({"UV_NO_PROGRESS": "1", "PIP_NO_INPUT": "1"})
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PYTHON", "UV_PROJECT_ENVIRONMENT"):
        env.pop(name, None)
    return run_tool(argv, what, env=env, timeout_s=INSTALL_TIMEOUT_S)


def run_tool(
    argv: list[str],
    what: str,
    *,
    env: dict[str, str],
    timeout_s: float,
    cwd: Path | None = None,
    noise: tuple[str, ...] = (),
) -> str:
    """Run an installer step; its stdout, or LocalRuntimeError naming ``what`` and the last
    line it wrote (lines starting with one of ``noise`` skipped where others exist)."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except FileNotFoundError:
        raise LocalRuntimeError(f"{what}: {argv[0]} not found") from None
    except OSError as exc:
        raise LocalRuntimeError(f"{what}: {exc}") from None
    except subprocess.TimeoutExpired:
        raise LocalRuntimeError(f"{what}: no result after {timeout_s:.0f} s") from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        useful = [ln for ln in lines if not ln.startswith(noise)] if noise else lines
        reason = (useful or lines or [f"exit status {done.returncode}"])[-1]
        raise LocalRuntimeError(f"{what} failed: {reason}")
    return done.stdout


def _tool_version(argv: list[str]) -> str:
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _replace(temp: Path, folder: Path) -> None:
    """Move the finished ``temp`` to ``folder``, replacing a broken one (the lock is held)."""
    old = None
    if folder.exists() or folder.is_symlink():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(folder, old)
    os.rename(temp, folder)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _remove_leftovers(folder: Path) -> None:
    """Temporary folders of builds that died half-way (only the lock holder builds)."""
    for stale in folder.parent.glob(f".{folder.name}.*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``, waited for up to ``LOCK_WAIT_S``."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LocalRuntimeError(f"cannot create the lock {path}: {exc}") from exc
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise LocalRuntimeError(f"cannot lock {path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise LocalRuntimeError(
                        f"another process has been preparing {path.stem} for "
                        f"{LOCK_WAIT_S:.0f} s (lock {path})"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# Shared with the Node.js environments (``node_runtimes``): the same stamp, lock and swap.
read_stamp = _read_stamp
file_lock = _file_lock
remove_leftovers = _remove_leftovers
replace_folder = _replace
