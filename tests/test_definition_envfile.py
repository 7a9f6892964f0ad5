"""``--envfile`` parses dotenv files as go-envparse does (the parser lambroll uses).

Cases transcribed from hashicorp/go-envparse envparse_test.go at d9cfd74 (the version
lambroll's go.mod pins): TestParse_OK, TestParse_Err, TestParseLine_OK, TestParseLine_Err.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
    data = b"""# Start of file

FIRST=key and value pair
_=_   # ok
_2=_2 # ok
FIRST="overwrite # original"  #...
"""
    assert parse_envfile(data) == {"FIRST": "overwrite # original", "_": "_", "_2": "_2"}


# source: go-envparse envparse_test.go, TestParse_Err: (name, input, line, error)
@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"FOO=bar\nx\nXYZ=1\n", 2, "missing ="),
        (b'A=1\nB="foo\nbar"\nC=3\n', 2, 'unmatched "'),
        (b"A=2\nB='foo\nbar'\nC=3", 2, "unmatched '"),
        (
            b'\n\n\n\n\nA=1 # ok\n# ok\n\n\nU="\\\xff"',
            10,
            "multibyte characters disallowed in escape sequences",
        ),
    ],
    ids=["MissingEqual", "NewlineInDoubleQuote", "NewLineInSingleQuote", "CheckLineCount"],
)
def test_parse_errors_name_the_line(data: bytes, line: int, message: str) -> None:
    with pytest.raises(EnvfileError) as info:
        parse_envfile(data)
    assert (info.value.line, str(info.value)) == (line, message)


# source: go-envparse envparse_test.go, TestParseLine_OK: (name, line, key, value)
PARSE_LINE_OK = [
    ("Empty", "", "", ""),
    ("Emptyish", " ", "", ""),
    ("OnlyComment", "# ...", "", ""),
    ("OnlyCommentish", " # ...", "", ""),
    ("EmptyValue", "FoO=", "FoO", ""),
    ("EmptyValueComment", "F=# ...", "F", ""),
    ("EmptyValueSpace", "F_O= ", "F_O", ""),
    ("EmptyValueSpaceComment", "F= # ...", "F", ""),
    ("Simple", "FOO=bar", "FOO", "bar"),
    ("Export", "export FOO=bar", "FOO", "bar"),
    ("Spaces", " FOO = bar baz ", "FOO", "bar baz"),
    ("Tabs", "\tFOO\t= \tbar \t", "FOO", "bar"),
    ("ExportSpaces", "export FOO = bar", "FOO", "bar"),
    ("ExportAsKey", "export = bar", "export", "bar"),
    ("Nums", "A1B2C3=a1b2c3", "A1B2C3", "a1b2c3"),
    ("Comments", "FOO=bar # ok", "FOO", "bar"),
    ("EmptyComments1", "FOO=#bar#", "FOO", ""),
    ("EmptyComments2", "FOO= # bar ", "FOO", ""),
    ("DoubleQuotes", 'FOO="bar#"', "FOO", "bar#"),
    ("DoubleQuoteNewline", 'FOO="bar\\n"', "FOO", "bar\n"),
    ("DoubleQuoteNewlineComment", 'FOO="bar\\n" # comment', "FOO", "bar\n"),
    ("DoubleQuoteSpaces", 'FOO = " bar\\t" ', "FOO", " bar\t"),
    ("SingleQuotes", "FOO='bar#'", "FOO", "bar#"),
    ("SingleQuotesNewline", "FOO='\\n' # empty", "FOO", "\\n"),
    ("SingleQuotesEmpty", "FOO='' # empty", "FOO", ""),
    ("NormalSingleMix", "FOO=normal'single ' ", "FOO", "normalsingle "),
    ("NormalDoubleMix", 'FOO= "double\\\\" normal # "EOL"', "FOO", "double\\ normal"),
    (
        "AllModes",
        'export FOO =  \'single\\n\' \\\\normal\\t "double\\"\\n " # comment',
        "FOO",
        'single\\n \\\\normal\\t double"\n ',
    ),
    ("UnicodeLiteral", "U1=\U0001f525", "U1", "\U0001f525"),
    ("UnicodeLiteralQuoted", "U2= ' \U0001f525 ' ", "U2", " \U0001f525 "),
    ("EscapedUnicode1byte", 'U3="\\u2318"', "U3", "\u2318"),
    ("EscapedUnicode2byte", 'U3="\\uD83D\\uDE01"', "U3", "\U0001f601"),
    ("EscapedUnicodeCombined", 'U4="\\u2318\\uD83D\\uDE01"', "U4", "\u2318\U0001f601"),
    (
        "README.mdEscapedUnicode",
        'FOO="The template value\\nmay have included\\nsome newlines!\\n\\ud83d\\udd25"',
        "FOO",
        "The template value\nmay have included\nsome newlines!\n🔥",
    ),
    ("UnderscoreKey", "_=x' ' ", "_", "x "),
    ("DottedKey", "FOO.BAR=x", "FOO.BAR", "x"),
    ("FwdSlashedKey", "FOO/BAR=x", "FOO/BAR", "x"),
    (
        "README.md",
        'SOME_KEY = normal unquoted \\text \'plus single quoted\\\' "\\"double quoted " # EOL',
        "SOME_KEY",
        'normal unquoted \\text plus single quoted\\ "double quoted ',
    ),
    ("WindowsNewline", 'w="\\r\\n"', "w", "\r\n"),
]


@pytest.mark.parametrize(
    ("name", "line", "key", "value"), PARSE_LINE_OK, ids=[c[0] for c in PARSE_LINE_OK]
)
def test_parse_line_ok(name: str, line: str, key: str, value: str) -> None:
    parsed = parse_line(line.encode("utf-8"))
    assert (parsed or ("", "")) == (key, value)


# source: go-envparse envparse_test.go, TestParseLine_Err: (name, line, exact error or fragment)
PARSE_LINE_ERR = [
    ("MissingEqual", "foo bar", "missing ="),
    ("EmptyKey", "=bar", "empty key"),
    ("EqualOnly", "=", "empty key"),
    ("InvalidKey", "1abc=x", "key"),
    ("InvalidKey2", "@abc=x", "key"),
    ("InvalidKey3", "a b c=x", "key"),
    ("InvalidKey4", "a\nb=x", "key"),
    ("InvalidValue", "FOO=\x00", "value"),
    ("OpenDoubleQuote", 'FOO=" bar', 'unmatched "'),
    ("OpenSingleQuote", "FOO=' bar", "unmatched '"),
    ("UnmatchedMix", "FOO=ok '\"ok\"' \\\"not ok ''", 'unmatched "'),
    ("UnmatchedMix2", "FOO=ok '\"ok\"' \\\"not ok '\"'", "unmatched '"),
    ("InvalidEscape", 'FOO="\\a"', '"a"'),
    ("IncompleteEscape", 'FOO="\\', "incomplete escape sequence"),
    ("IncompleteHex", 'FOO="\\u12"', "incomplete hex sequence"),
    ("InvalidHex", 'FOO="\\uabcZ"', '"Z"'),
    ("IncompleteSurrogatePair1", 'FOO="abc \\uD83D"', "incomplete Unicode surrogate pair"),
    ("IncompleteSurrogatePair2", 'FOO="abc \\uD83D \\uDE01"', "incomplete Unicode surrogate pair"),
    ("IncompleteSurrogatePair3", 'FOO="abc \\uD83DDE01"', "incomplete Unicode surrogate pair"),
    ("IncompleteSurrogatePair4", 'FOO="abc \\uD83D\\uDE0"', '"\\""'),
]


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
