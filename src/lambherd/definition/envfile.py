"""``--envfile``: dotenv files parsed exactly as lambroll parses them (hashicorp/go-envparse).

lambroll reads each file with go-envparse (the version it pins, d9cfd74, whose rules v0.1.0
keeps) and sets every variable, later files winning. The rules, line by line:

* blank lines and lines starting with ``#`` (after trimming) are skipped;
* ``KEY=value``, with space around either side trimmed, an optional ``export `` before the
  key (unless the key is ``export`` itself); keys are ``[A-Za-z_][A-Za-z0-9_./]*``;
* unquoted text ends at ``#`` (a comment; the spaces before it are dropped); ``'single'``
  quotes keep everything literally; ``"double"`` quotes know JSON's escapes (``\\" \\\\ \\/ \\b
  \\f \\n \\r \\t \\uXXXX``, surrogate pairs included) and nothing else; the modes mix:
  ``a'b'"c"`` is ``abc``;
* ``KEY=`` sets KEY to the empty string (so does ``KEY=#x``);
* refused, naming the line: a line without ``=``, an empty or malformed key, a control
  character, an unmatched quote (a newline inside quotes is one), an unknown or incomplete
  escape, a multibyte character inside an escape.

python-dotenv reads these files differently (variable expansion, unquoted ``#``, escapes in
single quotes...), so this is a parser of our own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from lambherd.errors import DefinitionError

_MAX_LINE = 64 * 1024  # bufio.Scanner's limit: a longer line fails the file, as in Go
_SIMPLE_ESCAPES = {
    ord('"'): ord('"'),
    ord("\\"): ord("\\"),
    ord("/"): ord("/"),
    ord("b"): 8,
    ord("f"): 12,
    ord("r"): 13,
    ord("n"): 10,
    ord("t"): 9,
}
_SPACE = b" \t\n\v\f\r\x85\xa0"


class EnvfileError(ValueError):
    """A line go-envparse refuses; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def parse_envfile(data: bytes) -> dict[str, str]:
    """The variables a dotenv file sets (later lines win); EnvfileError for a bad line."""
    env: dict[str, str] = {}
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if len(line) > _MAX_LINE:
            raise EnvfileError(number - 1, "bufio.Scanner: token too long")
        try:
            parsed = parse_line(line)
        except ValueError as exc:
            raise EnvfileError(number, str(exc)) from None
        if parsed is not None:
            key, value = parsed
            env[key] = value
    return env


def parse_line(line: bytes) -> tuple[str, str] | None:
    """One line as go-envparse's parseLine reads it: (key, value), or None for blank/comment."""
    line = line.strip(_SPACE)
    if not line or line[:1] == b"#":
        return None
    key, sep, value = line.partition(b"=")
    if not sep:
        raise ValueError("missing =")
    key, value = key.strip(_SPACE), value.strip(_SPACE)
    if len(key) > len(b"export "):
        key = key.removeprefix(b"export ")
    if not key:
        raise ValueError("empty key")
    first = key[0]
    if first < 0x41 or (0x5A < first < 0x61 and first != 0x5F) or first > 0x7A:
        raise ValueError(f"key must start with [A-Za-z_] but found {_quote_byte(first)}")
    for b in key[1:]:
        if not (b in b"_./" or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or 0x30 <= b <= 0x39):
            raise ValueError(f"key characters must be [A-Za-z0-9/_.] but found {_quote_byte(b)}")
    return key.decode("ascii"), _decode(_value(value))


def _value(value: bytes) -> bytes:
    out = bytearray()
    last_significant = 0
    mode = "normal"
    i = 0
    while i < len(value):
        b = value[i]
        if b < 32:
            raise ValueError(f"0x{b:02x} is an invalid value character")
        if b > 127:
            if mode == "escape":
                raise ValueError("multibyte characters disallowed in escape sequences")
            out.append(b)
            last_significant = len(out)
        elif mode == "normal":
            if b == 0x22:
                mode = "double"
            elif b == 0x27:
                mode = "single"
            elif b == 0x23:
                return bytes(out[:last_significant])  # a comment: the rest is ignored
            else:
                out.append(b)
                if b not in (0x20, 0x09):
                    last_significant = len(out)
        elif mode == "double":
            if b == 0x22:
                mode = "normal"
            elif b == 0x5C:
                mode = "escape"
            else:
                out.append(b)
                last_significant = len(out)
        elif mode == "escape":
            if b in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[b])
            elif b == 0x75:  # \\uXXXX
                code = _hex4(value[i + 1 :])
                i += 4
                if 0xD800 <= code <= 0xDFFF:
                    if len(value) < i + 6 or value[i + 1 : i + 3] != b"\\u":
                        raise ValueError("incomplete Unicode surrogate pair")
                    low = _hex4(value[i + 3 :])
                    i += 6
                    code = _utf16_pair(code, low)
                out.extend(chr(code).encode("utf-8", "surrogatepass"))
            else:
                raise ValueError(f"invalid escape sequence: {_quote_str(chr(b))}")
            last_significant = len(out)
            mode = "double"
        else:  # single
            if b == 0x27:
                mode = "normal"
            else:
                out.append(b)
                last_significant = len(out)
        i += 1
    if mode == "double":
        raise ValueError('unmatched "')
    if mode == "single":
        raise ValueError("unmatched '")
    if mode == "escape":
        raise ValueError("incomplete escape sequence")
    return bytes(out)


def _hex4(data: bytes) -> int:
    if len(data) < 4:
        raise ValueError("incomplete hex sequence")
    value = 0
    for b in data[:4]:
        if 0x30 <= b <= 0x39:
            d = b - 0x30
        elif 0x61 <= b <= 0x66:
            d = b - 0x61 + 10
        elif 0x41 <= b <= 0x46:
            d = b - 0x41 + 10
        else:
            raise ValueError(f"invalid hex character: {_quote_str(chr(b))}")
        value = value * 16 + d
    return value


def _utf16_pair(high: int, low: int) -> int:
    """Go's utf16.DecodeRune: a valid pair, else U+FFFD."""
    if 0xD800 <= high < 0xDC00 and 0xDC00 <= low < 0xE000:
        return ((high - 0xD800) << 10 | (low - 0xDC00)) + 0x10000
    return 0xFFFD


def _decode(value: bytes) -> str:
    """Go strings are bytes: invalid UTF-8 is kept byte for byte (os.environ takes it back)."""
    return value.decode("utf-8", "surrogateescape")


def _quote_byte(b: int) -> str:
    """Go's %q of a byte value (a quoted rune)."""
    from lambherd.definition.gotemplate.gofmt import quote_rune

    return quote_rune(b)


def _quote_str(text: str) -> str:
    from lambherd.definition.gotemplate.gofmt import quote

    return quote(text)


def read_envfile(path: str | os.PathLike[str]) -> dict[str, str]:
    """The variables a dotenv file sets; DefinitionError naming the file and line if refused."""
    file = Path(path)
    if not file.is_file():
        raise DefinitionError(f"{file}: envfile not found")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DefinitionError(f"{file}: cannot read envfile: {exc.strerror}") from exc
    try:
        return parse_envfile(data)
    except EnvfileError as exc:
        raise DefinitionError(f"{file}: line {exc.line}: {exc}") from None


def load_envfiles(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Set the variables of each file in ``os.environ`` (later files win).

    Every file is parsed before any variable is set, so a refused file changes nothing.
    """
    parsed = [read_envfile(path) for path in paths]
    for values in parsed:
        os.environ.update(values)
