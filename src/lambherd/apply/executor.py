"""Run a Plan against AWS, step by step: waits after each function update, RevisionId chained
from one update to the next, throttling and conflicts retried, errors said in one line.

The chain: every change of ``$LATEST`` is sent with the RevisionId the plan read (or the one the
previous change left), so a function changed by another writer since it was read is refused
(PreconditionFailed) instead of overwritten. Updates return their new RevisionId; steps that
change it without returning it (PublishVersion, permission changes on the unqualified function,
URL updates) are followed by a read of the new one when a later step needs it. A RevisionId is
only ever sent when the endpoint reported one (moto's server reports none, so gets none).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambherd.apply.waiters import wait_until_ready
from lambherd.errors import LambherdError, describe_client_error
from lambherd.plan.steps import (
    LATEST,
    PUBLISHED,
    AddPermission,
    CodeSource,
    CreateAlias,
    CreateFunction,
    DeleteFunction,
    DeleteVersion,
    MoveAlias,
    Plan,
    PublishVersion,
    PutFunctionUrl,
    RemovePermission,
    Step,
    TagResource,
    UntagResource,
    UpdateConfiguration,
    UploadCode,
)
from lambherd.retry import RetryPolicy, call_with_retry


@dataclass(frozen=True)
class StepResult:
    """One executed (or displayed) step: how long it took and what it returned worth showing."""

    step: Step
    seconds: float = 0.0
    detail: str = ""
    bytes_uploaded: int = 0


@dataclass
class ExecutionResult:
    """What running a plan did."""

    plan: Plan
    results: list[StepResult] = field(default_factory=list)
    version: str | None = None
    dry_run: bool = False

    @property
    def bytes_uploaded(self) -> int:
        """Bytes of code sent (zip bodies and S3 uploads)."""
        return sum(r.bytes_uploaded for r in self.results)


@dataclass
class _Context:
    revision_id: str | None
    code_sha256: str | None
    function_arn: str | None
    version: str | None = None


class Executor:
    """Executes plans with real AWS calls through ``clients`` (an ``AwsClients``)."""

    def __init__(
        self,
        clients: Any,
        *,
        retry: RetryPolicy | None = None,
        wait_timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        on_step: Callable[[StepResult], None] | None = None,
    ) -> None:
        self.clients = clients
        self.retry = retry or RetryPolicy(sleep=sleep)
        self.wait_timeout = wait_timeout
        self.sleep = sleep
        self.on_step = on_step

    def run(self, plan: Plan) -> ExecutionResult:
        """Run every step in order; the first failure stops the run (re-running converges)."""
        ctx = _Context(plan.revision_id, plan.code_sha256, plan.function_arn)
        result = ExecutionResult(plan=plan)
        for i, step in enumerate(plan.steps):
            start = time.monotonic()
            detail, sent = self._dispatch(plan.function_name, step, ctx)
            if _changes_revision_silently(step) and any(
                _needs_revision(later) for later in plan.steps[i + 1 :]
            ):
                self._refresh_revision(plan.function_name, ctx)
            done = StepResult(step, time.monotonic() - start, detail, sent)
            result.results.append(done)
            if self.on_step:
                self.on_step(done)
        result.version = ctx.version
        return result

    # -- dispatch -------------------------------------------------------------------------
    def _dispatch(self, name: str, step: Step, ctx: _Context) -> tuple[str, int]:
        handlers: dict[type[Step], Callable[[str, Any, _Context], tuple[str, int]]] = {
            CreateFunction: self._create,
            UpdateConfiguration: self._update_configuration,
            UploadCode: self._upload_code,
            PublishVersion: self._publish,
            CreateAlias: self._create_alias,
            MoveAlias: self._move_alias,
            DeleteVersion: self._delete_version,
            PutFunctionUrl: self._put_url,
            AddPermission: self._add_permission,
            RemovePermission: self._remove_permission,
            TagResource: self._tag,
            UntagResource: self._untag,
            DeleteFunction: self._delete_function,
        }
        handler = handlers.get(type(step))
        if handler is None:  # pragma: no cover - a new step type without a handler
            raise LambherdError(f"no executor for step {step.kind}")
        return handler(name, step, ctx)

    def _call(
        self, action: str, operation: str, *, service: str = "lambda", **params: Any
    ) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        method = getattr(self.clients.client(service), operation)
        try:
            return call_with_retry(lambda: method(**params), self.retry)
        except ClientError as exc:
            raise describe_client_error(exc, action) from exc

    def _wait(self, name: str, ctx: _Context) -> None:
        def read() -> dict[str, Any]:
            return self._call(f"read {name}", "get_function_configuration", FunctionName=name)

        config = wait_until_ready(read, name, timeout=self.wait_timeout, sleep=self.sleep)
        ctx.revision_id = config.get("RevisionId") or ctx.revision_id
        ctx.code_sha256 = config.get("CodeSha256") or ctx.code_sha256
        ctx.function_arn = config.get("FunctionArn") or ctx.function_arn

    @staticmethod
    def _revision(ctx: _Context) -> dict[str, Any]:
        return {"RevisionId": ctx.revision_id} if ctx.revision_id else {}

    def _refresh_revision(self, name: str, ctx: _Context) -> None:
        """Read the RevisionId our own last change left (it returned none).

        Only when a RevisionId is being chained: an endpoint that reports none is not asked.
        """
        if ctx.revision_id is None:
            return
        config = self._call(f"read {name}", "get_function_configuration", FunctionName=name)
        ctx.revision_id = config.get("RevisionId")

    # -- function -------------------------------------------------------------------------
    def _create(self, name: str, step: CreateFunction, ctx: _Context) -> tuple[str, int]:
        code, sent = self._code_param(step.code)
        resp = self._call(
            f"create function {name}", "create_function", **step.params, Code=code, Publish=False
        )
        ctx.revision_id = resp.get("RevisionId")
        ctx.function_arn = resp.get("FunctionArn")
        self._wait(name, ctx)
        return f"created {resp.get('FunctionArn')}", sent

    def _update_configuration(
        self, name: str, step: UpdateConfiguration, ctx: _Context
    ) -> tuple[str, int]:
        resp = self._call(
            f"update configuration of {name}",
            "update_function_configuration",
            FunctionName=name,
            **step.params,
            **self._revision(ctx),
        )
        ctx.revision_id = resp.get("RevisionId") or ctx.revision_id
        self._wait(name, ctx)
        return ", ".join(step.changed), 0

    def _upload_code(self, name: str, step: UploadCode, ctx: _Context) -> tuple[str, int]:
        code, sent = self._code_param(step.code)
        resp = self._call(
            f"update code of {name}",
            "update_function_code",
            FunctionName=name,
            **code,
            **self._revision(ctx),
        )
        ctx.revision_id = resp.get("RevisionId") or ctx.revision_id
        ctx.code_sha256 = resp.get("CodeSha256") or ctx.code_sha256
        self._wait(name, ctx)
        return f"sha256 {ctx.code_sha256}", sent

    def _code_param(self, code: CodeSource) -> tuple[dict[str, Any], int]:
        """The ``Code`` parameter, uploading to S3 first when the code goes through S3."""
        if code.image_uri:
            return {"ImageUri": code.image_uri}, 0
        if code.s3_bucket and code.s3_key:
            sent = 0
            version = code.s3_object_version
            if code.zip_path:
                version, sent = self._upload_s3(code)
            param = {"S3Bucket": code.s3_bucket, "S3Key": code.s3_key}
            if version:
                param["S3ObjectVersion"] = version
            return param, sent
        if not code.zip_path:
            raise LambherdError("no code to deploy: neither a zip nor an S3 location")
        body = Path(code.zip_path).read_bytes()
        return {"ZipFile": body}, len(body)

    def _upload_s3(self, code: CodeSource) -> tuple[str | None, int]:
        assert code.zip_path is not None
        body = Path(code.zip_path).read_bytes()
        resp = self._call(
            f"upload code to s3://{code.s3_bucket}/{code.s3_key}",
            "put_object",
            service="s3",
            Bucket=code.s3_bucket,
            Key=code.s3_key,
            Body=body,
            ChecksumAlgorithm="SHA256",  # = CodeSha256: lets --skip-archive compare
        )
        return resp.get("VersionId"), len(body)

    def _delete_function(self, name: str, step: DeleteFunction, ctx: _Context) -> tuple[str, int]:
        self._call(f"delete function {name}", "delete_function", FunctionName=name)
        return "deleted", 0

    # -- versions and aliases --------------------------------------------------------------
    def _publish(self, name: str, step: PublishVersion, ctx: _Context) -> tuple[str, int]:
        params: dict[str, Any] = {"FunctionName": name, **self._revision(ctx)}
        if ctx.code_sha256:
            params["CodeSha256"] = ctx.code_sha256
        resp = self._call(f"publish a version of {name}", "publish_version", **params)
        ctx.version = str(resp["Version"])
        self._wait_version(name, ctx.version)
        return f"version {ctx.version}", 0

    def _wait_version(self, name: str, version: str) -> None:
        def read() -> dict[str, Any]:
            return self._call(
                f"read {name}:{version}",
                "get_function_configuration",
                FunctionName=name,
                Qualifier=version,
            )

        wait_until_ready(read, f"{name}:{version}", timeout=self.wait_timeout, sleep=self.sleep)

    def _target(self, version: str, ctx: _Context) -> str:
        if version == PUBLISHED:
            if ctx.version is None:
                raise LambherdError("the plan moves an alias to a version it never published")
            return ctx.version
        return version

    def _create_alias(self, name: str, step: CreateAlias, ctx: _Context) -> tuple[str, int]:
        target = self._target(step.version, ctx)
        self._call(
            f"create alias {step.name}",
            "create_alias",
            FunctionName=name,
            Name=step.name,
            FunctionVersion=target,
        )
        return f"now {target}", 0

    def _move_alias(self, name: str, step: MoveAlias, ctx: _Context) -> tuple[str, int]:
        target = self._target(step.version, ctx)
        params: dict[str, Any] = {
            "FunctionName": name,
            "Name": step.name,
            "FunctionVersion": target,
        }
        if step.revision_id:
            params["RevisionId"] = step.revision_id
        if step.clear_routing:
            params["RoutingConfig"] = {"AdditionalVersionWeights": {}}
        self._call(f"move alias {step.name}", "update_alias", **params)
        return f"now {target}", 0

    def _delete_version(self, name: str, step: DeleteVersion, ctx: _Context) -> tuple[str, int]:
        if step.version in (ctx.version, LATEST):
            return f"kept {step.version} (just published)", 0
        self._call(
            f"delete version {step.version}",
            "delete_function",
            FunctionName=name,
            Qualifier=step.version,
        )
        return f"deleted {step.version}", 0

    # -- URL and permissions ---------------------------------------------------------------
    @staticmethod
    def _qualified(name: str, qualifier: str | None) -> dict[str, Any]:
        return {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}

    def _put_url(self, name: str, step: PutFunctionUrl, ctx: _Context) -> tuple[str, int]:
        operation = "create_function_url_config" if step.create else "update_function_url_config"
        resp = self._call(
            f"{'create' if step.create else 'update'} function URL of {name}",
            operation,
            **self._qualified(name, step.qualifier),
            **step.config,
        )
        return str(resp.get("FunctionUrl", "")), 0

    # On the unqualified function AddPermission/RemovePermission take the function's RevisionId
    # (Lambda's policy revision is $LATEST's; GetPolicy reports the same one). On an alias or
    # version they would take that qualifier's; the plan does not read it, so none is sent.
    # moto's server reports no function RevisionId, so none is sent there either (its own check
    # compares with a policy revision no API reports, and RemovePermission's always fails).
    def _add_permission(self, name: str, step: AddPermission, ctx: _Context) -> tuple[str, int]:
        self._call(
            f"add permission {step.statement_id}",
            "add_permission",
            **self._qualified(name, step.qualifier),
            StatementId=step.statement_id,
            **step.params,
            **(self._revision(ctx) if step.guarded_by_function else {}),
        )
        return step.statement_id, 0

    def _remove_permission(
        self, name: str, step: RemovePermission, ctx: _Context
    ) -> tuple[str, int]:
        self._call(
            f"remove permission {step.statement_id}",
            "remove_permission",
            **self._qualified(name, step.qualifier),
            StatementId=step.statement_id,
            **(self._revision(ctx) if step.guarded_by_function else {}),
        )
        return step.statement_id, 0

    # -- tags ------------------------------------------------------------------------------
    def _arn(self, name: str, ctx: _Context) -> str:
        if not ctx.function_arn:
            resp = self._call(f"read {name}", "get_function_configuration", FunctionName=name)
            ctx.function_arn = resp["FunctionArn"]
        assert ctx.function_arn is not None
        return ctx.function_arn

    def _tag(self, name: str, step: TagResource, ctx: _Context) -> tuple[str, int]:
        self._call(f"tag {name}", "tag_resource", Resource=self._arn(name, ctx), Tags=step.tags)
        return ", ".join(sorted(step.tags)), 0

    def _untag(self, name: str, step: UntagResource, ctx: _Context) -> tuple[str, int]:
        self._call(
            f"untag {name}",
            "untag_resource",
            Resource=self._arn(name, ctx),
            TagKeys=list(step.keys),
        )
        return ", ".join(step.keys), 0


def _needs_revision(step: Step) -> bool:
    """True for a step sent with $LATEST's RevisionId."""
    if isinstance(step, AddPermission | RemovePermission):
        return step.guarded_by_function
    return isinstance(step, UpdateConfiguration | UploadCode | PublishVersion)


def _changes_revision_silently(step: Step) -> bool:
    """True for a step that may change $LATEST's RevisionId without returning the new one."""
    if isinstance(step, AddPermission | RemovePermission):
        return step.guarded_by_function
    if isinstance(step, PutFunctionUrl):
        return step.qualifier in (None, LATEST)
    return isinstance(step, PublishVersion)
