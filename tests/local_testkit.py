"""Helpers shared by the local emulator tests (not a test module)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "local"
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"


def hello_function(tmp_path: Path, **config: Any) -> Path:
    """``tmp_path/hello``: the ``basic`` handler and a function.json for it (plus ``config``)."""
    folder = tmp_path / "hello"
    shutil.copytree(DATA / "basic", folder)
    definition = {
        "FunctionName": "hello",
        "Handler": "app.handler",
        "Runtime": PY,
        "Role": "arn:aws:iam::123456789012:role/lambda",
        "Timeout": 2,
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition))
    return folder
