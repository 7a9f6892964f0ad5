"""Evaluate ``function.jsonnet`` (and other ``.jsonnet`` sidecars) to JSON text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lambherd.errors import DefinitionError, LambherdError

NativeTable = Mapping[str, tuple[tuple[str, ...], Callable[..., Any]]]

# "STATIC ERROR: /x/function.jsonnet:3:5: msg" or a stack frame "\t/x/f.jsonnet:3:5-10\t..."
_LOCATION_RE = re.compile(r"(?P<file>[^\s:]+\.(?:jsonnet|libsonnet|json)):(?P<line>\d+)")


def evaluate_jsonnet(
    path: Path,
    ext_str: Mapping[str, str] | None = None,
    ext_code: Mapping[str, str] | None = None,
    natives: NativeTable | None = None,
) -> str:
    """The JSON text the Jsonnet file evaluates to.

    ``ext_str``/``ext_code`` become ``std.extVar`` values; ``natives`` are reachable with
    ``std.native(name)``. A Jsonnet error becomes a DefinitionError naming the file and line;
    an error raised by a native function keeps its message (and its class when it is one of
    ours).
    """
    import _jsonnet

    raised: list[BaseException] = []
    callbacks = {
        name: (_safe_param_names(params), _remember_errors(func, raised))
        for name, (params, func) in (natives or {}).items()
    }
    try:
        return _jsonnet.evaluate_file(
            str(path),
            ext_vars=dict(ext_str or {}),
            ext_codes=dict(ext_code or {}),
            native_callbacks=callbacks,
        )
    except RuntimeError as exc:
        raise _describe(path, str(exc), raised) from None


def _safe_param_names(params: tuple[str, ...]) -> tuple[str, ...]:
    """One-letter parameter names, to dodge a use-after-free in the jsonnet 0.22 binding.

    ``_jsonnet.c`` frees each parameter name's UTF-8 buffer before the VM copies it, so two
    multi-letter names can alias ("binding parameter a second time"). CPython's one-byte
    ``bytes`` objects are immortal singletons, so single letters stay valid. Natives are
    called positionally (``std.native('env')('X', 'd')``), so the names are not user-visible.
    """
    if len(params) > 26:
        raise ValueError("too many native function parameters")
    return tuple(chr(ord("a") + i) for i in range(len(params)))


def _remember_errors(func: Callable[..., Any], raised: list[BaseException]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        try:
            return func(*args)
        except Exception as exc:
            raised.append(exc)
            raise

    return call


def _describe(path: Path, text: str, raised: list[BaseException]) -> LambherdError:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    head = lines[0] if lines else "evaluation failed"
    where = path.name
    line_no: str | None = None
    for line in lines:
        match = _LOCATION_RE.search(line)
        if match:
            where = Path(match.group("file")).name
            line_no = match.group("line")
            break
    location = f"{where}: line {line_no}" if line_no else where
    original = raised[0] if raised else None
    if isinstance(original, LambherdError):
        original.prefix_message(location)
        return original
    # Drop the repeated "file:line:col:" from a static error's first line.
    head = re.sub(r"^(\w+ ERROR: )\S+:\d+:\d+(?:-\d+)?: ", r"\1", head)
    return DefinitionError(f"{location}: {head}")
