"""LH2xx: the package deploy uploads: its size, what should not be in it, how fast it starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lambherd.archive.function_package import zipped_limit
from lambherd.archive.limits import UNZIPPED_LIMIT, ZIPPED_LIMIT, human_size
from lambherd.defaults import INIT_TIMEOUT_S
from lambherd.lint.context import FunctionContext
from lambherd.lint.model import Hit, Severity
from lambherd.lint.package import PackageFacts
from lambherd.lint.registry import check

#: Lambda's limit on the init phase of an on-demand environment (the emulator's, too).
INIT_LIMIT_MS = INIT_TIMEOUT_S * 1000
_SMALL_PACKAGE = """
    The field notes: "This will reduce the amount of time that it takes for your deployment
    package to be downloaded and unpacked ahead of invocation" (packageを小さくすると起動が早い).
    Every cold start downloads and unpacks the package before any code runs, and a bigger
    package also means more modules to find and load.
"""


def _biggest(ctx: FunctionContext) -> str:
    package = ctx.package
    assert package is not None
    items = package.contributors(3)
    return ", ".join(f"{name} {human_size(size)}" for name, size in items)


@check(
    "LH201",
    "package-over-limit",
    Severity.ERROR,
    "package",
    summary="the package is over Lambda's size limits (50 MB zipped direct upload, 250 MB "
    "unzipped)",
    fix="leave files out with .lambdaignore, move dependencies to a layer, or upload through S3",
    explanation="""
    Lambda refuses a zip uploaded directly in CreateFunction/UpdateFunctionCode over 50 MB, and
    any package (with its layers) over 250 MB unzipped. deploy stops on these limits before
    uploading; lint reports them with the biggest contributors so the fix is clear. A package
    sent through S3 (Code.S3Bucket) only has the unzipped limit. Layers are not counted here
    (their size is not known without AWS).
    """,
    source="Lambda developer guide, 'Lambda quotas' (deployment package size)",
)
def package_over_limit(ctx: FunctionContext) -> Iterator[Hit]:
    package = ctx.package
    if package is None:
        return
    path, line = ctx.locate("FunctionName")
    unzipped = package.unzipped_size
    if unzipped > UNZIPPED_LIMIT:
        yield Hit(
            f"package is {human_size(unzipped)} unzipped, over Lambda's limit of "
            f"{human_size(UNZIPPED_LIMIT)}; biggest: {_biggest(ctx)}",
            path=path,
            line=line,
        )
        return
    limit = zipped_limit(ctx.config)
    if limit is not None and package.zipped_upper_bound() > limit and package.zipped_size > limit:
        yield Hit(
            f"zip is {human_size(package.zipped_size)}, over Lambda's limit of "
            f"{human_size(ZIPPED_LIMIT)} for a direct upload; biggest: {_biggest(ctx)}",
            path=path,
            line=line,
            fix="upload through S3 (Code.S3Bucket/S3Key), or leave files out with .lambdaignore",
        )


@check(
    "LH202",
    "package-over-budget",
    Severity.WARNING,
    "package",
    summary="the zipped package is over the cold-start budget (lambherd's default: 10 MiB)",
    fix="leave out what the function does not import (tests, docs, unused dependencies), or "
    "raise [lint] package_budget_mb",
    explanation=_SMALL_PACKAGE
    + """
    AWS publishes no size at which cold starts become slow; the budget is lambherd's own
    default (10 MiB zipped), set per project or function with ``package_budget_mb`` in
    lambherd.toml's [lint] table. The message names the biggest top-level folders and files
    of the package (dependencies included), which is where the bytes can be won.
    """,
    source="Lambda developer guide, best practices (package size; quoted in the field notes); "
    "the budget is lambherd's",
)
def package_over_budget(ctx: FunctionContext) -> Iterator[Hit]:
    package = ctx.package
    if package is None or package.unzipped_size > UNZIPPED_LIMIT:
        return
    budget = ctx.settings.package_budget_bytes
    if package.zipped_upper_bound() <= budget or package.zipped_size <= budget:
        return
    path, line = ctx.locate("FunctionName")
    yield Hit(
        f"zip is {human_size(package.zipped_size)} ({human_size(package.unzipped_size)} "
        f"unzipped), over the cold-start budget of {human_size(budget)}; biggest: "
        f"{_biggest(ctx)}",
        path=path,
        line=line,
    )


#: Folders and files that only serve development: arcname part -> what it is.
_JUNK_DIRS = {
    "__pycache__": "Python bytecode caches",
    ".pytest_cache": "pytest's cache",
    ".mypy_cache": "mypy's cache",
    ".ruff_cache": "ruff's cache",
    ".tox": "tox environments",
    ".git": "a git repository",
    ".venv": "a virtual environment",
    "tests": "tests",
    "test": "tests",
    "__tests__": "tests",
    ".cache": "a cache",
}


@check(
    "LH203",
    "package-ships-dev-files",
    Severity.WARNING,
    "package",
    summary="tests, caches or repository data ship in the package",
    fix="add them to .lambdaignore (lambroll's wildcards: tests/*, *__pycache__/*, "
    ".pytest_cache/*, node_modules/.cache/*)",
    explanation=_SMALL_PACKAGE
    + """
    Test folders, bytecode and tool caches (``__pycache__``, ``.pytest_cache``,
    ``node_modules/.cache``), virtual environments and ``.git`` data are never imported by the
    function: they only make the package bigger, and caches also make the zip change when
    nothing else did (so deploy uploads again). Only the function's own files are looked at
    (``tests`` folders inside installed dependencies are their authors'); ``.pyc`` files in
    ``__pycache__`` are leftovers of local runs (Lambda writes its own where it can).
    """,
    source="Lambda developer guide, best practices (package size); lambherd's archive rules",
)
def package_ships_dev_files(ctx: FunctionContext) -> Iterator[Hit]:
    package = ctx.package
    if package is None:
        return
    own = _own_prefixes(ctx)
    found: dict[str, list[int]] = {}
    for entry in package.entries:
        parts = entry.arcname.split("/")[:-1]
        if not own(entry.path):
            continue
        for i, part in enumerate(parts):
            if part in _JUNK_DIRS and not (part == ".cache" and "node_modules" not in parts[:i]):
                key = "/".join(parts[: i + 1]) + "/"
                found.setdefault(key, []).append(entry.size)
                break
    if not found:
        return
    top = sorted(found.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    total = sum(sum(sizes) for _, sizes in top)
    listed = ", ".join(f"{key} ({len(sizes)} files)" for key, sizes in top[:4])
    more = f" and {len(top) - 4} more" if len(top) > 4 else ""
    ignore = ctx.source_dir / ".lambdaignore"
    yield Hit(
        f"the package ships {listed}{more}: {human_size(total)} nothing imports",
        path=ignore if ignore.is_file() else ctx.definition.path,
        line=1,
    )


def _own_prefixes(ctx: FunctionContext) -> Callable[[str], bool]:
    """A test telling whether an entry's file is the function's own (not the dependency build)."""
    package = ctx.package
    build = str(package.build_dir) if package is not None and package.build_dir else None
    if build is None:
        return lambda path: True
    return lambda path: not str(path).startswith(build)


@check(
    "LH204",
    "bundled-runtime-sdk",
    Severity.INFO,
    "package",
    summary="the package bundles the AWS SDK the runtime already provides",
    fix="drop boto3/botocore (or @aws-sdk/*) from the dependencies unless you need a pinned "
    "version",
    explanation="""
    Lambda's Python runtimes include boto3 and botocore, and the nodejs18.x and later runtimes
    include the AWS SDK for JavaScript v3. Bundled, botocore alone adds about 26 MB unzipped
    (version 1.44; mostly its service models) to every cold start's download and unpack. AWS's
    own advice cuts both ways: the runtime's SDK is updated by AWS on its schedule, so a
    function that must not see a new SDK version should pin and bundle its own. That is why this
    is information: keep the bundle if you pin on purpose (and disable LH204 for the function),
    drop it otherwise.
    """,
    source="Lambda developer guide, 'Building Lambda functions with Python' and '... with "
    "Node.js' (runtime-included SDK versions)",
)
def bundled_runtime_sdk(ctx: FunctionContext) -> Iterator[Hit]:
    package = ctx.package
    if package is None:
        return
    if ctx.runtime.startswith("python"):
        prefixes = tuple(p for p in ("boto3/", "botocore/", "s3transfer/") if _has(package, p))
        label = "boto3/botocore"
    elif ctx.runtime.startswith("nodejs") and _node_major(ctx.runtime) >= 18:
        prefixes = ("node_modules/@aws-sdk/",) if _has(package, "node_modules/@aws-sdk/") else ()
        label = "the AWS SDK v3 (@aws-sdk/*)"
    else:
        return
    if not prefixes:
        return
    size = package.size_of(prefixes)
    path, line = ctx.locate("Runtime")
    yield Hit(
        f"the package bundles {label} ({human_size(size)} unzipped) although {ctx.runtime} "
        "includes it",
        path=path,
        line=line,
    )


def _has(package: PackageFacts, prefix: str) -> bool:
    return any(name.startswith(prefix) for name in package.names)


def _node_major(runtime: str) -> int:
    digits = runtime.removeprefix("nodejs").split(".")[0]
    return int(digits) if digits.isdigit() else 0


@check(
    "LH205",
    "slow-init-measured",
    Severity.WARNING,
    "measure",
    summary="the handler module's init, measured in the local emulator, is over the budget",
    fix="import less at module level, defer rarely used imports, trim dependencies",
    explanation="""
    With ``--measure`` lint starts the function in lambherd's local emulator (the runtime's
    interpreter running awslambdaric, as ``lambherd local invoke`` does) three times without
    invoking it, and reports the median Init Duration: the time from starting the runtime
    until the handler module is imported and the runtime asks for its first event. Lambda
    stops an on-demand init after 10 seconds (an error here: the function would not start);
    over the budget (``init_budget_ms``, lambherd's default 1000 ms) it is a warning. Local
    figures are a guide: Lambda's CPU share grows with MemorySize (one full vCPU at 1,769 MB),
    so a small function can be slower there than on this machine.
    """,
    source="Lambda developer guide, 'Lambda execution environment lifecycle' (10 s init limit; "
    "quoted in the field notes); lambherd's local emulator",
)
def slow_init_measured(ctx: FunctionContext) -> Iterator[Hit]:
    measured = ctx.measured_init_ms
    if measured is None:
        return
    path, line = ctx.locate("Handler")
    if measured >= INIT_LIMIT_MS:
        yield Hit(
            f"Init Duration measured locally is {measured:,.0f} ms, at or over Lambda's 10 s "
            "limit for on-demand init",
            path=path,
            line=line,
            severity=Severity.ERROR,
        )
    elif measured > ctx.settings.init_budget_ms:
        yield Hit(
            f"Init Duration measured locally is {measured:,.0f} ms, over the budget of "
            f"{ctx.settings.init_budget_ms:,.0f} ms",
            path=path,
            line=line,
        )
