"""Template call errors in a definition: one plain line saying what is wrong and what to pass."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("{{ must_env `A` `B` }}", "wrong number of args for must_env: want 1 got 2"),
        ("{{ ssm }}", "wrong number of args for ssm: want at least 1 got 0"),
        ("{{ caller_identity `x` }}", "wrong number of args for caller_identity: want 0 got 1"),
        ("{{ json_escape }}", "wrong number of args for json_escape: want 1 got 0"),
    ],
)
def test_wrong_argument_count_is_one_plain_line(lh, tmp_path: Path, action, message) -> None:
    (tmp_path / "function.json").write_text('{\n  "FunctionName": "' + action + '"\n}')
    result = lh("-C", tmp_path, "render")
    assert result.code != 0
    name = action.split()[1]
    where = f'template: function.json:2:22: executing "function.json" at <{name}>'
    assert f"error: {where}: {message}\n" in result.err
    assert "positional" not in result.err and "Traceback" not in result.err


def test_tfstate_without_flag_says_which_flag(lh, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "{{ tfstate `aws_x.y.id` }}"}')
    result = lh("-C", tmp_path, "render")
    assert result.code != 0
    assert 'function "tfstate" not defined' in result.err
    assert "--tfstate" in result.err
    (tmp_path / "function.json").write_text('{"FunctionName": "{{ net_tfstatef `a.%s` `b` }}"}')
    prefixed = lh("-C", tmp_path, "render")
    assert prefixed.code != 0
    assert "--prefixed-tfstate net_=" in prefixed.err


def test_unknown_function_lists_the_known_ones(lh, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "{{ envv `X` }}"}')
    result = lh("-C", tmp_path, "render")
    assert result.code != 0 and 'function "envv" not defined' in result.err
    assert "must_env" in result.err  # the hint names what exists
