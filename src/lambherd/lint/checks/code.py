"""LH1xx: what the handler does on every invocation that it could do once, at init."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lambherd.lint.code_model import (
    AWS_CLIENT,
    DB_CONNECTION,
    HEAVY_IMPORT,
    HTTP_CLIENT,
    HTTP_NO_REUSE,
    LOG_EVENT,
    CodeEvent,
)
from lambherd.lint.context import FunctionContext
from lambherd.lint.model import Hit, Severity
from lambherd.lint.registry import check

_INIT_REUSE = """
    Lambda keeps an execution environment warm between invocations: code outside the handler
    (init code) runs once per environment and what it creates stays in memory for every later
    invocation. The field notes quote the Lambda guide: "create reusable resources like AWS SDK
    clients during initialization"; subsequent invocations reuse them, which "saves cost by
    reducing function run time".
"""


def _event_hits(
    ctx: FunctionContext,
    kind: str,
    describe: Callable[[CodeEvent], str],
    severity: Severity | None = None,
) -> Iterator[Hit]:
    """One hit per code event of ``kind``, at its line and column, worded by ``describe``."""
    code = ctx.code
    if code is None:
        return
    for event in code.of_kind(kind):
        yield Hit(describe(event), code.path, event.line, event.column, severity=severity)


def _creations(ctx: FunctionContext, kind: str, noun: str) -> Iterator[Hit]:
    return _event_hits(
        ctx, kind, lambda e: f"{e.what} creates {noun} {e.where()}, on every invocation"
    )


@check(
    "LH101",
    "sdk-client-in-handler",
    Severity.WARNING,
    "code",
    summary="an AWS SDK client, resource or session is created inside the handler",
    fix="create it once at module level (init code) and use it from the handler",
    explanation=_INIT_REUSE
    + """
    Creating a boto3 client or session (or an AWS SDK for JavaScript client) costs tens of
    milliseconds of CPU (botocore loads and parses the service model, resolves credentials and
    endpoints) and opens a new TLS connection on its first call; done in the handler, every
    invocation pays it again and the connection pool is thrown away. Made once at module
    level, warm invocations skip both: expect that many milliseconds less per warm invocation,
    and fewer connections to the service. A client made lazily and kept (assigned to a
    ``global``, a module-level cache, ``functools.cache``; in Node.js a module-level variable)
    is not reported.
    """,
    source="Lambda developer guide, 'Best practices for working with AWS Lambda functions' "
    "(quoted in the field notes)",
)
def sdk_client_in_handler(ctx: FunctionContext) -> Iterator[Hit]:
    yield from _creations(ctx, AWS_CLIENT, "an AWS SDK client")


@check(
    "LH102",
    "http-client-in-handler",
    Severity.WARNING,
    "code",
    summary="an HTTP session, client or connection pool is created inside the handler",
    fix="create the session (requests.Session, httpx.Client, urllib3.PoolManager...) at module "
    "level and reuse it",
    explanation=_INIT_REUSE
    + """
    An HTTP session or pool keeps connections open (keep-alive) so that the next request to
    the same host skips the TCP and TLS handshakes, typically tens to hundreds of milliseconds
    per request to a remote host. A session created in the handler is closed (or dropped) when
    the invocation ends, so no invocation ever reuses a connection. At module level it lives as
    long as the execution environment; the field notes: "To maintain your persistent
    connection, use the keep-alive directive associated with your runtime."
    """,
    source="Lambda developer guide, best practices (keep-alive; quoted in the field notes)",
)
def http_client_in_handler(ctx: FunctionContext) -> Iterator[Hit]:
    yield from _creations(ctx, HTTP_CLIENT, "an HTTP client")


@check(
    "LH103",
    "db-connection-in-handler",
    Severity.WARNING,
    "code",
    summary="a database connection, pool or client is created inside the handler",
    fix="connect at module level (init code), reconnect only when the connection is found broken",
    explanation=_INIT_REUSE
    + """
    Opening a database connection (PostgreSQL, MySQL, Redis, MongoDB, SQLAlchemy engines...)
    takes a network round trip or several plus authentication and often TLS: from a few to
    hundreds of milliseconds. Made in the handler, every invocation pays it and the database
    sees one new connection per invocation, which at scale exhausts its connection limit.
    Made at init, each execution environment holds one connection for its lifetime. (With
    many environments, consider RDS Proxy or a pool size of 1 per environment.)
    """,
    source="Lambda developer guide, best practices (reuse of init resources)",
)
def db_connection_in_handler(ctx: FunctionContext) -> Iterator[Hit]:
    yield from _creations(ctx, DB_CONNECTION, "a database connection")


@check(
    "LH104",
    "heavy-import-in-handler",
    Severity.INFO,
    "code",
    summary="a heavy module is imported inside the handler instead of at module level",
    fix="import it at the top of the module, so that the init phase pays for it",
    explanation="""
    An import inside the handler runs on the first invocation of each execution environment
    (later ones find the module in the import cache). Its cost (boto3/botocore, pandas, numpy,
    torch and the like take 100 ms to seconds) then lands in that first request's duration
    instead of the init phase. With provisioned concurrency or SnapStart the init phase runs
    ahead of traffic, so an import left in the handler is the one part of the start-up cost
    they cannot hide: this is a warning for such functions, information otherwise. The list
    of heavy modules is lambherd's (measured import times of common libraries, not an AWS
    figure); `lambherd lint --measure` measures the module's own init locally.
    """,
    source="Python import semantics; Lambda developer guide (execution environment lifecycle)",
)
def heavy_import_in_handler(ctx: FunctionContext) -> Iterator[Hit]:
    prewarmed = _prewarmed(ctx)
    note = " (runs after provisioned concurrency / SnapStart initialised)" if prewarmed else ""
    return _event_hits(
        ctx,
        HEAVY_IMPORT,
        lambda e: f"{e.what} {e.where()}: its first invocation pays the import{note}",
        Severity.WARNING if prewarmed else None,
    )


def _prewarmed(ctx: FunctionContext) -> bool:
    snap = ctx.config.get("SnapStart")
    if isinstance(snap, dict) and snap.get("ApplyOn") == "PublishedVersions":
        return True
    from lambherd.concurrency.model import read_concurrency

    concurrency = ctx.sidecar("concurrency")
    config = read_concurrency(concurrency.data if concurrency is not None else {}, [])
    return any(v for v in config.provisioned.values())


@check(
    "LH105",
    "logs-whole-event",
    Severity.WARNING,
    "code",
    summary="the handler prints or logs the whole event",
    fix="log the fields you need (ids, sizes), or only at debug level",
    explanation="""
    Everything a function writes to stdout/stderr or its logger is ingested by CloudWatch Logs,
    billed per GB ingested and stored (from USD 0.50 per GB ingested in us-east-1). Events are
    often large (API Gateway and function URL events carry every header and the body; SQS and
    Kinesis batches hold many records), so printing the whole event on every invocation can
    cost more than the function's compute, and it copies whatever the event carries (tokens,
    personal data) into the logs. Logging chosen fields keeps the logs useful and small.
    Powertools' ``log_event=True`` does the same and is reported too.
    """,
    source="Amazon CloudWatch pricing (Logs ingestion); Lambda developer guide (logging)",
)
def logs_whole_event(ctx: FunctionContext) -> Iterator[Hit]:
    return _event_hits(ctx, LOG_EVENT, lambda e: f"{e.what} logs the whole event {e.where()}")


@check(
    "LH106",
    "http-without-reuse",
    Severity.INFO,
    "code",
    summary="one-shot HTTP calls (requests.get, httpx.get, urlopen) in the handler",
    fix="send the requests through a requests.Session / httpx.Client made at module level",
    explanation="""
    ``requests.get()`` and its siblings make a new Session for the one call and close it, and
    ``urllib.request.urlopen()`` and ``httpx.get()`` likewise: every call opens a new TCP (and
    TLS) connection. When the handler calls the same host on every invocation, a session made
    at init keeps the connection alive between warm invocations and saves the handshake each
    time (tens to hundreds of milliseconds for a remote host). This is information, not a
    warning: a call to a host the function reaches rarely, or one whose server closes idle
    connections within seconds, gains little from reuse. Node.js is not checked for this:
    from Node.js 19 the default HTTP agent keeps connections alive, and fetch (undici) pools
    them.
    """,
    source="requests' API documentation (module-level helpers build a Session per call); "
    "Lambda developer guide, best practices (keep-alive)",
)
def http_without_reuse(ctx: FunctionContext) -> Iterator[Hit]:
    return _event_hits(
        ctx, HTTP_NO_REUSE, lambda e: f"{e.what} {e.where()} opens a new connection each call"
    )


#: The environment variable that turns keep-alive on in the AWS SDK for JavaScript v2.
REUSE_VARIABLE = "AWS_NODEJS_CONNECTION_REUSE_ENABLED"


@check(
    "LH107",
    "node-sdk-v2-without-keep-alive",
    Severity.WARNING,
    "code",
    summary=f"the AWS SDK for JavaScript v2 is used without {REUSE_VARIABLE}=1",
    fix=f'set Environment.Variables.{REUSE_VARIABLE} to "1" (or move to SDK v3)',
    explanation=f"""
    By default the SDK for JavaScript v2 (``aws-sdk``) opens a new TCP connection for every
    request; for short calls such as DynamoDB queries the connection set-up can take longer
    than the call itself. Setting {REUSE_VARIABLE}=1 (SDK 2.463.0 and later) makes it keep
    connections alive, so warm invocations reuse them. The SDK v3 (``@aws-sdk/*``) reuses
    connections by default and needs nothing. The v2 SDK has reached end of support and the
    nodejs18.x and later runtimes do not include it: bundling v3 is the better fix.
    """,
    source="AWS SDK for JavaScript v2 developer guide, 'Reusing Connections with Keep-Alive in "
    "Node.js'; v3 developer guide (keep-alive on by default)",
)
def node_sdk_v2_without_keep_alive(ctx: FunctionContext) -> Iterator[Hit]:
    if not ctx.runtime.startswith("nodejs"):
        return
    variables = (ctx.config.get("Environment") or {}).get("Variables") or {}
    if str(variables.get(REUSE_VARIABLE, "")).strip() == "1":
        return
    code = ctx.code
    tail = f'and {REUSE_VARIABLE} is not "1": every request opens a new connection'
    if code is not None and code.sdk_v2 is not None:
        line, what = code.sdk_v2
        yield Hit(
            f"{what.splitlines()[0][:60]} uses the AWS SDK v2 {tail}", path=code.path, line=line
        )
        return
    package = ctx.package
    if package is not None and "node_modules/aws-sdk/package.json" in package.names:
        path, line = ctx.locate("Handler")
        yield Hit(
            f"the package ships the AWS SDK v2 (node_modules/aws-sdk) {tail}", path=path, line=line
        )
