"""lambroll compatibility: field names as lambroll's JSON decoding reads them.

lambroll utils.go ``unmarshalJSON``: a strict decode only to log ``[warn] json: unknown
field``, then Go's encoding/json into ``lambda.CreateFunctionInput`` (keys match fields
ignoring case, unknown keys are dropped, a later key for the same field wins).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambherd.definition import load_function

BASE = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler"}


@pytest.mark.parametrize(
    ("doc", "field", "expected"),
    [
        ({"memorysize": 256}, "MemorySize", 256),
        ({"environment": {"variables": {"k": "v"}}}, "Environment", {"Variables": {"k": "v"}}),
        ({"MemorySize": 128, "memorysize": 256}, "MemorySize", 256),
        ({"Colour": "red", "Timeout": 3}, "Timeout", 3),
    ],
    ids=["wrong-case", "wrong-case-nested", "last-key-wins", "unknown-field-ignored"],
)
# source: fujiwara/lambroll utils.go unmarshalJSON + Go encoding/json decode.go (field matching)
def test_lambroll_field_names(tmp_path: Path, doc: dict, field: str, expected) -> None:
    (tmp_path / "function.json").write_text(json.dumps({**BASE, **doc}))
    config = load_function(tmp_path / "function.json").config
    assert config[field] == expected
    assert "Colour" not in config and "memorysize" not in config
