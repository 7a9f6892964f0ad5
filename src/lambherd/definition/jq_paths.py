"""lambroll's ``--ignore`` queries: the paths of a jq (gojq) expression such as
``'.Tags, .MemorySize'``, the subset lambroll's tests and README use, parsed without jq.

    parse_paths(".Tags, .Environment.Variables.SECRET") -> (JqPath, ...)
    delete_paths(doc, paths) -> doc          jq's ``del(paths)``, on a copy
    take_paths(doc, source, paths) -> doc    each path's value taken from ``source`` (removed
                                             where ``source`` has none), on a copy

A query is one or more paths separated by commas; a path is ``.`` followed by steps:
``.Name``, ``."any key"``, ``["any key"]``, ``[N]`` (a list item, negative from the end) and
``[]`` (every item or value), each optionally followed by ``?``. Anything else jq can say
(pipes, functions, ``..``, slices, ``select``) is refused with a message naming what is
supported: lambroll evaluates the whole jq language, lambherd only paths. A bare dotted name
without the leading ``.`` (``Environment.Variables.TOKEN``, lambherd's earlier ``--ignore``) is
read as that path, each part a key.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from lambherd.errors import UsageError

#: A step: a key (str), an index (int) or every item (None).
Step = str | int | None

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"-?\d+")
#: lambherd's earlier ``--ignore`` form: dotted keys without the leading dot
_DOTTED = re.compile(r"[^.\s|()\[\],\"?]+(\.[^.\s|()\[\],\"?]+)*")
SUPPORTED = (
    'paths only: .Name, ."key", ["key"], [N], [] (each may end with ?), several joined by ","'
)


@dataclass(frozen=True)
class JqPath:
    """One path of a query, as written and as steps."""

    text: str
    steps: tuple[Step, ...]


def parse_paths(query: str, option: str = "--ignore") -> tuple[JqPath, ...]:
    """Every path of ``query`` (see the module docstring); a query with anything else is
    refused, naming ``option``."""
    text = query.strip()
    if not text:
        return ()
    if not text.startswith((".", "[")):
        if not _DOTTED.fullmatch(text):
            raise _refuse(query, option, 0)
        return (JqPath(text, tuple(text.split("."))),)
    paths: list[JqPath] = []
    i = 0
    while True:
        start = i
        steps, i = _path(text, i, query, option)
        paths.append(JqPath(text[start:i].strip(), tuple(steps)))
        i = _space(text, i)
        if i >= len(text):
            return tuple(paths)
        if text[i] != ",":
            raise _refuse(query, option, i)
        i = _space(text, i + 1)


def _path(text: str, i: int, query: str, option: str) -> tuple[list[Step], int]:
    i = _space(text, i)
    if i >= len(text) or text[i] not in ".[":
        raise _refuse(query, option, i)
    steps: list[Step] = []
    first = True
    while i < len(text) and text[i] in ".[":
        if text[i] == ".":
            if text.startswith("..", i):
                raise _refuse(query, option, i)
            i += 1
            if i < len(text) and text[i] == '"':
                key, i = _string(text, i, query, option)
                steps.append(key)
            elif i < len(text) and (m := _NAME.match(text, i)):
                steps.append(m.group())
                i = m.end()
            elif i < len(text) and text[i] == "[":
                continue  # .[...] is [...]
            elif not (first and (i >= len(text) or text[i] in " ,")):
                raise _refuse(query, option, i)
        else:
            i = _space(text, i + 1)
            if i < len(text) and text[i] == "]":
                steps.append(None)
                i += 1
            elif i < len(text) and text[i] == '"':
                key, i = _string(text, i, query, option)
                steps.append(key)
                i = _expect(text, i, "]", query, option)
            elif m := _INDEX.match(text, i):
                steps.append(int(m.group()))
                i = _expect(text, m.end(), "]", query, option)
            else:
                raise _refuse(query, option, i)
        if i < len(text) and text[i] == "?":
            i += 1
        first = False
    return steps, i


def _string(text: str, i: int, query: str, option: str) -> tuple[str, int]:
    """A JSON string literal at ``i`` (jq's string syntax without interpolation)."""
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == '"':
            try:
                return json.loads(text[i : j + 1]), j + 1
            except ValueError:
                break
        j += 1
    raise _refuse(query, option, i)


def _expect(text: str, i: int, char: str, query: str, option: str) -> int:
    i = _space(text, i)
    if i < len(text) and text[i] == char:
        return i + 1
    raise _refuse(query, option, i)


def _space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _refuse(query: str, option: str, at: int) -> UsageError:
    return UsageError(
        f"{option} {query!r}: cannot read it at position {at + 1}; lambherd reads {SUPPORTED} "
        "(lambroll evaluates any jq expression)"
    )


def delete_paths(doc: Any, paths: tuple[JqPath, ...]) -> Any:
    """``del(paths)`` on a copy of ``doc``; paths that are not there are left alone."""
    out = copy.deepcopy(doc)
    for path in paths:
        if not path.steps:
            return None  # del(.) is null
        out = _delete(out, path.steps)
    return out


def _delete(node: Any, steps: tuple[Step, ...]) -> Any:
    head, rest = steps[0], steps[1:]
    if isinstance(node, dict):
        keys = list(node) if head is None else ([head] if isinstance(head, str) else [])
        for key in keys:
            if key not in node:
                continue
            if rest:
                node[key] = _delete(node[key], rest)
            else:
                del node[key]
    elif isinstance(node, list):
        if head is None:
            indexes = list(range(len(node)))
        elif isinstance(head, int) and -len(node) <= head < len(node):
            indexes = [head % len(node)]
        else:
            indexes = []
        if rest:
            for index in indexes:
                node[index] = _delete(node[index], rest)
        else:
            for index in sorted(indexes, reverse=True):
                del node[index]
    return node


def take_paths(doc: dict[str, Any], source: dict[str, Any], paths: tuple[JqPath, ...]) -> Any:
    """``doc`` with each path's value as ``source`` has it (removed where ``source`` has
    none): what ``deploy --ignore`` leaves as deployed. ``[]`` steps take the whole list or
    object from ``source`` at that point."""
    out = copy.deepcopy(doc)
    for path in paths:
        steps = path.steps
        cut = steps.index(None) if None in steps else len(steps)
        steps = steps[:cut]
        if not steps:
            return copy.deepcopy(source)
        found, value = _get(source, steps)
        out = _set(out, steps, copy.deepcopy(value)) if found else _delete(out, steps)
    return out


def _get(node: Any, steps: tuple[Step, ...]) -> tuple[bool, Any]:
    for step in steps:
        in_map = isinstance(node, dict) and isinstance(step, str) and step in node
        in_list = (
            isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node)
        )
        if not (in_map or in_list):
            return False, None
        node = node[step]
    return True, node


def _set(node: Any, steps: tuple[Step, ...], value: Any) -> Any:
    head, rest = steps[0], steps[1:]
    if isinstance(head, str):
        node = node if isinstance(node, dict) else {}
        node[head] = _set(node.get(head), rest, value) if rest else value
    elif isinstance(head, int) and isinstance(node, list) and -len(node) <= head < len(node):
        node[head] = _set(node[head], rest, value) if rest else value
    return node
