"""mask_config: hide secrets in a rendered definition (shared by render and diff)."""

from __future__ import annotations

import copy

from lambherd.definition.masking import MASK, mask_config, unmatched_paths

CONFIG = {
    "FunctionName": "f",
    "Environment": {"Variables": {"TOKEN": "t0k3n", "LEVEL": "debug"}},
    "VpcConfig": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-1"]},
    "Layers": ["arn:layer:1", "arn:layer:2"],
}


def test_default_masks_every_environment_variable_and_leaves_input_alone() -> None:
    before = copy.deepcopy(CONFIG)
    masked = mask_config(CONFIG)
    assert masked["Environment"]["Variables"] == {"TOKEN": MASK, "LEVEL": MASK}
    assert masked["VpcConfig"] == CONFIG["VpcConfig"]
    assert before == CONFIG


def test_paths_mask_only_what_they_name() -> None:
    masked = mask_config(
        CONFIG, ["Environment.Variables.TOKEN", ".VpcConfig.SubnetIds", "Layers.1"]
    )
    assert masked["Environment"]["Variables"] == {"TOKEN": MASK, "LEVEL": "debug"}
    assert masked["VpcConfig"] == {"SubnetIds": [MASK, MASK], "SecurityGroupIds": ["sg-1"]}
    assert masked["Layers"] == ["arn:layer:1", MASK]


def test_absent_paths_are_ignored_and_reported() -> None:
    assert mask_config(CONFIG, ["Nope.X", "Environment.Variables.MISSING"]) == CONFIG
    assert mask_config({"FunctionName": "f"}) == {"FunctionName": "f"}
    paths = ["Nope.X", "Environment.Variables.TOKEN", "Layers.9"]
    assert unmatched_paths(CONFIG, paths) == ["Nope.X", "Layers.9"]
