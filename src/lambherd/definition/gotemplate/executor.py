"""The executor of Go's text/template (exec.go): walk a parsed tree, evaluate, print.

Error messages are Go's: ``template: NAME:LINE:COL: executing "TMPL" at <NODE>: message``,
where COL is, as in Go, the byte offset of the node within its line (0 at the line's start).
An error raised by a template function that carries ``prefix_message`` (lambherd's errors)
keeps its class; it gets that location in front of its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambherd.definition.gotemplate import nodes as N
from lambherd.definition.gotemplate.builtins import BUILTINS, assignable, call, truth
from lambherd.definition.gotemplate.gofmt import format_v, map_key_order, quote
from lambherd.definition.gotemplate.values import (
    ANY,
    VALUE,
    GoByte,
    GoFunc,
    is_true,
    type_name,
)

#: Deepest nesting of {{template}} calls (Go allows 100000; Python's stack is smaller).
MAX_EXEC_DEPTH = 200

_MISSING = object()  # no value piped in from a previous command


#: evalArg's number cases: Go type -> (NumberNode flag, its value, the name in errors)
_NUMBER_ARGS = {
    "int": ("is_int", "int64", "integer"),
    "float64": ("is_float", "float64", "float"),
    "complex128": ("is_complex", "complex128", "complex"),
    "uint8": ("is_uint", "uint64", "unsigned integer"),
}


class TemplateExecError(Exception):
    """The template failed while executing; the message is Go's."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Executor:
    """Runs the trees of one parsed template text."""

    def __init__(
        self,
        trees: Mapping[str, N.ListNode],
        functions: Mapping[str, GoFunc],
        text: str,
        parse_name: str,
    ) -> None:
        self.trees = trees
        self.functions = functions
        self.text = text
        self.parse_name = parse_name
        self.out: list[str] = []
        self.node: N.Node | None = None
        self.vars: list[list[Any]] = []
        self.tmpl_name = parse_name
        self.depth = 0

    def run(self, name: str, data: Any) -> str:
        tree = self.trees.get(name)
        self.tmpl_name = name
        if tree is None:
            raise TemplateExecError(
                f"template: {name}: {quote(name)} is an incomplete or empty template"
            )
        self.vars = [["$", data]]
        self.walk(data, tree)
        return "".join(self.out)

    # -- errors ------------------------------------------------------------------------
    def location(self, node: N.Node) -> tuple[str, str]:
        """Go's ErrorContext: ``NAME:LINE:COL`` (COL in bytes from the line start) and the node."""
        pos = node.pos
        text = self.text
        start = text.rfind("\n", 0, pos) + 1
        line = text.count("\n", 0, pos) + 1
        prefix = text[start:pos]
        col = len(prefix) if prefix.isascii() else len(prefix.encode("utf-8", "surrogatepass"))
        return f"{self.parse_name}:{line}:{col}", str(node)

    def errorf(self, message: str) -> None:
        if self.node is None:
            raise TemplateExecError(f"template: {self.tmpl_name}: {message}")
        where, context = self.location(self.node)
        raise TemplateExecError(
            f"template: {where}: executing {quote(self.tmpl_name)} at <{context}>: {message}"
        )

    def error_prefix(self) -> str:
        """The location part of ``errorf``'s message, for errors that keep their own class."""
        assert self.node is not None
        where, context = self.location(self.node)
        return f"template: {where}: executing {quote(self.tmpl_name)} at <{context}>"

    # -- variables ---------------------------------------------------------------------
    def set_var(self, name: str, value: Any) -> None:
        for var in reversed(self.vars):
            if var[0] == name:
                var[1] = value
                return
        self.errorf(f"undefined variable: {name}")

    def var_value(self, name: str) -> Any:
        for var in reversed(self.vars):
            if var[0] == name:
                return var[1]
        self.errorf(f"undefined variable: {name}")
        return None

    # -- walking -----------------------------------------------------------------------
    def walk(self, dot: Any, node: N.Node) -> None:
        self.node = node
        kind = type(node)
        if kind is N.TextNode:
            self.out.append(node.text)  # type: ignore[attr-defined]
        elif kind is N.ActionNode:
            pipe = node.pipe  # type: ignore[attr-defined]
            value = self.eval_pipeline(dot, pipe)
            if not pipe.decl:
                self.print_value(node, value)
        elif kind is N.ListNode:
            for child in node.nodes:  # type: ignore[attr-defined]
                self.walk(dot, child)
        elif kind is N.IfNode or kind is N.WithNode:
            self.walk_if_or_with(kind is N.WithNode, dot, node)  # type: ignore[arg-type]
        elif kind is N.RangeNode:
            self.walk_range(dot, node)  # type: ignore[arg-type]
        elif kind is N.TemplateNode:
            self.walk_template(dot, node)  # type: ignore[arg-type]
        elif kind is N.BreakNode:
            raise _Break
        elif kind is N.ContinueNode:
            raise _Continue
        elif kind is not N.CommentNode:
            self.errorf(f"unknown node: {node}")

    def print_value(self, node: N.Node, value: Any) -> None:
        self.node = node
        if value is None:
            self.out.append("<no value>")
        elif isinstance(value, str):
            self.out.append(value)
        elif isinstance(value, GoFunc) or callable(value):
            self.errorf(f"can't print {node} of type {type_name(value)}")
        else:
            self.out.append(format_v(value))

    def walk_if_or_with(self, is_with: bool, dot: Any, node: N.BranchNode) -> None:
        mark = len(self.vars)
        try:
            value = self.eval_pipeline(dot, node.pipe)
            truth_, ok = is_true(value)
            if not ok:
                self.errorf(f"if/with can't use {format_v(value)}")
            if truth_:
                self.walk(value if is_with else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def walk_range(self, dot: Any, node: N.BranchNode) -> None:
        self.node = node
        outer = len(self.vars)
        try:
            value = self.eval_pipeline(dot, node.pipe)
            mark = len(self.vars)
            decl = node.pipe.decl
            assign = node.pipe.is_assign

            def one(index: Any, elem: Any) -> None:
                if decl:
                    if assign:
                        self.set_var(decl[0].ident[0], index if len(decl) > 1 else elem)
                    else:
                        self.vars[mark - 1][1] = elem
                if len(decl) > 1:
                    if assign:
                        self.set_var(decl[1].ident[0], elem)
                    else:
                        self.vars[mark - 2][1] = index
                try:
                    self.walk(elem, node.list)
                except _Continue:
                    pass
                finally:
                    del self.vars[mark:]

            ran = False
            if isinstance(value, int) and not isinstance(value, bool):
                if len(decl) > 1:
                    self.errorf(
                        f"can't use {format_v(value)} to iterate over more than one variable"
                    )
                make = GoByte if isinstance(value, GoByte) else int
                for v in range(value):
                    ran = True
                    one(None, make(v))
            elif isinstance(value, list | tuple):
                for i, elem in enumerate(value):
                    ran = True
                    one(i, elem)
            elif isinstance(value, dict):
                for key in sorted(value, key=map_key_order):
                    ran = True
                    one(key, value[key])
            elif value is not None:
                self.errorf(f"range can't iterate over {format_v(value)}")
            if not ran and node.else_list is not None:
                self.walk(dot, node.else_list)
        except _Break:
            pass
        finally:
            del self.vars[outer:]

    def walk_template(self, dot: Any, node: N.TemplateNode) -> None:
        self.node = node
        tree = self.trees.get(node.name)
        if tree is None:
            self.errorf(f"template {quote(node.name)} not defined")
        if self.depth >= MAX_EXEC_DEPTH:
            self.errorf(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})")
        dot = self.eval_pipeline(dot, node.pipe)
        saved = (self.vars, self.tmpl_name)
        self.vars = [["$", dot]]
        self.tmpl_name = node.name
        self.depth += 1
        try:
            self.walk(dot, tree)  # type: ignore[arg-type]
        finally:
            self.vars, self.tmpl_name = saved
            self.depth -= 1

    # -- evaluation --------------------------------------------------------------------
    def eval_pipeline(self, dot: Any, pipe: N.PipeNode | None) -> Any:
        if pipe is None:
            return None
        self.node = pipe
        value: Any = _MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value)
            else:
                self.vars.append([var.ident[0], value])
        return value

    def not_a_function(self, args: list[N.Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: N.CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        kind = type(first)
        if kind is N.IdentifierNode:
            return self.eval_function(dot, first, cmd, cmd.args, final)  # type: ignore[arg-type]
        if kind is N.FieldNode:
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)  # type: ignore[attr-defined]
        if kind is N.ChainNode:
            return self.eval_chain_node(dot, first, cmd.args, final)  # type: ignore[arg-type]
        if kind is N.PipeNode:
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)  # type: ignore[arg-type]
        if kind is N.VariableNode:
            return self.eval_variable_node(dot, first, cmd.args, final)  # type: ignore[arg-type]
        self.node = first
        self.not_a_function(cmd.args, final)
        if kind is N.StringNode:
            return first.text  # type: ignore[attr-defined]
        if kind is N.NumberNode:
            return self.ideal_constant(first)  # type: ignore[arg-type]
        if kind is N.BoolNode:
            return first.true  # type: ignore[attr-defined]
        if kind is N.DotNode:
            return dot
        if kind is N.NilNode:
            self.errorf("nil is not a command")
        self.errorf(f"can't evaluate command {quote(str(first))}")
        return None

    def ideal_constant(self, n: N.NumberNode) -> Any:
        self.node = n
        text = n.text
        if n.is_complex:
            return n.complex128
        hex_int = (
            len(text) > 2
            and text[0] == "0"
            and text[1] in "xX"
            and not any(c in text for c in "pP")
        )
        if (
            n.is_float
            and not hex_int
            and not text.startswith("'")
            and any(c in text for c in ".eEpP")
        ):
            return n.float64
        if n.is_int:
            return n.int64
        if n.is_uint:
            self.errorf(f"{text} overflows int")
        return None

    def eval_chain_node(self, dot: Any, chain: N.ChainNode, args: Any, final: Any) -> Any:
        self.node = chain
        if isinstance(chain.node, N.NilNode):
            self.errorf(f"indirection through explicit nil in {chain}")
        receiver = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, receiver, chain, chain.field, args, final)

    def eval_variable_node(self, dot: Any, var: N.VariableNode, args: Any, final: Any) -> Any:
        self.node = var
        value = self.var_value(var.ident[0])
        if len(var.ident) == 1:
            self.not_a_function(args or [var], final)
            return value
        return self.eval_field_chain(dot, value, var, var.ident[1:], args, final)

    def eval_field_chain(
        self, dot: Any, receiver: Any, node: N.Node, ident: list[str], args: Any, final: Any
    ) -> Any:
        self.node = node
        for name in ident[:-1]:
            receiver = self.eval_field(name, node, None, _MISSING, receiver)
        return self.eval_field(ident[-1], node, args, final, receiver)

    def eval_field(self, name: str, node: N.Node, args: Any, final: Any, receiver: Any) -> Any:
        if receiver is None:
            return None
        if isinstance(receiver, dict):
            if (args is not None and len(args) > 1) or final is not _MISSING:
                self.node = node
                self.errorf(f"{name} is not a method but has arguments")
            return receiver.get(name)
        self.node = node
        self.errorf(f"can't evaluate field {name} in type {type_name(receiver)}")
        return None

    def eval_function(
        self, dot: Any, node: N.IdentifierNode, cmd: N.Node, args: Any, final: Any
    ) -> Any:
        self.node = node
        name = node.ident
        fn = self.functions.get(name)
        builtin = False
        if fn is None:
            fn = BUILTINS.get(name)
            builtin = fn is not None
            if fn is None:
                self.errorf(f"{quote(name)} is not a defined function")
        return self.eval_call(dot, fn, builtin, cmd, name, args, final)  # type: ignore[arg-type]

    def eval_call(
        self,
        dot: Any,
        fn: GoFunc,
        builtin: bool,
        node: N.Node,
        name: str,
        args: list[N.Node] | None,
        final: Any,
    ) -> Any:
        args = args[1:] if args is not None else []
        num_in = len(args) + (final is not _MISSING)
        params, variadic = fn.params, fn.variadic
        if variadic is not None:
            num_fixed = len(params)
            if num_in < num_fixed:
                self.errorf(
                    f"wrong number of args for {name}: want at least {num_fixed} got {len(args)}"
                )
        else:
            num_fixed = len(args)
            if num_in != len(params):
                self.errorf(f"wrong number of args for {name}: want {len(params)} got {num_in}")
        if builtin and name in ("and", "or"):
            value = None
            for arg in args:
                value = self.eval_arg(dot, VALUE, arg)
                if truth(value) == (name == "or"):
                    return value
            if final is not _MISSING:
                value = final
            return value
        argv: list[Any] = []
        i = 0
        while i < num_fixed and i < len(args):
            argv.append(self.eval_arg(dot, params[i], args[i]))
            i += 1
        if variadic is not None:
            while i < len(args):
                argv.append(self.eval_arg(dot, variadic, args[i]))
                i += 1
        if final is not _MISSING:
            if variadic is not None:
                go_type = params[num_in - 1] if num_in - 1 < num_fixed else variadic
            else:
                go_type = params[-1]
            argv.append(self.validate_type(final, go_type))
        target = fn.fn
        if builtin and name == "call":
            callee = str(args[0]) if args else _value_string(final)
            argv.insert(0, callee)
            target = call
        try:
            return target(*argv)
        except (TemplateExecError, _Break, _Continue, AssertionError):
            raise  # an AssertionError is a broken invariant (or a test's tripwire), not Go's panic
        except Exception as exc:
            self.node = node
            if hasattr(exc, "prefix_message"):
                exc.prefix_message(f"{self.error_prefix()}: error calling {name}")
                raise
            self.errorf(f"error calling {name}: {exc}")
        return None

    def validate_type(self, value: Any, go_type: str | None) -> Any:
        if value is None:
            if go_type is None or go_type in (ANY, VALUE):
                return None
            self.errorf(f"invalid value; expected {go_type}")
        if go_type is None or go_type in (ANY, VALUE) or assignable(value, go_type):
            return value
        self.errorf(f"wrong type for value; expected {go_type}; got {type_name(value)}")
        return None

    def eval_arg(self, dot: Any, go_type: str | None, n: N.Node) -> Any:
        self.node = n
        kind = type(n)
        if kind is N.DotNode:
            return self.validate_type(dot, go_type)
        if kind is N.NilNode:
            if go_type in (ANY, VALUE):
                return None
            self.errorf(f"cannot assign nil to {go_type}")
        if kind is N.FieldNode:
            value = self.eval_field_chain(dot, dot, n, n.ident, [n], _MISSING)  # type: ignore[attr-defined]
            return self.validate_type(value, go_type)
        if kind is N.VariableNode:
            return self.validate_type(self.eval_variable_node(dot, n, None, _MISSING), go_type)  # type: ignore[arg-type]
        if kind is N.PipeNode:
            return self.validate_type(self.eval_pipeline(dot, n), go_type)  # type: ignore[arg-type]
        if kind is N.IdentifierNode:
            value = self.eval_function(dot, n, n, None, _MISSING)  # type: ignore[arg-type]
            return self.validate_type(value, go_type)
        if kind is N.ChainNode:
            return self.validate_type(self.eval_chain_node(dot, n, None, _MISSING), go_type)  # type: ignore[arg-type]
        if go_type is None or go_type in (ANY, VALUE):
            return self.eval_empty_interface(dot, n)
        if go_type == "string":
            if kind is N.StringNode:
                return n.text  # type: ignore[attr-defined]
            self.errorf(f"expected string; found {n}")
        if go_type == "bool":
            if kind is N.BoolNode:
                return n.true  # type: ignore[attr-defined]
            self.errorf(f"expected bool; found {n}")
        number = _NUMBER_ARGS.get(go_type)
        if number is not None:
            flag, field, what = number
            if kind is N.NumberNode and getattr(n, flag):
                value = getattr(n, field)
                return GoByte(value & 0xFF) if go_type == "uint8" else value
            self.errorf(f"expected {what}; found {n}")
        self.errorf(f"can't handle {n} for arg of type {go_type}")
        return None

    def eval_empty_interface(self, dot: Any, n: N.Node) -> Any:
        self.node = n
        kind = type(n)
        if kind is N.StringNode:
            return n.text  # type: ignore[attr-defined]
        if kind is N.NumberNode:
            return self.ideal_constant(n)  # type: ignore[arg-type]
        if kind is N.BoolNode:
            return n.true  # type: ignore[attr-defined]
        if kind is N.DotNode:
            return dot
        if kind is N.NilNode:
            self.errorf("evalEmptyInterface: nil (can't happen)")
        self.errorf(f"can't handle assignment of {n} to empty interface argument")
        return None


def _value_string(value: Any) -> str:
    """reflect.Value.String(): the string itself, or ``<TYPE Value>``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<invalid Value>"
    return f"<{type_name(value)} Value>"
