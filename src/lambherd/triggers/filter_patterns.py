"""Event filter patterns (an event source mapping's ``FilterCriteria``): the grammar Lambda
accepts, checked before anything is sent, and the matching the sandbox applies.

A pattern is a JSON object. Each key is a field of the record; its value is either an object
(a pattern for the nested fields) or a non-empty list of conditions, any of which may match
(OR). A condition is a literal (string, number, ``true``/``false``, ``null``) compared for
equality, or one of: ``{"prefix": "s"}``, ``{"suffix": "s"}``, ``{"equals-ignore-case": "s"}``,
``{"exists": true|false}``, ``{"numeric": [op, n(, op, n)]}`` with ``=``, ``<``, ``<=``, ``>``,
``>=`` (a range is a lower bound then an upper one), and ``{"anything-but": v}`` where ``v`` is a
literal, a list of literals, or a ``prefix``/``suffix``/``equals-ignore-case`` object. Several keys
must all match (AND); ``{"$or": [pattern, pattern, ...]}`` matches when any sub-pattern does.
Source: the Lambda developer guide, "Control which events Lambda sends to your function"
(filter rule syntax table), and the EventBridge user guide's content-filtering pages.

``problems(text)`` lists what is wrong with a pattern (as Lambda would refuse it); ``matches``
says whether a record passes (a list-valued field matches when any element does; a missing
field matches only ``exists: false``).
"""

from __future__ import annotations

import json
from typing import Any

_STRING_OPS = ("prefix", "suffix", "equals-ignore-case")
_NUMERIC_OPS = ("=", "<", "<=", ">", ">=")
_OPERATORS = (*_STRING_OPS, "exists", "numeric", "anything-but")


def problems(text: Any) -> list[str]:
    """Why Lambda would refuse the pattern ``text`` (a JSON string); [] when it is valid."""
    if not isinstance(text, str):
        return ["Pattern must be a string holding a JSON object"]
    try:
        pattern = json.loads(text)
    except ValueError as exc:
        return [f"Pattern is not JSON: {exc}"]
    out: list[str] = []
    if not isinstance(pattern, dict) or not pattern:
        return ["Pattern must be a non-empty JSON object"]
    _check_object(pattern, "", out)
    return out


def _check_object(pattern: dict[str, Any], path: str, out: list[str]) -> None:
    for key, value in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            _check_or(value, where, out)
        elif isinstance(value, dict):
            if not value:
                out.append(f"{where}: an empty object matches nothing")
            else:
                _check_object(value, where, out)
        elif isinstance(value, list):
            if not value:
                out.append(f"{where}: an empty list matches nothing")
            for i, condition in enumerate(value):
                _check_condition(condition, f"{where}[{i}]", out)
        else:
            out.append(
                f"{where}: expected a list of conditions or a nested object, got "
                f"{json.dumps(value)}"
            )


def _check_or(value: Any, where: str, out: list[str]) -> None:
    if not isinstance(value, list) or len(value) < 2:
        out.append(f"{where}: $or takes a list of at least two patterns")
        return
    for i, sub in enumerate(value):
        if not isinstance(sub, dict) or not sub:
            out.append(f"{where}[{i}]: each $or member must be a non-empty object")
        else:
            _check_object(sub, f"{where}[{i}]", out)


def _is_literal(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _check_condition(condition: Any, where: str, out: list[str]) -> None:
    if _is_literal(condition):
        return
    if not isinstance(condition, dict):
        out.append(f"{where}: a condition is a literal or an object, got {json.dumps(condition)}")
        return
    if len(condition) != 1:
        out.append(f"{where}: a condition object has exactly one operator, got {len(condition)}")
        return
    op, arg = next(iter(condition.items()))
    if op not in _OPERATORS:
        out.append(f"{where}: unknown operator {op!r} (one of {', '.join(_OPERATORS)})")
    elif op in _STRING_OPS:
        if not isinstance(arg, str):
            out.append(f"{where}: {op} takes a string")
    elif op == "exists":
        if not isinstance(arg, bool):
            out.append(f"{where}: exists takes true or false")
    elif op == "numeric":
        _check_numeric(arg, where, out)
    else:
        _check_anything_but(arg, where, out)


def _check_numeric(arg: Any, where: str, out: list[str]) -> None:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        out.append(f"{where}: numeric takes [op, number] or [op, number, op, number]")
        return
    pairs = [(arg[i], arg[i + 1]) for i in range(0, len(arg), 2)]
    for op, number in pairs:
        if op not in _NUMERIC_OPS:
            out.append(f"{where}: numeric operator {op!r} is not one of {' '.join(_NUMERIC_OPS)}")
        if not _is_number(number):
            out.append(f"{where}: numeric compares with a number, got {json.dumps(number)}")
    if len(pairs) == 2:
        (low_op, low), (high_op, high) = pairs
        if low_op not in (">", ">=") or high_op not in ("<", "<="):
            out.append(f"{where}: a numeric range is a lower bound (> or >=) then an upper one")
        elif _is_number(low) and _is_number(high) and low >= high:
            out.append(f"{where}: the numeric range's lower bound is not below its upper one")


def _check_anything_but(arg: Any, where: str, out: list[str]) -> None:
    if isinstance(arg, list):
        if not arg or not all(isinstance(v, str | int | float) for v in arg):
            out.append(f"{where}: anything-but takes a non-empty list of strings or numbers")
    elif isinstance(arg, dict):
        if len(arg) != 1 or next(iter(arg)) not in _STRING_OPS:
            out.append(f"{where}: anything-but's object is prefix, suffix or equals-ignore-case")
        elif not isinstance(next(iter(arg.values())), str):
            out.append(f"{where}: anything-but's {next(iter(arg))} takes a string")
    elif not isinstance(arg, str | int | float) or isinstance(arg, bool):
        out.append(f"{where}: anything-but takes a string, a number, a list or an object")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- matching ---------------------------------------------------------------------------------
_MISSING = object()


def matches(pattern: dict[str, Any], record: Any) -> bool:
    """True when ``record`` passes ``pattern`` (a parsed, valid pattern)."""
    if not isinstance(record, dict):
        return False
    for key, sub in pattern.items():
        if key == "$or":
            if not any(matches(p, record) for p in sub):
                return False
            continue
        value = record.get(key, _MISSING)
        if isinstance(sub, dict):
            if value is _MISSING or not matches(sub, value):
                return False
        elif not any(_condition(c, value) for c in sub):
            return False
    return True


def _condition(condition: Any, value: Any) -> bool:
    if isinstance(condition, dict):
        op, arg = next(iter(condition.items()))
        if op == "exists":
            return (value is not _MISSING) == arg
        if value is _MISSING:
            return False
        values = value if isinstance(value, list) else [value]
        if op == "anything-but":
            return all(not _excluded(arg, v) for v in values)
        return any(_operator(op, arg, v) for v in values)
    if value is _MISSING:
        return False
    values = value if isinstance(value, list) else [value]
    return any(_equal(condition, v) for v in values)


def _equal(literal: Any, value: Any) -> bool:
    if _is_number(literal) and _is_number(value):
        return float(literal) == float(value)
    return type(literal) is type(value) and literal == value


def _operator(op: str, arg: Any, value: Any) -> bool:
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "numeric":
        if not _is_number(value):
            return False
        pairs = range(0, len(arg), 2)
        return all(_compare(arg[i], float(value), float(arg[i + 1])) for i in pairs)
    return False


def _compare(op: str, value: float, bound: float) -> bool:
    return {
        "=": value == bound,
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
    }[op]


def _excluded(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        op, text = next(iter(arg.items()))
        return _operator(op, text, value)
    options = arg if isinstance(arg, list) else [arg]
    return any(_equal(option, value) for option in options)


def record_passes(filters: list[dict[str, Any]], record: dict[str, Any], body_key: str) -> bool:
    """True when ``record`` passes any of ``filters`` (FilterCriteria.Filters; none: all pass).

    The record's ``body_key`` field (SQS ``body``, Kinesis ``data`` already decoded) is read as
    JSON when a pattern filters inside it, as Lambda does.
    """
    if not filters:
        return True
    for entry in filters:
        try:
            pattern = json.loads(entry.get("Pattern") or "{}")
        except ValueError:
            continue
        subject = record
        if isinstance(pattern.get(body_key), dict) and isinstance(record.get(body_key), str):
            try:
                subject = {**record, body_key: json.loads(record[body_key])}
            except ValueError:
                subject = record
        if matches(pattern, subject):
            return True
    return False
