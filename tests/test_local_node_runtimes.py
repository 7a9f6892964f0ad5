"""Node.js runtime environments: aws-lambda-ric prepared once per Node major in the runtime cache,
the machine's node matched to the runtime's major (or one warning naming the one used), and one
clear line when the client cannot be built here."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from lambherd.errors import LocalRuntimeError
from lambherd.local import node, node_runtimes
from lambherd.local.runtime_kinds import resolve_runtime
from local_testkit import NODE, needs_node

pytestmark = [needs_node, pytest.mark.timeout(1800)]


def _node_version() -> str:
    import subprocess

    return subprocess.run(
        ["node", "-p", "process.versions.node"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(autouse=True)
def fresh_memo():
    node._resolve.cache_clear()
    yield
    node._resolve.cache_clear()


@pytest.mark.slow
def test_the_ric_is_prepared_once_and_then_found_in_the_cache(runtime_cache: Path) -> None:
    version = _node_version()
    lines: list[str] = []
    first = node_runtimes.prepare_node_runtime(shutil.which("node"), version, notify=lines.append)
    assert first.folder == runtime_cache / f"node{version.split('.')[0]}-{os.uname().machine}"
    stamp = json.loads((first.folder / "lambherd-runtime.json").read_text())
    major = int(version.split(".")[0])
    assert stamp["requirement"] == f"aws-lambda-ric@{node_runtimes.ric_version(major)}"
    assert stamp["installed"]["aws-lambda-ric"] == node_runtimes.ric_version(major)
    assert stamp["node_version"] == version
    assert not (first.folder / "node_modules" / "aws-lambda-ric" / "deps").exists()  # sources
    again: list[str] = []
    started = time.perf_counter()
    cached = node_runtimes.prepare_node_runtime(shutil.which("node"), version, notify=again.append)
    assert again == [] and cached.entry == first.entry
    assert time.perf_counter() - started < 0.5


def test_ric_release_follows_the_node_major() -> None:
    assert node_runtimes.ric_version(20) == "3.3.0"  # 4.x requires Node >= 22
    assert node_runtimes.ric_version(22) == node_runtimes.ric_version(24) == "4.0.2"


def test_missing_build_tools_are_named_in_one_line(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(shutil.which("node"))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("LAMBHERD_RUNTIME_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(LocalRuntimeError) as info:
        resolve_runtime(NODE)
    message = info.value.message
    assert message.startswith("cannot build aws-lambda-ric@")
    assert (
        "missing build tools (Debian packages: cmake make g++ autoconf automake libtool" in message
    )
    assert "\n" not in message


@pytest.mark.slow
def test_another_major_runs_on_this_node_with_one_warning(runtime_cache: Path) -> None:
    wanted = "24" if _node_version().startswith("22.") else "22"
    if any(node._probe(c) and node._probe(c).major == wanted for c in node._candidates(wanted)):
        pytest.skip(f"this machine has a Node.js {wanted}")
    chosen = resolve_runtime(f"nodejs{wanted}.x")
    assert chosen.version == _node_version().split(".")[0]
    assert chosen.warning.startswith(f"runtime nodejs{wanted}.x: no Node.js {wanted} found;")
    assert f"running with Node.js {_node_version()}" in chosen.warning


def test_a_forced_node_that_does_not_run_is_refused(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("LAMBHERD_LOCAL_NODE", str(fake))
    with pytest.raises(LocalRuntimeError, match=r"LAMBHERD_LOCAL_NODE=.*not a Node\.js that runs"):
        resolve_runtime(NODE)
