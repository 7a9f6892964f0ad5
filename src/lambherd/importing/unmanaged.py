"""The import writer of what a definition cannot hold (no file: notes). Said once, at import,
so nobody expects a deploy to manage it: the code signing configuration (an input of
CreateFunction that GetFunction does not report) and the runtime management setting
(PutRuntimeManagementConfig, not part of CreateFunction). Deploys leave all of them alone.
A read the endpoint does not serve is skipped (the sandbox has no code signing)."""

from __future__ import annotations

from typing import Any

from lambherd.importing.writers import FileText, ImportContext, ImportWriter


def _read(clients: Any, operation: str, **params: Any) -> dict[str, Any] | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(clients.client("lambda"), operation)(**params)
    except (ClientError, BotoCoreError):
        return None


def _write(ctx: ImportContext) -> dict[str, FileText]:
    if ctx.clients is None:
        return {}
    name = ctx.remote.name
    left: list[str] = []
    signing = _read(ctx.clients, "get_function_code_signing_config", FunctionName=name) or {}
    if signing.get("CodeSigningConfigArn"):
        left.append(f"code signing config {signing['CodeSigningConfigArn']}")
    runtime = _read(ctx.clients, "get_runtime_management_config", FunctionName=name) or {}
    if runtime.get("UpdateRuntimeOn") not in (None, "Auto"):
        left.append(f"runtime management {runtime['UpdateRuntimeOn']}")
    if left:
        ctx.notes.append(f"{name}: left as it is, not managed by deploys: {', '.join(left)}")
    return {}


WRITER = ImportWriter("unmanaged", _write)
