"""Helpers of the import and fidelity tests (not a test module): the AWS CLI from PyPI run the
way a user runs it, against the sandbox the test points at, and small zips."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

#: The region the adoption scenario of issue 11 happens in (its first users work there).
TOKYO = "ap-northeast-1"


def aws_cli_path() -> str:
    """The ``aws`` command of the AWS CLI installed with the dev extra (next to our Python)."""
    found = Path(sys.executable).parent / "aws"
    if found.exists():
        return str(found)
    which = shutil.which("aws")
    assert which, "the AWS CLI (the `awscli` package of the dev extra) is not installed"
    return which


def aws(*args: str, region: str = TOKYO, cwd: Path | None = None, check: bool = True) -> Any:
    """``aws ARGS... --output json`` with the environment the test set (endpoint, credentials),
    in ``region``; the parsed JSON answer (None when it printed nothing)."""
    env = dict(os.environ)
    env.update({"AWS_DEFAULT_REGION": region, "AWS_REGION": region, "AWS_PAGER": ""})
    done = subprocess.run(
        [aws_cli_path(), *args, "--output", "json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr.strip()}"
    elif done.returncode != 0:
        return {"error": done.stderr.strip(), "returncode": done.returncode}
    return json.loads(done.stdout) if done.stdout.strip() else None


def zip_file(path: Path, files: dict[str, str]) -> Path:
    """Write a zip of ``files`` (name -> text) the way `zip` would (current times): another
    tool's bytes, not lambherd's deterministic ones."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    path.write_bytes(buf.getvalue())
    return path


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout
