"""How an invocation ended, as an InvokeResult: payload, function error and platform log lines.

Lambda's wording for each ending (response, error, timeout, out of memory, runtime exit, stopped
on purpose, failed init), kept apart from the runtime that schedules invocations.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from lambherd.local import logs
from lambherd.local.environment import SHUTDOWN_ERROR_TYPE, Environment, describe_exit
from lambherd.local.spec import FunctionSpec, InitFailure, Invocation, InvokeResult

RESPONSE_LIMIT = 6 * 1024 * 1024
#: Why an invocation ended early when its environment was stopped on purpose.
CLOSED_REASON = (
    "the execution environment was stopped (the local runtime was closed) during the invocation"
)


def text(data: bytes | bytearray) -> str:
    """Child output as text; awslambdaric ends multi-line error records with CR."""
    return bytes(data).decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def lambda_path_pairs(spec: FunctionSpec) -> list[tuple[str, str]]:
    """(host folder, Lambda's path) for the task root and the layers, longest first."""
    from lambherd.build.cache import build_dir
    from lambherd.local.layers import opt_folder

    code = Path(spec.code_dir).resolve()
    pairs = [(str(build_dir(code)), "/var/task"), (str(code), "/var/task")]
    opt = opt_folder(tuple(spec.layer_dirs))
    if opt is not None:
        pairs.append((str(opt), "/opt"))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def as_on_lambda(data: str, spec: FunctionSpec) -> str:
    """``data`` (a traceback, a log) with the host's folders named as on Lambda: the code's as
    ``/var/task``, the layers' as ``/opt``."""
    for host, there in lambda_path_pairs(spec):
        data = data.replace(host + "/", there + "/")
    return data


def error_doc(error_type: str, message: str) -> bytes:
    """Lambda's error document (``errorMessage``, ``errorType``)."""
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def outcome(spec: FunctionSpec, inv: Invocation) -> tuple[bytes, str | None, str]:
    """(payload, function error, platform log lines) for how an invocation ended."""
    rid = inv.request_id
    if inv.outcome == "response":
        if len(inv.body) > RESPONSE_LIMIT:
            msg = (
                f"Response payload size ({len(inv.body)} bytes) exceeded maximum allowed "
                f"payload size ({RESPONSE_LIMIT} bytes)."
            )
            return error_doc("Function.ResponseSizeTooLarge", msg), "Unhandled", ""
        return inv.body, None, ""
    if inv.outcome == "error":
        return inv.body, "Unhandled", ""
    if inv.outcome == "timeout":
        msg = f"Task timed out after {spec.timeout_s:.2f} seconds"
        return (
            error_doc("Sandbox.Timedout", f"RequestId: {rid} Error: {msg}"),
            "Unhandled",
            logs.timeout_line(rid, spec.timeout_s),
        )
    if inv.outcome == "shutdown":  # stopped on purpose (closed, removed), not a crash
        msg = inv.body.decode("utf-8", "replace") or CLOSED_REASON
        return (
            error_doc(SHUTDOWN_ERROR_TYPE, f"RequestId: {rid} Error: {msg}"),
            "Unhandled",
            logs.error_line(rid, msg) + SHUTDOWN_ERROR_TYPE + "\n",
        )
    if inv.outcome == "oom":
        msg = "Runtime exited with error: signal: killed"
        return (
            error_doc("Runtime.OutOfMemory", f"RequestId: {rid} Error: {msg}"),
            "Unhandled",
            logs.error_line(rid, msg) + "Runtime.OutOfMemory\n",
        )
    status = inv.exit_status if inv.exit_status is not None else -9
    msg = f"Runtime exited with error: {describe_exit(status)}"
    return (
        error_doc("Runtime.ExitError", f"RequestId: {rid} Error: {msg}"),
        "Unhandled",
        logs.error_line(rid, msg) + "Runtime.ExitError\n",
    )


def init_failed(spec: FunctionSpec, env: Environment, request_id: str) -> InvokeResult:
    """The result of an invocation whose environment failed to initialise."""
    failure = env.init_failure or InitFailure("Runtime.Unknown", message="init failed")
    body = failure.body or error_doc(
        failure.error_type, f"RequestId: {request_id} Error: {failure.message}"
    )
    body = as_on_lambda(body.decode("utf-8", "replace"), spec).encode("utf-8")
    init_ms = env.init_duration_ms or 0.0
    out = as_on_lambda(text(env.init_log), spec)
    out += (
        f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\t"
        f"Error Type: {failure.error_type}\n"
    )
    out += logs.start_line(request_id, spec.version) + logs.end_line(request_id)
    billed = logs.billed_ms(init_ms)
    out += logs.report_line(request_id, init_ms, billed, spec.memory_mb, 0, init_ms)
    return InvokeResult(
        request_id=request_id,
        payload=body,
        function_error="Unhandled",
        executed_version=spec.version,
        log=out,
        duration_ms=init_ms,
        billed_duration_ms=billed,
        memory_size_mb=spec.memory_mb,
        max_memory_used_mb=0,
        init_duration_ms=init_ms,
    )


def empty(spec: FunctionSpec, request_id: str, status: int) -> InvokeResult:
    return InvokeResult(
        request_id=request_id,
        payload=b"",
        function_error=None,
        executed_version=spec.version,
        log="",
        duration_ms=0.0,
        billed_duration_ms=0,
        memory_size_mb=spec.memory_mb,
        max_memory_used_mb=0,
        init_duration_ms=None,
        status_code=status,
    )


def with_provisioned_use(result: InvokeResult, env: Environment) -> InvokeResult:
    """The result with its version's provisioned use when ``env`` was checked out (busy of
    total environments, ``env`` one of them or not) when it has any; unchanged otherwise."""
    busy, total = env.provisioned_use
    if not total:
        return result
    return dataclasses.replace(
        result, provisioned=env.provisioned, provisioned_busy=busy, provisioned_total=total
    )
