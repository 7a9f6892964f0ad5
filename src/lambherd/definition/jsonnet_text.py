"""A JSON document written as Jsonnet, in jsonnetfmt's default style (what lambroll's ``render
--jsonnet`` and ``init --jsonnet`` print: go-jsonnet's formatter over the indented JSON):
two-space indent, identifier keys unquoted, single-quoted strings, a trailing comma after every
item of a multi-line object or array, ``{}`` and ``[]`` when empty.
"""

from __future__ import annotations

import json
import re
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Jsonnet's keywords cannot be bare field names.
_KEYWORDS = frozenset(
    [
        "assert",
        "else",
        "error",
        "false",
        "for",
        "function",
        "if",
        "import",
        "importstr",
        "importbin",
        "in",
        "local",
        "null",
        "tailstrict",
        "then",
        "self",
        "super",
        "true",
    ]
)


def to_jsonnet(value: Any) -> str:
    """``value`` (JSON data) as Jsonnet text, ending with a newline."""
    return _value(value, 0) + "\n"


def _value(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_key(k)}: {_value(v, depth + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{inner}{_value(v, depth + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)


def _key(key: str) -> str:
    if _IDENTIFIER.fullmatch(key) and key not in _KEYWORDS:
        return key
    return _string(key)


def _string(text: str) -> str:
    """A single-quoted Jsonnet string: JSON's escapes, with ``'`` escaped and ``"`` not."""
    body = json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{body}'"
