"""Runtime mismatch: a python3.12 function runs on Python 3.12 through a prepared environment.

The session's runtime cache (``runtime_cache`` in conftest) is shared with the rest of the
suite, so python3.12 is prepared at most once per session; the tests of building, locking and
repairing use their own cache folders.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from conftest import free_port
from lambherd.local import FunctionSpec, LocalRuntime, runtimes
from lambherd.local.interpreters import _candidates, _probe, resolve_interpreter

pytestmark = pytest.mark.timeout(240)

CURRENT = f"{sys.version_info.major}.{sys.version_info.minor}"
OTHER = "3.12" if CURRENT != "3.12" else "3.13"
HANDLER = (
    "import importlib.util, sys\n\n"
    "def handler(event, context):\n"
    "    return {'version': list(sys.version_info[:2]), 'prefix': sys.prefix,\n"
    "            'click': importlib.util.find_spec('click') is not None,\n"
    "            'boto3': importlib.util.find_spec('boto3') is not None}\n"
)


def _base_python(version: str) -> str | None:
    """An installed interpreter of ``version`` (not ours), or None."""
    for exe in _candidates(version):
        found = _probe(exe)
        if found is not None and found.version == version:
            return exe
    return None


BASE = _base_python(OTHER)
needs_other = pytest.mark.skipif(
    BASE is None, reason=f"no Python {OTHER} interpreter is installed on this machine"
)


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "app.py").write_text(HANDLER)
    return folder


def _invoke(code: Path, runtime: str = f"python{OTHER}") -> tuple[dict[str, Any], list[str]]:
    lines: list[str] = []
    with LocalRuntime(notify=lines.append) as rt:
        rt.register(FunctionSpec(name="fn", handler="app.handler", runtime=runtime, code_dir=code))
        result = rt.invoke("fn", b"{}")
        warnings = list(rt.warnings)
    assert result.function_error is None, result.payload
    return json.loads(result.payload), warnings + lines


def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "runtimes"
    monkeypatch.setenv("LAMBHERD_RUNTIME_CACHE", str(root))
    return root


@needs_other
@pytest.mark.slow
def test_function_runs_on_the_runtime_s_python(code_dir: Path, runtime_cache: Path) -> None:
    body, notes = _invoke(code_dir)
    assert body["version"] == [int(p) for p in OTHER.split(".")]
    assert not [n for n in notes if "running with Python" in n]
    folder = runtimes.environment_folder(OTHER)
    assert folder.parent == runtime_cache
    assert Path(body["prefix"]) == folder  # the prepared venv, not the base interpreter
    assert body["boto3"] is True  # Lambda's Python runtimes ship boto3
    assert body["click"] is False  # none of our own site-packages leak into the child
    stamp = json.loads((folder / runtimes.STAMP).read_text())
    assert stamp["runtime"] == f"python{OTHER}"
    assert stamp["requirements"] == runtimes.requirements(OTHER)
    assert stamp["installed"]["python"].startswith(f"{OTHER}.")
    ours = metadata.version("awslambdaric").split(".")[0]
    assert stamp["installed"]["awslambdaric"].split(".")[0] == ours  # same major as ours


@needs_other
def test_cached_preparation_installs_nothing(runtime_cache: Path) -> None:
    assert BASE is not None
    first = runtimes.prepare_runtime(OTHER, BASE)  # built here or by an earlier test
    lines: list[str] = []
    started = time.perf_counter()
    again = runtimes.prepare_runtime(OTHER, BASE, notify=lines.append)
    elapsed = time.perf_counter() - started
    assert lines == []  # no "preparing ..." line: nothing was built
    assert again.stamp == first.stamp and again.python == first.python
    assert elapsed < 0.5, f"a cached environment took {elapsed:.2f} s"


@needs_other
@pytest.mark.slow
def test_concurrent_preparation_builds_once(tmp_path: Path) -> None:
    root = tmp_path / "runtimes"
    script = (
        "import json, sys, threading\n"
        "from pathlib import Path\n"
        "from lambherd.local import runtimes\n"
        "notes, out = [], []\n"
        "def go():\n"
        "    out.append(runtimes.prepare_runtime(sys.argv[1], sys.argv[2],\n"
        "               root=Path(sys.argv[3]), notify=notes.append).python)\n"
        "threads = [threading.Thread(target=go) for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(json.dumps({'built': len(notes), 'pythons': out}))\n"
    )
    argv = [sys.executable, "-c", script, OTHER, str(BASE), str(root)]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    reports = [json.loads(p.communicate(timeout=200)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(r["built"] for r in reports) == 1  # 3 processes x 2 threads, one build
    pythons = {py for r in reports for py in r["pythons"]}
    assert pythons == {str(runtimes.environment_folder(OTHER, root) / "bin" / "python")}
    assert not list(root.glob(".*"))  # no temporary folders left behind


@needs_other
@pytest.mark.slow
def test_half_made_environment_is_rebuilt(tmp_path: Path) -> None:
    assert BASE is not None
    root = tmp_path / "runtimes"
    built = runtimes.prepare_runtime(OTHER, BASE, root=root)
    site = built.folder / "lib" / f"python{OTHER}" / "site-packages"
    for path in site.glob("runtime_client*.so"):  # a build that died half-way
        path.unlink()
    stale = root / f".{built.folder.name}.tmp-dead"
    stale.mkdir()
    assert runtimes.cached_runtime(OTHER, root) is None
    lines: list[str] = []
    again = runtimes.prepare_runtime(OTHER, BASE, root=root, notify=lines.append)
    assert len(lines) == 1 and lines[0].startswith(f"preparing the python{OTHER} runtime")
    assert list(site.glob("runtime_client*.so")) and not stale.exists()
    done = subprocess.run(
        [again.python, "-c", "import awslambdaric, runtime_client, boto3"], check=False
    )
    assert done.returncode == 0


@needs_other
def test_provisioning_off_falls_back_with_one_warning(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lh: Any
) -> None:
    _fresh_cache(tmp_path, monkeypatch)
    monkeypatch.setenv("LAMBHERD_RUNTIME_PROVISION", "0")
    res, warning = _invoke_falling_back(lh, code_dir)
    assert f"runtime python{OTHER}: Python {OTHER}" in warning
    assert "LAMBHERD_RUNTIME_PROVISION=0" in warning and f"Python {CURRENT}" in warning
    assert "preparing the python" not in res.err
    assert not (tmp_path / "runtimes").exists()  # nothing was prepared


@needs_other
def test_failed_preparation_falls_back_with_one_warning(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lh: Any
) -> None:
    root = _fresh_cache(tmp_path, monkeypatch)
    monkeypatch.setenv("UV_OFFLINE", "1")  # as if offline, with nothing in uv's cache
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-uv-cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # the same for pip, should uv be missing
    res, warning = _invoke_falling_back(lh, code_dir)
    assert f"could not prepare a Python {OTHER} environment" in warning
    assert "LAMBHERD_LOCAL_PYTHON" in warning and f"Python {CURRENT} instead" in warning
    assert res.err.count("preparing the python") == 1
    assert runtimes.cached_runtime(OTHER, root) is None
    assert [p.name for p in root.iterdir()] == [f"python{OTHER}-{os.uname().machine}.lock"]


def test_forced_interpreter(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lh: Any
) -> None:
    _fresh_cache(tmp_path, monkeypatch)
    monkeypatch.setenv("LAMBHERD_LOCAL_PYTHON", sys.executable)
    _write_definition(code_dir, f"python{OTHER}")
    res = lh("-C", code_dir, "local", "invoke")
    assert res.code == 0, res.err
    assert json.loads(res.out)["version"] == list(sys.version_info[:2])
    assert (
        f"warning: runtime python{OTHER}: LAMBHERD_LOCAL_PYTHON={sys.executable} is "
        f"Python {CURRENT}; running with it"
    ) in res.err
    assert not (tmp_path / "runtimes").exists()  # forced: nothing prepared

    monkeypatch.setenv("LAMBHERD_LOCAL_PYTHON", str(tmp_path / "no-such-python"))
    res = lh("-C", code_dir, "local", "invoke")
    assert res.code == 1 and "Traceback" not in res.err
    assert res.err.strip() == (
        f"error: LAMBHERD_LOCAL_PYTHON={tmp_path / 'no-such-python'}: "
        "not a Python interpreter that runs"
    )


@needs_other
@pytest.mark.slow
def test_forced_interpreter_of_the_right_version(
    code_dir: Path, runtime_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BASE is not None
    prepared = runtimes.prepare_runtime(OTHER, BASE)
    monkeypatch.setenv("LAMBHERD_LOCAL_PYTHON", prepared.python)
    assert resolve_interpreter(f"python{OTHER}").executable == prepared.python
    body, notes = _invoke(code_dir)
    assert body["version"] == [int(p) for p in OTHER.split(".")] and notes == []


def _write_definition(folder: Path, runtime: str) -> None:
    definition = {
        "FunctionName": "fn",
        "Handler": "app.handler",
        "Runtime": runtime,
        "Role": "arn:aws:iam::123456789012:role/lambda",
        "MemorySize": 128,
        "Timeout": 10,
    }
    (folder / "function.json").write_text(json.dumps(definition))


def _invoke_falling_back(lh: Any, code_dir: Path) -> tuple[Any, str]:
    """``local invoke`` of a python{OTHER} function that runs on our Python with one warning."""
    _write_definition(code_dir, f"python{OTHER}")
    res = lh("-C", code_dir, "local", "invoke")
    assert res.code == 0, res.err
    assert json.loads(res.out)["version"] == list(sys.version_info[:2])
    warnings = [ln for ln in res.err.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "Traceback" not in res.err
    return res, warnings[0]


# -- the sandbox uses the same runtimes ----------------------------------------------------------


@needs_other
@pytest.mark.slow
def test_sandbox_runs_the_runtime_s_python_and_reports_no_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lh: Any, runtime_cache: Path
) -> None:
    import boto3

    from lambherd.sandbox import process

    port, state = free_port(), tmp_path / "state"
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("LAMBHERD_SANDBOX", raising=False)
    monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", str(port))
    monkeypatch.setenv("LAMBHERD_SANDBOX_DIR", str(state))
    endpoint = process.start_background(port, state)
    try:
        lam = boto3.client(
            "lambda",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("app.py", HANDLER)
        lam.create_function(
            FunctionName="ver",
            Runtime=f"python{OTHER}",
            Role="arn:aws:iam::123456789012:role/x",
            Handler="app.handler",
            Code={"ZipFile": buf.getvalue()},
        )
        body = json.loads(lam.invoke(FunctionName="ver")["Payload"].read())
        assert body["version"] == [int(p) for p in OTHER.split(".")]
        assert process.status(port, state).warnings == ()
        assert "note:" not in lh("sandbox", "status").out
    finally:
        assert process.stop(state)


@needs_other
@pytest.mark.slow
def test_pip_prepares_the_environment_when_uv_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambherd.build import installer

    assert BASE is not None
    monkeypatch.setattr(installer, "_uv_binary", lambda: None)
    prepared = runtimes.prepare_runtime(OTHER, BASE, root=tmp_path / "runtimes")
    assert prepared.stamp["installer"] == "pip"
    assert runtimes.cached_runtime(OTHER, tmp_path / "runtimes") == prepared
