"""The parser of Go's text/template (parse/parse.go): items -> one tree per template name.

``parse(text, name, functions)`` returns ``{name: ListNode}`` with the top-level template under
``name`` and one entry per ``{{define}}`` / ``{{block}}``. Errors are Go's, prefixed as Go
prefixes them: ``template: NAME:LINE: message``. Functions are checked when parsed, as Go does
(an unknown function fails the whole file, even in a branch that never runs).
"""

from __future__ import annotations

import bisect
from collections.abc import Container

from lambherd.definition.gotemplate import lexer as L
from lambherd.definition.gotemplate import nodes as N
from lambherd.definition.gotemplate.gofmt import quote
from lambherd.definition.gotemplate.literals import LiteralError, number, unquote

#: Deepest nesting of parentheses (Go allows 10000; Python's stack is smaller).
MAX_PAREN_DEPTH = 100


class TemplateSyntaxError(Exception):
    """The template does not parse; the message is Go's (``template: NAME:LINE: ...``)."""


def parse(text: str, name: str, functions: Container[str]) -> dict[str, N.ListNode]:
    """The trees of ``text`` by template name (see the module docstring)."""
    items = L.lex(text, break_ok="break" not in functions, continue_ok="continue" not in functions)
    parser = _Parser(text, name, functions, items)
    return parser.parse_all()


class _Parser:
    def __init__(
        self, text: str, name: str, functions: Container[str], items: list[L.Item]
    ) -> None:
        self.text = text
        self.parse_name = name
        self.functions = functions
        self.items = items
        self.i = 0
        self.hwm = 0  # the latest item read: Go's t.token[0], whose line errors report
        self.tree_set: dict[str, N.ListNode] = {}
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.paren_depth = 0
        self.action_line = 0
        self._newlines: list[int] | None = None

    # -- the token stream --------------------------------------------------------------
    def next(self) -> L.Item:
        if self.i >= len(self.items):  # past an error or EOF: Go's lexer answers EOF
            self.items.append((L.EOF, len(self.text), ""))
        item = self.items[self.i]
        if self.i > self.hwm:
            self.hwm = self.i
        self.i += 1
        return item

    def backup(self, count: int = 1) -> None:
        self.i -= count

    def peek(self) -> L.Item:
        item = self.next()
        self.backup()
        return item

    def next_non_space(self) -> L.Item:
        while True:
            item = self.next()
            if item[0] != L.SPACE:
                return item

    def peek_non_space(self) -> L.Item:
        item = self.next_non_space()
        self.backup()
        return item

    # -- errors ------------------------------------------------------------------------
    def line_of(self, pos: int) -> int:
        if self._newlines is None:
            self._newlines = [i for i, ch in enumerate(self.text) if ch == "\n"]
        return bisect.bisect_left(self._newlines, pos) + 1

    def errorf(self, message: str) -> None:
        line = self.line_of(self.items[self.hwm][1])
        raise TemplateSyntaxError(f"template: {self.parse_name}:{line}: {message}")

    def unexpected(self, item: L.Item, context: str) -> None:
        if item[0] == L.ERROR:
            extra = ""
            line = self.line_of(item[1])
            if self.action_line and self.action_line != line:
                extra = f" in action started at {self.parse_name}:{self.action_line}"
                if item[2].endswith(" action"):
                    extra = extra[len(" in action") :]
            self.errorf(item[2] + extra)
        self.errorf(f"unexpected {L.describe(item)} in {context}")

    def expect(self, typ: int, context: str) -> L.Item:
        item = self.next_non_space()
        if item[0] != typ:
            self.unexpected(item, context)
        return item

    # -- templates ---------------------------------------------------------------------
    def parse_all(self) -> dict[str, N.ListNode]:
        root = N.ListNode(self.peek()[1])
        while self.peek()[0] != L.EOF:
            if self.peek()[0] == L.LEFT_DELIM:
                mark = self.i
                self.next()
                if self.next_non_space()[0] == L.DEFINE:
                    self._definition()
                    continue
                self.i = mark
            node = self.text_or_action()
            if isinstance(node, N.EndNode | N.ElseNode):
                self.errorf(f"unexpected {node}")
            root.nodes.append(node)
        self._add(self.parse_name, root)
        return self.tree_set

    def _add(self, name: str, root: N.ListNode) -> None:
        existing = self.tree_set.get(name)
        if existing is None or _is_empty(existing):
            self.tree_set[name] = root
            return
        if not _is_empty(root):
            self.errorf(f"template: multiple definition of template {quote(name)}")

    def _sub_tree(self) -> tuple[list[str], int]:
        saved = (self.vars, self.range_depth)
        self.vars, self.range_depth = ["$"], 0
        return saved

    def _definition(self) -> None:
        context = "define clause"
        item = self.next_non_space()
        if item[0] not in (L.STRING, L.RAW_STRING):
            self.unexpected(item, context)
        name = self._unquote(item[2])
        self.expect(L.RIGHT_DELIM, context)
        self._sub_template(name, context)

    def _sub_template(self, name: str, context: str) -> None:
        """The body of a define or block up to its end, added as the template ``name``."""
        saved = self._sub_tree()
        root, end = self.item_list()
        if not isinstance(end, N.EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self._add(name, root)
        self.vars, self.range_depth = saved

    def item_list(self) -> tuple[N.ListNode, N.Node]:
        lst = N.ListNode(self.peek_non_space()[1])
        while self.peek_non_space()[0] != L.EOF:
            node = self.text_or_action()
            if isinstance(node, N.EndNode | N.ElseNode):
                return lst, node
            lst.nodes.append(node)
        self.errorf("unexpected EOF")
        raise AssertionError("unreachable")

    def text_or_action(self) -> N.Node:
        item = self.next_non_space()
        if item[0] == L.TEXT:
            return N.TextNode(item[1], item[2])
        if item[0] == L.LEFT_DELIM:
            self.action_line = self.line_of(item[1])
            try:
                return self.action()
            finally:
                self.action_line = 0
        self.unexpected(item, "input")
        raise AssertionError("unreachable")

    # -- actions -----------------------------------------------------------------------
    def action(self) -> N.Node:
        item = self.next_non_space()
        typ = item[0]
        if typ == L.BLOCK:
            return self._block()
        if typ == L.BREAK:
            return self._break_or_continue(item, "break")
        if typ == L.CONTINUE:
            return self._break_or_continue(item, "continue")
        if typ == L.ELSE:
            return self._else()
        if typ == L.END:
            return N.EndNode(self.expect(L.RIGHT_DELIM, "end")[1])
        if typ == L.IF:
            return N.IfNode(*self._control("if"))
        if typ == L.RANGE:
            return N.RangeNode(*self._control("range"))
        if typ == L.TEMPLATE:
            return self._template()
        if typ == L.WITH:
            return N.WithNode(*self._control("with"))
        self.backup()
        first = self.peek()
        pipe = self.pipeline("command", L.RIGHT_DELIM)
        return N.ActionNode(first[1], self.line_of(first[1]), pipe)

    def _break_or_continue(self, item: L.Item, word: str) -> N.Node:
        following = self.next_non_space()
        if following[0] != L.RIGHT_DELIM:
            self.unexpected(following, "{{" + word + "}}")
        if self.range_depth == 0:
            self.errorf("{{" + word + "}} outside {{range}}")
        line = self.line_of(item[1])
        return N.BreakNode(item[1], line) if word == "break" else N.ContinueNode(item[1], line)

    def _else(self) -> N.Node:
        peek = self.peek_non_space()
        if peek[0] in (L.IF, L.WITH):
            return N.ElseNode(peek[1], self.line_of(peek[1]))
        item = self.expect(L.RIGHT_DELIM, "else")
        return N.ElseNode(item[1], self.line_of(item[1]))

    def _control(self, context: str) -> tuple:
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, L.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            lst, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, N.ElseNode):
                if context == "if" and self.peek()[0] == L.IF:
                    self.next()
                    else_list = N.ListNode(nxt.pos)
                    else_list.nodes.append(N.IfNode(*self._control("if")))
                elif context == "with" and self.peek()[0] == L.WITH:
                    self.next()
                    else_list = N.ListNode(nxt.pos)
                    else_list.nodes.append(N.WithNode(*self._control("with")))
                else:
                    else_list, nxt = self.item_list()
                    if not isinstance(nxt, N.EndNode):
                        self.errorf(f"expected end; found {nxt}")
            return pipe.pos, pipe.line, pipe, lst, else_list
        finally:
            del self.vars[mark:]

    def _template_name(self, item: L.Item, context: str) -> str:
        if item[0] not in (L.STRING, L.RAW_STRING):
            self.unexpected(item, context)
        return self._unquote(item[2])

    def _block(self) -> N.Node:
        context = "block clause"
        item = self.next_non_space()
        name = self._template_name(item, context)
        pipe = self.pipeline(context, L.RIGHT_DELIM)
        self._sub_template(name, context)
        return N.TemplateNode(item[1], self.line_of(item[1]), name, pipe)

    def _template(self) -> N.Node:
        context = "template clause"
        item = self.next_non_space()
        name = self._template_name(item, context)
        pipe = None
        if self.next_non_space()[0] != L.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, L.RIGHT_DELIM)
        return N.TemplateNode(item[1], self.line_of(item[1]), name, pipe)

    # -- pipelines ---------------------------------------------------------------------
    def pipeline(self, context: str, end: int) -> N.PipeNode:
        first = self.peek_non_space()
        pipe = N.PipeNode(first[1], 0)
        while True:  # declarations
            v = self.peek_non_space()
            if v[0] != L.VARIABLE:
                break
            mark = self.i
            self.next()
            nxt = self.peek_non_space()
            if nxt[0] in (L.ASSIGN, L.DECLARE):
                pipe.is_assign = nxt[0] == L.ASSIGN
                self.next_non_space()
                pipe.decl.append(N.VariableNode(v[1], v[2]))
                self.vars.append(v[2])
                break
            if nxt[0] == L.CHAR and nxt[2] == ",":
                self.next_non_space()
                pipe.decl.append(N.VariableNode(v[1], v[2]))
                self.vars.append(v[2])
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space()[0] in (L.VARIABLE, L.RIGHT_DELIM, L.RIGHT_PAREN):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            self.i = mark
            break
        while True:
            item = self.next_non_space()
            typ = item[0]
            if typ == end:
                self._check_pipeline(pipe, context)
                return pipe
            if typ in _OPERAND_STARTS:
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(item, context)

    def _check_pipeline(self, pipe: N.PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], N.LITERALS):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> N.CommandNode:
        cmd = N.CommandNode(self.peek_non_space()[1])
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            item = self.next()
            if item[0] == L.SPACE:
                continue
            if item[0] in (L.RIGHT_DELIM, L.RIGHT_PAREN):
                self.backup()
            elif item[0] != L.PIPE:
                self.unexpected(item, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> N.Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek()[0] == L.FIELD:
            chain = N.ChainNode(self.peek()[1], node)
            while self.peek()[0] == L.FIELD:
                chain.add(self.next()[2])
            if isinstance(node, N.FieldNode):
                return N.FieldNode(chain.pos, str(chain))
            if isinstance(node, N.VariableNode):
                return N.VariableNode(chain.pos, str(chain))
            if isinstance(node, N.LITERALS):
                self.errorf(f"unexpected . after term {quote(str(node))}")
            return chain
        return node

    def term(self) -> N.Node | None:
        item = self.next_non_space()
        typ, pos, val = item
        if typ == L.IDENTIFIER:
            if val not in self.functions:
                self.errorf(f"function {quote(val)} not defined")
            return N.IdentifierNode(pos, val)
        if typ == L.DOT:
            return N.DotNode(pos)
        if typ == L.NIL:
            return N.NilNode(pos)
        if typ == L.VARIABLE:
            var = N.VariableNode(pos, val)
            if var.ident[0] not in self.vars:
                self.errorf(f"undefined variable {quote(var.ident[0])}")
            return var
        if typ == L.FIELD:
            return N.FieldNode(pos, val)
        if typ == L.BOOL:
            return N.BoolNode(pos, val == "true")
        if typ in (L.CHAR_CONSTANT, L.COMPLEX, L.NUMBER):
            kind = "char" if typ == L.CHAR_CONSTANT else "complex" if typ == L.COMPLEX else ""
            try:
                return number(N.NumberNode(pos, val), kind)
            except LiteralError as exc:
                self.errorf(str(exc))
        if typ == L.LEFT_PAREN:
            if self.paren_depth >= MAX_PAREN_DEPTH:
                self.errorf("max expression depth exceeded")
            self.paren_depth += 1
            try:
                return self.pipeline("parenthesized pipeline", L.RIGHT_PAREN)
            finally:
                self.paren_depth -= 1
        if typ in (L.STRING, L.RAW_STRING):
            return N.StringNode(pos, val, self._unquote(val))
        self.backup()
        return None

    def _unquote(self, quoted: str) -> str:
        try:
            return unquote(quoted)
        except LiteralError as exc:
            self.errorf(str(exc))
            raise AssertionError("unreachable") from None


_OPERAND_STARTS = frozenset(
    {
        L.BOOL,
        L.CHAR_CONSTANT,
        L.COMPLEX,
        L.DOT,
        L.FIELD,
        L.IDENTIFIER,
        L.NUMBER,
        L.NIL,
        L.RAW_STRING,
        L.STRING,
        L.VARIABLE,
        L.LEFT_PAREN,
    }
)


def _is_empty(node: N.Node | None) -> bool:
    """Go's IsEmptyTree: nothing but space and comments."""
    if node is None or isinstance(node, N.CommentNode):
        return True
    if isinstance(node, N.ListNode):
        return all(_is_empty(n) for n in node.nodes)
    if isinstance(node, N.TextNode):
        return not node.text.strip(" \t\n\r\v\f\x85\xa0")
    return False
