"""Python handlers, read with the ``ast`` module: what the handler does on every invocation.

From the handler function the analysis follows calls to the module's own functions (and the
``__init__`` of its own classes), so a client made in ``get_table()`` called by the handler is
found too, with the chain. A creation whose result is kept across invocations is not reported:
assigned to a ``global`` name, to an item or attribute of a module-level object (a cache dict),
or made in a function decorated with ``functools.cache`` / ``lru_cache``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from lambherd.lint.code_model import (
    AWS_CLIENT,
    DB_CONNECTION,
    HEAVY_IMPORT,
    HTTP_CLIENT,
    HTTP_NO_REUSE,
    LOG_EVENT,
    CodeEvent,
    CodeFacts,
    shorten,
)

#: Calls that create a client, session or connection, by fully qualified name.
CREATORS: dict[str, str] = {
    **dict.fromkeys(
        (
            "boto3.client",
            "boto3.resource",
            "boto3.Session",
            "boto3.session.Session",
            "botocore.session.get_session",
            "botocore.session.Session",
            "aioboto3.Session",
            "aiobotocore.session.get_session",
        ),
        AWS_CLIENT,
    ),
    **dict.fromkeys(
        (
            "requests.Session",
            "requests.session",
            "requests.sessions.Session",
            "httpx.Client",
            "httpx.AsyncClient",
            "urllib3.PoolManager",
            "urllib3.HTTPConnectionPool",
            "urllib3.HTTPSConnectionPool",
            "urllib3.connection_from_url",
            "aiohttp.ClientSession",
            "http.client.HTTPConnection",
            "http.client.HTTPSConnection",
        ),
        HTTP_CLIENT,
    ),
    **dict.fromkeys(
        (
            "psycopg2.connect",
            "psycopg2.pool.SimpleConnectionPool",
            "psycopg2.pool.ThreadedConnectionPool",
            "psycopg.connect",
            "psycopg.Connection.connect",
            "psycopg.AsyncConnection.connect",
            "psycopg_pool.ConnectionPool",
            "pymysql.connect",
            "pymysql.connections.Connection",
            "MySQLdb.connect",
            "mysql.connector.connect",
            "pg8000.connect",
            "pg8000.native.Connection",
            "asyncpg.connect",
            "asyncpg.create_pool",
            "redis.Redis",
            "redis.StrictRedis",
            "redis.from_url",
            "redis.Redis.from_url",
            "redis.asyncio.Redis",
            "redis.asyncio.from_url",
            "pymongo.MongoClient",
            "motor.motor_asyncio.AsyncIOMotorClient",
            "sqlalchemy.create_engine",
            "sqlalchemy.ext.asyncio.create_async_engine",
            "oracledb.connect",
            "cx_Oracle.connect",
            "pyodbc.connect",
            "snowflake.connector.connect",
            "elasticsearch.Elasticsearch",
            "opensearchpy.OpenSearch",
            "cassandra.cluster.Cluster",
            "pymemcache.client.base.Client",
        ),
        DB_CONNECTION,
    ),
}
#: What calling ``.client()`` / ``.resource()`` / ``.create_client()`` on these makes.
_SESSION_METHODS = {"client", "resource", "create_client", "create_session"}
_SESSIONS = {
    "boto3.Session",
    "boto3.session.Session",
    "botocore.session.get_session",
    "botocore.session.Session",
    "aioboto3.Session",
    "aiobotocore.session.get_session",
}
#: One-shot HTTP helpers: each call opens (and closes) its own connection.
NO_REUSE = {
    *(f"requests.{m}" for m in ("get", "post", "put", "patch", "delete", "head", "options")),
    "requests.request",
    *(f"httpx.{m}" for m in ("get", "post", "put", "patch", "delete", "head", "options")),
    "httpx.request",
    "urllib.request.urlopen",
    "urllib3.request",
}
#: Modules whose import typically takes 100 ms or more (boto3/botocore load their service
#: models; the data libraries load compiled extensions and submodules).
HEAVY_MODULES = frozenset(
    {
        "boto3",
        "botocore",
        "aioboto3",
        "pandas",
        "numpy",
        "scipy",
        "sklearn",
        "torch",
        "tensorflow",
        "transformers",
        "matplotlib",
        "sqlalchemy",
        "pyarrow",
        "cv2",
        "spacy",
        "nltk",
        "langchain",
    }
)
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
_PRINTERS = {"print", "pprint.pprint", "pprint.pp"}
_WRAPPERS = {"json.dumps", "str", "repr", "pprint.pformat", "simplejson.dumps", "orjson.dumps"}
_CACHES = {
    "functools.cache",
    "functools.lru_cache",
    "functools.cached_property",
    "cache",
    "lru_cache",
}


def analyse_python(path: Path, handler: str) -> CodeFacts:
    """Read ``path`` and report what ``handler`` (a function of that module) does."""
    source = path.read_text(encoding="utf-8", errors="replace")
    facts = CodeFacts("python", path, handler, lines=source.splitlines())
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        facts.syntax_error = (exc.lineno or 1, (exc.offset or 1), exc.msg)
        return facts
    module = _Module(tree)
    target = module.find_handler(handler)
    facts.function_found = target.found
    if target.node is not None:
        facts.function_line = target.node.lineno
        facts.events = _Walker(module).run(target.node)
    return facts


class _Target:
    def __init__(self, found: bool | None, node: ast.FunctionDef | ast.AsyncFunctionDef | None):
        self.found = found
        self.node = node


class _Module:
    """Module-level names: imports, functions, classes, objects made at init."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.assigned: set[str] = set()  # every module-level name
        self.kinds: dict[str, str] = {}  # module-level name -> what made it (boto3.Session)
        self.star_import = False
        for node in tree.body:
            self._collect(node)

    def _collect(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.star_import |= add_import(node, self.aliases)
            self.assigned.update(self._bound_by_import(node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.functions[node.name] = node
            self.assigned.add(node.name)
        elif isinstance(node, ast.ClassDef):
            self.classes[node.name] = node
            self.assigned.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for name in _names(t):
                    self.assigned.add(name)
                    if isinstance(node.value, ast.Call):
                        self.kinds[name] = qualname(node.value.func, self.aliases)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self._collect(child)

    @staticmethod
    def _bound_by_import(node: ast.Import | ast.ImportFrom) -> list[str]:
        return [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]

    def find_handler(self, name: str) -> _Target:
        if name in self.functions:
            return _Target(True, self.functions[name])
        if name in self.assigned or name in self.classes:
            # handler = make_handler() / from other import handler: it exists, body elsewhere
            if name not in self.aliases:
                for node in self.tree.body:
                    if (
                        isinstance(node, ast.Assign)
                        and any(name in _names(t) for t in node.targets)
                        and isinstance(node.value, ast.Name)
                        and node.value.id in self.functions
                    ):
                        return _Target(True, self.functions[node.value.id])
            return _Target(True, None)
        if self.star_import or "__getattr__" in self.functions:
            return _Target(None, None)
        return _Target(False, None)


def add_import(node: ast.Import | ast.ImportFrom, aliases: dict[str, str]) -> bool:
    """Record the names an import binds (-> their qualified names); True for ``import *``."""
    star = False
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.asname:
                aliases[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                aliases[top] = top
        return False
    base = "." * node.level + (node.module or "")
    for a in node.names:
        if a.name == "*":
            star = True
            continue
        aliases[a.asname or a.name] = f"{base}.{a.name}" if base else a.name
    return star


def qualname(expr: ast.expr, aliases: dict[str, str]) -> str:
    """``boto3.client`` for ``b3.client`` after ``import boto3 as b3``; '' when not a name."""
    if isinstance(expr, ast.Name):
        return aliases.get(expr.id, expr.id)
    if isinstance(expr, ast.Attribute):
        base = qualname(expr.value, aliases)
        return f"{base}.{expr.attr}" if base else ""
    return ""


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _names(elt)]
    return []


def _root_name(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Attribute | ast.Subscript):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


class _Walker:
    """Follows the handler and the module functions it calls, collecting events."""

    def __init__(self, module: _Module) -> None:
        self.module = module
        self.events: list[CodeEvent] = []
        self.seen: set[tuple[int, int, str]] = set()
        self.visited: set[str] = set()

    def run(self, handler: ast.FunctionDef | ast.AsyncFunctionDef) -> list[CodeEvent]:
        params = _positional(handler)
        event_names = {params[0]} if params else set()
        self._decorators(handler, (handler.name,))
        self._function(handler, (handler.name,), event_names)
        return sorted(self.events, key=lambda e: (e.line, e.column, e.kind))

    def _add(self, kind: str, node: ast.AST, what: str, via: tuple[str, ...]) -> None:
        key = (node.lineno, node.col_offset, kind)  # type: ignore[attr-defined]
        if key not in self.seen:
            self.seen.add(key)
            self.events.append(
                CodeEvent(kind, node.lineno, node.col_offset + 1, shorten(what), via)  # type: ignore[attr-defined]
            )

    def _decorators(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, via: tuple[str, ...]) -> None:
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and any(
                kw.arg == "log_event" and isinstance(kw.value, ast.Constant) and kw.value.value
                for kw in deco.keywords
            ):
                self._add(LOG_EVENT, deco, ast.unparse(deco), via)

    def _function(
        self,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        via: tuple[str, ...],
        event_names: set[str],
    ) -> None:
        self.visited.add(fn.name)
        aliases = dict(self.module.aliases)
        cached_fn = any(qualname(_deco_target(d), aliases) in _CACHES for d in fn.decorator_list)
        globals_declared = {
            n for node in ast.walk(fn) if isinstance(node, ast.Global) for n in node.names
        }
        parents = {
            child: parent for parent in ast.walk(fn) for child in ast.iter_child_nodes(parent)
        }
        for node in _body_nodes(fn):
            if isinstance(node, ast.Import | ast.ImportFrom):
                add_import(node, aliases)
                for top in _imported_tops(node):
                    if top in HEAVY_MODULES:
                        self._add(HEAVY_IMPORT, node, ast.unparse(node), via)
            elif isinstance(node, ast.Call):
                self._call(node, aliases, via, event_names, parents, globals_declared, cached_fn)

    def _call(
        self,
        node: ast.Call,
        aliases: dict[str, str],
        via: tuple[str, ...],
        event_names: set[str],
        parents: dict[ast.AST, ast.AST],
        globals_declared: set[str],
        cached_fn: bool,
    ) -> None:
        name = qualname(node.func, aliases)
        kind = CREATORS.get(name)
        if (
            kind is None
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SESSION_METHODS
        ):
            base = node.func.value
            made_by = ""
            if isinstance(base, ast.Name):
                made_by = self.module.kinds.get(base.id, "")
            elif isinstance(base, ast.Call):
                made_by = qualname(base.func, aliases)
            if made_by in _SESSIONS:
                kind = AWS_CLIENT
        if (
            kind is not None
            and not cached_fn
            and not _kept(node, parents, globals_declared, self.module)
        ):
            self._add(kind, node, ast.unparse(node), via)
        if name in NO_REUSE:
            self._add(HTTP_NO_REUSE, node, ast.unparse(node), via)
        if event_names and _logs_whole(node, name, event_names, aliases):
            self._add(LOG_EVENT, node, ast.unparse(node), via)
        self._follow(node, via, event_names)

    def _follow(self, node: ast.Call, via: tuple[str, ...], event_names: set[str]) -> None:
        """Walk into a function or class of this module that the call reaches."""
        if not isinstance(node.func, ast.Name):
            return
        callee = node.func.id
        target: ast.FunctionDef | ast.AsyncFunctionDef | None = self.module.functions.get(callee)
        if target is None and callee in self.module.classes:
            target = next(
                (
                    item
                    for item in self.module.classes[callee].body
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__"
                ),
                None,
            )
        if target is None or callee in self.visited or len(via) > 8:
            return
        params = _positional(target)
        if target.name == "__init__":
            params = params[1:]
        passed = {
            params[i]
            for i, arg in enumerate(node.args)
            if i < len(params) and isinstance(arg, ast.Name) and arg.id in event_names
        }
        self._function(target, (*via, callee), passed)


def _deco_target(deco: ast.expr) -> ast.expr:
    return deco.func if isinstance(deco, ast.Call) else deco


def _positional(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]


def _imported_tops(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    if node.level or not node.module:
        return []
    return [node.module.split(".")[0]]


def _body_nodes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Every node of the function's body (nested functions included: they run when called)."""
    for stmt in fn.body:
        yield from ast.walk(stmt)


def _kept(
    call: ast.Call, parents: dict[ast.AST, ast.AST], globals_declared: set[str], module: _Module
) -> bool:
    """True when the created object outlives the invocation (lazily made once, then reused)."""
    node: ast.AST = call
    parent = parents.get(node)
    while isinstance(parent, ast.BoolOp | ast.IfExp | ast.Await):  # x = x or make()
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        for t in targets:
            if isinstance(t, ast.Name) and t.id in globals_declared:
                return True
            if isinstance(t, ast.Subscript | ast.Attribute):
                root = _root_name(t)
                if root is not None and root in module.assigned and root not in {"self", "cls"}:
                    return True
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute):
        # _clients.setdefault(key, boto3.client(...))
        root = _root_name(parent.func.value)
        if parent.func.attr == "setdefault" and root in module.assigned:
            return True
    return False


def _logs_whole(node: ast.Call, name: str, events: set[str], aliases: dict[str, str]) -> bool:
    """True for ``print(event)``, ``logger.info(json.dumps(event))``, ``print(f"{event}")``."""
    is_log = name in _PRINTERS
    if not is_log and isinstance(node.func, ast.Attribute) and node.func.attr in _LOG_METHODS:
        receiver = qualname(node.func.value, aliases).lower()
        is_log = "log" in receiver
    if not is_log:
        return False
    return any(_is_whole_event(arg, events, aliases) for arg in node.args)


def _is_whole_event(expr: ast.expr, events: set[str], aliases: dict[str, str]) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in events
    if isinstance(expr, ast.Starred):
        return False
    if isinstance(expr, ast.Call):
        if qualname(expr.func, aliases) in _WRAPPERS and expr.args:
            return _is_whole_event(expr.args[0], events, aliases)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
            return any(_is_whole_event(a, events, aliases) for a in expr.args)
        return False
    if isinstance(expr, ast.JoinedStr):
        return any(
            isinstance(v, ast.FormattedValue) and _is_whole_event(v.value, events, aliases)
            for v in expr.values
        )
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod | ast.Add):
        right = expr.right
        items = right.elts if isinstance(right, ast.Tuple) else [right]
        return any(_is_whole_event(i, events, aliases) for i in items) or _is_whole_event(
            expr.left, events, aliases
        )
    return False
