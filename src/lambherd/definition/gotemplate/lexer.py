"""The lexer of Go's text/template (parse/lex.go), item for item.

``lex`` returns the items up to and including EOF or the first error. An item is a tuple
``(type, pos, value)``; ``pos`` is a character offset (lines are counted from it when an
error needs one). Trim markers (``{{- `` and `` -}}``, the space being any of space, tab, CR,
LF) and comments (``{{/* */}}``) are handled here, as in Go.
"""

from __future__ import annotations

from lambherd.definition.gotemplate.gofmt import quote

Item = tuple[int, int, str]

(
    ERROR,
    BOOL,
    CHAR,
    CHAR_CONSTANT,
    COMPLEX,
    ASSIGN,
    DECLARE,
    EOF,
    FIELD,
    IDENTIFIER,
    LEFT_DELIM,
    LEFT_PAREN,
    NUMBER,
    PIPE,
    RAW_STRING,
    RIGHT_DELIM,
    RIGHT_PAREN,
    SPACE,
    STRING,
    TEXT,
    VARIABLE,
    KEYWORD,
    BLOCK,
    BREAK,
    CONTINUE,
    DOT,
    DEFINE,
    ELSE,
    END,
    IF,
    NIL,
    RANGE,
    TEMPLATE,
    WITH,
) = range(34)

KEYWORDS = {
    ".": DOT,
    "block": BLOCK,
    "break": BREAK,
    "continue": CONTINUE,
    "define": DEFINE,
    "else": ELSE,
    "end": END,
    "if": IF,
    "range": RANGE,
    "nil": NIL,
    "template": TEMPLATE,
    "with": WITH,
}

_SPACES = " \t\r\n"
_DECIMAL = "0123456789_"
_HEX = "0123456789abcdefABCDEF_"
_OCTAL = "01234567_"
_BINARY = "01_"


def describe(item: Item) -> str:
    """An item as Go's ``item.String()`` shows it in "unexpected ..." messages."""
    typ, _, val = item
    if typ == EOF:
        return "EOF"
    if typ == ERROR:
        return val
    if typ > KEYWORD:
        return f"<{val}>"
    if len(val) > 10:
        return quote(val[:10]) + "..."
    return quote(val)


def unicode_name(ch: str) -> str:
    """Go's ``%#U``: ``U+0029 ')'`` (the character only when printable)."""
    code = f"U+{ord(ch):04X}"
    return f"{code} '{ch}'" if ch.isprintable() else code


def is_alphanumeric(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdecimal()


def lex(text: str, *, break_ok: bool = True, continue_ok: bool = True) -> list[Item]:
    """The items of ``text`` (see the module docstring)."""
    return _Lexer(text, break_ok, continue_ok).run()


class _Lexer:
    __slots__ = ("break_ok", "continue_ok", "items", "n", "text")

    def __init__(self, text: str, break_ok: bool, continue_ok: bool) -> None:
        self.text = text
        self.n = len(text)
        self.items: list[Item] = []
        self.break_ok = break_ok
        self.continue_ok = continue_ok

    def run(self) -> list[Item]:
        text, n, items = self.text, self.n, self.items
        pos = 0
        while True:
            x = text.find("{{", pos)
            if x < 0:
                if pos < n:
                    items.append((TEXT, pos, text[pos:]))
                items.append((EOF, n, ""))
                return items
            trim = text.startswith("-", x + 2) and _at_space(text, x + 3)
            end = x
            if trim:
                end = pos + len(text[pos:x].rstrip(_SPACES))
            if end > pos:
                items.append((TEXT, pos, text[pos:end]))
            pos = x + 2
            after = 2 if trim else 0
            if text.startswith("/*", pos + after):
                pos = self._comment(pos + after)
                if pos < 0:
                    return items
                continue
            items.append((LEFT_DELIM, x, "{{"))
            pos = self._action(pos + after)
            if pos < 0:
                return items

    def _error(self, pos: int, message: str) -> int:
        self.items.append((ERROR, pos, message))
        return -1

    def _comment(self, pos: int) -> int:
        text = self.text
        close = text.find("*/", pos + 2)
        if close < 0:
            return self._error(pos, "unclosed comment")
        at = close + 2
        delim, trim = self._at_right_delim(at)
        if not delim:
            return self._error(pos, "comment ends before closing delimiter")
        at += (2 if trim else 0) + 2
        if trim:
            at = self._skip_spaces(at)
        return at

    def _at_right_delim(self, pos: int) -> tuple[bool, bool]:
        text = self.text
        if _at_space(text, pos) and text.startswith("-}}", pos + 1):
            return True, True
        return text.startswith("}}", pos), False

    def _skip_spaces(self, pos: int) -> int:
        text, n = self.text, self.n
        while pos < n and text[pos] in _SPACES:
            pos += 1
        return pos

    def _at_terminator(self, pos: int) -> bool:
        if pos >= self.n:
            return True
        return self.text[pos] in " \t\r\n.,|:)(}"

    def _action(self, pos: int) -> int:
        """Items inside one action, from ``pos``; the offset after its ``}}`` (or -1)."""
        text, n, items = self.text, self.n, self.items
        depth = 0
        while True:
            delim, trim = self._at_right_delim(pos)
            if delim:
                if depth:
                    return self._error(pos, "unclosed left paren")
                if trim:
                    pos += 2
                items.append((RIGHT_DELIM, pos, "}}"))
                pos += 2
                return self._skip_spaces(pos) if trim else pos
            if pos >= n:
                return self._error(pos, "unclosed action")
            ch = text[pos]
            if ch in _SPACES:
                start = pos
                while pos < n and text[pos] in _SPACES:
                    pos += 1
                if text.startswith("-}}", pos) and pos - 1 >= start:
                    pos -= 1  # leave the space of a trim-marked " -}}"
                    if pos == start:
                        continue
                items.append((SPACE, start, text[start:pos]))
            elif ch == "=":
                items.append((ASSIGN, pos, "="))
                pos += 1
            elif ch == ":":
                if not text.startswith("=", pos + 1):
                    return self._error(pos, "expected :=")
                items.append((DECLARE, pos, ":="))
                pos += 2
            elif ch == "|":
                items.append((PIPE, pos, "|"))
                pos += 1
            elif ch == '"':
                pos = self._quote(pos)
            elif ch == "`":
                close = text.find("`", pos + 1)
                if close < 0:
                    return self._error(pos, "unterminated raw quoted string")
                items.append((RAW_STRING, pos, text[pos : close + 1]))
                pos = close + 1
            elif ch == "$":
                pos = self._variable(pos)
            elif ch == "'":
                pos = self._char(pos)
            elif ch == "." and pos + 1 < n and not "0" <= text[pos + 1] <= "9":
                pos = self._field(pos)
            elif ch in "+-." or "0" <= ch <= "9":
                pos = self._number(pos)
            elif is_alphanumeric(ch):
                pos = self._identifier(pos)
            elif ch == "(":
                items.append((LEFT_PAREN, pos, "("))
                depth += 1
                pos += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    return self._error(pos + 1, "unexpected right paren " + unicode_name(ch))
                items.append((RIGHT_PAREN, pos, ")"))
                pos += 1
            elif ch.isascii() and ch.isprintable():
                items.append((CHAR, pos, ch))
                pos += 1
            else:
                return self._error(pos, "unrecognized character in action: " + unicode_name(ch))
            if pos < 0:
                return pos

    def _quote(self, pos: int) -> int:
        return self._quoted(pos, '"', STRING, "unterminated quoted string")

    def _char(self, pos: int) -> int:
        return self._quoted(pos, "'", CHAR_CONSTANT, "unterminated character constant")

    def _quoted(self, pos: int, quote: str, item: int, unterminated: str) -> int:
        """lexQuote / lexChar: up to the closing ``quote``; a backslash escapes one character."""
        text, n = self.text, self.n
        i = pos + 1
        while True:
            ch = text[i] if i < n else ""
            if ch == "\\":
                nxt = text[i + 1] if i + 1 < n else ""
                if nxt and nxt != "\n":
                    i += 2
                    continue
                return self._error(pos, unterminated)
            if ch == "" or ch == "\n":
                return self._error(pos, unterminated)
            if ch == quote:
                self.items.append((item, pos, text[pos : i + 1]))
                return i + 1
            i += 1

    def _alnum_run(self, pos: int) -> int:
        text, n = self.text, self.n
        while pos < n and is_alphanumeric(text[pos]):
            pos += 1
        return pos

    def _variable(self, pos: int) -> int:
        if self._at_terminator(pos + 1):
            self.items.append((VARIABLE, pos, "$"))
            return pos + 1
        return self._field_or_variable(pos, VARIABLE)

    def _field(self, pos: int) -> int:
        if self._at_terminator(pos + 1):
            self.items.append((DOT, pos, "."))
            return pos + 1
        return self._field_or_variable(pos, FIELD)

    def _field_or_variable(self, pos: int, typ: int) -> int:
        end = self._alnum_run(pos + 1)
        if not self._at_terminator(end):
            return self._error(pos, "bad character " + unicode_name(self.text[end]))
        self.items.append((typ, pos, self.text[pos:end]))
        return end

    def _identifier(self, pos: int) -> int:
        end = self._alnum_run(pos)
        if not self._at_terminator(end):
            return self._error(pos, "bad character " + unicode_name(self.text[end]))
        word = self.text[pos:end]
        typ = KEYWORDS.get(word, 0)
        if typ and typ != DOT:
            if (typ == BREAK and not self.break_ok) or (typ == CONTINUE and not self.continue_ok):
                typ = IDENTIFIER
        elif word in ("true", "false"):
            typ = BOOL
        else:
            typ = IDENTIFIER
        self.items.append((typ, pos, word))
        return end

    def _scan_number(self, pos: int) -> tuple[bool, int]:
        text, n = self.text, self.n

        def accept(i: int, valid: str) -> int:
            return i + 1 if i < n and text[i] in valid else i

        def accept_run(i: int, valid: str) -> int:
            while i < n and text[i] in valid:
                i += 1
            return i

        i = accept(pos, "+-")
        digits = _DECIMAL
        if i < n and text[i] == "0":
            i += 1
            if i < n and text[i] in "xX":
                digits, i = _HEX, i + 1
            elif i < n and text[i] in "oO":
                digits, i = _OCTAL, i + 1
            elif i < n and text[i] in "bB":
                digits, i = _BINARY, i + 1
        i = accept_run(i, digits)
        if i < n and text[i] == ".":
            i = accept_run(i + 1, digits)
        if digits is _DECIMAL and i < n and text[i] in "eE":
            i = accept_run(accept(i + 1, "+-"), _DECIMAL)
        if digits is _HEX and i < n and text[i] in "pP":
            i = accept_run(accept(i + 1, "+-"), _DECIMAL)
        i = accept(i, "i")
        if i < n and is_alphanumeric(text[i]):
            return False, i + 1
        return True, i

    def _number(self, pos: int) -> int:
        ok, end = self._scan_number(pos)
        if not ok:
            return self._error(pos, "bad number syntax: " + quote(self.text[pos:end]))
        if end < self.n and self.text[end] in "+-":
            ok, end = self._scan_number(end)
            if not ok or self.text[end - 1] != "i":
                return self._error(pos, "bad number syntax: " + quote(self.text[pos:end]))
            self.items.append((COMPLEX, pos, self.text[pos:end]))
            return end
        self.items.append((NUMBER, pos, self.text[pos:end]))
        return end


def _at_space(text: str, pos: int) -> bool:
    return pos < len(text) and text[pos] in _SPACES
