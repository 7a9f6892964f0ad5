"""lambroll compatibility: ``--envfile`` files read as lambroll reads them (go-envparse).

The cases are go-envparse's test tables (tests/envparse_cases.py, source named there), each
written to a file and read through ``read_envfile``, the entry point ``--envfile`` uses. A
refused file is an error naming the line (lambroll fails the command on it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envparse_cases import PARSE_ERR, PARSE_LINE_ERR, PARSE_LINE_OK, PARSE_OK_INPUT, PARSE_OK_RESULT
from lambherd.definition.envfile import read_envfile
from lambherd.errors import LambherdError


def envfile(folder: Path, data: bytes) -> Path:
    path = folder / "test.env"
    path.write_bytes(data)
    return path


# source: hashicorp/go-envparse envparse_test.go TestParse_OK
def test_envparse_parse_ok(tmp_path: Path) -> None:
    assert read_envfile(envfile(tmp_path, PARSE_OK_INPUT)) == PARSE_OK_RESULT


# source: hashicorp/go-envparse envparse_test.go TestParse_Err
@pytest.mark.parametrize(
    ("name", "data", "line", "message"), PARSE_ERR, ids=[c[0] for c in PARSE_ERR]
)
def test_envparse_parse_err(
    tmp_path: Path, name: str, data: bytes, line: int, message: str
) -> None:
    with pytest.raises(LambherdError) as info:
        read_envfile(envfile(tmp_path, data))
    assert f"line {line}: {message}" in str(info.value)


# source: hashicorp/go-envparse envparse_test.go TestParseLine_OK (each line as a file)
@pytest.mark.parametrize(
    ("name", "line", "key", "value"), PARSE_LINE_OK, ids=[c[0] for c in PARSE_LINE_OK]
)
def test_envparse_line_ok(tmp_path: Path, name: str, line: str, key: str, value: str) -> None:
    expected = {key: value} if key else {}
    assert read_envfile(envfile(tmp_path, line.encode("utf-8"))) == expected


# source: hashicorp/go-envparse envparse_test.go TestParseLine_Err (each line as a file: the
# file is refused at line 1; "a\nb=x" is two lines in a file, refused for its first)
@pytest.mark.parametrize(
    ("name", "line", "fragment"), PARSE_LINE_ERR, ids=[c[0] for c in PARSE_LINE_ERR]
)
def test_envparse_line_err(tmp_path: Path, name: str, line: str, fragment: str) -> None:
    with pytest.raises(LambherdError) as info:
        read_envfile(envfile(tmp_path, line.encode("utf-8")))
    message = str(info.value)
    assert "line 1: " in message
    assert (fragment if name != "InvalidKey4" else "missing =") in message
