"""Lexing and parsing templates as Go's text/template/parse does.

Cases transcribed from Go's src/text/template/parse/lex_test.go (``lexTests``,
``lexPosTests``) and parse_test.go (``numberTests``, ``parseTests``, ``errorTests``,
``TestKeywordsAndFuncs``, ``TestBlock``). The functions the parse tests know are Go's
``builtins`` there: printf and contains.
"""

from __future__ import annotations

import pytest

from lambherd.definition.gotemplate import lexer as L
from lambherd.definition.gotemplate import nodes as N
from lambherd.definition.gotemplate.literals import LiteralError, number
from lambherd.definition.gotemplate.parser import MAX_PAREN_DEPTH, TemplateSyntaxError, parse

NAMES = {
    L.EOF: "EOF",
    L.TEXT: "text",
    L.LEFT_DELIM: "{{",
    L.RIGHT_DELIM: "}}",
    L.SPACE: "space",
    L.CHAR: "char",
    L.NUMBER: "number",
    L.COMPLEX: "complex",
    L.CHAR_CONSTANT: "charconst",
    L.STRING: "string",
    L.RAW_STRING: "raw",
    L.BOOL: "bool",
    L.DOT: ".",
    L.NIL: "nil",
    L.FIELD: "field",
    L.VARIABLE: "variable",
    L.IDENTIFIER: "identifier",
    L.DECLARE: ":=",
    L.PIPE: "|",
    L.LEFT_PAREN: "(",
    L.RIGHT_PAREN: ")",
    L.ERROR: "error",
    L.RANGE: "range",
    L.IF: "if",
    L.ELSE: "else",
    L.END: "end",
    L.WITH: "with",
    L.BLOCK: "block",
}


def items(text: str) -> list[tuple[str, str]]:
    return [(NAMES.get(t, str(t)), v) for t, _, v in L.lex(text)]


# source: parse/lex_test.go, lexTests
LEX_TESTS = [
    ("empty", "", [("EOF", "")]),
    ("spaces", " \t\n", [("text", " \t\n"), ("EOF", "")]),
    ("text", "now is the time", [("text", "now is the time"), ("EOF", "")]),
    (
        "text with comment",
        "hello-{{/* this is a comment */}}-world",
        [("text", "hello-"), ("text", "-world"), ("EOF", "")],  # comments not emitted
    ),
    (
        "punctuation",
        "{{,@% }}",
        [
            ("{{", "{{"),
            ("char", ","),
            ("char", "@"),
            ("char", "%"),
            ("space", " "),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "parens",
        "{{((3))}}",
        [
            ("{{", "{{"),
            ("(", "("),
            ("(", "("),
            ("number", "3"),
            (")", ")"),
            (")", ")"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    ("empty action", "{{}}", [("{{", "{{"), ("}}", "}}"), ("EOF", "")]),
    ("for", "{{for}}", [("{{", "{{"), ("identifier", "for"), ("}}", "}}"), ("EOF", "")]),
    (
        "block",
        '{{block "foo" .}}',
        [
            ("{{", "{{"),
            ("block", "block"),
            ("space", " "),
            ("string", '"foo"'),
            ("space", " "),
            (".", "."),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "quote",
        '{{"abc \\n\\t\\" "}}',
        [("{{", "{{"), ("string", '"abc \\n\\t\\" "'), ("}}", "}}"), ("EOF", "")],
    ),
    (
        "raw quote",
        '{{`abc\\n\\t\\" `}}',
        [("{{", "{{"), ("raw", '`abc\\n\\t\\" `'), ("}}", "}}"), ("EOF", "")],
    ),
    (
        "raw quote with newline",
        "{{`now is{{\n}}the time`}}",
        [("{{", "{{"), ("raw", "`now is{{\n}}the time`"), ("}}", "}}"), ("EOF", "")],
    ),
    (
        "numbers",
        "{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}",
        [("{{", "{{")]
        + [
            x
            for v in ["1", "02", "0x14", "0X14", "-7.2i", "1e3", "1E3", "+1.2e-4", "4.2i"]
            for x in (("number", v), ("space", " "))
        ]
        + [("complex", "1+2i"), ("space", " "), ("number", "1_2"), ("space", " ")]
        + [
            ("number", "0x1.e_fp4"),
            ("space", " "),
            ("number", "0X1.E_FP4"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "characters",
        "{{'a' '\\n' '\\'' '\\\\' '\\u00FF' '\\xFF' '本'}}",
        [("{{", "{{")]
        + [
            x
            for v in ["'a'", "'\\n'", "'\\''", "'\\\\'", "'\\u00FF'", "'\\xFF'"]
            for x in (("charconst", v), ("space", " "))
        ]
        + [("charconst", "'本'"), ("}}", "}}"), ("EOF", "")],
    ),
    (
        "bools",
        "{{true false}}",
        [
            ("{{", "{{"),
            ("bool", "true"),
            ("space", " "),
            ("bool", "false"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    ("dot", "{{.}}", [("{{", "{{"), (".", "."), ("}}", "}}"), ("EOF", "")]),
    ("nil", "{{nil}}", [("{{", "{{"), ("nil", "nil"), ("}}", "}}"), ("EOF", "")]),
    (
        "dots",
        "{{.x . .2 .x.y.z}}",
        [
            ("{{", "{{"),
            ("field", ".x"),
            ("space", " "),
            (".", "."),
            ("space", " "),
            ("number", ".2"),
            ("space", " "),
            ("field", ".x"),
            ("field", ".y"),
            ("field", ".z"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "keywords",
        "{{range if else end with}}",
        [
            ("{{", "{{"),
            ("range", "range"),
            ("space", " "),
            ("if", "if"),
            ("space", " "),
            ("else", "else"),
            ("space", " "),
            ("end", "end"),
            ("space", " "),
            ("with", "with"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "variables",
        "{{$c := printf $ $hello $23 $ $var.Field .Method}}",
        [
            ("{{", "{{"),
            ("variable", "$c"),
            ("space", " "),
            (":=", ":="),
            ("space", " "),
            ("identifier", "printf"),
            ("space", " "),
            ("variable", "$"),
            ("space", " "),
            ("variable", "$hello"),
            ("space", " "),
            ("variable", "$23"),
            ("space", " "),
            ("variable", "$"),
            ("space", " "),
            ("variable", "$var"),
            ("field", ".Field"),
            ("space", " "),
            ("field", ".Method"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "variable invocation",
        "{{$x 23}}",
        [
            ("{{", "{{"),
            ("variable", "$x"),
            ("space", " "),
            ("number", "23"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "pipeline",
        'intro {{echo hi 1.2 |noargs|args 1 "hi"}} outro',
        [
            ("text", "intro "),
            ("{{", "{{"),
            ("identifier", "echo"),
            ("space", " "),
            ("identifier", "hi"),
            ("space", " "),
            ("number", "1.2"),
            ("space", " "),
            ("|", "|"),
            ("identifier", "noargs"),
            ("|", "|"),
            ("identifier", "args"),
            ("space", " "),
            ("number", "1"),
            ("space", " "),
            ("string", '"hi"'),
            ("}}", "}}"),
            ("text", " outro"),
            ("EOF", ""),
        ],
    ),
    (
        "declaration",
        "{{$v := 3}}",
        [
            ("{{", "{{"),
            ("variable", "$v"),
            ("space", " "),
            (":=", ":="),
            ("space", " "),
            ("number", "3"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "2 declarations",
        "{{$v , $w := 3}}",
        [
            ("{{", "{{"),
            ("variable", "$v"),
            ("space", " "),
            ("char", ","),
            ("space", " "),
            ("variable", "$w"),
            ("space", " "),
            (":=", ":="),
            ("space", " "),
            ("number", "3"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "field of parenthesized expression",
        "{{(.X).Y}}",
        [
            ("{{", "{{"),
            ("(", "("),
            ("field", ".X"),
            (")", ")"),
            ("field", ".Y"),
            ("}}", "}}"),
            ("EOF", ""),
        ],
    ),
    (
        "trimming spaces before and after",
        "hello- {{- 3 -}} -world",
        [
            ("text", "hello-"),
            ("{{", "{{"),
            ("number", "3"),
            ("}}", "}}"),
            ("text", "-world"),
            ("EOF", ""),
        ],
    ),
    (
        "trimming spaces before and after comment",
        "hello- {{- /* hello */ -}} -world",
        [("text", "hello-"), ("text", "-world"), ("EOF", "")],
    ),
    # errors
    (
        "badchar",
        "#{{\x01}}",
        [("text", "#"), ("{{", "{{"), ("error", "unrecognized character in action: U+0001")],
    ),
    ("unclosed action", "{{", [("{{", "{{"), ("error", "unclosed action")]),
    ("EOF in action", "{{range", [("{{", "{{"), ("range", "range"), ("error", "unclosed action")]),
    ("unclosed quote", '{{"\n"}}', [("{{", "{{"), ("error", "unterminated quoted string")]),
    ("unclosed raw quote", "{{`xx}}", [("{{", "{{"), ("error", "unterminated raw quoted string")]),
    (
        "unclosed char constant",
        "{{'\n}}",
        [("{{", "{{"), ("error", "unterminated character constant")],
    ),
    ("bad number", "{{3k}}", [("{{", "{{"), ("error", 'bad number syntax: "3k"')]),
    (
        "unclosed paren",
        "{{(3}}",
        [("{{", "{{"), ("(", "("), ("number", "3"), ("error", "unclosed left paren")],
    ),
    (
        "extra right paren",
        "{{3)}}",
        [("{{", "{{"), ("number", "3"), ("error", "unexpected right paren U+0029 ')'")],
    ),
    (
        "long pipeline deadlock",
        "{{|||||}}",
        [("{{", "{{")] + [("|", "|")] * 5 + [("}}", "}}"), ("EOF", "")],
    ),
    (
        "text with bad comment",
        "hello-{{/*/}}-world",
        [("text", "hello-"), ("error", "unclosed comment")],
    ),
    (
        "text with comment close separated from delim",
        "hello-{{/* */ }}-world",
        [("text", "hello-"), ("error", "comment ends before closing delimiter")],
    ),
    ("unmatched right delimiter", "hello-{.}}-world", [("text", "hello-{.}}-world"), ("EOF", "")]),
]


@pytest.mark.parametrize(("name", "text", "expected"), LEX_TESTS, ids=[t[0] for t in LEX_TESTS])
def test_lexer_items(name: str, text: str, expected: list) -> None:
    assert items(text) == expected


# source: parse/lex_test.go, lexPosTests (positions; comments are not emitted here)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(L.EOF, 0, "")]),
        (
            "{{,@%#}}",
            [
                (L.LEFT_DELIM, 0, "{{"),
                (L.CHAR, 2, ","),
                (L.CHAR, 3, "@"),
                (L.CHAR, 4, "%"),
                (L.CHAR, 5, "#"),
                (L.RIGHT_DELIM, 6, "}}"),
                (L.EOF, 8, ""),
            ],
        ),
        (
            "0123{{hello}}xyz",
            [
                (L.TEXT, 0, "0123"),
                (L.LEFT_DELIM, 4, "{{"),
                (L.IDENTIFIER, 6, "hello"),
                (L.RIGHT_DELIM, 11, "}}"),
                (L.TEXT, 13, "xyz"),
                (L.EOF, 16, ""),
            ],
        ),
        (
            "{{x -}}\n{{y}}",
            [
                (L.LEFT_DELIM, 0, "{{"),
                (L.IDENTIFIER, 2, "x"),
                (L.RIGHT_DELIM, 5, "}}"),
                (L.LEFT_DELIM, 8, "{{"),
                (L.IDENTIFIER, 10, "y"),
                (L.RIGHT_DELIM, 11, "}}"),
                (L.EOF, 13, ""),
            ],
        ),
        (
            "{{x}}\n{{- y}}",
            [
                (L.LEFT_DELIM, 0, "{{"),
                (L.IDENTIFIER, 2, "x"),
                (L.RIGHT_DELIM, 3, "}}"),
                (L.LEFT_DELIM, 6, "{{"),
                (L.IDENTIFIER, 10, "y"),
                (L.RIGHT_DELIM, 11, "}}"),
                (L.EOF, 13, ""),
            ],
        ),
    ],
)
def test_lexer_positions(text: str, expected: list) -> None:
    assert L.lex(text) == expected


# source: parse/parse_test.go, numberTests: (text, isInt, isUint, isFloat, isComplex, int64,
# uint64, float64, complex128); rows with only a text must fail.
NUMBER_TESTS = [
    ("0", True, True, True, False, 0, 0, 0, 0),
    ("-0", True, True, True, False, 0, 0, 0, 0),
    ("73", True, True, True, False, 73, 73, 73, 0),
    ("7_3", True, True, True, False, 73, 73, 73, 0),
    ("0b10_010_01", True, True, True, False, 73, 73, 73, 0),
    ("0B10_010_01", True, True, True, False, 73, 73, 73, 0),
    ("073", True, True, True, False, 0o73, 0o73, 0o73, 0),
    ("0o73", True, True, True, False, 0o73, 0o73, 0o73, 0),
    ("0O73", True, True, True, False, 0o73, 0o73, 0o73, 0),
    ("0x73", True, True, True, False, 0x73, 0x73, 0x73, 0),
    ("0X73", True, True, True, False, 0x73, 0x73, 0x73, 0),
    ("0x7_3", True, True, True, False, 0x73, 0x73, 0x73, 0),
    ("-73", True, False, True, False, -73, 0, -73, 0),
    ("+73", True, False, True, False, 73, 0, 73, 0),
    ("100", True, True, True, False, 100, 100, 100, 0),
    ("1e9", True, True, True, False, 10**9, 10**9, 1e9, 0),
    ("-1e9", True, False, True, False, -(10**9), 0, -1e9, 0),
    ("-1.2", False, False, True, False, 0, 0, -1.2, 0),
    ("1e19", False, True, True, False, 0, 10**19, 1e19, 0),
    ("1e1_9", False, True, True, False, 0, 10**19, 1e19, 0),
    ("1E19", False, True, True, False, 0, 10**19, 1e19, 0),
    ("-1e19", False, False, True, False, 0, 0, -1e19, 0),
    ("0x_1p4", True, True, True, False, 16, 16, 16, 0),
    ("0X_1P4", True, True, True, False, 16, 16, 16, 0),
    ("0x_1p-4", False, False, True, False, 0, 0, 1 / 16.0, 0),
    ("4i", False, False, False, True, 0, 0, 0, 4j),
    ("-1.2+4.2i", False, False, False, True, 0, 0, 0, -1.2 + 4.2j),
    ("073i", False, False, False, True, 0, 0, 0, 73j),
    ("0i", True, True, True, True, 0, 0, 0, 0),
    ("-1.2+0i", False, False, True, True, 0, 0, -1.2, -1.2),
    ("-12+0i", True, False, True, True, -12, 0, -12, -12),
    ("13+0i", True, True, True, True, 13, 13, 13, 13),
    ("0123", True, True, True, False, 0o123, 0o123, 0o123, 0),
    ("-0x0", True, True, True, False, 0, 0, 0, 0),
    ("0xdeadbeef", True, True, True, False, 0xDEADBEEF, 0xDEADBEEF, 0xDEADBEEF, 0),
    ("'a'", True, True, True, False, 97, 97, 97, 0),
    ("'\\n'", True, True, True, False, 10, 10, 10, 0),
    ("'\\\\'", True, True, True, False, 92, 92, 92, 0),
    ("'\\''", True, True, True, False, 39, 39, 39, 0),
    ("'\\xFF'", True, True, True, False, 0xFF, 0xFF, 0xFF, 0),
    ("'パ'", True, True, True, False, 0x30D1, 0x30D1, 0x30D1, 0),
    ("'\\u30d1'", True, True, True, False, 0x30D1, 0x30D1, 0x30D1, 0),
    ("'\\U000030d1'", True, True, True, False, 0x30D1, 0x30D1, 0x30D1, 0),
    ("+-2",),
    ("0x123.",),
    ("1e.",),
    ("0xi.",),
    ("1+2.",),
    ("'x",),
    ("'xx'",),
    ("'433937734937734969526500969526500'",),
    ("0xef", True, True, True, False, 0xEF, 0xEF, 0xEF, 0),
]


@pytest.mark.parametrize("case", NUMBER_TESTS, ids=[c[0] for c in NUMBER_TESTS])
def test_number_literals(case: tuple) -> None:
    text = case[0]
    lexed = L.lex("{{" + text + "}}")
    kind_item = lexed[1]
    kinds = {L.CHAR_CONSTANT: "char", L.COMPLEX: "complex", L.NUMBER: ""}
    if len(case) == 1:
        if kind_item[0] in kinds and lexed[2][0] == L.RIGHT_DELIM:
            with pytest.raises(LiteralError):
                number(N.NumberNode(0, text), kinds[kind_item[0]])
        return  # the lexer already refuses it
    _, is_int, is_uint, is_float, is_complex, i64, u64, f64, c128 = case
    assert lexed[2][0] == L.RIGHT_DELIM, lexed
    n = number(N.NumberNode(0, text), kinds[kind_item[0]])
    assert (n.is_int, n.is_uint, n.is_float, n.is_complex) == (
        is_int,
        is_uint,
        is_float,
        is_complex,
    )
    if is_int:
        assert n.int64 == i64
    if is_uint:
        assert n.uint64 == u64
    if is_float:
        assert n.float64 == f64
    if is_complex:
        assert n.complex128 == c128


FUNCS = {"printf", "contains"}

# source: parse/parse_test.go, parseTests: (name, input, ok, tree as Go's String() prints it)
PARSE_TESTS = [
    ("empty", "", True, ""),
    ("comment", "{{/*\n\n\n*/}}", True, ""),
    ("spaces", " \t\n", True, '" \\t\\n"'),
    ("text", "some text", True, '"some text"'),
    ("emptyAction", "{{}}", False, ""),
    ("field", "{{.X}}", True, "{{.X}}"),
    ("simple command", "{{printf}}", True, "{{printf}}"),
    ("$ invocation", "{{$}}", True, "{{$}}"),
    (
        "variable invocation",
        "{{with $x := 3}}{{$x 23}}{{end}}",
        True,
        "{{with $x := 3}}{{$x 23}}{{end}}",
    ),
    ("variable with fields", "{{$.I}}", True, "{{$.I}}"),
    ("multi-word command", "{{printf `%d` 23}}", True, "{{printf `%d` 23}}"),
    ("pipeline", "{{.X|.Y}}", True, "{{.X | .Y}}"),
    ("pipeline with decl", "{{$x := .X|.Y}}", True, "{{$x := .X | .Y}}"),
    (
        "nested pipeline",
        "{{.X (.Y .Z) (.A | .B .C) (.E)}}",
        True,
        "{{.X (.Y .Z) (.A | .B .C) (.E)}}",
    ),
    ("field applied to parentheses", "{{(.Y .Z).Field}}", True, "{{(.Y .Z).Field}}"),
    ("simple if", "{{if .X}}hello{{end}}", True, '{{if .X}}"hello"{{end}}'),
    (
        "if with else",
        "{{if .X}}true{{else}}false{{end}}",
        True,
        '{{if .X}}"true"{{else}}"false"{{end}}',
    ),
    (
        "if with else if",
        "{{if .X}}true{{else if .Y}}false{{end}}",
        True,
        '{{if .X}}"true"{{else}}{{if .Y}}"false"{{end}}{{end}}',
    ),
    (
        "if else chain",
        "+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+",
        True,
        '"+"{{if .X}}"X"{{else}}{{if .Y}}"Y"{{else}}{{if .Z}}"Z"{{end}}{{end}}{{end}}"+"',
    ),
    ("simple range", "{{range .X}}hello{{end}}", True, '{{range .X}}"hello"{{end}}'),
    ("chained field range", "{{range .X.Y.Z}}hello{{end}}", True, '{{range .X.Y.Z}}"hello"{{end}}'),
    (
        "nested range",
        "{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}",
        True,
        '{{range .X}}"hello"{{range .Y}}"goodbye"{{end}}{{end}}',
    ),
    (
        "range with else",
        "{{range .X}}true{{else}}false{{end}}",
        True,
        '{{range .X}}"true"{{else}}"false"{{end}}',
    ),
    (
        "range over pipeline",
        "{{range .X|.M}}true{{else}}false{{end}}",
        True,
        '{{range .X | .M}}"true"{{else}}"false"{{end}}',
    ),
    ("range []int", "{{range .SI}}{{.}}{{end}}", True, "{{range .SI}}{{.}}{{end}}"),
    ("range 1 var", "{{range $x := .SI}}{{.}}{{end}}", True, "{{range $x := .SI}}{{.}}{{end}}"),
    (
        "range 2 vars",
        "{{range $x, $y := .SI}}{{.}}{{end}}",
        True,
        "{{range $x, $y := .SI}}{{.}}{{end}}",
    ),
    (
        "range with break",
        "{{range .SI}}{{.}}{{break}}{{end}}",
        True,
        "{{range .SI}}{{.}}{{break}}{{end}}",
    ),
    (
        "range with continue",
        "{{range .SI}}{{.}}{{continue}}{{end}}",
        True,
        "{{range .SI}}{{.}}{{continue}}{{end}}",
    ),
    (
        "constants",
        "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}",
        True,
        "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}",
    ),
    ("template", "{{template `x`}}", True, '{{template "x"}}'),
    ("template with arg", "{{template `x` .Y}}", True, '{{template "x" .Y}}'),
    ("with", "{{with .X}}hello{{end}}", True, '{{with .X}}"hello"{{end}}'),
    (
        "with with else",
        "{{with .X}}hello{{else}}goodbye{{end}}",
        True,
        '{{with .X}}"hello"{{else}}"goodbye"{{end}}',
    ),
    (
        "with with else with",
        "{{with .X}}hello{{else with .Y}}goodbye{{end}}",
        True,
        '{{with .X}}"hello"{{else}}{{with .Y}}"goodbye"{{end}}{{end}}',
    ),
    (
        "with else chain",
        "{{with .X}}X{{else with .Y}}Y{{else with .Z}}Z{{end}}",
        True,
        '{{with .X}}"X"{{else}}{{with .Y}}"Y"{{else}}{{with .Z}}"Z"{{end}}{{end}}{{end}}',
    ),
    ("trim left", "x \r\n\t{{- 3}}", True, '"x"{{3}}'),
    ("trim right", "{{3 -}}\n\n\ty", True, '{{3}}"y"'),
    ("trim left and right", "x \r\n\t{{- 3 -}}\n\n\ty", True, '"x"{{3}}"y"'),
    ("trim with extra spaces", "x\n{{-  3   -}}\ny", True, '"x"{{3}}"y"'),
    ("comment trim left", "x \r\n\t{{- /* hi */}}", True, '"x"'),
    ("comment trim right", "{{/* hi */ -}}\n\n\ty", True, '"y"'),
    ("comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", True, '"x""y"'),
    ("block definition", '{{block "foo" .}}hello{{end}}', True, '{{template "foo" .}}'),
    ("newline in assignment", "{{ $x \n := \n 1 \n }}", True, "{{$x := 1}}"),
    ("newline in empty action", "{{\n}}", False, ""),
    ("newline in pipeline", '{{\n"x"\n|\nprintf\n}}', True, '{{"x" | printf}}'),
    ("newline in comment", "{{/*\nhello\n*/}}", True, ""),
    ("newline in comment 2", "{{-\n/*\nhello\n*/\n-}}", True, ""),
    (
        "spaces around continue",
        "{{range .SI}}{{.}}{{ continue }}{{end}}",
        True,
        "{{range .SI}}{{.}}{{continue}}{{end}}",
    ),
    (
        "spaces around break",
        "{{range .SI}}{{.}}{{ break }}{{end}}",
        True,
        "{{range .SI}}{{.}}{{break}}{{end}}",
    ),
    # Errors.
    ("unclosed action", "hello{{range", False, ""),
    ("unmatched end", "{{end}}", False, ""),
    ("unmatched else", "{{else}}", False, ""),
    ("unmatched else after if", "{{if .X}}hello{{end}}{{else}}", False, ""),
    ("multiple else", "{{if .X}}1{{else}}2{{else}}3{{end}}", False, ""),
    ("missing end", "hello{{range .x}}", False, ""),
    ("missing end after else", "hello{{range .x}}{{else}}", False, ""),
    ("undefined function", "hello{{undefined}}", False, ""),
    ("undefined variable", "{{$x}}", False, ""),
    ("variable undefined after end", "{{with $x := 4}}{{end}}{{$x}}", False, ""),
    ("variable undefined in template", "{{template $v}}", False, ""),
    ("declare with field", "{{with $x.Y := 4}}{{end}}", False, ""),
    ("template with field ref", "{{template .X}}", False, ""),
    ("template with var", "{{template $v}}", False, ""),
    ("invalid punctuation", "{{printf 3, 4}}", False, ""),
    ("multidecl outside range", "{{with $v, $u := 3}}{{end}}", False, ""),
    ("too many decls in range", "{{range $u, $v, $w := 3}}{{end}}", False, ""),
    ("dot applied to parentheses", "{{printf (printf .).}}", False, ""),
    ("adjacent args", "{{printf 3`x`}}", False, ""),
    ("adjacent args with .", "{{printf `x`.}}", False, ""),
    ("extra end after if", "{{if .X}}a{{else if .Y}}b{{end}}{{end}}", False, ""),
    ("break outside range", "{{range .}}{{end}} {{break}}", False, ""),
    ("continue outside range", "{{range .}}{{end}} {{continue}}", False, ""),
    ("break in range else", "{{range .}}{{else}}{{break}}{{end}}", False, ""),
    ("continue in range else", "{{range .}}{{else}}{{continue}}{{end}}", False, ""),
    ("bug0a", "{{$x := 0}}{{$x}}", True, "{{$x := 0}}{{$x}}"),
    ("bug0b", "{{$x += 1}}{{$x}}", False, ""),
    ("bug0c", "{{$x ! 2}}{{$x}}", False, ""),
    ("bug0d", "{{$x % 3}}{{$x}}", False, ""),
    ("bug0e", "{{range $x := $y := 3}}{{end}}", False, ""),
    ("bug1a", "{{$x:=.}}{{$x!2}}", False, ""),
    ("bug1b", "{{$x:=.}}{{$x+2}}", False, ""),
    ("bug1c", "{{$x:=.}}{{$x +2}}", True, "{{$x := .}}{{$x +2}}"),
    ("bug2a", "{{range $x := 0}}{{$x}}{{end}}", True, "{{range $x := 0}}{{$x}}{{end}}"),
    ("bug2b", "{{range $x = 0}}{{$x}}{{end}}", True, "{{range $x = 0}}{{$x}}{{end}}"),
    ("dot after integer", "{{1.E}}", False, ""),
    ("dot after float", "{{0.1.E}}", False, ""),
    ("dot after boolean", "{{true.E}}", False, ""),
    ("dot after char", "{{'a'.any}}", False, ""),
    ("dot after string", '{{"hello".guys}}', False, ""),
    ("dot after dot", "{{..E}}", False, ""),
    ("dot after nil", "{{nil.E}}", False, ""),
    ("wrong pipeline dot", "{{12|.}}", False, ""),
    ("wrong pipeline number", "{{.|12|printf}}", False, ""),
    ("wrong pipeline string", '{{.|printf|"error"}}', False, ""),
    ("wrong pipeline char", "{{12|printf|'e'}}", False, ""),
    ("wrong pipeline boolean", "{{.|true}}", False, ""),
    ("wrong pipeline nil", "{{'c'|nil}}", False, ""),
    ("empty pipeline", '{{printf "%d" ( ) }}', False, ""),
    ("block definition missing pipeline", '{{block "foo"}}hello{{end}}', False, ""),
    ("paren nesting normal", "{{ (( 1 )) }}", True, "{{((1))}}"),
    ("paren nesting in pipeline", "{{ ((( 1 ))) | printf }}", True, "{{(((1))) | printf}}"),
    (
        "paren nesting with other constructs",
        "{{ if ((( true ))) }}YES{{ end }}",
        True,
        '{{if (((true)))}}"YES"{{end}}',
    ),
]


@pytest.fixture
def quoted_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(N, "TEXT_FORMAT", "%q")


@pytest.mark.parametrize(
    ("name", "text", "ok", "result"), PARSE_TESTS, ids=[t[0] for t in PARSE_TESTS]
)
def test_parse_table_from_go(quoted_text, name: str, text: str, ok: bool, result: str) -> None:
    if not ok:
        with pytest.raises(TemplateSyntaxError):
            parse(text, name, FUNCS)
        return
    assert str(parse(text, name, FUNCS)[name]) == result


def test_paren_nesting_has_a_limit() -> None:
    deep = "{{ " + "(" * (MAX_PAREN_DEPTH + 1) + "1" + ")" * (MAX_PAREN_DEPTH + 1) + " }}"
    with pytest.raises(TemplateSyntaxError, match="max expression depth exceeded"):
        parse(deep, "test", FUNCS)


# source: parse/parse_test.go, errorTests: (name, input, text the message must contain)
ERROR_TESTS = [
    ("unclosed1", "line1\n{{", "unclosed1:2: unclosed action"),
    ("unclosed2", "line1\n{{define `x`}}line2\n{{", "unclosed2:3: unclosed action"),
    ("unclosed3", 'line1\n{{"x"\n"y"\n', "unclosed3:4: unclosed action started at unclosed3:2"),
    ("unclosed4", "{{\n\n\n\n\n", "unclosed4:6: unclosed action started at unclosed4:1"),
    ("var1", "line1\n{{\nx\n}}", 'var1:3: function "x" not defined'),
    ("function", "{{foo}}", 'function "foo" not defined'),
    ("comment1", "{{/*}}", "comment1:1: unclosed comment"),
    ("comment2", "{{/*\nhello\n}}", "comment2:1: unclosed comment"),
    ("lparen", "{{.X (1 2 3}}", "unclosed left paren"),
    ("rparen", "{{.X 1 2 3 ) }}", "unexpected right paren"),
    ("rparen2", "{{(.X 1 2 3", "unclosed action"),
    ("space", "{{`x`3}}", "in operand"),
    ("idchar", "{{a#}}", "'#'"),
    ("charconst", "{{'a}}", "unterminated character constant"),
    ("stringconst", '{{"a}}', "unterminated quoted string"),
    ("rawstringconst", "{{`a}}", "unterminated raw quoted string"),
    ("number", "{{0xi}}", "number syntax"),
    (
        "multidefine",
        "{{define `a`}}a{{end}}{{define `a`}}b{{end}}",
        "multiple definition of template",
    ),
    ("eof", "{{range .X}}", "unexpected EOF"),
    ("variable", "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", 'unexpected ":="'),
    ("multidecl", "{{$a,$b,$c := 23}}", "too many declarations"),
    ("undefvar", "{{$a}}", "undefined variable"),
    ("wrongdot", "{{true.any}}", "unexpected . after term"),
    ("wrongpipeline", "{{12|false}}", "non executable command in pipeline"),
    ("emptypipeline", "{{ ( ) }}", "missing value for parenthesized pipeline"),
    ("multilinerawstring", "{{ $v := `\n` }} {{", "multilinerawstring:2: unclosed action"),
    ("rangeundefvar", "{{range $k}}{{end}}", "undefined variable"),
    ("rangeundefvars", "{{range $k, $v}}{{end}}", "undefined variable"),
    ("rangemissingvalue1", "{{range $k,}}{{end}}", "missing value for range"),
    ("rangemissingvalue2", "{{range $k, $v := }}{{end}}", "missing value for range"),
    ("rangenotvariable1", "{{range $k, .}}{{end}}", "range can only initialize variables"),
    ("rangenotvariable2", "{{range $k, 123 := .}}{{end}}", "range can only initialize variables"),
]


@pytest.mark.parametrize(("name", "text", "fragment"), ERROR_TESTS, ids=[t[0] for t in ERROR_TESTS])
def test_parse_errors_from_go(name: str, text: str, fragment: str) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        parse(text, name, set())
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"template: {name}:")


# source: parse/parse_test.go, TestKeywordsAndFuncs
def test_break_is_a_function_when_one_is_defined() -> None:
    text = "{{range .X}}{{break 20}}{{end}}"
    parse(text, "", {"break"})
    with pytest.raises(TemplateSyntaxError):
        parse(text, "", set())


# source: parse/parse_test.go, TestBlock
def test_block_adds_a_template(quoted_text) -> None:
    trees = parse('a{{block "inner" .}}bar{{.}}baz{{end}}b', "outer", set())
    assert str(trees["outer"]) == '"a"{{template "inner" .}}"b"'
    assert str(trees["inner"]) == '"bar"{{.}}"baz"'


# source: parse/parse_test.go, isEmptyTests (a definition may replace an empty one)
def test_empty_definition_can_be_redefined() -> None:
    trees = parse('{{define "x"}}{{end}}{{define "x"}}something{{end}}', "root", set())
    assert str(trees["x"]) == "something"
