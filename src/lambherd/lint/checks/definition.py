"""LH0xx: the definition loads, and the Handler names a module and function that ship."""

from __future__ import annotations

from collections.abc import Iterator

from lambherd.lint.context import FunctionContext
from lambherd.lint.model import Hit, Severity
from lambherd.lint.registry import check


@check(
    "LH001",
    "definition-does-not-load",
    Severity.ERROR,
    "definition",
    summary="a definition or sidecar file cannot be read or rendered",
    fix="fix the file so that `lambherd render` (or `lambherd validate`) accepts it",
    explanation="""
    lint reads function.json (and concurrency.json, event_sources.json, event_invoke.json,
    permissions.json beside it) the way deploy does. A file that does not parse or whose
    templates fail would stop the deploy before any call; lint reports it and goes on with the
    other functions of the project, so one broken folder does not hide the others' findings.
    """,
    source="lambherd's own loader (the same code deploy uses)",
)
def definition_does_not_load(ctx: FunctionContext) -> Iterator[Hit]:
    for path, problem in ctx.load_problems:
        message = problem if problem.startswith(path.name) else f"{path.name}: {problem}"
        yield Hit(message, path=path, line=_line_in(message))


def _line_in(message: str) -> int:
    """The line a loader message names (``line 8:`` or ``file:8:3:``), else 1."""
    import re

    match = re.search(r"(?:line |\.json(?:net)?:)(\d+)", message)
    return int(match.group(1)) if match else 1


@check(
    "LH002",
    "handler-module-missing",
    Severity.ERROR,
    "definition",
    summary="the Handler's module is not in the package deploy would upload",
    fix="put the module in the function folder, fix the Handler, or stop .lambdaignore dropping it",
    explanation="""
    Lambda imports the module named by the Handler (``pkg/mod.handler`` or ``pkg.mod.handler``
    for Python: pkg/mod.py or pkg/mod/__init__.py; ``src/index.handler`` for Node.js:
    src/index.js, .mjs or .cjs) from the unpacked package. When it is not there, every
    invocation fails with Runtime.ImportModuleError (Runtime.HandlerNotFound on Node.js), yet
    the deploy itself succeeds. lint looks in the exact file list the deploy zips, so a module
    left out by .lambdaignore, a symlink out of the folder or a missing build step is caught.
    A TypeScript source without its compiled .js is reported as such: Lambda runs JavaScript.
    With Layers set the module may come from a layer, so the finding is a warning then.
    """,
    source="Lambda developer guide, 'Define Lambda function handler in Python' and '... in "
    "Node.js' (handler naming); awslambdaric's module loading",
)
def handler_module_missing(ctx: FunctionContext) -> Iterator[Hit]:
    where = ctx.handler_module
    if where is None or where.arcname is not None:
        return
    path, line = ctx.locate("Handler")
    tried = ", ".join(where.candidates)
    if where.typescript_source is not None:
        rel = where.typescript_source.relative_to(ctx.source_dir).as_posix()
        yield Hit(
            f"Handler module {where.module} is TypeScript only ({rel}); the package has no "
            f"{tried}: Lambda runs the compiled JavaScript",
            path=path,
            line=line,
            fix="compile it (tsc/esbuild) into the folder or point the Handler at the output",
        )
        return
    layered = bool(ctx.config.get("Layers"))
    yield Hit(
        f"Handler module {where.module} is not in the package (looked for {tried})"
        + ("; it may come from a layer" if layered else ""),
        path=path,
        line=line,
        severity=Severity.WARNING if layered else None,
    )


@check(
    "LH003",
    "handler-function-missing",
    Severity.ERROR,
    "definition",
    summary="the Handler's module has no such function (or export)",
    fix="define the function at the module's top level (Node.js: export it), or fix the Handler",
    explanation="""
    The part after the last dot of the Handler is a function of the module: a top-level
    ``def``/``async def`` (or a name bound to one) in Python, an export (``exports.handler``,
    ``export const handler``, ``export { fn as handler }``) in Node.js. When the module imports
    fine but has no such name, every invocation fails with Runtime.HandlerNotFound. Modules
    that define names dynamically (``from x import *``, ``__getattr__``) are not judged.
    """,
    source="Lambda developer guide (handler naming); awslambdaric",
)
def handler_function_missing(ctx: FunctionContext) -> Iterator[Hit]:
    code = ctx.code
    if code is None or code.syntax_error is not None or code.function_found is not False:
        return
    kind = "export" if code.language != "python" else "top-level function"
    yield Hit(
        f"{code.path.name} has no {kind} {code.handler} (Handler {ctx.config.get('Handler')})",
        path=code.path,
        line=1,
    )


@check(
    "LH004",
    "handler-syntax-error",
    Severity.ERROR,
    "definition",
    summary="the handler's module does not parse",
    fix="fix the syntax error (run the file locally: `lambherd local invoke`)",
    explanation="""
    A module that does not parse fails at init with Runtime.UserCodeSyntaxError (Python) or a
    SyntaxError from Node.js on every cold start, so the function never serves a request. lint
    parses the module with Python's own parser (Python) or tree-sitter's JavaScript/TypeScript
    grammars (Node.js).
    """,
    source="Python's ast module; tree-sitter-javascript / tree-sitter-typescript grammars",
)
def handler_syntax_error(ctx: FunctionContext) -> Iterator[Hit]:
    code = ctx.code
    if code is None or code.syntax_error is None:
        return
    line, column, message = code.syntax_error
    yield Hit(
        f"{code.path.name} does not parse: {message}", path=code.path, line=line, column=column
    )
