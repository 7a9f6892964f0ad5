"""Go's ``encoding/json`` Marshal, for the values lambroll's template functions turn into text.

``json_escape`` is go-config's (``json.Marshal`` of the string, quotes removed) and
``tfstate`` writes a non-string state value with ``json.Marshal``, so both escape the way Go
does: ``<``, ``>`` and ``&`` as ``\\u003c`` ``\\u003e`` ``\\u0026``, U+2028/U+2029 as ``\\u2028``
``\\u2029``, other control characters as ``\\u00XX`` except ``\\b \\f \\n \\r \\t``, bytes that are
not UTF-8 as ``\\ufffd``; map keys sorted, no spaces; numbers are float64 (``1e+21``,
``1e-7``, ``123``).
"""

from __future__ import annotations

from typing import Any

_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_SHORT["\t"] = "\\t"
_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def escape_string(text: str) -> str:
    """The inside of the JSON string Go's Marshal writes for ``text`` (no quotes)."""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        code = ord(ch)
        if code >= 0x20 and ch not in _SHORT and ch not in _HTML and not 0xDC80 <= code <= 0xDCFF:
            continue
        out.append(text[start:i])
        start = i + 1
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ch in _HTML:
            out.append(_HTML[ch])
        elif code < 0x20:
            out.append(f"\\u00{code:02x}")
        else:
            out.append("\\ufffd")  # a raw byte that is not valid UTF-8
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


def marshal(value: Any) -> str:
    """``json.Marshal(value)`` for decoded JSON values (dict, list, str, number, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return '"' + escape_string(value) + '"'
    if isinstance(value, int | float):
        return format_number(float(value))
    if isinstance(value, dict):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f'"{escape_string(k)}":{marshal(v)}' for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(marshal(v) for v in value) + "]"
    raise TypeError(f"json: unsupported type: {type(value).__name__}")


def format_number(f: float) -> str:
    """How Go's encoder writes a float64: 'f' form, or 'e' below 1e-6 and from 1e21."""
    from lambherd.definition.gotemplate.gofmt import format_float

    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {f}")
    magnitude = abs(f)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = format_float(f, "e", -1)
        head, _, exp = text.partition("e")
        if exp.startswith("-0") and len(exp) == 3:
            exp = "-" + exp[2]
        return f"{head}e{exp}"
    return format_float(f, "f", -1)
