"""Field names read as lambroll (Go's encoding/json into the SDK's structs) reads them.

Facts: encoding/json decode.go ``object()`` looks a key up by exact name, then by
``foldName`` (fold.go: ASCII case, plus Unicode simple folding: long s ~ ``s``, Kelvin ``K`` ~
``k``); unknown keys are skipped by the lax decoder lambroll falls back to (utils.go
``unmarshalJSON`` logs ``[warn] json: unknown field``); map keys are not struct fields.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambherd.definition import load_function
from lambherd.definition.fieldnames import conform_function, conform_url, go_fold
from lambherd.definition.validate import check_definition, validate_definition

ROLE = "arn:aws:iam::123456789012:role/r"


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("memorysize", "MEMORYSIZE"),
        ("MemorySize", "MEMORYSIZE"),
        ("de\u017fcription", "DESCRIPTION"),  # long s folds to S (Go fold.go)
        ("\u212aMSKeyArn", "KMSKEYARN"),  # Kelvin sign folds to K
        ("é", "é"),  # other letters stay as they are
    ],
)
def test_go_fold(name: str, folded: str) -> None:
    assert go_fold(name) == folded


def test_case_ignored_at_any_depth_and_maps_untouched() -> None:
    config, notes = conform_function(
        {
            "functionname": "f",
            "environment": {"variables": {"lower_key": "v"}},
            "tags": {"Team": "x"},
            "fileSystemConfigs": [{"arn": "a", "localmountpath": "/mnt/x"}],
        }
    )
    assert config == {
        "FunctionName": "f",
        "Environment": {"Variables": {"lower_key": "v"}},
        "Tags": {"Team": "x"},
        "FileSystemConfigs": [{"Arn": "a", "LocalMountPath": "/mnt/x"}],
    }
    assert [n.path for n in notes] == [
        "functionname",
        "environment",
        "environment.variables",
        "tags",
        "fileSystemConfigs",
        "fileSystemConfigs[0].arn",
        "fileSystemConfigs[0].localmountpath",
    ]


def test_last_key_for_a_field_wins() -> None:
    # Go assigns each key in order: the later one overwrites the earlier
    assert conform_function({"MemorySize": 128, "memorysize": 256})[0] == {"MemorySize": 256}
    assert conform_function({"memorysize": 256, "MemorySize": 128})[0] == {"MemorySize": 128}


def test_unknown_fields_are_dropped_with_a_note() -> None:
    config, notes = conform_function({"FunctionName": "f", "Colour": 1, "VpcConfig": {"X": 1}})
    assert config == {"FunctionName": "f", "VpcConfig": {}}
    assert [(n.path, n.canonical) for n in notes] == [("Colour", None), ("VpcConfig.X", None)]


def test_url_file_fields() -> None:
    url, notes = conform_url(
        {"config": {"authType": "NONE", "cors": {"allowOrigins": ["*"]}}, "Permissions": [{}]}
    )
    assert url == {
        "Config": {"AuthType": "NONE", "Cors": {"AllowOrigins": ["*"]}},
        "Permissions": [{}],
    }
    assert len(notes) == 4


def write(folder: Path, doc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "function.json").write_text(json.dumps(doc))
    (folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return folder / "function.json"


def test_load_warns_on_deploy_and_validate_refuses(tmp_path: Path) -> None:
    path = write(
        tmp_path / "fn",
        {
            "FunctionName": "f",
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": ROLE,
            "memorysize": 512,
            "Colour": "red",
        },
    )
    defn = load_function(path)
    assert defn.config["MemorySize"] == 512 and "Colour" not in defn.config
    expected = [
        "function.json: memorysize: read as MemorySize (lambroll ignores the case of field "
        "names, as Go does); write MemorySize",
        "function.json: Colour: unknown field, ignored as lambroll ignores it",
    ]
    assert list(defn.field_notes) == expected
    assert check_definition(defn) == expected  # a deploy goes on, warning
    assert validate_definition(defn).errors == expected  # validate reports errors


def test_unknown_field_note_suggests_a_name(tmp_path: Path) -> None:
    path = write(tmp_path / "fn", {"FunctionName": "f", "Environment": {"Variable": {}}})
    (note,) = load_function(path).field_notes
    assert note.endswith(
        "Environment.Variable: unknown field, ignored as lambroll ignores it "
        "(did you mean Variables?)"
    )
