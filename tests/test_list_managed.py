"""``list`` marks the function defined here, rendering only its name; when even that fails,
one warning says what to do.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_testkit import tiny_zip


def test_list_warns_once_with_advice(lh, aws, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FN_NAME_UNSET", raising=False)
    (tmp_path / "function.json").write_text('{"FunctionName": "{{ must_env `FN_NAME_UNSET` }}"}')
    result = lh("-C", tmp_path, "list")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "FN_NAME_UNSET" in warnings[0] and "--envfile" in warnings[0]


def test_list_needs_only_the_name_to_render(lh, aws, boto, lambda_role, tmp_path: Path) -> None:
    boto("lambda").create_function(
        FunctionName="named",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
    )
    (tmp_path / "function.json").write_text(
        '{"FunctionName": "named", "Role": "{{ ssm `/missing/role` }}"}'
    )
    result = lh("-C", tmp_path, "--output", "json", "list")
    assert result.code == 0, result.err
    assert "warning" not in result.err  # the broken Role does not matter to list
    assert [r["managed"] for r in json.loads(result.out)] == [True]
