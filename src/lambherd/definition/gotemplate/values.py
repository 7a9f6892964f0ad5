"""How Python values stand for Go values inside a template.

Go's text/template works on reflected Go values; lambherd's templates see what its functions
return. The mapping (and the Go type name each value reports in messages such as
``%!d(string=x)`` or ``incompatible types for comparison: string and int``)::

    None        untyped nil / missing value ("<no value>" when printed by an action)
    bool        bool            int        int         float      float64
    complex     complex128      str        string      GoByte     uint8 (what index "abc" 0 gives)
    dict        map[string]interface {}                list/tuple []interface {}
    callables   func (see GoFunc for the parameter types Go would check)

Strings follow Go's byte semantics: ``len`` counts UTF-8 bytes, ``index`` returns a byte and
``slice`` cuts bytes. Bytes that are not valid UTF-8 are carried as lone surrogates (Python's
``surrogateescape``) and only become U+FFFD when the text is finally decoded, as Go's JSON
decoder does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


class GoByte(int):
    """A Go ``uint8``: the byte ``index`` returns from a string."""

    __slots__ = ()


#: Parameter types a template function can declare (Go's names); ``value`` is reflect.Value.
ANY = "interface {}"
VALUE = "reflect.Value"
_ANNOTATIONS = {
    "str": "string",
    "int": "int",
    "float": "float64",
    "bool": "bool",
    str: "string",
    int: "int",
    float: "float64",
    bool: "bool",
}


class GoFunc:
    """A callable with the Go signature text/template checks calls against.

    ``params`` are Go type names (``string``, ``int``, ``float64``, ``bool``,
    ``interface {}``, ``reflect.Value``); ``variadic`` is the element type of a final
    ``...T`` parameter. Plain Python callables get one from their annotations
    (``str`` -> string, ``int`` -> int, unannotated -> interface {}).
    """

    __slots__ = ("fn", "name", "params", "variadic")

    def __init__(
        self,
        fn: Callable[..., Any],
        params: tuple[str, ...] = (),
        variadic: str | None = None,
        name: str = "",
    ) -> None:
        self.fn = fn
        self.params = params
        self.variadic = variadic
        self.name = name

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    @classmethod
    def of(cls, fn: Any, name: str = "") -> GoFunc:
        """``fn`` itself when it is a GoFunc, else one read from its Python signature."""
        if isinstance(fn, GoFunc):
            return fn
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return cls(fn, (), ANY, name)
        params: list[str] = []
        variadic = None
        for p in sig.parameters.values():
            go_type = _ANNOTATIONS.get(p.annotation, ANY)
            if p.kind == p.VAR_POSITIONAL:
                variadic = go_type
            elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
                params.append(go_type)
        return cls(fn, tuple(params), variadic, name)

    def type_name(self) -> str:
        """``func(string, ...int) interface {}`` (results are not tracked)."""
        parts = list(self.params)
        if self.variadic is not None:
            parts.append("..." + self.variadic)
        return f"func({', '.join(parts)}) interface {{}}"


#: reflect's Type.String() of the values a Kind stands for here
_TYPE_OF_KIND = {
    "invalid": "<nil>",
    "bool": "bool",
    "uint": "uint8",
    "int": "int",
    "float": "float64",
    "complex": "complex128",
    "string": "string",
    "map": "map[string]interface {}",
    "slice": "[]interface {}",
}


def type_name(value: Any) -> str:
    """The Go type name of ``value`` as reflect's ``Type.String()`` spells it."""
    name = _TYPE_OF_KIND.get(kind(value))
    if name is not None:
        return name
    if isinstance(value, GoFunc):
        return value.type_name()
    if callable(value):
        return GoFunc.of(value).type_name()
    return type(value).__name__


def kind(value: Any) -> str:
    """reflect's Kind of ``value``: invalid bool int uint float complex string map slice func."""
    if value is None:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, GoByte):
        return "uint"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, complex):
        return "complex"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list | tuple):
        return "slice"
    if callable(value):
        return "func"
    return "struct"


def is_true(value: Any) -> tuple[bool, bool]:
    """Go's truth of a value (``if``, ``with``, ``and``, ``or``, ``not``): (truth, meaningful)."""
    if value is None:
        return False, True
    if isinstance(value, str | dict | list | tuple):
        return len(value) > 0, True
    if isinstance(value, bool | int | float | complex):
        return value != 0, True
    return True, True  # functions and structs


def byte_len(text: str) -> int:
    """Go's ``len`` of a string: its UTF-8 bytes."""
    return len(text) if text.isascii() else len(to_bytes(text))


def to_bytes(text: str) -> bytes:
    """The Go bytes of a string (lone surrogates are the invalid bytes they carry)."""
    return text.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    """The string for Go bytes (invalid UTF-8 kept as lone surrogates)."""
    return data.decode("utf-8", "surrogateescape")


def has_raw_bytes(text: str) -> bool:
    """True when ``text`` carries bytes that are not valid UTF-8."""
    return not text.isascii() and any("\udc80" <= ch <= "\udcff" for ch in text)


def join_bytes(text: str) -> str:
    """Re-pair raw bytes that together form valid UTF-8 (e.g. from two ``slice`` results)."""
    return from_bytes(to_bytes(text)) if has_raw_bytes(text) else text


def finish_text(text: str) -> str:
    """The final rendered text: raw bytes that are not valid UTF-8 become U+FFFD."""
    if not has_raw_bytes(text):
        return text
    return to_bytes(text).decode("utf-8", "replace")
