"""``--envfile`` parses dotenv files as go-envparse does (the parser lambroll uses).

Cases transcribed from hashicorp/go-envparse envparse_test.go at d9cfd74 (the version
lambroll's go.mod pins): TestParse_OK, TestParse_Err, TestParseLine_OK, TestParseLine_Err.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envparse_cases import PARSE_ERR, PARSE_LINE_ERR, PARSE_LINE_OK, PARSE_OK_INPUT, PARSE_OK_RESULT
from lambherd.definition.envfile import (
    EnvfileError,
    load_envfiles,
    parse_envfile,
    parse_line,
    read_envfile,
)
from lambherd.errors import DefinitionError


# source: go-envparse envparse_test.go, TestParse_OK
def test_parse_ok() -> None:
    assert parse_envfile(PARSE_OK_INPUT) == PARSE_OK_RESULT


# source: go-envparse envparse_test.go, TestParse_Err: (name, input, line, error)
@pytest.mark.parametrize(
    ("name", "data", "line", "message"), PARSE_ERR, ids=[c[0] for c in PARSE_ERR]
)
def test_parse_errors_name_the_line(name: str, data: bytes, line: int, message: str) -> None:
    with pytest.raises(EnvfileError) as info:
        parse_envfile(data)
    assert (info.value.line, str(info.value)) == (line, message)


@pytest.mark.parametrize(
    ("name", "line", "key", "value"), PARSE_LINE_OK, ids=[c[0] for c in PARSE_LINE_OK]
)
def test_parse_line_ok(name: str, line: str, key: str, value: str) -> None:
    parsed = parse_line(line.encode("utf-8"))
    assert (parsed or ("", "")) == (key, value)


@pytest.mark.parametrize(
    ("name", "line", "fragment"), PARSE_LINE_ERR, ids=[c[0] for c in PARSE_LINE_ERR]
)
def test_parse_line_errors(name: str, line: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_line(line.encode("utf-8"))
    assert fragment in str(info.value)


def test_exact_messages_for_the_refused_lines() -> None:
    cases = {
        "1abc=x": "key must start with [A-Za-z_] but found '1'",
        "a b c=x": "key characters must be [A-Za-z0-9/_.] but found ' '",
        "FOO=\x00": "0x00 is an invalid value character",
        'FOO="\\a"': 'invalid escape sequence: "a"',
        'FOO="\\uabcZ"': 'invalid hex character: "Z"',
    }
    for line, message in cases.items():
        with pytest.raises(ValueError) as info:
            parse_line(line.encode())
        assert str(info.value) == message


def test_read_envfile_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('OK=1\nBAD="open\n')
    with pytest.raises(DefinitionError) as info:
        read_envfile(path)
    assert str(info.value) == f'{path}: line 2: unmatched "'
    with pytest.raises(DefinitionError, match="envfile not found"):
        read_envfile(tmp_path / "missing")


def test_load_envfiles_sets_empty_values_and_later_files_win(tmp_path: Path, monkeypatch) -> None:
    for name in ("EF_A", "EF_B", "EF_EMPTY"):
        monkeypatch.delenv(name, raising=False)
    first = tmp_path / "one.env"
    first.write_text("EF_A=1\nEF_B=first\nEF_EMPTY=\n")
    second = tmp_path / "two.env"
    second.write_text("export EF_B='second'\r\n")
    load_envfiles([first, second])
    assert (os.environ["EF_A"], os.environ["EF_B"], os.environ["EF_EMPTY"]) == ("1", "second", "")


def test_a_refused_file_sets_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EF_GOOD", raising=False)
    good = tmp_path / "good.env"
    good.write_text("EF_GOOD=1\n")
    bad = tmp_path / "bad.env"
    bad.write_text("no equals sign\n")
    with pytest.raises(DefinitionError, match=r"bad\.env: line 1: missing ="):
        load_envfiles([good, bad])
    assert "EF_GOOD" not in os.environ
