"""Executing templates as Go's text/template does.

Cases transcribed from Go's src/text/template/exec_test.go (``execTests``, ``cmpTests`` and the
Test* functions named in each comment). Go runs them against a struct ``tVal``; here the data
is a map with the same keys and values, so every case below behaves identically in Go on that
map. Cases that need Go-only kinds (methods, pointers, channels, struct printing, unexported
fields, iter.Seq functions) are left out; where a map gives a different Go result than the
struct did (a missing key is ``<no value>`` instead of a zero int), the expectation is the
map's, noted "(map)".
"""

from __future__ import annotations

import pytest

from lambherd.definition.gotemplate import (
    GoByte,
    Template,
    TemplateExecError,
    TemplateSyntaxError,
)
from lambherd.definition.gotemplate.gofmt import sprintf, sprintln
from lambherd.errors import AwsError

BIG_INT = "0x7fffffffffffffff"
BIG_UINT = "0x8000000000000000"


def _binary(a: str, b: str) -> str:
    return f"[{a}={b}]"


def _variadic(*s: str) -> str:
    return "<" + "+".join(s) + ">"


def _variadic_int(a: int, *s: str) -> str:
    return f"{a}=<" + "+".join(s) + ">"


def _err_func() -> str:
    return "bla"


def _panic_func() -> str:
    raise RuntimeError("test panic")


TVAL = {
    "True": True,
    "I": 17,
    "U16": GoByte(16),
    "X": "x",
    "S": "xyz",
    "U": {"V": "v"},
    "FloatZero": 0.0,
    "ComplexZero": 0j,
    "SI": [3, 4, 5],
    "SIEmpty": [],
    "SB": [True, False],
    "AI": [3, 4, 5],
    "MSI": {"one": 1, "two": 2, "three": 3},
    "MSIone": {"one": 1},
    "MSIEmpty": {},
    "MXI": {"one": 1},
    "SMSI": [{"one": 1, "two": 2}, {"eleven": 11, "twelve": 12}],
    "Empty0": None,
    "Empty1": 3,
    "Empty2": "empty2",
    "Empty3": [7, 8],
    "Empty4": {"V": "UinEmpty"},
    "PSI": [21, 22, 23],
    "BinaryFunc": _binary,
    "VariadicFunc": _variadic,
    "VariadicFuncInt": _variadic_int,
    "ErrFunc": _err_func,
    "PanicFunc": _panic_func,
}


def _add(*args: int) -> int:
    return sum(args)


def _die() -> bool:
    raise RuntimeError("die")


def _echo(arg):
    return arg


def _makemap(*arg: str) -> dict:
    if len(arg) % 2:
        raise ValueError("bad makemap")
    return {arg[i]: arg[i + 1] for i in range(0, len(arg), 2)}


def _one_arg(a: str) -> str:
    return "oneArg=" + a


def _two_args(a: str, b: str) -> str:
    return "twoArgs=" + a + b


def _ddd_arg(a: int, *b: str) -> str:
    return sprintln([a, list(b)])


def _value_string(v: str) -> str:
    return "value is ignored"


def _return_int() -> int:
    return 7


def _type_of(arg) -> str:
    return sprintf("%T", [arg])


def _zero_args() -> str:
    return "zeroArgs"


def _map_of_three():
    return {"three": 3}


# source: exec_test.go, testExecute's FuncMap (count, stringer and vfunc need Go-only kinds)
FUNCS = {
    "add": _add,
    "dddArg": _ddd_arg,
    "die": _die,
    "echo": _echo,
    "makemap": _makemap,
    "mapOfThree": _map_of_three,
    "oneArg": _one_arg,
    "returnInt": _return_int,
    "twoArgs": _two_args,
    "typeOf": _type_of,
    "valueString": _value_string,
    "zeroArgs": _zero_args,
}

OK, FAIL = True, False

# source: go/src/text/template/exec_test.go, execTests: (name, input, output, data, ok)
EXEC_TESTS = [
    # Trivial cases.
    ("empty", "", "", None, OK),
    ("text", "some text", "some text", None, OK),
    ("nil action", "{{nil}}", "", None, FAIL),
    # Ideal constants.
    ("ideal int", "{{typeOf 3}}", "int", 0, OK),
    ("ideal float", "{{typeOf 1.0}}", "float64", 0, OK),
    ("ideal exp float", "{{typeOf 1e1}}", "float64", 0, OK),
    ("ideal complex", "{{typeOf 1i}}", "complex128", 0, OK),
    ("ideal int big", "{{typeOf " + BIG_INT + "}}", "int", 0, OK),
    ("ideal too big", "{{typeOf " + BIG_UINT + "}}", "", 0, FAIL),
    ("ideal nil without type", "{{nil}}", "", 0, FAIL),
    # Fields of structs (here: keys of the map).
    (".X", "-{{.X}}-", "-x-", TVAL, OK),
    (".U.V", "-{{.U.V}}-", "-v-", TVAL, OK),
    # Fields on maps.
    ("map .one", "{{.MSI.one}}", "1", TVAL, OK),
    ("map .two", "{{.MSI.two}}", "2", TVAL, OK),
    ("map .NO", "{{.MSI.NO}}", "<no value>", TVAL, OK),
    ("map .one interface", "{{.MXI.one}}", "1", TVAL, OK),
    ("map .WRONG args", "{{.MSI.one 1}}", "", TVAL, FAIL),
    # Dots of all kinds to test basic evaluation.
    ("dot int", "<{{.}}>", "<13>", 13, OK),
    ("dot uint", "<{{.}}>", "<14>", GoByte(14), OK),
    ("dot float", "<{{.}}>", "<15.1>", 15.1, OK),
    ("dot bool", "<{{.}}>", "<true>", True, OK),
    ("dot complex", "<{{.}}>", "<(16.2-17i)>", 16.2 - 17j, OK),
    ("dot string", "<{{.}}>", "<hello>", "hello", OK),
    ("dot slice", "<{{.}}>", "<[-1 -2 -3]>", [-1, -2, -3], OK),
    ("dot map", "<{{.}}>", "<map[two:22]>", {"two": 22}, OK),
    # Variables.
    ("$ int", "{{$}}", "123", 123, OK),
    ("$.I", "{{$.I}}", "17", TVAL, OK),
    ("$.U.V", "{{$.U.V}}", "v", TVAL, OK),
    ("declare in action", "{{$x := $.U.V}}{{$x}}", "v", TVAL, OK),
    ("simple assignment", "{{$x := 2}}{{$x = 3}}{{$x}}", "3", TVAL, OK),
    ("nested assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", "3", TVAL, OK),
    (
        "nested assignment changes the last declaration",
        "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}",
        "1",
        TVAL,
        OK,
    ),
    # Empty interfaces holding values.
    ("empty nil", "{{.Empty0}}", "<no value>", TVAL, OK),
    ("empty with int", "{{.Empty1}}", "3", TVAL, OK),
    ("empty with string", "{{.Empty2}}", "empty2", TVAL, OK),
    ("empty with slice", "{{.Empty3}}", "[7 8]", TVAL, OK),
    ("empty with struct, field", "{{.Empty4.V}}", "UinEmpty", TVAL, OK),
    # Edge cases with <no value> with an interface value
    ("field on interface", "{{.foo}}", "<no value>", None, OK),
    ("field on parenthesized interface", "{{(.).foo}}", "<no value>", None, OK),
    # Issue 31810: Parenthesized first element of pipeline with arguments.
    ("unparenthesized non-function", "{{1 2}}", "", None, FAIL),
    ("parenthesized non-function", "{{(1) 2}}", "", None, FAIL),
    ("parenthesized non-function with no args", "{{(1)}}", "1", None, OK),
    # Function call builtin.
    (".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", "[1=2]", TVAL, OK),
    (".VariadicFunc0", "{{call .VariadicFunc}}", "<>", TVAL, OK),
    (".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", "<he+llo>", TVAL, OK),
    (".VariadicFuncInt", "{{call .VariadicFuncInt 33 `he` `llo`}}", "33=<he+llo>", TVAL, OK),
    (
        "if .BinaryFunc call",
        "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}",
        "[1=2]",
        TVAL,
        OK,
    ),
    (
        "if not .BinaryFunc call",
        "{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}",
        "No",
        TVAL,
        OK,
    ),
    (".ErrFunc", "{{call .ErrFunc}}", "bla", TVAL, OK),
    ("call nil", "{{call nil}}", "", TVAL, FAIL),
    ("empty call", "{{call}}", "", TVAL, FAIL),
    ("empty call after pipe valid", "{{.ErrFunc | call}}", "bla", TVAL, OK),
    ("empty call after pipe invalid", "{{1 | call}}", "", TVAL, FAIL),
    # Erroneous function calls (check args).
    (".BinaryFuncTooFew", "{{call .BinaryFunc `1`}}", "", TVAL, FAIL),
    (".BinaryFuncTooMany", "{{call .BinaryFunc `1` `2` `3`}}", "", TVAL, FAIL),
    (".BinaryFuncBad0", "{{call .BinaryFunc 1 3}}", "", TVAL, FAIL),
    (".BinaryFuncBad1", "{{call .BinaryFunc `1` 3}}", "", TVAL, FAIL),
    (".VariadicFuncBad0", "{{call .VariadicFunc 3}}", "", TVAL, FAIL),
    (".VariadicFuncIntBad0", "{{call .VariadicFuncInt}}", "", TVAL, FAIL),
    (".VariadicFuncIntBad`", "{{call .VariadicFuncInt `x`}}", "", TVAL, FAIL),
    (".VariadicFuncNilBad", "{{call .VariadicFunc nil}}", "", TVAL, FAIL),
    # Pipelines.
    (
        "pipeline func",
        "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-",
        "-<he+<llo>>-",
        TVAL,
        OK,
    ),
    # Nil values aren't missing arguments.
    ("bad nil pipeline", "{{ .Empty0 | .VariadicFunc }}", "", TVAL, FAIL),
    # Parenthesized expressions
    (
        "parens in pipeline",
        "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}",
        "1 5 15",
        TVAL,
        OK,
    ),
    # Parenthesized expressions with field accesses
    ("parens: $ in paren", "{{($).X}}", "x", TVAL, OK),
    ("parens: $ in paren in pipe", "{{($ | echo).X}}", "x", TVAL, OK),
    ("parens: spaces and args", '{{(makemap "up" "down" "left" "right").left}}', "right", TVAL, OK),
    # If.
    ("if true", "{{if true}}TRUE{{end}}", "TRUE", TVAL, OK),
    ("if false", "{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE", TVAL, OK),
    ("if nil", "{{if nil}}TRUE{{end}}", "", TVAL, FAIL),
    ("if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", TVAL, OK),
    ("if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", TVAL, OK),
    ("if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("if 1.5i", "{{if 1.5i}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", TVAL, OK),
    ("if 0.0i", "{{if .ComplexZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", TVAL, OK),
    ("if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", TVAL, OK),
    ("if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", TVAL, OK),
    ("if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", "ZERO", TVAL, OK),
    (
        "if $x with $y int",
        "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}",
        "true,17",
        TVAL,
        OK,
    ),
    (
        "if $x with $x int",
        "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}",
        "17,true",
        TVAL,
        OK,
    ),
    ("if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", TVAL, OK),
    ("if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", TVAL, OK),
    # Print etc.
    ("print", '{{print "hello, print"}}', "hello, print", TVAL, OK),
    ("print 123", "{{print 1 2 3}}", "1 2 3", TVAL, OK),
    ("print nil", "{{print nil}}", "<nil>", TVAL, OK),
    ("println", "{{println 1 2 3}}", "1 2 3\n", TVAL, OK),
    ("printf int", '{{printf "%04x" 127}}', "007f", TVAL, OK),
    ("printf float", '{{printf "%g" 3.5}}', "3.5", TVAL, OK),
    ("printf complex", '{{printf "%g" 1+7i}}', "(1+7i)", TVAL, OK),
    ("printf string", '{{printf "%s" "hello"}}', "hello", TVAL, OK),
    ("printf function", '{{printf "%#q" zeroArgs}}', "`zeroArgs`", TVAL, OK),
    ("printf field", '{{printf "%s" .U.V}}', "v", TVAL, OK),
    ("printf dot", '{{with .I}}{{printf "%d" .}}{{end}}', "17", TVAL, OK),
    ("printf var", '{{with $x := .I}}{{printf "%d" $x}}{{end}}', "17", TVAL, OK),
    (
        "printf lots (no method)",
        '{{printf "%d %s %g" 127 "hello" 7-3i}}',
        "127 hello (7-3i)",
        TVAL,
        OK,
    ),
    # HTML.
    (
        "html",
        '{{html "<script>alert(\\"XSS\\");</script>"}}',
        "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        None,
        OK,
    ),
    (
        "html pipeline",
        '{{printf "<script>alert(\\"XSS\\");</script>" | html}}',
        "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        None,
        OK,
    ),
    ("html untyped nil", "{{html .Empty0}}", "&lt;no value&gt;", TVAL, OK),
    # JavaScript.
    ("js", "{{js .}}", "It\\'d be nice.", "It'd be nice.", OK),
    # URL query.
    (
        "urlquery",
        '{{"http://www.example.org/"|urlquery}}',
        "http%3A%2F%2Fwww.example.org%2F",
        None,
        OK,
    ),
    # Booleans
    ("not", "{{not true}} {{not false}}", "false true", None, OK),
    ("and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", None, OK),
    ("or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", None, OK),
    ("or short-circuit", "{{or 0 1 (die)}}", "1", None, OK),
    ("and short-circuit", "{{and 1 0 (die)}}", "0", None, OK),
    ("or short-circuit2", "{{or 0 0 (die)}}", "", None, FAIL),
    ("and short-circuit2", "{{and 1 1 (die)}}", "", None, FAIL),
    ("and pipe-true", "{{1 | and 1}}", "1", None, OK),
    ("and pipe-false", "{{0 | and 1}}", "0", None, OK),
    ("or pipe-true", "{{1 | or 0}}", "1", None, OK),
    ("or pipe-false", "{{0 | or 0}}", "0", None, OK),
    ("and undef", "{{and 1 .Unknown}}", "<no value>", None, OK),
    ("or undef", "{{or 0 .Unknown}}", "<no value>", None, OK),
    ("boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE", TVAL, OK),
    ("boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", None, OK),
    ("boolean if pipe", "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", "FALSE", None, OK),
    # Indexing.
    ("slice[0]", "{{index .SI 0}}", "3", TVAL, OK),
    ("slice[1]", "{{index .SI 1}}", "4", TVAL, OK),
    ("slice[HUGE]", "{{index .SI 10}}", "", TVAL, FAIL),
    ("slice[WRONG]", "{{index .SI `hello`}}", "", TVAL, FAIL),
    ("slice[nil]", "{{index .SI nil}}", "", TVAL, FAIL),
    ("map[one]", "{{index .MSI `one`}}", "1", TVAL, OK),
    ("map[two]", "{{index .MSI `two`}}", "2", TVAL, OK),
    ("map[NO] (map)", "{{index .MSI `XXX`}}", "<no value>", TVAL, OK),
    ("map[nil]", "{{index .MSI nil}}", "", TVAL, FAIL),
    ("map[``] (map)", "{{index .MSI ``}}", "<no value>", TVAL, OK),
    ("map[WRONG]", "{{index .MSI 10}}", "", TVAL, FAIL),
    ("double index", "{{index .SMSI 1 `eleven`}}", "11", TVAL, OK),
    ("nil[1]", "{{index nil 1}}", "", TVAL, FAIL),
    ("index of an interface field", "{{index .Empty3 0}}", "7", TVAL, OK),
    # Slicing.
    ("slice[:]", "{{slice .SI}}", "[3 4 5]", TVAL, OK),
    ("slice[1:]", "{{slice .SI 1}}", "[4 5]", TVAL, OK),
    ("slice[1:2]", "{{slice .SI 1 2}}", "[4]", TVAL, OK),
    ("slice[-1:]", "{{slice .SI -1}}", "", TVAL, FAIL),
    ("slice[1:-2]", "{{slice .SI 1 -2}}", "", TVAL, FAIL),
    ("slice[1:2:-1]", "{{slice .SI 1 2 -1}}", "", TVAL, FAIL),
    ("slice[2:1]", "{{slice .SI 2 1}}", "", TVAL, FAIL),
    ("slice[2:2:1]", "{{slice .SI 2 2 1}}", "", TVAL, FAIL),
    ("out of range", "{{slice .SI 4 5}}", "", TVAL, FAIL),
    ("out of range 3", "{{slice .SI 2 2 5}}", "", TVAL, FAIL),
    ("array[:]", "{{slice .AI}}", "[3 4 5]", TVAL, OK),
    ("array[1:]", "{{slice .AI 1}}", "[4 5]", TVAL, OK),
    ("array[1:2]", "{{slice .AI 1 2}}", "[4]", TVAL, OK),
    ("string[:]", "{{slice .S}}", "xyz", TVAL, OK),
    ("string[0:1]", "{{slice .S 0 1}}", "x", TVAL, OK),
    ("string[1:]", "{{slice .S 1}}", "yz", TVAL, OK),
    ("string[1:2]", "{{slice .S 1 2}}", "y", TVAL, OK),
    ("string out of range", "{{slice .S 1 5}}", "", TVAL, FAIL),
    ("3-index slice of string", "{{slice .S 1 2 2}}", "", TVAL, FAIL),
    ("slice of an interface field", "{{slice .Empty3 0 1}}", "[7]", TVAL, OK),
    # Len.
    ("slice", "{{len .SI}}", "3", TVAL, OK),
    ("map", "{{len .MSI }}", "3", TVAL, OK),
    ("len of int", "{{len 3}}", "", TVAL, FAIL),
    ("len of nothing", "{{len .Empty0}}", "", TVAL, FAIL),
    ("len of an interface field", "{{len .Empty3}}", "2", TVAL, OK),
    # With.
    ("with true", "{{with true}}{{.}}{{end}}", "true", TVAL, OK),
    ("with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE", TVAL, OK),
    ("with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", "1", TVAL, OK),
    ("with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5", TVAL, OK),
    ("with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("with 1.5i", "{{with 1.5i}}{{.}}{{else}}ZERO{{end}}", "(0+1.5i)", TVAL, OK),
    ("with 0.0i", "{{with .ComplexZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", TVAL, OK),
    ("with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty", TVAL, OK),
    ("with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", "[3 4 5]", TVAL, OK),
    ("with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", "map[one:1]", TVAL, OK),
    ("with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", "UinEmpty", TVAL, OK),
    ("with $x int", "{{with $x := .I}}{{$x}}{{end}}", "17", TVAL, OK),
    ("with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", "v", TVAL, OK),
    ("with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", "v", TVAL, OK),
    ("with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", "true", TVAL, OK),
    (
        "with else with chain",
        "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}",
        "notempty",
        TVAL,
        OK,
    ),
    # Range.
    ("range []int", "{{range .SI}}-{{.}}-{{end}}", "-3--4--5-", TVAL, OK),
    ("range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", "", TVAL, OK),
    ("range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", "-3--4--5-", TVAL, OK),
    ("range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    (
        "range []int break else",
        "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}",
        "-3-",
        TVAL,
        OK,
    ),
    (
        "range []int continue else",
        "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}",
        "-3--4--5-",
        TVAL,
        OK,
    ),
    ("range []bool", "{{range .SB}}-{{.}}-{{end}}", "-true--false-", TVAL, OK),
    ("range map", "{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-", TVAL, OK),
    ("range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", "", TVAL, OK),
    ("range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", "-1--3--2-", TVAL, OK),
    ("range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", TVAL, OK),
    ("range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", "-7--8-", TVAL, OK),
    ("range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", "", TVAL, OK),
    ("range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>", TVAL, OK),
    (
        "range $x $y SI",
        "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}",
        "<0=3><1=4><2=5>",
        TVAL,
        OK,
    ),
    ("range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", "<1>", TVAL, OK),
    (
        "range $x $y MSIone",
        "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}",
        "<one=1>",
        TVAL,
        OK,
    ),
    ("range $x PSI", "{{range $x := .PSI}}<{{$x}}>{{end}}", "<21><22><23>", TVAL, OK),
    (
        "declare in range",
        "{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}",
        "<21><22><23>",
        TVAL,
        OK,
    ),
    ("range int", '{{range $v := .}}{{printf "%T%d" $v $v}}{{end}}', "int0int1int2int3int4", 5, OK),
    (
        "range uint8",
        '{{range $v := .}}{{printf "%T%d" $v $v}}{{end}}',
        "uint80uint81uint82uint83uint84",
        GoByte(5),
        OK,
    ),
    ("range uint8(0)", "{{range $v := .}}{{print $v}}{{else}}empty{{end}}", "empty", GoByte(0), OK),
    (
        "range 5",
        '{{range $v := 5}}{{printf "%T%d" $v $v}}{{end}}',
        "int0int1int2int3int4",
        None,
        OK,
    ),
    # Cute examples.
    ("or as if true", '{{or .SI "slice is empty"}}', "[3 4 5]", TVAL, OK),
    ("or as if false", '{{or .SIEmpty "slice is empty"}}', "slice is empty", TVAL, OK),
    # Numbers
    ("decimal", "{{print 1234}}", "1234", TVAL, OK),
    ("decimal _", "{{print 12_34}}", "1234", TVAL, OK),
    ("binary", "{{print 0b101}}", "5", TVAL, OK),
    ("binary _", "{{print 0b_1_0_1}}", "5", TVAL, OK),
    ("BINARY", "{{print 0B101}}", "5", TVAL, OK),
    ("octal0", "{{print 0377}}", "255", TVAL, OK),
    ("octal", "{{print 0o377}}", "255", TVAL, OK),
    ("octal _", "{{print 0o_3_7_7}}", "255", TVAL, OK),
    ("OCTAL", "{{print 0O377}}", "255", TVAL, OK),
    ("hex", "{{print 0x123}}", "291", TVAL, OK),
    ("hex _", "{{print 0x1_23}}", "291", TVAL, OK),
    ("HEX", "{{print 0X123ABC}}", "1194684", TVAL, OK),
    ("float", "{{print 123.4}}", "123.4", TVAL, OK),
    ("float _", "{{print 0_0_1_2_3.4}}", "123.4", TVAL, OK),
    ("hex float", "{{print +0x1.ep+2}}", "7.5", TVAL, OK),
    ("hex float _", "{{print +0x_1.e_0p+0_2}}", "7.5", TVAL, OK),
    ("HEX float", "{{print +0X1.EP+2}}", "7.5", TVAL, OK),
    ("print multi", "{{print 1_2_3_4 7.5_00_00_00}}", "1234 7.5", TVAL, OK),
    ("print multi2", "{{print 1234 0x0_1.e_0p+02}}", "1234 7.5", TVAL, OK),
    # Fixed bugs.
    ("bug7a", "{{3 2}}", "", TVAL, FAIL),
    ("bug7b", "{{$x := 1}}{{$x 2}}", "", TVAL, FAIL),
    ("bug7c", "{{$x := 1}}{{3 | $x}}", "", TVAL, FAIL),
    ("bug8a", "{{3|oneArg}}", "", TVAL, FAIL),
    ("bug8b", "{{4|dddArg 3}}", "", TVAL, FAIL),
    ("bug9", "{{.cause}}", "neglect", {"cause": "neglect"}, OK),
    ("bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", "3-3", 0, OK),
    ("bug11 (map)", "{{valueString .PS}}", "", {}, FAIL),
    ("bug12xe", "{{printf `%T` 0xef}}", "int", {}, OK),
    ("bug12xE", "{{printf `%T` 0xEE}}", "int", {}, OK),
    ("bug12Xe", "{{printf `%T` 0Xef}}", "int", {}, OK),
    ("bug12XE", "{{printf `%T` 0XEE}}", "int", {}, OK),
    ("bug14a", "{{(nil).True}}", "", TVAL, FAIL),
    ("bug14b", "{{$x := nil}}{{$x.anything}}", "", TVAL, FAIL),
    ("bug14c", '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}', "", TVAL, FAIL),
    ("bug15", "{{valueString returnInt}}", "", TVAL, FAIL),
    ("bug16a", "{{true|printf}}", "", TVAL, FAIL),
    ("bug16b", "{{1|printf}}", "", TVAL, FAIL),
    ("bug16c", "{{1.1|printf}}", "", TVAL, FAIL),
    ("bug16d", "{{'x'|printf}}", "", TVAL, FAIL),
    ("bug16e", "{{0i|printf}}", "", TVAL, FAIL),
    ("bug16f", '{{true|twoArgs "xxx"}}', "", TVAL, FAIL),
    ("bug16g", '{{"aaa" |twoArgs "bbb"}}', "twoArgs=bbbaaa", TVAL, OK),
    ("bug16h", "{{1|oneArg}}", "", TVAL, FAIL),
    ("bug16i", '{{"aaa"|oneArg}}', "oneArg=aaa", TVAL, OK),
    ("bug16j", '{{1+2i|printf "%v"}}', "(1+2i)", TVAL, OK),
    ("bug16k", '{{"aaa"|printf }}', "aaa", TVAL, OK),
    ("bug18a", "{{eq . '.'}}", "true", ord("."), OK),
    ("bug18b", "{{eq . 'e'}}", "true", ord("e"), OK),
    ("bug18c", "{{eq . 'P'}}", "true", ord("P"), OK),
    ("issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}", "5", TVAL, OK),
    (
        "issue60801",
        "{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}",
        "0=3 1=4 2=5 ",
        TVAL,
        OK,
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "output", "data", "ok"), EXEC_TESTS, ids=[t[0] for t in EXEC_TESTS]
)
def test_exec_table_from_go(name: str, text: str, output: str, data, ok: bool) -> None:
    template = Template(text, name, FUNCS)
    if ok:
        assert template.execute(data) == output
    else:
        with pytest.raises(TemplateExecError):
            template.execute(data)


# source: exec_test.go, cmpTests (run as "{{if EXPR}}true{{else}}false{{end}}" on cmpStruct)
CMP_DATA = {
    "Uthree": GoByte(3),
    "Ufour": GoByte(4),
    "NegOne": -1,
    "Three": 3,
    "NilIface": None,
    "Map": None,  # a nil map compares like nil
    "NonNilMap": {},
}
CMP_TESTS = [
    ("eq true true", "true", OK),
    ("eq true false", "false", OK),
    ("eq 1+2i 1+2i", "true", OK),
    ("eq 1+2i 1+3i", "false", OK),
    ("eq 1.5 1.5", "true", OK),
    ("eq 1.5 2.5", "false", OK),
    ("eq 1 1", "true", OK),
    ("eq 1 2", "false", OK),
    ("eq `xy` `xy`", "true", OK),
    ("eq `xy` `xyz`", "false", OK),
    ("eq .Uthree .Uthree", "true", OK),
    ("eq .Uthree .Ufour", "false", OK),
    ("eq 3 4 5 6 3", "true", OK),
    ("eq 3 4 5 6 7", "false", OK),
    ("ne true true", "false", OK),
    ("ne true false", "true", OK),
    ("ne 1+2i 1+2i", "false", OK),
    ("ne 1+2i 1+3i", "true", OK),
    ("ne 1.5 1.5", "false", OK),
    ("ne 1.5 2.5", "true", OK),
    ("ne 1 1", "false", OK),
    ("ne 1 2", "true", OK),
    ("ne `xy` `xy`", "false", OK),
    ("ne `xy` `xyz`", "true", OK),
    ("ne .Uthree .Uthree", "false", OK),
    ("ne .Uthree .Ufour", "true", OK),
    ("lt 1.5 1.5", "false", OK),
    ("lt 1.5 2.5", "true", OK),
    ("lt 1 1", "false", OK),
    ("lt 1 2", "true", OK),
    ("lt `xy` `xy`", "false", OK),
    ("lt `xy` `xyz`", "true", OK),
    ("lt .Uthree .Uthree", "false", OK),
    ("lt .Uthree .Ufour", "true", OK),
    ("le 1.5 1.5", "true", OK),
    ("le 1.5 2.5", "true", OK),
    ("le 2.5 1.5", "false", OK),
    ("le 1 1", "true", OK),
    ("le 1 2", "true", OK),
    ("le 2 1", "false", OK),
    ("le `xy` `xy`", "true", OK),
    ("le `xy` `xyz`", "true", OK),
    ("le `xyz` `xy`", "false", OK),
    ("le .Uthree .Uthree", "true", OK),
    ("le .Uthree .Ufour", "true", OK),
    ("le .Ufour .Uthree", "false", OK),
    ("gt 1.5 1.5", "false", OK),
    ("gt 1.5 2.5", "false", OK),
    ("gt 1 1", "false", OK),
    ("gt 2 1", "true", OK),
    ("gt 1 2", "false", OK),
    ("gt `xy` `xy`", "false", OK),
    ("gt `xy` `xyz`", "false", OK),
    ("gt .Uthree .Uthree", "false", OK),
    ("gt .Uthree .Ufour", "false", OK),
    ("gt .Ufour .Uthree", "true", OK),
    ("ge 1.5 1.5", "true", OK),
    ("ge 1.5 2.5", "false", OK),
    ("ge 2.5 1.5", "true", OK),
    ("ge 1 1", "true", OK),
    ("ge 1 2", "false", OK),
    ("ge 2 1", "true", OK),
    ("ge `xy` `xy`", "true", OK),
    ("ge `xy` `xyz`", "false", OK),
    ("ge `xyz` `xy`", "true", OK),
    ("ge .Uthree .Uthree", "true", OK),
    ("ge .Uthree .Ufour", "false", OK),
    ("ge .Ufour .Uthree", "true", OK),
    # Mixing signed and unsigned integers.
    ("eq .Uthree .Three", "true", OK),
    ("eq .Three .Uthree", "true", OK),
    ("le .Uthree .Three", "true", OK),
    ("le .Three .Uthree", "true", OK),
    ("ge .Uthree .Three", "true", OK),
    ("ge .Three .Uthree", "true", OK),
    ("lt .Uthree .Three", "false", OK),
    ("lt .Three .Uthree", "false", OK),
    ("gt .Uthree .Three", "false", OK),
    ("gt .Three .Uthree", "false", OK),
    ("eq .Ufour .Three", "false", OK),
    ("lt .Ufour .Three", "false", OK),
    ("gt .Ufour .Three", "true", OK),
    ("eq .NegOne .Uthree", "false", OK),
    ("eq .Uthree .NegOne", "false", OK),
    ("ne .NegOne .Uthree", "true", OK),
    ("ne .Uthree .NegOne", "true", OK),
    ("lt .NegOne .Uthree", "true", OK),
    ("lt .Uthree .NegOne", "false", OK),
    ("le .NegOne .Uthree", "true", OK),
    ("le .Uthree .NegOne", "false", OK),
    ("gt .NegOne .Uthree", "false", OK),
    ("gt .Uthree .NegOne", "true", OK),
    ("ge .NegOne .Uthree", "false", OK),
    ("ge .Uthree .NegOne", "true", OK),
    ("eq (index `x` 0) 'x'", "true", OK),
    ("eq (index `x` 0) 'y'", "false", OK),
    ("eq .NilIface .NilIface", "true", OK),
    ("eq .NilIface 0", "false", OK),
    ("eq 0 .NilIface", "false", OK),
    ("eq .Map .Map", "true", OK),
    ("eq .Map nil", "true", OK),
    ("eq nil .Map", "true", OK),
    ("eq .Map .NonNilMap", "false", OK),
    # Errors
    ("eq `xy` 1", "", FAIL),
    ("eq 2 2.0", "", FAIL),
    ("lt true true", "", FAIL),
    ("lt 1+0i 1+0i", "", FAIL),
    ("eq .NonNilMap .NonNilMap", "", FAIL),
]


@pytest.mark.parametrize(("expr", "truth", "ok"), CMP_TESTS, ids=[t[0] for t in CMP_TESTS])
def test_comparisons_from_go(expr: str, truth: str, ok: bool) -> None:
    template = Template("{{if " + expr + "}}true{{else}}false{{end}}", "empty")
    if ok:
        assert template.execute(CMP_DATA) == truth
    else:
        with pytest.raises(TemplateExecError):
            template.execute(CMP_DATA)


# source: exec_test.go, TestExecError
def test_error_in_nested_template_names_line_column_template_and_action() -> None:
    text = (
        'line 1\nline 2\nline 3\n{{template "one" .}}\n{{define "one"}}{{template "two" .}}'
        '{{end}}\n{{define "two"}}{{template "three" .}}{{end}}\n'
        '{{define "three"}}{{index "hi" $}}{{end}}'
    )
    with pytest.raises(TemplateExecError) as info:
        Template(text, "top").execute(5)
    assert str(info.value) == (
        'template: top:7:20: executing "three" at <index "hi" $>: '
        "error calling index: index out of range: 5"
    )


# source: exec_test.go, TestExecError_CustomError (the error keeps its type)
def test_error_returned_by_a_function_keeps_its_class() -> None:
    def failing() -> str:
        raise AwsError("heyo !", code="Custom")

    with pytest.raises(AwsError) as info:
        Template("{{ err }}", "top", {"err": failing}).execute()
    assert info.value.code == "Custom"
    assert (
        str(info.value) == 'template: top:1:3: executing "top" at <err>: error calling err: heyo !'
    )


# source: exec_test.go, TestJSEscaping
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", "a"),
        ("'foo", "\\'foo"),
        ('Go "jump" \\', 'Go \\"jump\\" \\\\'),
        ('Yukihiro says "今日は世界"', 'Yukihiro says \\"今日は世界\\"'),
        ("unprintable \ufffe", "unprintable \\uFFFE"),
        ("<html>", "\\u003Chtml\\u003E"),
        ("no = in attributes", "no \\u003D in attributes"),
        ("&#x27; does not become HTML entity", "\\u0026#x27; does not become HTML entity"),
    ],
)
def test_js_escaping(text: str, expected: str) -> None:
    assert Template("{{js .}}", "t").execute(text) == expected


# source: exec_test.go, TestTree (same template with {{ }} instead of ( ) delimiters)
def test_recursive_define_with_trim_markers_walks_a_tree() -> None:
    text = """
    {{- define "tree" -}}
    [
        {{- .Val -}}
        {{- with .Left -}}
            {{template "tree" . -}}
        {{- end -}}
        {{- with .Right -}}
            {{- template "tree" . -}}
        {{- end -}}
    ]
    {{- end -}}
"""

    def node(val: int, left=None, right=None) -> dict:
        return {"Val": val, "Left": left, "Right": right}

    tree = node(
        1,
        node(2, node(3, node(4)), node(5, node(6))),
        node(7, node(8, node(9)), node(10, node(11))),
    )
    assert Template(text, "root").execute(tree, "tree") == "[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]"


# source: exec_test.go, TestMissingMapKey (default option)
def test_missing_map_key_prints_no_value() -> None:
    assert Template("{{.x}} {{.y}}", "t1").execute({"x": 99}) == "99 <no value>"


# source: exec_test.go, TestUnterminatedStringError
def test_unterminated_raw_string_names_the_line_it_starts_on() -> None:
    with pytest.raises(TemplateSyntaxError, match="X:3: unterminated raw quoted string"):
        Template("hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n", "X")


# source: exec_test.go, TestExecuteGivesExecError
def test_field_of_an_int_is_an_exec_error() -> None:
    with pytest.raises(TemplateExecError, match="field X in type int"):
        Template("hello, {{.X.Y}}", "X").execute(0)


# source: exec_test.go, TestBlock (first half; the overlay needs a second Parse)
def test_block_defines_and_runs_its_template() -> None:
    text = 'a({{block "inner" .}}bar({{.}})baz{{end}})b'
    assert Template(text, "outer").execute("hello") == "a(bar(hello)baz)b"


# source: exec_test.go, TestMaxExecDepth
def test_runaway_recursion_stops_with_an_error() -> None:
    with pytest.raises(TemplateExecError, match="exceeded maximum template depth"):
        Template('{{template "tmpl" .}}', "tmpl").execute()


# source: exec_test.go, TestInterfaceValues
@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("{{index .Nil 1}}", "ERROR: index of untyped nil"),
        ("{{index .Slice 2}}", "2"),
        ("{{index .Slice .Two}}", "2"),
        ("{{call .Nil 1}}", "ERROR: call of nil"),
        ("{{call .PlusOne 1}}", "2"),
        ("{{call .PlusOne .One}}", "2"),
        ("{{and (index .Slice 0) true}}", "0"),
        ("{{and .Zero true}}", "0"),
        ("{{and (index .Slice 1) false}}", "false"),
        ("{{and .One false}}", "false"),
        ("{{or (index .Slice 0) false}}", "false"),
        ("{{or .Zero false}}", "false"),
        ("{{or (index .Slice 1) true}}", "1"),
        ("{{or .One true}}", "1"),
        ("{{not (index .Slice 0)}}", "true"),
        ("{{not .Zero}}", "true"),
        ("{{not (index .Slice 1)}}", "false"),
        ("{{not .One}}", "false"),
        ("{{eq (index .Slice 0) .Zero}}", "true"),
        ("{{eq (index .Slice 1) .One}}", "true"),
        ("{{ne (index .Slice 0) .Zero}}", "false"),
        ("{{ne (index .Slice 1) .One}}", "false"),
        ("{{ge (index .Slice 0) .One}}", "false"),
        ("{{ge (index .Slice 1) .Zero}}", "true"),
        ("{{gt (index .Slice 0) .One}}", "false"),
        ("{{gt (index .Slice 1) .Zero}}", "true"),
        ("{{le (index .Slice 0) .One}}", "true"),
        ("{{le (index .Slice 1) .Zero}}", "false"),
        ("{{lt (index .Slice 0) .One}}", "true"),
        ("{{lt (index .Slice 1) .Zero}}", "false"),
    ],
)
def test_interface_values(text: str, out: str) -> None:
    def plus_one(n: int) -> int:
        return n + 1

    data = {"PlusOne": plus_one, "Slice": [0, 1, 2, 3], "One": 1, "Two": 2, "Nil": None, "Zero": 0}
    template = Template(text, "tmpl")
    if out.startswith("ERROR:"):
        with pytest.raises(TemplateExecError, match=out.removeprefix("ERROR: ")):
            template.execute(data)
    else:
        assert template.execute(data) == out


# source: exec_test.go, TestExecutePanicDuringCall (the cases without methods)
@pytest.mark.parametrize(
    ("text", "data", "message"),
    [
        (
            "{{doPanic}}",
            None,
            'template: t:1:2: executing "t" at <doPanic>: error calling doPanic: '
            "custom panic string",
        ),
        (
            "{{call doPanic}}",
            None,
            'template: t:1:7: executing "t" at <doPanic>: error calling doPanic: '
            "custom panic string",
        ),
        (
            "{{call .PanicFunc}}",
            TVAL,
            'template: t:1:2: executing "t" at <call .PanicFunc>: error calling call: test panic',
        ),
    ],
)
def test_panics_during_calls_become_errors(text: str, data, message: str) -> None:
    def do_panic() -> str:
        raise RuntimeError("custom panic string")

    with pytest.raises(TemplateExecError) as info:
        Template(text, "t", {"doPanic": do_panic}).execute(data)
    assert str(info.value) == message


# source: exec_test.go, TestFunctionCheckDuringCall
@pytest.mark.parametrize(
    ("text", "data", "message"),
    [
        ("{{call}}", TVAL, "wrong number of args for call: want at least 1 got 0"),
        ("{{call .True}}", TVAL, "error calling call: non-function .True of type bool"),
        (
            "{{call .BinaryFunc 1}}",
            TVAL,
            "error calling call: wrong number of args for .BinaryFunc: got 1 want 2",
        ),
        (
            "{{call .VariadicFuncInt}}",
            TVAL,
            "error calling call: wrong number of args for .VariadicFuncInt: got 0 want at least 1",
        ),
        (
            '{{call (len "test")}}',
            None,
            'error calling call: non-function len "test" of type int',
        ),
    ],
)
def test_call_checks_its_function(text: str, data, message: str) -> None:
    with pytest.raises(TemplateExecError) as info:
        Template(text, "t").execute(data)
    assert message in str(info.value)


# source: exec_test.go, TestIssue31810
def test_parenthesised_first_element() -> None:
    assert Template("{{ (.)  }}", "").execute("result") == "result"

    def f() -> str:
        return "result"

    with pytest.raises(TemplateExecError):
        Template("{{ (.)  }}", "").execute(f)
    assert Template("{{ (call .)  }}", "").execute(f) == "result"


# source: exec_test.go, TestMessageForExecuteEmpty (ExecuteTemplate on an unknown name)
def test_executing_an_unknown_template_name() -> None:
    with pytest.raises(TemplateExecError, match='no template "x" associated with template "t"'):
        Template("hello", "t").execute(None, "x")
