"""Go literal syntax for template constants: strconv's Unquote, UnquoteChar, ParseInt, ParseFloat.

``number(node)`` fills a NumberNode the way Go's ``Tree.newNumber`` does: a constant can be an
int, a uint, a float and a complex at once (``1e9`` is all but complex; ``'a'`` is 97).
"""

from __future__ import annotations

import re

from lambherd.definition.gotemplate.nodes import NumberNode
from lambherd.definition.gotemplate.values import from_bytes

_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1
_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


class LiteralError(ValueError):
    """A constant Go would refuse (the message is Go's)."""


def unquote(quoted: str) -> str:
    """``strconv.Unquote`` of a "..." or `...` string literal (``invalid syntax`` if bad)."""
    if quoted.startswith("`"):
        if len(quoted) < 2 or not quoted.endswith("`"):
            raise LiteralError("invalid syntax")
        return quoted[1:-1].replace("\r", "")
    if len(quoted) < 2 or not quoted.endswith('"') or "\n" in quoted:
        raise LiteralError("invalid syntax")
    body = quoted[1:-1]
    if "\\" not in body:
        if '"' in body:
            raise LiteralError("invalid syntax")
        return body
    out: list[str] = []
    raw: bytearray | None = None
    i = 0
    while i < len(body):
        value, is_byte, i = _unquote_char(body, i, '"')
        if is_byte and value >= 0x80:
            raw = raw if raw is not None else bytearray()
            raw.append(value)
            continue
        if raw is not None:
            out.append(from_bytes(bytes(raw)))
            raw = None
        out.append(chr(value))
    if raw is not None:
        out.append(from_bytes(bytes(raw)))
    return "".join(out)


def _unquote_char(s: str, i: int, quote: str) -> tuple[int, bool, int]:
    """One character or escape of ``s`` at ``i``: (value, is a raw byte, next index)."""
    c = s[i]
    if c == quote and quote in "'\"":
        raise LiteralError("invalid syntax")
    if c != "\\":
        return ord(c), False, i + 1
    if i + 1 >= len(s):
        raise LiteralError("invalid syntax")
    c = s[i + 1]
    i += 2
    if c in _SIMPLE:
        return _SIMPLE[c], False, i
    if c in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[c]
        digits = s[i : i + size]
        if len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
            raise LiteralError("invalid syntax")
        value = int(digits, 16)
        if c == "x":
            return value, True, i + size
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise LiteralError("invalid syntax")
        return value, False, i + size
    if "0" <= c <= "7":
        digits = s[i - 1 : i + 2]
        if len(digits) != 3 or not all("0" <= d <= "7" for d in digits):
            raise LiteralError("invalid syntax")
        value = int(digits, 8)
        if value > 255:
            raise LiteralError("invalid syntax")
        return value, True, i + 2
    if c in "'\"" and c == quote:
        return ord(c), False, i
    raise LiteralError("invalid syntax")


def _underscore_ok(s: str) -> bool:
    """strconv's rule: underscores only between digits (or after a base prefix)."""
    saw = "^"
    i = 0
    if s[:1] in ("+", "-"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        ch = s[i]
        if "0" <= ch <= "9" or (hexa and "a" <= ch.lower() <= "f"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_uint(text: str) -> int:
    """``strconv.ParseUint(text, 0, 64)``."""
    if not text:
        raise LiteralError("invalid syntax")
    s = text
    base = 10
    if s[0] == "0":
        if len(s) >= 3 and s[1].lower() == "b":
            base, s = 2, s[2:]
        elif len(s) >= 3 and s[1].lower() == "o":
            base, s = 8, s[2:]
        elif len(s) >= 3 and s[1].lower() == "x":
            base, s = 16, s[2:]
        else:
            base, s = 8, s[1:]
    value = 0
    underscores = False
    for ch in s:
        if ch == "_":
            underscores = True
            continue
        if "0" <= ch <= "9":
            d = ord(ch) - 48
        elif "a" <= ch.lower() <= "z":
            d = ord(ch.lower()) - 87
        else:
            raise LiteralError("invalid syntax")
        if d >= base:
            raise LiteralError("invalid syntax")
        value = value * base + d
    if underscores and not _underscore_ok(text):
        raise LiteralError("invalid syntax")
    if value > _UINT64_MAX:
        raise LiteralError("value out of range")
    return value


def parse_int(text: str) -> int:
    """``strconv.ParseInt(text, 0, 64)``."""
    if not text:
        raise LiteralError("invalid syntax")
    negative = text[0] == "-"
    body = text[1:] if text[0] in "+-" else text
    value = parse_uint(body)
    value = -value if negative else value
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise LiteralError("value out of range")
    return value


_DEC_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+")


def parse_float(text: str) -> float:
    """``strconv.ParseFloat(text, 64)`` for decimal and hexadecimal literals."""
    if "_" in text:
        if not _underscore_ok(text):
            raise LiteralError("invalid syntax")
        text = text.replace("_", "")
    if _HEX_FLOAT.fullmatch(text):
        sign = -1.0 if text.startswith("-") else 1.0
        return sign * float.fromhex(text.lstrip("+-"))
    if _DEC_FLOAT.fullmatch(text):
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise LiteralError("value out of range")
        return value
    raise LiteralError("invalid syntax")


def _simplify_complex(n: NumberNode) -> None:
    n.is_float = n.complex128.imag == 0
    if n.is_float:
        n.float64 = n.complex128.real
        n.is_int = n.float64.is_integer() and _INT64_MIN <= n.float64 <= _INT64_MAX
        if n.is_int:
            n.int64 = int(n.float64)
        n.is_uint = n.float64.is_integer() and 0 <= n.float64 <= _UINT64_MAX
        if n.is_uint:
            n.uint64 = int(n.float64)


_COMPLEX = re.compile(r"(?P<re>[+-]?[^+-]+(?:[eEpP][+-][^+-]+)?)(?P<im>[+-].+)i")


def number(n: NumberNode, kind: str) -> NumberNode:
    """Fill ``n`` from its text as Go's ``newNumber`` does (``kind``: number/char/complex)."""
    text = n.text
    if kind == "char":
        try:
            value, _, end = _unquote_char(text, 1, "'")
        except (LiteralError, IndexError):
            raise LiteralError("invalid syntax") from None
        if text[end:] != "'":
            raise LiteralError(f"malformed character constant: {text}")
        n.int64 = n.uint64 = value
        n.float64 = float(value)
        n.is_int = n.is_uint = n.is_float = True
        return n
    if kind == "complex":
        match = _COMPLEX.fullmatch(text)
        if not match:
            raise LiteralError(f"illegal number syntax: {text!r}")
        try:
            n.complex128 = complex(parse_float(match["re"]), parse_float(match["im"]))
        except LiteralError:
            raise LiteralError(f"illegal number syntax: {text!r}") from None
        n.is_complex = True
        _simplify_complex(n)
        return n
    if text.endswith("i"):
        try:
            imag = parse_float(text[:-1])
        except LiteralError:
            pass
        else:
            n.is_complex = True
            n.complex128 = complex(0, imag)
            _simplify_complex(n)
            return n
    u = None
    try:
        u = parse_uint(text)
        n.is_uint, n.uint64 = True, u
    except LiteralError:
        pass
    try:
        i = parse_int(text)
        n.is_int, n.int64 = True, i
        if i == 0:
            n.is_uint, n.uint64 = True, u or 0
    except LiteralError:
        pass
    if n.is_int:
        n.is_float, n.float64 = True, float(n.int64)
    elif n.is_uint:
        n.is_float, n.float64 = True, float(n.uint64)
    else:
        try:
            f = parse_float(text)
        except LiteralError:
            pass
        else:
            if not any(c in text for c in ".eEpP"):
                raise LiteralError(f'integer overflow: "{text}"')
            n.is_float, n.float64 = True, f
            if f.is_integer() and _INT64_MIN <= f <= _INT64_MAX:
                n.is_int, n.int64 = True, int(f)
            if f.is_integer() and 0 <= f <= _UINT64_MAX:
                n.is_uint, n.uint64 = True, int(f)
    if not (n.is_int or n.is_uint or n.is_float):
        raise LiteralError(f'illegal number syntax: "{text}"')
    return n
