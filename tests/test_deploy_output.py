"""What the deploying and reading commands show and read: coloured diffs only when asked or on a
terminal, one line per deploy step with its duration, throttled reads retried while planning,
read-only commands rendering only the function's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_testkit import recording, write_function


@pytest.mark.slow
def test_diff_is_coloured_only_when_asked_or_on_a_terminal(
    aws, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    write_function(fn, lambda_role, MemorySize=256)
    coloured = lh("--color", "-C", fn, "diff")
    assert "\x1b[31m" in coloured.out and "\x1b[32m" in coloured.out  # red -, green +
    plain = lh("--no-color", "-C", fn, "diff")
    assert "\x1b[" not in plain.out and '+  "MemorySize": 256,' in plain.out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in lh("-C", fn, "diff").out


@pytest.mark.slow
def test_text_output_is_one_line_per_step_with_its_duration(
    aws, lambda_role, lh, tmp_path: Path
) -> None:
    import re

    fn = write_function(tmp_path / "fn", lambda_role, Tags={"team": "a"})
    r = lh("-C", fn, "deploy")
    assert r.code == 0, r.err
    lines = r.out.strip().splitlines()
    assert [line.split(" ")[0] for line in lines] == [
        "CreateFunction",
        "PublishVersion",
        "CreateAlias",
    ]
    assert all(re.search(r" \(\d+\.\d\ds\)", line) for line in lines), lines
    assert "deployed version 1" in r.err


@pytest.mark.slow
def test_throttled_reads_are_retried_while_planning(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    """A plan reads every function in parallel: throttled reads are retried, not fatal."""
    from deploy_testkit import error_response, inject_failures

    fn = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", fn, "deploy").code == 0
    calls = inject_failures(
        monkeypatch, "GetFunction", error_response(429, "TooManyRequestsException"), 6
    )
    result = lh("-C", fn, "diff", "--exit-code")
    assert result.code == 0, result.err
    assert len(calls) > 6  # more throttles than botocore's own attempts, and still no error


@pytest.mark.slow
def test_read_only_commands_render_only_the_name(
    aws, boto, lambda_role, lh, tmp_path: Path, monkeypatch
) -> None:
    """status / versions / rollback --dry-run read the function, not STS for a templated Role."""
    account = lambda_role.split(":")[4]
    templated = lambda_role.replace(account, "{{ caller_identity.Account }}")
    fn = write_function(tmp_path / "fn", templated)
    assert lh("-C", fn, "deploy").code == 0
    rec = recording(monkeypatch)
    for args in (("status",), ("versions",), ("rollback", "--dry-run")):
        lh("-C", fn, *args)
    assert "GetCallerIdentity" not in rec.names
    assert "GetFunction" in rec.names
    rec.calls.clear()
    assert lh("-C", fn, "diff").code == 0  # diff compares the Role, so it renders it for real
    assert "GetCallerIdentity" in rec.names
