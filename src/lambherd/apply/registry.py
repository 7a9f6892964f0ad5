"""Which handler executes each step type. Handlers live in one module per concern under
``lambherd.apply.handlers`` and register themselves with ``@handles(StepType, ...)``; the
executor core looks them up here and never names a step type itself.

Adding a step type: its handler in its concern's module (``@handles(NewStep)``), and that
module's name in ``HANDLER_MODULES`` (one line per concern).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from lambherd.apply.executor import StepRun
    from lambherd.plan.steps import Step

#: Handler modules, one per concern.
HANDLER_MODULES: tuple[str, ...] = (
    "lambherd.apply.handlers.function",
    "lambherd.apply.handlers.versions",
    "lambherd.apply.handlers.tags",
    "lambherd.apply.handlers.url",
    "lambherd.apply.handlers.permissions",
    "lambherd.apply.handlers.event_sources",
    "lambherd.apply.handlers.event_invoke",
    "lambherd.apply.handlers.schedules",
    "lambherd.apply.handlers.concurrency",
    "lambherd.apply.handlers.rollout",
)

#: A handler runs one step: ``handler(run, step) -> (detail shown, code bytes sent)``.
Handler = Callable[["StepRun", Any], tuple[str, int]]
H = TypeVar("H", bound=Handler)

_HANDLERS: dict[type, Handler] = {}
_loaded = threading.Lock()
_done = False


def handles(*step_types: type[Step]) -> Callable[[H], H]:
    """Register the decorated function as the handler of ``step_types``."""

    def register(handler: H) -> H:
        for step_type in step_types:
            if step_type in _HANDLERS:
                raise RuntimeError(f"{step_type.__name__} has two handlers")
            _HANDLERS[step_type] = handler
        return handler

    return register


def handler_for(step_type: type[Step]) -> Handler | None:
    """The registered handler of ``step_type`` (handler modules are imported on first use)."""
    global _done
    if not _done:
        with _loaded:
            if not _done:
                for name in HANDLER_MODULES:
                    importlib.import_module(name)
                _done = True
    return _HANDLERS.get(step_type)
