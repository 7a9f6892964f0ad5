"""The deploy service: load the definition -> validate -> archive (hash) -> read AWS -> plan ->
execute (or display, for ``--dry-run``). Nothing mutating is sent before the plan is complete.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lambherd.app import App
from lambherd.apply.display import DisplayExecutor
from lambherd.apply.executor import ExecutionResult, Executor, StepResult
from lambherd.definition import FunctionDefinition
from lambherd.errors import DeployError, UsageError
from lambherd.plan.planner import DesiredState, PlanOptions, plan_deploy
from lambherd.plan.remote import read_remote_state
from lambherd.plan.steps import PUBLISHED, CodeSource, CreateAlias, MoveAlias, Plan
from lambherd.plan.url_planner import url_qualifier
from lambherd.plan.version_planner import VersionOptions
from lambherd.retry import RetryPolicy

#: Lambda's limit for a zip sent in the request itself (50 MB); bigger ones go through S3.
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024


@dataclass(frozen=True)
class DeployOptions:
    """The ``deploy`` command's switches."""

    dry_run: bool = False
    alias: str = "current"
    alias_to_latest: bool = False
    publish: bool = True
    keep_versions: int | None = None
    skip_archive: bool = False
    skip_configuration: bool = False
    skip_function: bool = False
    force_code: bool = False
    src: Path | None = None
    max_zip_bytes: int = DIRECT_UPLOAD_LIMIT


@dataclass
class DeployResult:
    """What a deploy planned and did."""

    plan: Plan
    execution: ExecutionResult
    warnings: list[str] = field(default_factory=list)
    #: The version the alias pointed to before the deploy (None: no alias yet).
    previous_version: str | None = None

    @property
    def version(self) -> str | None:
        """The version the alias serves after the deploy: the one published, the one the
        alias was moved to (e.g. back to a matching version after a rollback), or unchanged."""
        for step in self.plan.steps:
            if isinstance(step, CreateAlias | MoveAlias) and step.version != PUBLISHED:
                return step.version
        return self.execution.version or self.previous_version

    @property
    def changed(self) -> bool:
        """True when the plan had steps."""
        return not self.plan.empty

    def to_json(self) -> dict[str, Any]:
        """The ``--output json`` document."""
        return {
            "function": self.plan.function_name,
            "dry_run": self.execution.dry_run,
            "changed": self.changed,
            "version": self.version,
            "alias": self.plan.alias,
            "changed_fields": list(self.plan.changed_fields),
            "bytes_uploaded": self.execution.bytes_uploaded,
            "steps": [
                {
                    "step": r.step.kind,
                    "description": r.step.describe(),
                    "seconds": round(r.seconds, 3),
                    "detail": r.detail,
                }
                for r in self.execution.results
            ],
            "warnings": self.warnings,
        }


def load_definition(app: App) -> FunctionDefinition:
    """Find and render the definition named by the global options; in a project's function
    folder, as the project deploys it (its ``[defaults]`` under it, its ownership tag on it)."""
    from lambherd.project.context import load_app_definition

    return load_app_definition(app)


def defined_function_name(app: App) -> str:
    """The FunctionName of the definition named by the global options (only the name is
    rendered for real: rollback, status, versions and delete need nothing else)."""
    from lambherd.project.context import load_app_definition

    return load_app_definition(app, fields=("FunctionName",)).name


def deploy(
    app: App,
    options: DeployOptions,
    *,
    on_step: Callable[[StepResult], None] | None = None,
    retry: RetryPolicy | None = None,
) -> DeployResult:
    """Deploy the function in ``app.workdir`` (see the module docstring for the order)."""
    from lambherd.definition.validate import check_definition

    if options.keep_versions is not None and options.keep_versions < 1:
        raise UsageError("--keep-versions must be at least 1")
    if options.alias_to_latest and not options.publish:
        raise UsageError("--alias-to-latest and --no-publish contradict each other")
    defn = load_definition(app)
    warnings = check_definition(defn)
    if not (options.skip_function or options.skip_archive or options.src):
        from lambherd.build import build_function

        build_function(defn.source_dir, defn.config)  # dependencies first (cached)
    with tempfile.TemporaryDirectory(prefix="lambherd-deploy-") as tmp:
        code = CodeSource()
        if not options.skip_function:
            code, archive_warnings = prepare_code(defn, options, Path(tmp))
            warnings.extend(archive_warnings)
            if options.skip_archive and code.s3_bucket:
                code = identify_s3_code(app.clients, code)
        remote = read_remote_state(
            app.clients,
            defn.name,
            options.alias,
            url_qualifier(defn.url_config),
            url=defn.url_config is not None,
        )
        if options.skip_function and not remote.exists:
            raise DeployError(
                f"{defn.name}: function does not exist; --skip-function only updates the URL",
                hint="deploy once without --skip-function",
            )
        plan = plan_deploy(
            DesiredState(config=defn.config, code=code, url_config=defn.url_config),
            remote,
            plan_options(options),
        )
        runner: Any = (
            DisplayExecutor()
            if options.dry_run
            else Executor(app.clients, retry=retry, on_step=on_step)
        )
        execution = runner.run(plan)
    previous = (remote.alias or {}).get("FunctionVersion")
    return DeployResult(
        plan=plan, execution=execution, warnings=warnings, previous_version=previous
    )


def plan_options(options: DeployOptions) -> PlanOptions:
    """The planner's view of the deploy switches."""
    return PlanOptions(
        versions=VersionOptions(
            alias=options.alias,
            publish=options.publish,
            alias_to_latest=options.alias_to_latest,
            keep_versions=options.keep_versions,
        ),
        skip_configuration=options.skip_configuration,
        skip_function=options.skip_function,
        force_code=options.force_code,
    )


def prepare_code(
    defn: FunctionDefinition, options: DeployOptions, workdir: Path
) -> tuple[CodeSource, list[str]]:
    """Where the code comes from; builds the deterministic zip unless ``--skip-archive``.

    A zip over ``options.max_zip_bytes`` without an S3 location is refused here, before any
    AWS call.
    """
    code_cfg = defn.config.get("Code") or {}
    if code_cfg.get("ImageUri"):
        return CodeSource(image_uri=code_cfg["ImageUri"]), []
    bucket, key = code_cfg.get("S3Bucket"), code_cfg.get("S3Key")
    if options.skip_archive:
        if not (bucket and key):
            raise UsageError("--skip-archive needs Code.S3Bucket and Code.S3Key in the definition")
        return CodeSource(
            s3_bucket=bucket, s3_key=key, s3_object_version=code_cfg.get("S3ObjectVersion")
        ), []
    from lambherd.archive.function_package import build_function_zip

    source = options.src or defn.source_dir
    if not source.is_dir():
        raise UsageError(f"--src {source}: not a folder")
    dest = workdir / "function.zip"
    result = build_function_zip(defn, dest, source=source, max_zipped_bytes=options.max_zip_bytes)
    code = CodeSource(
        sha256=result.sha256_b64,
        size=result.size,
        zip_path=str(dest),
        s3_bucket=bucket,
        s3_key=key,
    )
    return code, list(result.warnings)


def identify_s3_code(clients: Any, code: CodeSource) -> CodeSource:
    """The existing S3 object ``--skip-archive`` deploys, read with HeadObject (read-only).

    A missing object is refused before any mutating call. When the object carries a full-object
    SHA-256 checksum (lambherd uploads with one) it is Lambda's ``CodeSha256`` of that zip, so an
    unchanged object plans no UpdateFunctionCode; without one the code is always updated. An
    unpinned object of a versioned bucket is pinned to the version read.
    """
    from botocore.exceptions import ClientError

    from lambherd.errors import NotFoundError, describe_client_error

    where = f"s3://{code.s3_bucket}/{code.s3_key}"
    params: dict[str, Any] = {"Bucket": code.s3_bucket, "Key": code.s3_key}
    if code.s3_object_version:
        params["VersionId"] = code.s3_object_version
    try:
        head = clients.client("s3").head_object(**params, ChecksumMode="ENABLED")
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404 or exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
            raise NotFoundError(
                f"{where}: no such object (--skip-archive deploys an existing S3 object)"
            ) from exc
        raise describe_client_error(exc, f"read {where}") from exc
    checksum = head.get("ChecksumSHA256")
    full_object = checksum and "-" not in checksum and head.get("ChecksumType") != "COMPOSITE"
    version = code.s3_object_version or head.get("VersionId")
    return replace(
        code,
        sha256=checksum if full_object else None,
        s3_object_version=version if version and version != "null" else None,
    )


def local_code_sha256(defn: FunctionDefinition, src: Path | None = None) -> str:
    """The CodeSha256 the deploy's zip would have (nothing written)."""
    from lambherd.archive.function_package import function_code_sha256

    return function_code_sha256(defn, src)
