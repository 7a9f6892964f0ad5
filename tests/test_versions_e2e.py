"""versions and --keep-versions against moto's server (aliases protect their versions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_testkit import NAME, write_function

pytestmark = pytest.mark.slow  # several deploys each


def _numbers(boto) -> list[str]:
    versions = boto("lambda").list_versions_by_function(FunctionName=NAME)["Versions"]
    return [v["Version"] for v in versions if v["Version"] != "$LATEST"]


def test_keep_versions_spares_alias_protected_versions(
    aws, boto, lambda_role, lh, tmp_path: Path
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    for memory in (128, 256, 384):
        write_function(fn, lambda_role, MemorySize=memory)
        assert lh("-C", fn, "deploy").code == 0
    lam = boto("lambda")
    lam.create_alias(
        FunctionName=NAME,
        Name="canary",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}},
    )
    write_function(fn, lambda_role, MemorySize=512)
    r = lh("-C", fn, "deploy", "--keep-versions", "1")
    assert r.code == 0, r.err
    assert _numbers(boto) == ["1", "2", "4"]  # 3 deleted; 1 and 2 belong to canary
    r = lh("-C", fn, "--output", "json", "versions")
    listed = json.loads(r.out)
    assert [row["Version"] for row in listed] == ["1", "2", "4", "$LATEST"]  # lambroll's order
    rows = {row["Version"]: row for row in listed}
    assert rows["4"]["Aliases"] == ["current"]
    assert rows["2"]["Aliases"] == ["canary"] and rows["1"]["Aliases"] == ["canary"]
    assert rows["2"]["Weights"] == {"canary": 0.9} and rows["1"]["Weights"] == {"canary": 0.1}
    assert "Aliases" not in rows["$LATEST"] and rows["$LATEST"]["Runtime"] == "python3.12"
    assert "canary 90%" in lh("-C", fn, "versions").out
    # lambroll's own flag, after the command: the same document
    assert json.loads(lh("-C", fn, "versions", "--output", "json").out) == listed


def test_versions_delete_keep_versions(aws, boto, lambda_role, lh, tmp_path: Path) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    for memory in (128, 256, 384, 512):
        write_function(fn, lambda_role, MemorySize=memory)
        assert lh("-C", fn, "deploy").code == 0
    boto("lambda").update_alias(FunctionName=NAME, Name="current", FunctionVersion="1")
    r = lh("-C", fn, "versions", "--delete", "--keep-versions", "2", "--dry-run")
    assert "[dry-run] DeleteVersion 2" in r.out and _numbers(boto) == ["1", "2", "3", "4"]
    assert lh("-C", fn, "versions", "--delete", "--keep-versions", "2").code == 0
    assert _numbers(boto) == ["1", "3", "4"]
    r = lh("-C", fn, "versions", "--delete")
    assert r.code == 1 and "--keep-versions" in r.err
