"""JavaScript and TypeScript handlers, parsed with tree-sitter: the same questions as for Python.

The handler is found among the module's exports (``exports.handler = ...``, ``module.exports =
{ handler }``, ``export const handler = ...``, ``export async function handler``, ``export {
fn as handler }``); from it the analysis follows calls to the module's own functions. Imports
(``require``, ``import``) tell what a ``new X()`` or ``x.create()`` makes. A creation assigned
to a variable declared at module level (``client ??= new S3Client({})``) is made once and kept.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lambherd.lint.code_model import (
    AWS_CLIENT,
    DB_CONNECTION,
    HEAVY_IMPORT,
    HTTP_CLIENT,
    LOG_EVENT,
    CodeEvent,
    CodeFacts,
    shorten,
)

TS_SUFFIXES = (".ts", ".mts", ".cts")
#: (module, exported name) -> kind, for ``new X()`` and ``X.create()``-style calls;
#: ``*`` matches any export name of that module.
_MADE_BY_NEW = {
    ("pg", "Pool"): DB_CONNECTION,
    ("pg", "Client"): DB_CONNECTION,
    ("mongodb", "MongoClient"): DB_CONNECTION,
    ("ioredis", "default"): DB_CONNECTION,
    ("ioredis", "*"): DB_CONNECTION,
    ("ioredis", "Redis"): DB_CONNECTION,
    ("@prisma/client", "PrismaClient"): DB_CONNECTION,
    ("undici", "Agent"): HTTP_CLIENT,
    ("undici", "Pool"): HTTP_CLIENT,
    ("undici", "Client"): HTTP_CLIENT,
    ("http", "Agent"): HTTP_CLIENT,
    ("https", "Agent"): HTTP_CLIENT,
    ("node:http", "Agent"): HTTP_CLIENT,
    ("node:https", "Agent"): HTTP_CLIENT,
}
_MADE_BY_CALL = {
    ("mysql", "createConnection"): DB_CONNECTION,
    ("mysql", "createPool"): DB_CONNECTION,
    ("mysql2", "createConnection"): DB_CONNECTION,
    ("mysql2", "createPool"): DB_CONNECTION,
    ("mysql2/promise", "createConnection"): DB_CONNECTION,
    ("mysql2/promise", "createPool"): DB_CONNECTION,
    ("mongoose", "connect"): DB_CONNECTION,
    ("mongoose", "createConnection"): DB_CONNECTION,
    ("redis", "createClient"): DB_CONNECTION,
    ("knex", "default"): DB_CONNECTION,
    ("knex", "*"): DB_CONNECTION,
    ("axios", "create"): HTTP_CLIENT,
    ("@aws-sdk/lib-dynamodb", "from"): AWS_CLIENT,
}
#: Classes of the SDK packages that are not clients (commands, errors, v2 helpers).
_NOT_CLIENTS = ("Command", "Exception", "Error")
_V2_HELPERS = {
    "Config",
    "Credentials",
    "Endpoint",
    "SharedIniFileCredentials",
    "EnvironmentCredentials",
}
_HEAVY_PREFIXES = ("aws-sdk", "@aws-sdk/", "@prisma/client", "mongoose", "typeorm", "sequelize")
_CONSOLE = {"log", "info", "debug", "warn", "error", "trace"}


@functools.lru_cache(maxsize=2)
def _language(typescript: bool) -> Any:
    import tree_sitter

    if typescript:
        import tree_sitter_typescript

        language = tree_sitter.Language(tree_sitter_typescript.language_typescript())
    else:
        import tree_sitter_javascript

        language = tree_sitter.Language(tree_sitter_javascript.language())
    return language


def analyse_javascript(path: Path, handler: str) -> CodeFacts:
    """Read ``path`` (.js/.mjs/.cjs or .ts) and report what the exported ``handler`` does."""
    import tree_sitter

    typescript = path.suffix in TS_SUFFIXES
    data = path.read_bytes()
    facts = CodeFacts(
        "typescript" if typescript else "javascript",
        path,
        handler,
        lines=data.decode("utf-8", "replace").splitlines(),
    )
    tree = tree_sitter.Parser(_language(typescript)).parse(data)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        row, col = bad.start_point if bad is not None else (0, 0)
        facts.syntax_error = (row + 1, col + 1, "syntax error")
        return facts
    module = _JsModule(root)
    facts.sdk_v2 = module.sdk_v2
    node, found = module.find_handler(handler)
    facts.function_found = found
    if node is not None:
        facts.function_line = node.start_point[0] + 1
        facts.events = _JsWalker(module).run(node, handler)
    return facts


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _first_error(node: Any) -> Any:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error:
            return _first_error(child)
    return None


def _string_value(node: Any) -> str | None:
    if node is not None and node.type == "string":
        return "".join(_text(c) for c in node.named_children if c.type == "string_fragment")
    return None


def _require_source(node: Any) -> str | None:
    """``'m'`` for ``require('m')`` (or ``await import('m')``), else None."""
    if node is not None and node.type == "await_expression" and node.named_children:
        node = node.named_children[0]
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None or _text(fn) not in {"require", "import"}:
        return None
    args = node.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    return _string_value(first)


def _is_sdk_v2(source: str | None) -> bool:
    return source is not None and (source == "aws-sdk" or source.startswith("aws-sdk/"))


def _find_sdk_v2(root: Any) -> tuple[int, str] | None:
    """The first ``import ... from 'aws-sdk'`` or ``require('aws-sdk')`` (line, text)."""
    stack = [root]
    found: list[tuple[int, str]] = []
    while stack:
        node = stack.pop()
        if node.type == "import_statement":
            source = _string_value(node.child_by_field_name("source"))
        elif node.type == "call_expression":
            source = _require_source(node)
        else:
            source = None
        if _is_sdk_v2(source):
            found.append((node.start_point[0] + 1, _text(node)))
        stack.extend(node.named_children)
    return min(found) if found else None


_FUNCTIONS = {"function_declaration", "function_expression", "arrow_function", "function"}


class _JsModule:
    """Module-level imports, functions and variables."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.imports: dict[str, tuple[str, str]] = {}  # local -> (module, export or * / default)
        self.functions: dict[str, Any] = {}
        self.variables: set[str] = set()
        self.exports: dict[str, Any] = {}  # exported name -> node (function or identifier)
        self.sdk_v2: tuple[int, str] | None = None
        for child in root.named_children:
            self._statement(child)
        self.sdk_v2 = _find_sdk_v2(root)

    def _statement(self, node: Any) -> None:
        kind = node.type
        if kind == "import_statement":
            self._import(node)
        elif kind in {"lexical_declaration", "variable_declaration"}:
            for decl in node.named_children:
                if decl.type == "variable_declarator":
                    self._declarator(decl)
        elif kind == "function_declaration":
            name = _text(node.child_by_field_name("name"))
            self.functions[name] = node
        elif kind == "export_statement":
            declaration = node.child_by_field_name("declaration")
            if declaration is not None:
                self._statement(declaration)
                for name, value in self._declared(declaration):
                    self.exports[name] = value
            for clause in (c for c in node.named_children if c.type == "export_clause"):
                for spec in clause.named_children:
                    local = _text(spec.child_by_field_name("name"))
                    alias = spec.child_by_field_name("alias")
                    self.exports[_text(alias) if alias is not None else local] = local
        elif kind == "expression_statement" and node.named_children:
            expr = node.named_children[0]
            if expr.type == "assignment_expression":
                self._assignment(expr)

    def _declared(self, node: Any) -> list[tuple[str, Any]]:
        if node.type == "function_declaration":
            return [(_text(node.child_by_field_name("name")), node)]
        out = []
        for decl in node.named_children:
            if decl.type == "variable_declarator":
                name = decl.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    out.append((_text(name), decl.child_by_field_name("value")))
        return out

    def _import(self, node: Any) -> None:
        source = _string_value(node.child_by_field_name("source")) or ""
        for clause in (c for c in node.named_children if c.type == "import_clause"):
            for part in clause.named_children:
                if part.type == "identifier":
                    self.imports[_text(part)] = (source, "default")
                elif part.type == "namespace_import":
                    for ident in part.named_children:
                        self.imports[_text(ident)] = (source, "*")
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        name = _text(spec.child_by_field_name("name"))
                        alias = spec.child_by_field_name("alias")
                        self.imports[_text(alias) if alias is not None else name] = (source, name)

    def _declarator(self, decl: Any) -> None:
        name = decl.child_by_field_name("name")
        value = decl.child_by_field_name("value")
        source = _require_source(value)
        if name is None:
            return
        if name.type == "identifier":
            self.variables.add(_text(name))
            if source is not None:
                self.imports[_text(name)] = (source, "*")
            elif value is not None and value.type in _FUNCTIONS:
                self.functions[_text(name)] = value
        elif name.type == "object_pattern" and source is not None:
            for prop in name.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    self.imports[_text(prop)] = (source, _text(prop))
                elif prop.type == "pair_pattern":
                    key = _text(prop.child_by_field_name("key"))
                    self.imports[_text(prop.child_by_field_name("value"))] = (source, key)

    def _assignment(self, expr: Any) -> None:
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        target = _text(left)
        if target in {"exports", "module.exports"} and right is not None and right.type == "object":
            for prop in right.named_children:
                if prop.type == "shorthand_property_identifier":
                    self.exports[_text(prop)] = _text(prop)
                elif prop.type == "pair":
                    self.exports[_text(prop.child_by_field_name("key"))] = prop.child_by_field_name(
                        "value"
                    )
        elif target.startswith(("exports.", "module.exports.")):
            self.exports[target.rsplit(".", 1)[-1]] = right

    def find_handler(self, name: str) -> tuple[Any, bool | None]:
        """(the handler's function node or None, whether the export exists)."""
        if name not in self.exports:
            return None, False
        value = self.exports[name]
        if isinstance(value, str):
            node = self.functions.get(value)
            return node, True
        if value is not None and value.type == "identifier":
            return self.functions.get(_text(value)), True
        if value is not None and value.type in _FUNCTIONS:
            return value, True
        return None, True


def _params(fn: Any) -> list[str]:
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [_text(single)]
    params = fn.child_by_field_name("parameters")
    out = []
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            out.append(_text(p))
        elif p.type in {"required_parameter", "optional_parameter"}:
            pattern = p.child_by_field_name("pattern")
            out.append(
                _text(pattern) if pattern is not None and pattern.type == "identifier" else ""
            )
        else:
            out.append("")
    return out


class _JsWalker:
    def __init__(self, module: _JsModule) -> None:
        self.module = module
        self.events: list[CodeEvent] = []
        self.seen: set[tuple[int, int, str]] = set()
        self.visited: set[str] = set()

    def run(self, fn: Any, name: str) -> list[CodeEvent]:
        params = _params(fn)
        self._function(fn, (name,), {params[0]} if params and params[0] else set())
        return sorted(self.events, key=lambda e: (e.line, e.column, e.kind))

    def _add(self, kind: str, node: Any, via: tuple[str, ...]) -> None:
        row, col = node.start_point
        key = (row, col, kind)
        if key not in self.seen:
            self.seen.add(key)
            self.events.append(CodeEvent(kind, row + 1, col + 1, shorten(_text(node)), via))

    def _function(self, fn: Any, via: tuple[str, ...], events: set[str]) -> None:
        self.visited.add(via[-1])
        body = fn.child_by_field_name("body")
        stack = [body] if body is not None else []
        while stack:
            node = stack.pop()
            kind = node.type
            if kind == "new_expression":
                self._new(node, via)
            elif kind == "call_expression":
                self._call(node, via, events)
            stack.extend(node.named_children)

    def _origin(self, node: Any) -> tuple[str, str] | None:
        """(module, export) that an identifier or ``ns.member`` expression names."""
        if node is None:
            return None
        if node.type == "identifier":
            return self.module.imports.get(_text(node))
        if node.type == "member_expression":
            obj = node.child_by_field_name("object")
            prop = _text(node.child_by_field_name("property"))
            base = self._origin(obj)
            if base is not None:
                return (base[0], prop if base[1] in {"*", "default"} else base[1])
        return None

    def _new(self, node: Any, via: tuple[str, ...]) -> None:
        origin = self._origin(node.child_by_field_name("constructor"))
        if origin is None:
            return
        module, export = origin
        kind = _MADE_BY_NEW.get(origin)
        sdk = module.startswith(("@aws-sdk/client-", "aws-sdk/clients/")) or module == "aws-sdk"
        if kind is None and sdk and not export.endswith(_NOT_CLIENTS) and export not in _V2_HELPERS:
            kind = AWS_CLIENT
        if kind is not None and not self._kept(node):
            self._add(kind, node, via)

    def _call(self, node: Any, via: tuple[str, ...], events: set[str]) -> None:
        fn = node.child_by_field_name("function")
        source = _require_source(node)
        if source is not None and source.startswith(_HEAVY_PREFIXES):
            self._add(HEAVY_IMPORT, node, via)
            return
        origin = self._origin(fn)
        if origin is not None:
            kind = _MADE_BY_CALL.get(origin)
            if kind is None and fn is not None and fn.type == "member_expression":
                obj_origin = self._origin(fn.child_by_field_name("object"))
                prop = _text(fn.child_by_field_name("property"))
                if obj_origin is not None:
                    kind = _MADE_BY_CALL.get((obj_origin[0], prop))
            if kind is not None and not self._kept(node):
                self._add(kind, node, via)
        if events and fn is not None and fn.type == "member_expression":
            obj = _text(fn.child_by_field_name("object"))
            prop = _text(fn.child_by_field_name("property"))
            if obj == "console" and prop in _CONSOLE and self._logs_whole(node, events):
                self._add(LOG_EVENT, node, via)
        if fn is not None and fn.type == "identifier":
            callee = _text(fn)
            target = self.module.functions.get(callee)
            if target is not None and callee not in self.visited and len(via) <= 8:
                params = _params(target)
                args = node.child_by_field_name("arguments")
                passed = {
                    params[i]
                    for i, arg in enumerate(args.named_children if args is not None else [])
                    if i < len(params) and arg.type == "identifier" and _text(arg) in events
                }
                self._function(target, (*via, callee), passed)

    def _logs_whole(self, call: Any, events: set[str]) -> bool:
        args = call.child_by_field_name("arguments")
        return any(
            self._whole(a, events) for a in (args.named_children if args is not None else [])
        )

    def _whole(self, node: Any, events: set[str]) -> bool:
        if node.type == "identifier":
            return _text(node) in events
        if node.type == "call_expression" and _text(node.child_by_field_name("function")) in {
            "JSON.stringify",
            "util.inspect",
            "String",
        }:
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            return first is not None and self._whole(first, events)
        if node.type == "template_string":
            return any(
                sub.type == "template_substitution"
                and sub.named_children
                and self._whole(sub.named_children[0], events)
                for sub in node.named_children
            )
        if node.type == "binary_expression":
            return any(self._whole(c, events) for c in node.named_children)
        return False

    def _kept(self, node: Any) -> bool:
        """True when the creation is assigned to a module-level variable (made once)."""
        parent = node.parent
        while parent is not None and parent.type in {
            "parenthesized_expression",
            "await_expression",
            "binary_expression",
            "ternary_expression",
        }:
            parent = parent.parent
        if parent is not None and parent.type in {
            "assignment_expression",
            "augmented_assignment_expression",
        }:
            left = parent.child_by_field_name("left")
            root = left
            while root is not None and root.type in {"member_expression", "subscript_expression"}:
                root = root.child_by_field_name("object")
            name = _text(root)
            return name in self.module.variables and not self._declared_locally(parent, name)
        return False

    @staticmethod
    def _declared_locally(node: Any, name: str) -> bool:
        """True when ``name`` is declared in a function enclosing ``node`` (a local shadow)."""
        scope = node.parent
        while scope is not None:
            if scope.type == "statement_block":
                for stmt in scope.named_children:
                    if stmt.type in {"lexical_declaration", "variable_declaration"}:
                        for decl in stmt.named_children:
                            ident = decl.child_by_field_name("name")
                            if ident is not None and _text(ident) == name:
                                return True
            scope = scope.parent
        return False
