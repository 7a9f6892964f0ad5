"""``lint --measure``: the handler module's Init Duration in the local emulator.

The function is started as ``lambherd local invoke`` starts it (the runtime's interpreter
running awslambdaric against lambherd's Runtime API) but never invoked: an environment is
taken from the pool, started (init runs: the module is imported), its Init Duration read, and
it is stopped. Three cold starts, one after the other; the median is reported.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambherd.definition import FunctionDefinition

RUNS = 3


@dataclass(frozen=True)
class Measurement:
    """The median Init Duration (None when init failed or could not run) and why not."""

    init_ms: float | None
    note: str | None = None


def measure_init(
    defn: FunctionDefinition, region: str | None = None, runs: int = RUNS
) -> Measurement:
    """Start the function's runtime ``runs`` times and return the median Init Duration."""
    from lambherd.errors import LambherdError
    from lambherd.local import LocalRuntime
    from lambherd.local.definition_spec import spec_from_definition
    from lambherd.local.node import is_node_runtime

    runtime = defn.config.get("Runtime")
    if not (
        isinstance(runtime, str) and (runtime.startswith("python") or is_node_runtime(runtime))
    ):
        return Measurement(
            None, f"--measure: {runtime} is not run by the local emulator (Python and Node.js)"
        )
    try:
        spec = spec_from_definition(
            defn.config, defn.source_dir, region=region, source=defn.display_path
        )
    except LambherdError as exc:
        return Measurement(None, f"--measure: {exc.message}")
    durations: list[float] = []
    with LocalRuntime(notify=lambda _line: None) as local:
        local.register(spec)
        pool = local.pool(spec.name)
        for _ in range(runs):
            env, _cold = pool.checkout()
            try:
                started = env.start()
                if not started:
                    failure = env.init_failure
                    if failure is None:
                        return Measurement(None, "--measure: init failed")
                    reason = f"{failure.error_type}: {_describe(failure)}"
                    return Measurement(None, f"--measure: init failed ({reason})")
                if env.init_duration_ms is not None:
                    durations.append(env.init_duration_ms)
            finally:
                env.stop()
                pool.checkin(env)
    if not durations:
        return Measurement(None, "--measure: no Init Duration was reported")
    return Measurement(statistics.median(durations))


def _describe(failure: object) -> str:
    """The runtime's errorMessage from an /init/error document, or lambherd's own message."""
    import json

    message = getattr(failure, "message", None)
    if message:
        return str(message)
    body = getattr(failure, "body", None) or b"{}"
    try:
        doc = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:200]
    return str(doc.get("errorMessage", ""))[:200] if isinstance(doc, dict) else ""
