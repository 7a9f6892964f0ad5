"""text/template's predefined functions (funcs.go), with Go's rules and error messages.

``and``, ``or`` and ``call`` are listed here for their signatures; the executor evaluates
them itself (``and``/``or`` stop at the first deciding argument, ``call`` gets the name of the
called expression, as in Go 1.18+).
"""

from __future__ import annotations

from typing import Any

from lambherd.definition.gotemplate import gofmt
from lambherd.definition.gotemplate.values import (
    ANY,
    VALUE,
    GoByte,
    GoFunc,
    byte_len,
    from_bytes,
    is_true,
    kind,
    to_bytes,
    type_name,
)


class GoError(ValueError):
    """An error a builtin returns (the executor reports ``error calling NAME: message``)."""


def truth(value: Any) -> bool:
    return is_true(value)[0]


def _not(value: Any) -> bool:
    return not truth(value)


def _length(item: Any) -> int:
    if item is None:
        raise GoError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, str):
        return byte_len(item)
    if isinstance(item, dict | list | tuple):
        return len(item)
    raise GoError(f"len of type {type_name(item)}")


def _index_arg(index: Any, cap: int) -> int:
    if index is None:
        raise GoError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise GoError(f"cannot index slice/array with type {type_name(index)}")
    if index < 0 or index > cap:
        raise GoError(f"index out of range: {index}")
    return index


def _index(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise GoError("index of untyped nil")
    for index in indexes:
        if item is None:
            raise GoError("index of nil pointer")
        if isinstance(item, str):
            data = to_bytes(item)
            x = _index_arg(index, len(data))
            if x == len(data):
                raise GoError("reflect: string index out of range")
            item = GoByte(data[x])
        elif isinstance(item, list | tuple):
            x = _index_arg(index, len(item))
            if x == len(item):
                raise GoError("reflect: slice index out of range")
            item = item[x]
        elif isinstance(item, dict):
            if index is None:
                raise GoError("value is nil; should be of type string")
            if not isinstance(index, str):
                raise GoError(f"value has type {type_name(index)}; should be string")
            item = item.get(index)
        else:
            raise GoError(f"can't index item of type {type_name(item)}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise GoError("slice of untyped nil")
    if len(indexes) > 3:
        raise GoError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise GoError("cannot 3-index slice a string")
        data = to_bytes(item)
        cap = len(data)
    elif isinstance(item, list | tuple):
        data = None
        cap = len(item)
    else:
        raise GoError(f"can't slice item of type {type_name(item)}")
    idx = [0, cap, 0]
    for i, index in enumerate(indexes):
        idx[i] = _index_arg(index, cap)
    if idx[0] > idx[1]:
        raise GoError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise GoError(f"invalid slice index: {idx[1]} > {idx[2]}")
    if data is not None:
        return from_bytes(data[idx[0] : idx[1]])
    return list(item[idx[0] : idx[1]])


# --- comparison -------------------------------------------------------------------------
def _basic_kind(value: Any) -> str:
    """eq/lt's basicKind: the kind of a bool, number or string; "" for anything else."""
    k = kind(value)
    return k if k in _BASIC_KINDS else ""


_BASIC_KINDS = frozenset({"bool", "uint", "int", "float", "complex", "string"})


def _eq(arg1: Any, *arg2: Any) -> bool:
    if not arg2:
        raise GoError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    for arg in arg2:
        k2 = _basic_kind(arg)
        truth_ = False
        if k1 != k2:
            if k1 == "int" and k2 == "uint":
                truth_ = arg1 >= 0 and arg1 == arg
            elif k1 == "uint" and k2 == "int":
                truth_ = arg >= 0 and arg1 == arg
            elif arg1 is not None and arg is not None:
                raise GoError(
                    f"incompatible types for comparison: {type_name(arg1)} and {type_name(arg)}"
                )
        elif k1:
            truth_ = arg1 == arg
        else:
            r1, r2 = kind(arg1), kind(arg)
            if r1 != r2 and "invalid" not in (r1, r2):
                raise GoError(
                    f"non-comparable types {gofmt.sprintf('%s', [arg1])}: {type_name(arg1)}, "
                    f"{type_name(arg)}: {gofmt.format_v(arg)}"
                )
            if arg1 is None or arg is None:
                truth_ = (arg1 is None) == (arg is None)
            else:
                if r2 in ("map", "slice", "func"):
                    raise GoError(
                        f"non-comparable type {gofmt.sprintf('%s', [arg])}: {type_name(arg)}"
                    )
                truth_ = arg1 == arg
        if truth_:
            return True
    return False


def _ne(arg1: Any, arg2: Any) -> bool:
    return not _eq(arg1, arg2)


def _lt(arg1: Any, arg2: Any) -> bool:
    k1 = _basic_kind(arg1)
    if not k1:
        raise GoError("invalid type for comparison")
    k2 = _basic_kind(arg2)
    if not k2:
        raise GoError("invalid type for comparison")
    if k1 != k2:
        if k1 == "int" and k2 == "uint":
            return arg1 < 0 or arg1 < arg2
        if k1 == "uint" and k2 == "int":
            return arg2 >= 0 and arg1 < arg2
        raise GoError(f"incompatible types for comparison: {type_name(arg1)} and {type_name(arg2)}")
    if k1 in ("bool", "complex"):
        raise GoError("invalid type for comparison")
    if k1 == "string":
        return to_bytes(arg1) < to_bytes(arg2)
    return arg1 < arg2


def _le(arg1: Any, arg2: Any) -> bool:
    return _lt(arg1, arg2) or _eq(arg1, arg2)


def _gt(arg1: Any, arg2: Any) -> bool:
    return not _le(arg1, arg2)


def _ge(arg1: Any, arg2: Any) -> bool:
    return not _lt(arg1, arg2)


# --- escaping ---------------------------------------------------------------------------
def eval_args(args: tuple[Any, ...]) -> str:
    """``fmt.Sprint`` of the arguments, a nil one reading ``<no value>`` (Go's evalArgs)."""
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return gofmt.sprint(["<no value>" if a is None else a for a in args])


_HTML = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_JS = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def html_escape(text: str) -> str:
    """``template.HTMLEscapeString``."""
    if not any(ch in text for ch in _HTML):
        return text
    return "".join(_HTML.get(ch, ch) for ch in text)


def js_escape(text: str) -> str:
    """``template.JSEscapeString``."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _JS:
            out.append(_JS[ch])
        elif code < 0x20:
            out.append(f"\\u00{code:02X}")
        elif code < 0x80 or 0xDC80 <= code <= 0xDCFF or ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{code:04X}")
    return "".join(out)


def _html(*args: Any) -> str:
    return html_escape(eval_args(args))


def _js(*args: Any) -> str:
    return js_escape(eval_args(args))


def _urlquery(*args: Any) -> str:
    from urllib.parse import quote_plus

    return quote_plus(to_bytes(eval_args(args)), safe="")


def _print(*args: Any) -> str:
    return gofmt.sprint(list(args))


def _printf(fmt: str, *args: Any) -> str:
    return gofmt.sprintf(fmt, list(args))


def _println(*args: Any) -> str:
    return gofmt.sprintln(list(args))


# --- call -------------------------------------------------------------------------------
def assignable(value: Any, go_type: str) -> bool:
    if go_type in (ANY, VALUE):
        return True
    if go_type == "string":
        return isinstance(value, str)
    if go_type == "int":
        return isinstance(value, int) and not isinstance(value, bool | GoByte)
    if go_type == "uint8":
        return isinstance(value, GoByte)
    if go_type == "float64":
        return isinstance(value, float)
    if go_type == "bool":
        return isinstance(value, bool)
    if go_type == "complex128":
        return isinstance(value, complex)
    return False


def prepare_arg(value: Any, go_type: str) -> Any:
    """``call``'s argument check: nil only where nil fits, ints convert between int types."""
    if value is None:
        if go_type in (ANY, VALUE):
            return None
        raise GoError(f"value is nil; should be of type {go_type}")
    if assignable(value, go_type):
        return value
    int_like = isinstance(value, int) and not isinstance(value, bool)
    if int_like and go_type in ("int", "uint8"):
        return GoByte(value & 0xFF) if go_type == "uint8" else int(value)
    raise GoError(f"value has type {type_name(value)}; should be {go_type}")


def call(name: str, fn: Any, *args: Any) -> Any:
    """``call FUNC ARGS...``: ``name`` is how the template wrote FUNC."""
    if fn is None:
        raise GoError("call of nil")
    if not callable(fn) and not isinstance(fn, GoFunc):
        raise GoError(f"non-function {name} of type {type_name(fn)}")
    sig = GoFunc.of(fn)
    fixed = len(sig.params)
    if sig.variadic is not None:
        if len(args) < fixed:
            raise GoError(f"wrong number of args for {name}: got {len(args)} want at least {fixed}")
    elif len(args) != fixed:
        raise GoError(f"wrong number of args for {name}: got {len(args)} want {fixed}")
    argv = []
    for i, arg in enumerate(args):
        go_type = sig.params[i] if i < fixed else sig.variadic or ANY
        try:
            argv.append(prepare_arg(arg, go_type))
        except GoError as exc:
            raise GoError(f"arg {i}: {exc}") from None
    return sig.fn(*argv)


def _unreachable(*args: Any) -> Any:  # and, or, call: evaluated by the executor
    raise AssertionError("evaluated by the executor")


BUILTINS: dict[str, GoFunc] = {
    "and": GoFunc(_unreachable, (VALUE,), VALUE, "and"),
    "call": GoFunc(_unreachable, (VALUE,), VALUE, "call"),
    "html": GoFunc(_html, (), ANY, "html"),
    "index": GoFunc(_index, (VALUE,), VALUE, "index"),
    "slice": GoFunc(_slice, (VALUE,), VALUE, "slice"),
    "js": GoFunc(_js, (), ANY, "js"),
    "len": GoFunc(_length, (VALUE,), None, "len"),
    "not": GoFunc(_not, (VALUE,), None, "not"),
    "or": GoFunc(_unreachable, (VALUE,), VALUE, "or"),
    "print": GoFunc(_print, (), ANY, "print"),
    "printf": GoFunc(_printf, ("string",), ANY, "printf"),
    "println": GoFunc(_println, (), ANY, "println"),
    "urlquery": GoFunc(_urlquery, (), ANY, "urlquery"),
    "eq": GoFunc(_eq, (VALUE,), VALUE, "eq"),
    "ge": GoFunc(_ge, (VALUE, VALUE), None, "ge"),
    "gt": GoFunc(_gt, (VALUE, VALUE), None, "gt"),
    "le": GoFunc(_le, (VALUE, VALUE), None, "le"),
    "lt": GoFunc(_lt, (VALUE, VALUE), None, "lt"),
    "ne": GoFunc(_ne, (VALUE, VALUE), None, "ne"),
}
