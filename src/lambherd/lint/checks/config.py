"""LH3xx: configuration (function.json and its sidecars, and with ``--live`` what AWS holds)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from lambherd.definition import limits
from lambherd.lint.context import FunctionContext, line_of
from lambherd.lint.model import Hit, Severity
from lambherd.lint.registry import check
from lambherd.triggers.files import event_source_arns, permission_principals, recursion_setting

#: API Gateway's default (REST, WebSocket) integration timeout; HTTP APIs allow 30 s at most.
API_GATEWAY_TIMEOUT_S = 29
_APIGW = "apigateway.amazonaws.com"


def _today() -> date:
    return date.today()


def _principals(statement: dict[str, Any]) -> set[str]:
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return {principal}
    if isinstance(principal, dict):
        values = principal.get("Service", [])
        return {values} if isinstance(values, str) else {str(v) for v in values}
    return set()


@check(
    "LH301",
    "timeout-over-api-gateway-limit",
    Severity.WARNING,
    "config",
    summary="Timeout over 29 s on a function API Gateway invokes",
    fix="keep Timeout at or under 29 s (make long work asynchronous), or raise the REST API's "
    "integration timeout quota",
    explanation="""
    API Gateway waits at most 29 seconds for a Lambda integration by default (REST and
    WebSocket APIs; HTTP APIs at most 30 s). Regional and private REST APIs may raise it
    through a Service Quotas request, at the price of a lower account throttle limit. When the
    function runs longer, the client gets a 504 while the function goes on, billed, until its
    own Timeout: the extra seconds buy nothing. The check looks for API Gateway among the
    principals allowed to invoke the function (permissions.json; with ``--live`` the function's
    resource policy). Function URLs are not bound by this limit: a URL request waits for the
    function up to its Timeout (at most 900 s), so a function_url.json alone never triggers it.
    """,
    source="API Gateway developer guide, 'Amazon API Gateway quotas' (integration timeout) and "
    "the June 2024 announcement of raisable timeouts; Lambda developer guide, function URLs",
)
def timeout_over_api_gateway(ctx: FunctionContext) -> Iterator[Hit]:
    if ctx.timeout <= API_GATEWAY_TIMEOUT_S:
        return
    origin = None
    permissions = ctx.sidecar("permissions")
    granted = permission_principals(permissions.data) if permissions is not None else []
    if _APIGW in granted:
        origin = "permissions.json grants apigateway.amazonaws.com"
    elif ctx.live is not None and _APIGW in ctx.live.policy_principals:
        origin = "its resource policy lets apigateway.amazonaws.com invoke it"
    if origin is None:
        return
    path, line = ctx.locate("Timeout")
    yield Hit(
        f"Timeout is {ctx.timeout} s but {origin}: API Gateway gives up after "
        f"{API_GATEWAY_TIMEOUT_S} s and the function keeps running, billed",
        path=path,
        line=line,
    )


def _sqs_sources(ctx: FunctionContext) -> list[str]:
    sources = ctx.sidecar("event_sources")
    arns = event_source_arns(sources.data) if sources is not None else []
    if ctx.live is not None:
        arns.extend(ctx.live.mapped_sources)
    return [a for a in dict.fromkeys(arns) if a.startswith("arn:aws:sqs:")]


def _visibility(ctx: FunctionContext) -> Iterator[tuple[str, int]]:
    if ctx.live is None:
        return
    for arn in _sqs_sources(ctx):
        seconds = ctx.live.queue_visibility.get(arn)
        if seconds is not None:
            yield arn, seconds


@check(
    "LH302",
    "timeout-over-sqs-visibility",
    Severity.ERROR,
    "live",
    summary="Timeout is longer than the visibility timeout of an SQS queue the function reads",
    fix="raise the queue's VisibilityTimeout (to at least 6 x Timeout) or lower Timeout",
    explanation="""
    Lambda requires a function's Timeout to be at most the visibility timeout of every SQS
    queue it reads: CreateEventSourceMapping and UpdateEventSourceMapping refuse the pair, and
    a queue changed afterwards lets a message become visible again, and be delivered a second
    time, while the first invocation still works on it. The queues come from
    event_sources.json and the function's existing mappings; their VisibilityTimeout is read
    with GetQueueAttributes, so this check needs ``--live``.
    """,
    source="Lambda developer guide, 'Creating and configuring an Amazon SQS event source mapping'",
)
def timeout_over_sqs_visibility(ctx: FunctionContext) -> Iterator[Hit]:
    for arn, seconds in _visibility(ctx):
        if ctx.timeout > seconds:
            path, line = ctx.locate("Timeout")
            yield Hit(
                f"Timeout is {ctx.timeout} s, longer than the visibility timeout ({seconds} s) "
                f"of {arn.rsplit(':', 1)[-1]}: Lambda refuses the event source mapping",
                path=path,
                line=line,
            )


@check(
    "LH303",
    "sqs-visibility-under-six-timeouts",
    Severity.WARNING,
    "live",
    summary="an SQS queue's visibility timeout is under six times the function's Timeout",
    fix="set the queue's VisibilityTimeout to at least 6 x the function's Timeout",
    explanation="""
    AWS recommends a source queue's visibility timeout of at least six times the function's
    Timeout: when Lambda is throttled while it works through a batch it retries, and the
    extra time keeps the messages hidden meanwhile, instead of handing them to another
    invocation (duplicate processing). Needs ``--live`` (the queue's attributes).
    """,
    source="Lambda developer guide, 'Creating and configuring an Amazon SQS event source "
    "mapping'; Amazon SQS developer guide (Lambda triggers)",
)
def sqs_visibility_under_six_timeouts(ctx: FunctionContext) -> Iterator[Hit]:
    for arn, seconds in _visibility(ctx):
        if ctx.timeout <= seconds < 6 * ctx.timeout:
            path, line = ctx.locate("Timeout")
            yield Hit(
                f"the visibility timeout of {arn.rsplit(':', 1)[-1]} is {seconds} s, under 6 x "
                f"Timeout ({6 * ctx.timeout} s)",
                path=path,
                line=line,
            )


def _runtime_dates(runtime: str) -> tuple[date | None, date | None, date | None]:
    deprecated = limits.RUNTIME_DEPRECATION.get(runtime)
    create, update = limits.RUNTIME_BLOCKS.get(runtime, (None, None))
    return deprecated, create, update


def _dates_text(runtime: str) -> str:
    deprecated, create, update = _runtime_dates(runtime)
    parts = [f"deprecated {deprecated.isoformat()}"] if deprecated else []
    if create:
        parts.append(f"creates blocked {create.isoformat()}")
    if update:
        parts.append(f"updates blocked {update.isoformat()}")
    newest = limits.NEWEST_RUNTIME.get(limits.runtime_family(runtime))
    advice = f"; move to {newest}" if newest and newest != runtime else ""
    return ", ".join(parts) + advice


_RUNTIME_EXPLANATION = """
    Lambda deprecates a runtime when its language version (or its Amazon Linux) ends community
    support. From the deprecation date the runtime gets no security patches and functions on it
    no technical support; later Lambda blocks creating functions with it, then updating them:
    from the update-block date a deploy of the function fails (its code and configuration can
    no longer change), although it keeps running. The dates are AWS's, shipped with lambherd in
    one table (definition/limits.py) with its source; `lambherd validate` warns from the same
    table.
"""
_RUNTIME_SOURCE = (
    "Lambda developer guide, 'Lambda runtimes' (supported and deprecated runtime tables), as "
    "transcribed 2026-06-02 by cfn-lint (LmbdRuntimeLifecycle.json)"
)


@check(
    "LH304",
    "runtime-updates-blocked",
    Severity.ERROR,
    "config",
    summary="the runtime's update-block date has passed: Lambda refuses to update the function",
    fix="move to a supported runtime of the same language",
    explanation=_RUNTIME_EXPLANATION,
    source=_RUNTIME_SOURCE,
)
def runtime_updates_blocked(ctx: FunctionContext) -> Iterator[Hit]:
    _, _, update = _runtime_dates(ctx.runtime)
    if update is not None and update <= _today():
        path, line = ctx.locate("Runtime")
        yield Hit(
            f"Runtime {ctx.runtime}: Lambda blocks updates of its functions since "
            f"{update.isoformat()} ({_dates_text(ctx.runtime)})",
            path=path,
            line=line,
        )


@check(
    "LH305",
    "runtime-deprecated",
    Severity.WARNING,
    "config",
    summary="the runtime is deprecated (no more security patches)",
    fix="move to a supported runtime of the same language",
    explanation=_RUNTIME_EXPLANATION,
    source=_RUNTIME_SOURCE,
)
def runtime_deprecated(ctx: FunctionContext) -> Iterator[Hit]:
    deprecated, _, update = _runtime_dates(ctx.runtime)
    today = _today()
    if deprecated is None or deprecated > today or (update is not None and update <= today):
        return
    path, line = ctx.locate("Runtime")
    yield Hit(
        f"Runtime {ctx.runtime} is deprecated ({_dates_text(ctx.runtime)})", path=path, line=line
    )


@check(
    "LH306",
    "runtime-deprecated-soon",
    Severity.INFO,
    "config",
    summary="the runtime will be deprecated within 180 days",
    fix="plan the move to a newer runtime of the same language",
    explanation=_RUNTIME_EXPLANATION,
    source=_RUNTIME_SOURCE,
)
def runtime_deprecated_soon(ctx: FunctionContext) -> Iterator[Hit]:
    deprecated, _, _ = _runtime_dates(ctx.runtime)
    today = _today()
    notice = timedelta(days=limits.DEPRECATION_NOTICE_DAYS)
    if deprecated is None or not today < deprecated <= today + notice:
        return
    path, line = ctx.locate("Runtime")
    yield Hit(
        f"Runtime {ctx.runtime} will be deprecated in {(deprecated - today).days} days "
        f"({_dates_text(ctx.runtime)})",
        path=path,
        line=line,
    )


#: Runtimes without an arm64 build.
_X86_ONLY = {"go1.x", "provided", "java8", "python3.7", "python3.6", "nodejs12.x", "nodejs10.x"}


@check(
    "LH307",
    "x86-where-arm64-would-do",
    Severity.INFO,
    "config",
    summary="x86_64 although the package has no native code: arm64 is cheaper",
    fix='set "Architectures": ["arm64"] (and build dependencies for it: `lambherd build`)',
    explanation="""
    Lambda bills arm64 (Graviton2) functions 20% less per GB-second than x86_64 ones
    (us-east-1: USD 0.0000133334 vs 0.0000166667), and AWS cites up to 34% better price
    performance. Pure Python or JavaScript runs unchanged on arm64; only compiled code
    (``.so``/``.node`` files, wheels with C extensions) must be built for the architecture. The
    check fires only when the package holds no compiled file and no dependency is waiting to be
    built (a requirements.txt or package.json without the built dependencies in the package is
    not judged). Measure before switching a CPU-bound function: a few libraries are slower on
    arm64.
    """,
    source="AWS Lambda pricing (price per GB-second by architecture); Lambda developer guide, "
    "'Selecting and configuring an instruction set architecture'",
)
def x86_where_arm64_would_do(ctx: FunctionContext) -> Iterator[Hit]:
    architectures = ctx.config.get("Architectures") or ["x86_64"]
    if architectures != ["x86_64"] or ctx.is_image or ctx.runtime in _X86_ONLY:
        return
    if not ctx.runtime.startswith(("python", "nodejs")):
        return
    package = ctx.package
    if package is None or package.native_files:
        return
    folder = ctx.source_dir
    if (folder / "requirements.txt").is_file() and package.build_dir is None:
        return  # dependencies not built yet: cannot tell whether they are pure
    if (folder / "package.json").is_file() and not any(
        n.startswith("node_modules/") for n in package.names
    ):
        return
    path, line = ctx.locate("Architectures")
    if line is None:
        path, line = ctx.locate("Runtime")
    yield Hit(
        "Architectures is x86_64 but the package has no compiled code: arm64 costs 20% less "
        "per GB-second",
        path=path,
        line=line,
    )


@check(
    "LH308",
    "logging-not-json",
    Severity.INFO,
    "config",
    summary="LoggingConfig is not JSON while other functions of the project use JSON",
    fix='set "LoggingConfig": {"LogFormat": "JSON"} (Python: the logging module then writes JSON)',
    explanation="""
    With LoggingConfig.LogFormat JSON, Lambda writes its own platform lines (START, REPORT...)
    and the runtime's logger output as JSON objects, and lets you filter by level
    (ApplicationLogLevel, SystemLogLevel) without code changes. When most functions of a
    project log JSON, one that logs text breaks the queries (CloudWatch Logs Insights, metric
    filters) written for the others. The check fires only when another function of the same
    project uses JSON.
    """,
    source="Lambda developer guide, 'Configuring JSON and plain text log formats'",
)
def logging_not_json(ctx: FunctionContext) -> Iterator[Hit]:
    logging_config = ctx.config.get("LoggingConfig") or {}
    if not isinstance(logging_config, dict) or logging_config.get("LogFormat") == "JSON":
        return
    others = [k for k in ctx.project.json_logging if k != ctx.folder]
    if not others:
        return
    path, line = ctx.locate("LoggingConfig")
    if line is None:
        path, line = ctx.locate("FunctionName")
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    yield Hit(
        f"LogFormat is {logging_config.get('LogFormat', 'Text')} while {shown} log JSON",
        path=path,
        line=line,
    )


def _concurrency(ctx: FunctionContext) -> Any:
    """concurrency.json as its loader reads it (``lambherd.concurrency.model``)."""
    from lambherd.concurrency.model import read_concurrency

    sidecar = ctx.sidecar("concurrency")
    return read_concurrency(sidecar.data if sidecar is not None else {}, [])


@check(
    "LH309",
    "reserved-concurrency-zero",
    Severity.WARNING,
    "config",
    summary="reserved concurrency is 0: every invocation is throttled",
    fix="remove ReservedConcurrentExecutions (or set the cap you want) unless the function is "
    "meant to be off",
    explanation="""
    Reserved concurrency caps how many execution environments a function may use at once (and
    takes them from the account's pool). Set to 0, the function cannot run at all: every
    synchronous invocation fails with a throttling error (429) and asynchronous events and
    event source mappings stop delivering. That is how Lambda "turns a function off", and
    it is easy to leave behind after an incident. The field notes: reserved concurrency only
    allocates capacity. Read from concurrency.json, and with ``--live`` from
    GetFunctionConcurrency.
    """,
    source="Lambda developer guide, 'Configuring reserved concurrency' (quoted in the field notes)",
)
def reserved_concurrency_zero(ctx: FunctionContext) -> Iterator[Hit]:
    sidecar = ctx.sidecar("concurrency")
    if _concurrency(ctx).reserved == 0 and sidecar is not None:
        line = _json_line(sidecar.path, "ReservedConcurrentExecutions")
        yield Hit(
            "ReservedConcurrentExecutions is 0: every invocation is throttled",
            path=sidecar.path,
            line=line,
        )
    elif ctx.live is not None and ctx.live.reserved == 0:
        path, line = ctx.locate("FunctionName")
        yield Hit(
            "the deployed function has reserved concurrency 0: every invocation is throttled",
            path=path,
            line=line,
        )


def _json_line(path: Any, key: str) -> int | None:
    return line_of(path, key)


@check(
    "LH310",
    "provisioned-on-unserved-version",
    Severity.WARNING,
    "config",
    summary="provisioned concurrency on a version that no alias serves",
    fix="put provisioned concurrency on the alias (e.g. current) so that it follows deploys",
    explanation="""
    Provisioned concurrency keeps initialised execution environments ready (the field notes:
    "pre-initialized execution environments ... ready to respond immediately") and is billed
    for every hour it is allocated, used or not. Allocated on a version number, it stays on
    that version when a deploy publishes a new one and moves the alias: the traffic goes to
    the new version, cold, and the old allocation keeps costing. In concurrency.json a version
    number as key on a function that publishes on deploy is reported; with ``--live``, every
    allocation on a version that no alias points to (routing weights included).
    """,
    source="Lambda developer guide, 'Configuring provisioned concurrency' (quoted in the field "
    "notes); Lambda pricing",
)
def provisioned_on_unserved_version(ctx: FunctionContext) -> Iterator[Hit]:
    sidecar = ctx.sidecar("concurrency")
    provisioned = _concurrency(ctx).provisioned
    reported: set[str] = set()
    if sidecar is not None and provisioned and ctx.publish:
        for qualifier, count in provisioned.items():
            if str(qualifier).isdigit() and isinstance(count, int) and count > 0:
                reported.add(str(qualifier))
                yield Hit(
                    f"ProvisionedConcurrency on version {qualifier}: the next deploy moves "
                    f"{ctx.alias} to a new version and these {count} environments serve nothing",
                    path=sidecar.path,
                    line=_json_line(sidecar.path, str(qualifier)),
                )
    if ctx.live is None:
        return
    for version, count in sorted(ctx.live.unserved_provisioned.items()):
        if version not in reported:
            path, line = ctx.locate("FunctionName")
            yield Hit(
                f"version {version} has {count} provisioned environments but no alias serves it",
                path=path,
                line=line,
            )


@check(
    "LH311",
    "snapstart-incompatible",
    Severity.ERROR,
    "config",
    summary="SnapStart together with provisioned concurrency, EFS or ephemeral storage over "
    "512 MB (Lambda refuses it)",
    fix="choose one: SnapStart, or provisioned concurrency / EFS / larger /tmp",
    explanation="""
    SnapStart resumes execution environments from a snapshot taken when a version is
    published. Lambda does not support it together with provisioned concurrency, Amazon EFS
    file systems (FileSystemConfigs) or ephemeral storage larger than 512 MB: publishing the
    version (or allocating the provisioned concurrency) is refused, so the deploy fails half
    way. Provisioned concurrency already keeps environments initialised, so the two do not
    add up anyway.
    """,
    source="Lambda developer guide, 'Improving startup performance with Lambda SnapStart' "
    "(supported features and limitations)",
)
def snapstart_incompatible(ctx: FunctionContext) -> Iterator[Hit]:
    snap = ctx.config.get("SnapStart")
    if not (isinstance(snap, dict) and snap.get("ApplyOn") == "PublishedVersions"):
        return
    reasons = []
    if any(v for v in _concurrency(ctx).provisioned.values()):
        reasons.append("provisioned concurrency (concurrency.json)")
    elif ctx.live is not None and ctx.live.provisioned_total > 0:
        reasons.append("provisioned concurrency (deployed)")
    if ctx.config.get("FileSystemConfigs"):
        reasons.append("an EFS file system (FileSystemConfigs)")
    storage = (ctx.config.get("EphemeralStorage") or {}).get("Size", 512)
    if isinstance(storage, int) and storage > 512:
        reasons.append(f"ephemeral storage of {storage} MB")
    if reasons:
        path, line = ctx.locate("SnapStart")
        yield Hit(
            f"SnapStart is on together with {', '.join(reasons)}: Lambda refuses the combination",
            path=path,
            line=line,
        )


@check(
    "LH312",
    "recursive-loop-detection-off",
    Severity.WARNING,
    "config",
    summary="recursive loop detection is turned off (RecursiveLoop: Allow)",
    fix='remove "RecursiveLoop": "Allow" (Terminate is the default) unless the loop is intended',
    explanation="""
    Lambda detects a function that invokes itself through SQS, SNS, S3 or another Lambda
    (for example a function writing to the bucket that triggers it) and stops the chain after
    about 16 rounds, so a bug does not turn into an endless, billed loop. PutFunctionRecursion
    Config with RecursiveLoop Allow turns that protection off for the function. Read from
    event_invoke.json, and with ``--live`` from GetFunctionRecursionConfig.
    """,
    source="Lambda developer guide, 'Use Lambda recursive loop detection to prevent infinite "
    "loops'; Lambda API reference, PutFunctionRecursionConfig",
)
def recursive_loop_detection_off(ctx: FunctionContext) -> Iterator[Hit]:
    sidecar = ctx.sidecar("event_invoke")
    if sidecar is not None and recursion_setting(sidecar.data) == "Allow":
        yield Hit(
            "event_invoke.json sets RecursiveLoop to Allow: loops through SQS/SNS/S3 are not "
            "stopped",
            path=sidecar.path,
            line=_json_line(sidecar.path, "RecursiveLoop"),
        )
    elif ctx.live is not None and ctx.live.recursion == "Allow":
        path, line = ctx.locate("FunctionName")
        yield Hit(
            "the deployed function allows recursive loops (RecursiveLoop Allow)",
            path=path,
            line=line,
        )
