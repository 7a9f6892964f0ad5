"""Handlers of the function concern: CreateFunction, UpdateConfiguration, UploadCode (through
S3 when the definition names Code.S3Bucket), DeleteFunction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambherd.apply.executor import StepRun
from lambherd.apply.registry import handles
from lambherd.errors import LambherdError
from lambherd.plan.steps import (
    CodeSource,
    CreateFunction,
    DeleteFunction,
    UpdateConfiguration,
    UploadCode,
)


@handles(CreateFunction)
def create(run: StepRun, step: CreateFunction) -> tuple[str, int]:
    code, sent = _code_param(run, step.code)
    resp = run.call(
        f"create function {run.name}", "create_function", **step.params, Code=code, Publish=False
    )
    run.revision_id = resp.get("RevisionId")
    run.function_arn = resp.get("FunctionArn")
    run.wait_ready()
    return f"created {resp.get('FunctionArn')}", sent


@handles(UpdateConfiguration)
def update_configuration(run: StepRun, step: UpdateConfiguration) -> tuple[str, int]:
    def applied() -> dict[str, Any] | None:  # the changed fields already hold what we want
        from lambherd.definition.normalize import definition_from_remote
        from lambherd.plan.function_planner import config_differences

        config = run.read_configuration()
        wanted = run.desired_config or {**definition_from_remote(config), **step.params}
        differing = set(config_differences(wanted, config)) & set(step.changed)
        return None if differing else config

    resp = run.call(
        f"update configuration of {run.name}",
        "update_function_configuration",
        applied=applied,
        FunctionName=run.name,
        **step.params,
        **run.revision(),
    )
    run.revision_id = resp.get("RevisionId") or run.revision_id
    run.wait_ready()
    return ", ".join(step.changed), 0


@handles(UploadCode)
def upload_code(run: StepRun, step: UploadCode) -> tuple[str, int]:
    code, sent = _code_param(run, step.code)

    def applied() -> dict[str, Any] | None:  # $LATEST already has this code
        config = run.read_configuration()
        same = step.code.sha256 is not None and config.get("CodeSha256") == step.code.sha256
        return config if same else None

    resp = run.call(
        f"update code of {run.name}",
        "update_function_code",
        applied=applied,
        FunctionName=run.name,
        **code,
        **run.revision(),
    )
    run.revision_id = resp.get("RevisionId") or run.revision_id
    run.code_sha256 = resp.get("CodeSha256") or run.code_sha256
    run.wait_ready()
    return f"sha256 {run.code_sha256}", sent


@handles(DeleteFunction)
def delete_function(run: StepRun, step: DeleteFunction) -> tuple[str, int]:
    run.call(
        f"delete function {run.name}",
        "delete_function",
        applied=lambda: {} if run.gone() else None,
        FunctionName=run.name,
    )
    return "deleted", 0


def _code_param(run: StepRun, code: CodeSource) -> tuple[dict[str, Any], int]:
    """The ``Code`` parameter, uploading to S3 first when the code goes through S3."""
    if code.image_uri:
        return {"ImageUri": code.image_uri}, 0
    if code.s3_bucket and code.s3_key:
        sent = 0
        version = code.s3_object_version
        if code.zip_path:
            version, sent = _upload_s3(run, code)
        param = {"S3Bucket": code.s3_bucket, "S3Key": code.s3_key}
        if version:
            param["S3ObjectVersion"] = version
        return param, sent
    if not code.zip_path:
        raise LambherdError("no code to deploy: neither a zip nor an S3 location")
    body = Path(code.zip_path).read_bytes()
    return {"ZipFile": body}, len(body)


def _upload_s3(run: StepRun, code: CodeSource) -> tuple[str | None, int]:
    assert code.zip_path is not None
    body = Path(code.zip_path).read_bytes()
    resp = run.call(
        f"upload code to s3://{code.s3_bucket}/{code.s3_key}",
        "put_object",
        service="s3",
        Bucket=code.s3_bucket,
        Key=code.s3_key,
        Body=body,
        ChecksumAlgorithm="SHA256",  # = CodeSha256: lets --skip-archive compare
    )
    return resp.get("VersionId"), len(body)
