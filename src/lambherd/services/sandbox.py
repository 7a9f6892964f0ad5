"""``sandbox start|stop|status|reset``: the embedded local AWS on 127.0.0.1 (one server per state
folder; its state survives a restart)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambherd.errors import UsageError


@dataclass(frozen=True)
class Started:
    """A sandbox started in the background: its endpoint and status."""

    endpoint: str
    status: Any


def start(
    port: int | None,
    state_dir: Path | None,
    *,
    detach: bool = False,
    account_concurrency: int | None = None,
    on_serving: Callable[[str, Path], None] | None = None,
) -> Started | None:
    """Start the sandbox: in the background (``detach``; returns where it runs) or in the
    foreground until it is stopped (``on_serving(endpoint, state_dir)`` is told first)."""
    from lambherd import sandbox
    from lambherd.sandbox.process import sandbox_endpoint

    port = port or sandbox.default_port()
    state_dir = (state_dir or sandbox.default_state_dir()).resolve()
    if detach:
        endpoint = sandbox.start_background(
            port, state_dir, account_concurrency=account_concurrency
        )
        return Started(endpoint, sandbox.status(port, state_dir))
    from lambherd.sandbox.process import check_can_start, prepare_state_dir
    from lambherd.sandbox.server import serve

    prepare_state_dir(state_dir)
    running = check_can_start(port, state_dir)
    if running:
        raise UsageError(
            f"the sandbox of {state_dir} already runs at {running}",
            hint="stop it first with `lambherd sandbox stop`",
        )
    if on_serving is not None:
        on_serving(sandbox_endpoint(port), state_dir)
    serve(port, state_dir, account_concurrency=account_concurrency)
    return None


def stop(state_dir: Path | None, port: int | None = None) -> bool:
    """Stop the background sandbox (its state is kept); False when none was running."""
    from lambherd import sandbox

    return sandbox.stop(state_dir, port=port)


def status(port: int | None, state_dir: Path | None) -> Any:
    """Whether the sandbox runs, where, and how many functions it holds."""
    from lambherd import sandbox

    return sandbox.status(port, state_dir)


def reset(
    port: int | None, state_dir: Path | None, *, confirm: Callable[[], bool] = lambda: True
) -> bool:
    """Delete everything the sandbox holds, once ``confirm()`` says yes; True when it was
    running (emptied in place), False when its saved state was deleted."""
    from lambherd import sandbox

    if not confirm():
        raise UsageError("sandbox: nothing deleted (confirm, or pass --yes)")
    return sandbox.reset(port, state_dir)
