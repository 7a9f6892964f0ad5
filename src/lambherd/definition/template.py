"""The template language of definition files: the subset of Go's text/template lambroll uses.

A definition's raw text may contain actions such as::

    {{ env "NAME" "default" }}          {{ must_env `NAME` }}
    {{ env "JSON" | json_escape }}      {{ tfstatef "aws_x.y['%s'].id" (must_env "X") }}
    {{ caller_identity.Account }}       {{- ssm "/list" 1 -}}    {{/* a comment */}}

Supported: string literals ("..." with Go escapes, and `raw`), integer and float literals,
function calls with arguments, ``.Field`` access on a call's result, parenthesised
sub-pipelines, ``|`` pipelines (the left value becomes the last argument), ``{{-``/``-}}``
whitespace trimming and comments. Control structures (``if``, ``range``...) and variables are
not: they fail with a clear message. Actions are evaluated in the raw text before the JSON
parser sees it, as lambroll does, so a value with quotes needs ``| json_escape``.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lambherd.errors import LambherdError, TemplateError

TemplateFunction = Callable[..., Any]

_KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}
)
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}
_ESCAPE_RE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.S)
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD_RE = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*")


class _Problem(Exception):
    """A syntax or evaluation problem inside one action (gets file and line added)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class FunctionTable(dict[str, TemplateFunction]):
    """The functions templates may call, by name; ``hint_for`` advises on an unknown name."""

    def hint_for(self, name: str) -> str | None:
        """What to do when a template calls ``name`` and it is not defined (None: nothing)."""
        return None


# --------------------------------------------------------------------------------------
# Tokens and syntax tree
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    kind: str  # "string" "number" "ident" "field" "(" ")" "|" "end"
    value: Any = None


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Identifier:
    name: str


@dataclass(frozen=True)
class _Operand:
    term: Any  # _Literal | _Identifier | _Pipeline
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Command:
    operands: tuple[_Operand, ...]


@dataclass(frozen=True)
class _Pipeline:
    commands: tuple[_Command, ...]


# --------------------------------------------------------------------------------------
# Lexer: one action's tokens, starting just after "{{" and ending at "}}"
# --------------------------------------------------------------------------------------
def _unescape(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        esc = match.group(0)[1:]
        if esc in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[esc]
        if esc[0] in "xuU":
            return chr(int(esc[1:], 16))
        if len(esc) == 3 and esc.isdigit():
            return chr(int(esc, 8))
        raise _Problem(f"unknown escape sequence \\{esc} in a string")

    return _ESCAPE_RE.sub(one, body)


def _lex_action(text: str, pos: int) -> tuple[list[_Token], int, bool]:
    """Tokens of the action starting at ``pos``; returns (tokens, end offset, trim-right)."""
    tokens: list[_Token] = []
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            raise _Problem("unclosed action: no matching }}")
        if text.startswith("-}}", pos) and text[pos - 1] in " \t\r\n":
            return tokens, pos + 3, True
        if text.startswith("}}", pos):
            return tokens, pos + 2, False
        ch = text[pos]
        if ch == '"':
            end = pos + 1
            while end < n and text[end] != '"':
                if text[end] == "\n":
                    raise _Problem("unterminated quoted string")
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                raise _Problem("unterminated quoted string")
            tokens.append(_Token("string", _unescape(text[pos + 1 : end])))
            pos = end + 1
        elif ch == "`":
            end = text.find("`", pos + 1)
            if end < 0:
                raise _Problem("unterminated raw string")
            tokens.append(_Token("string", text[pos + 1 : end]))
            pos = end + 1
        elif ch in "()|":
            tokens.append(_Token(ch))
            pos += 1
        elif ch == "." and (m := _FIELD_RE.match(text, pos)):
            tokens.append(_Token("field", m.group(0)[1:]))
            pos = m.end()
        elif ch == "$":
            raise _Problem("template variables ($x) are not supported")
        elif m := _NUMBER_RE.match(text, pos):
            literal = m.group(0)
            is_int = literal.lstrip("+-").isdigit()
            tokens.append(_Token("number", int(literal) if is_int else float(literal)))
            pos = m.end()
        elif m := _IDENT_RE.match(text, pos):
            tokens.append(_Token("ident", m.group(0)))
            pos = m.end()
        elif ch == ".":
            raise _Problem("the data value (.) is not supported; call a function instead")
        else:
            raise _Problem(f"unexpected character {ch!r} in action")


# --------------------------------------------------------------------------------------
# Parser: pipeline := command ("|" command)* ; command := operand+ ; operand := term field*
# --------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = [*tokens, _Token("end")]
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> _Pipeline:
        if self.peek().kind == "end":
            raise _Problem("empty action {{ }}")
        pipeline = self.pipeline()
        if self.peek().kind != "end":
            raise _Problem(f"unexpected {self._describe(self.peek())} in action")
        return pipeline

    def pipeline(self) -> _Pipeline:
        commands = [self.command()]
        while self.peek().kind == "|":
            self.take()
            commands.append(self.command())
        return _Pipeline(tuple(commands))

    def command(self) -> _Command:
        operands: list[_Operand] = []
        while self.peek().kind not in {"|", ")", "end"}:
            operands.append(self.operand())
        if not operands:
            raise _Problem(f"missing command before {self._describe(self.peek())}")
        return _Command(tuple(operands))

    def operand(self) -> _Operand:
        tok = self.take()
        term: Any
        if tok.kind in {"string", "number"}:
            term = _Literal(tok.value)
        elif tok.kind == "ident":
            if tok.value in _KEYWORDS:
                raise _Problem(
                    f"{tok.value!r} actions are not supported (only function calls and pipelines)"
                )
            term = _Identifier(tok.value)
        elif tok.kind == "field":
            raise _Problem(
                f"the data value (.{tok.value}) is not supported; call a function instead"
            )
        elif tok.kind == "(":
            term = self.pipeline()
            if self.take().kind != ")":
                raise _Problem("missing ) in action")
        else:
            raise _Problem(f"unexpected {self._describe(tok)} in action")
        fields: list[str] = []
        while self.peek().kind == "field":
            fields.append(self.take().value)
        return _Operand(term, tuple(fields))

    @staticmethod
    def _describe(tok: _Token) -> str:
        if tok.kind == "end":
            return "end of action"
        if tok.value is None:
            return repr(tok.kind)
        return f"{tok.kind} {tok.value!r}"


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------
class _Evaluator:
    def __init__(self, functions: Mapping[str, TemplateFunction]) -> None:
        self.functions = functions

    def pipeline(self, pipeline: _Pipeline) -> Any:
        value: Any = _NOTHING
        for command in pipeline.commands:
            value = self.command(command, value)
        return value

    def command(self, command: _Command, piped: Any) -> Any:
        head, *rest = command.operands
        args = [self.operand(op) for op in rest]
        if piped is not _NOTHING:
            args.append(piped)
        if isinstance(head.term, _Identifier) and not head.fields:
            return self.call(head.term.name, args)
        if args:
            raise _Problem("only a function can be given arguments")
        return self.operand(head)

    def operand(self, operand: _Operand) -> Any:
        term = operand.term
        if isinstance(term, _Literal):
            value = term.value
        elif isinstance(term, _Identifier):
            value = self.call(term.name, [])
        else:
            value = self.pipeline(term)
        for name in operand.fields:
            if not isinstance(value, Mapping) or name not in value:
                raise _Problem(f"no field {name!r} in {_short(value)}")
            value = value[name]
        return value

    def call(self, name: str, args: list[Any]) -> Any:
        func = self.functions.get(name)
        if func is None:
            hint_for = getattr(self.functions, "hint_for", None)
            raise _Problem(f'function "{name}" not defined', hint_for(name) if hint_for else None)
        _check_arity(name, func, len(args))
        try:
            return func(*args)
        except TypeError as exc:
            raise _Problem(f"{name}: {exc}") from exc


def _check_arity(name: str, func: TemplateFunction, given: int) -> None:
    """``env: expects 1 or 2 arguments, got 0`` when the call has the wrong number of them."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    least = sum(p.default is p.empty for p in positional)
    most = None if any(p.kind == p.VAR_POSITIONAL for p in params) else len(positional)
    if given >= least and (most is None or given <= most):
        return
    if most is None:
        expected = f"at least {_count(least)}"
    elif least == most:
        expected = _count(least) if least else "no arguments"
    elif most == least + 1:
        expected = f"{least} or {_count(most)}"
    else:
        expected = f"{least} to {_count(most)}"
    raise _Problem(f"{name}: expects {expected}, got {given}")


def _count(n: int) -> str:
    return f"{n} argument{'' if n == 1 else 's'}"


_NOTHING = object()


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def format_value(value: Any) -> str:
    """How a template value is written into the text (strings verbatim, others as JSON)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------
def render_template(text: str, functions: Mapping[str, TemplateFunction], source: str) -> str:
    """Evaluate every ``{{ ... }}`` action in ``text``.

    ``source`` names the file in errors: ``function.json: line 4: must_env: ...``. Errors
    raised by the functions themselves (``LambherdError``) keep their class and get the same
    prefix.
    """
    if "{{" not in text:
        return text
    out: list[str] = []
    evaluator = _Evaluator(functions)
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            out.append(text[pos:])
            break
        literal = text[pos:start]
        inner = start + 2
        if (
            text.startswith("- ", inner)
            or text.startswith("-\t", inner)
            or (text.startswith("-\n", inner))
        ):
            literal = literal.rstrip(" \t\r\n")
            inner += 1
        out.append(literal)
        line = text.count("\n", 0, start) + 1
        try:
            end, trim_right, value = _run_action(text, inner, evaluator)
        except _Problem as exc:
            raise TemplateError(f"{source}: line {line}: {exc}", hint=exc.hint) from None
        except LambherdError as exc:
            exc.prefix_message(f"{source}: line {line}")
            raise
        out.append(value)
        pos = end
        if trim_right:
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
    return "".join(out)


def _run_action(text: str, pos: int, evaluator: _Evaluator) -> tuple[int, bool, str]:
    """Evaluate one action; returns (offset after it, trim following space, output)."""
    comment_at = pos
    while comment_at < len(text) and text[comment_at] in " \t\r\n":
        comment_at += 1
    if text.startswith("/*", comment_at):
        pos = comment_at
        close = text.find("*/", pos + 2)
        if close < 0:
            raise _Problem("unclosed comment")
        after = close + 2
        while after < len(text) and text[after] in " \t":
            after += 1
        if text.startswith("-}}", after):
            return after + 3, True, ""
        if text.startswith("}}", after):
            return after + 2, False, ""
        raise _Problem("comment must be followed by }}")
    tokens, end, trim_right = _lex_action(text, pos)
    pipeline = _Parser(tokens).parse()
    return end, trim_right, format_value(evaluator.pipeline(pipeline))
