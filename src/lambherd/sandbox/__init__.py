"""The embedded local AWS: moto's control plane plus lambherd's Lambda layer (invokes run locally).

process.py      start (detached) / stop / status / reset; pid file, health check, log
server.py       the server process: replays the journal, then serves on 127.0.0.1
dispatcher.py   the WSGI stack: our endpoints, the Lambda layer, moto; journals mutations
lambda_ext.py   what lambherd adds to moto's Lambda (invoke, RevisionId, concurrency...)
telemetry.py    invocation logs and metrics written into moto's CloudWatch
persistence.py  the journal of mutating requests, replayed on start
compaction.py   rewrites invocation logs/metrics in the journal as a few batches (faster restarts)
cloudwatch_ext.py  percentile statistics (p50, p99...) for GetMetricData, which moto lacks
logs_ext.py     CloudWatch Logs creation/ingestion times stamped with the request's (kept on replay)
function_url.py    function URLs served on the sandbox's port (payload format 2.0)
"""

from __future__ import annotations

from lambherd.sandbox.process import (
    SandboxStatus,
    default_port,
    default_state_dir,
    ensure_running,
    reset,
    start_background,
    status,
    stop,
)

__all__ = [
    "SandboxStatus",
    "default_port",
    "default_state_dir",
    "ensure_running",
    "reset",
    "start_background",
    "status",
    "stop",
]
