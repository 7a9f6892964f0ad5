"""Which kind of runtime runs a function: ``python3.x`` (``interpreters``) or ``nodejsNN.x``
(``node``). The one place the kind is chosen; each kind's module does the rest."""

from __future__ import annotations

import sys
from collections.abc import Callable

from lambherd.errors import LocalRuntimeError
from lambherd.local import node
from lambherd.local.interpreters import Interpreter, resolve_interpreter

#: What the emulator runs, for messages.
SUPPORTED = "python3.x and " + ", ".join(node.NODE_RUNTIMES)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def resolve_runtime(runtime: str, notify: Callable[[str], None] | None = None) -> Interpreter:
    """The executable (and its runtime interface client) for ``runtime``."""
    if node.is_node_runtime(runtime):
        return node.resolve_node(runtime, notify or _stderr)
    if not (runtime or "").startswith("python"):
        raise LocalRuntimeError(
            f"runtime {runtime or '(none)'}: not supported locally yet "
            f"(the local emulator runs {SUPPORTED} functions)"
        )
    return resolve_interpreter(runtime, notify=notify)
