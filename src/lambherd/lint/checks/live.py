"""LH4xx: what the deployed function's logs and metrics say (``--live``)."""

from __future__ import annotations

from collections.abc import Iterator

from lambherd.lint.checks.package import INIT_LIMIT_MS
from lambherd.lint.context import FunctionContext
from lambherd.lint.model import Hit, Severity
from lambherd.lint.registry import check

#: Peak memory at or under this share of MemorySize counts as over-provisioned.
MEMORY_USED_RATIO = 0.5
#: Provisioned concurrency used at most this share of the time counts as idle.
PROVISIONED_UTILISATION = 0.30
#: The share of Lambda's init limit that counts as "near" it.
INIT_NEAR = 0.8
_STEPS = (128, 256, 512, 768, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240)


def _days(ctx: FunctionContext) -> str:
    assert ctx.live is not None
    return f"{ctx.live.window.days or round(ctx.live.window.total_seconds() / 3600)}" + (
        " days" if ctx.live.window.days else " hours"
    )


@check(
    "LH401",
    "memory-over-provisioned",
    Severity.INFO,
    "live",
    summary="Max Memory Used in recent REPORT lines is far below MemorySize",
    fix="lower MemorySize towards the suggested size, after checking the duration "
    "(CPU scales with memory)",
    explanation="""
    Lambda bills GB-seconds: MemorySize times duration. When the highest Max Memory Used of
    the recent REPORT lines is at most half of MemorySize, part of every invocation's bill
    pays for memory the function never touches. But memory also sets the CPU share (a full
    vCPU at 1,769 MB), so a CPU-bound function may get slower, and not cheaper, with less:
    lower it in steps and compare Duration (power tuning finds the sweet spot). Functions at
    the 128 MB minimum, or below 256 MB, are not reported.
    """,
    source="Lambda developer guide, 'Configuring Lambda function memory'; AWS Lambda pricing",
)
def memory_over_provisioned(ctx: FunctionContext) -> Iterator[Hit]:
    live = ctx.live
    if live is None or not live.reports or not live.memory_size or live.memory_size < 256:
        return
    used = [r.max_memory_used_mb for r in live.reports if r.max_memory_used_mb is not None]
    if not used:
        return
    peak = max(used)
    if peak > MEMORY_USED_RATIO * live.memory_size:
        return
    suggested = next((s for s in _STEPS if s >= peak * 1.5), live.memory_size)
    path, line = ctx.locate("MemorySize")
    yield Hit(
        f"Max Memory Used peaked at {peak:g} MB over {len(used)} invocations in the last "
        f"{_days(ctx)}, {peak / live.memory_size:.0%} of MemorySize {live.memory_size} MB; "
        f"about {suggested} MB would do",
        path=path,
        line=line,
    )


@check(
    "LH402",
    "provisioned-concurrency-idle",
    Severity.WARNING,
    "live",
    summary="provisioned concurrency utilisation stayed under 30 %",
    fix="lower the provisioned concurrency, or scale it on a schedule / target tracking",
    explanation="""
    Provisioned concurrency is billed per environment-hour whether it serves requests or not
    (the field notes: it "incurs additional charges"). When ProvisionedConcurrencyUtilization
    never went over 30 % during the window, at least 70 % of what was paid for stood idle the
    whole time. The field notes' answer for load that changes during the day is Application
    Auto Scaling: scheduled actions for known peaks, target tracking (e.g. 0.7) otherwise.
    """,
    source="Lambda developer guide, 'Configuring provisioned concurrency' and 'Monitoring "
    "concurrency' (ProvisionedConcurrencyUtilization); the field notes",
)
def provisioned_concurrency_idle(ctx: FunctionContext) -> Iterator[Hit]:
    live = ctx.live
    if live is None:
        return
    for qualifier, peak in sorted(live.utilisation.items()):
        if peak is None or peak >= PROVISIONED_UTILISATION:
            continue
        path, line = ctx.locate("FunctionName")
        count = live.provisioned.get(qualifier, 0)
        yield Hit(
            f"provisioned concurrency on {qualifier} ({count} environments) peaked at "
            f"{peak:.0%} utilisation in the last {_days(ctx)}",
            path=path,
            line=line,
        )


@check(
    "LH403",
    "throttled",
    Severity.WARNING,
    "live",
    summary="the function was throttled in the window (7 days by default)",
    fix="raise reserved concurrency, spread the load, or request a higher account limit",
    explanation="""
    A throttle is an invocation Lambda refused because the function's reserved concurrency or
    the account's unreserved pool was exhausted: synchronous callers got a 429, asynchronous
    events were retried and may have been dropped. The field notes: an account cannot reserve
    its whole limit for one function, and the account limit is raised through a quota request
    in Service Quotas ("Concurrent executions"). Read from CloudWatch (Throttles, Sum).
    """,
    source="Lambda developer guide, 'Lambda function scaling' and 'Configuring reserved "
    "concurrency' (quoted in the field notes)",
)
def throttled(ctx: FunctionContext) -> Iterator[Hit]:
    live = ctx.live
    if live is None or not live.throttles:
        return
    path, line = ctx.locate("FunctionName")
    yield Hit(
        f"{live.throttles:,.0f} throttled invocations in the last {_days(ctx)}",
        path=path,
        line=line,
    )


@check(
    "LH404",
    "init-near-limit",
    Severity.WARNING,
    "live",
    summary="Init Duration in recent REPORT lines is near Lambda's 10-second limit",
    fix="import less at init, move one-off work out of init, or use provisioned concurrency / "
    "SnapStart",
    explanation="""
    Lambda gives an on-demand execution environment 10 seconds to initialise (run the init
    code); past that the init fails and is retried in the invocation. The field notes: "The
    10-second timeout doesn't apply to functions that are using provisioned concurrency or
    SnapStart" (those may initialise for up to 15 minutes). An Init Duration above 80 % of the
    limit leaves little room: one slower dependency or bigger import, and cold starts fail.
    """,
    source="Lambda developer guide, 'Lambda execution environment lifecycle' (quoted in the "
    "field notes)",
)
def init_near_limit(ctx: FunctionContext) -> Iterator[Hit]:
    live = ctx.live
    if live is None:
        return
    inits = [r.init_duration_ms for r in live.reports if r.init_duration_ms is not None]
    if not inits or max(inits) < INIT_NEAR * INIT_LIMIT_MS:
        return
    path, line = ctx.locate("Handler")
    yield Hit(
        f"Init Duration reached {max(inits):,.0f} ms in the last {_days(ctx)} "
        f"({len(inits)} cold starts), near the 10,000 ms limit",
        path=path,
        line=line,
    )
