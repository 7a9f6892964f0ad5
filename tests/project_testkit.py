"""Helpers shared by the project tests (not a test module): a project ``shop`` on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploy_testkit import LAMBDAIGNORE

BODY = "def handler(event, context):\n    return {'ok': True}\n"


def write_project(root: Path, role: str, *, names=("alpha", "beta", "gamma"), extra: str = ""):
    """A project ``shop`` with one folder per name under functions/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambherd.toml").write_text(
        "[project]\n"
        'name = "shop"\n'
        'functions = ["functions/*"]\n'
        "[defaults]\n"
        'Runtime = "python3.12"\n'
        'Handler = "app.handler"\n'
        f"Role = {json.dumps(role)}\n"
        "MemorySize = 256\n"
        'Tags = { team = "orders" }\n' + extra
    )
    for name in names:
        write_function(root, name)
    return root


def write_function(root: Path, name: str, body: str = BODY, **config: Any) -> Path:
    folder = root / "functions" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "function.json").write_text(json.dumps({"FunctionName": f"shop-{name}", **config}))
    (folder / ".lambdaignore").write_text(LAMBDAIGNORE)
    (folder / "app.py").write_text(body)
    return folder


def deploy(lh, root: Path, *args: str):
    return lh("-C", root, "--yes", "deploy", *args)
