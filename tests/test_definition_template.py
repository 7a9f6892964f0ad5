"""Definition templates: Go's text/template over the raw file, with lambroll's functions.

The language itself is tested against Go's own cases in test_gotemplate_*.py; this file checks
what a definition file sees: go-config's env/must_env/json_escape, errors naming file, line and
column, and lambherd's error classes surviving the template engine.
"""

from __future__ import annotations

import json

import pytest

from lambherd.definition.gojson import marshal
from lambherd.definition.template import render_template
from lambherd.definition.template_functions import DefinitionFunctions, json_escape
from lambherd.errors import AwsError, TemplateError


@pytest.fixture
def funcs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GREETING", "hello")
    monkeypatch.setenv("EMPTY", "")
    monkeypatch.setenv("QUOTED", 'say "hi"\\now\n<&>')
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    monkeypatch.delenv("ALSO_NOT_SET", raising=False)
    table = DefinitionFunctions(clients=_NoClients()).template_functions()
    table["ident"] = {"Account": "123", "Nested": {"Deep": "x"}}.copy
    return table


class _NoClients:
    """Fails the test if a pure template function tries to reach AWS."""

    def client(self, service: str):
        raise AssertionError(f"no AWS client expected, asked for {service}")


def render(text: str, funcs) -> str:
    return render_template(text, funcs, "function.json")


def test_env_follows_go_config(funcs, monkeypatch) -> None:
    assert render('{{ env "GREETING" "d" }}', funcs) == "hello"
    assert render("{{ env `GREETING` }}", funcs) == "hello"
    assert render('{{ env "NOT_SET_ANYWHERE" "fallback" }}', funcs) == "fallback"
    # go-config: an unset variable with no default renders its own name
    assert render("{{ env `NOT_SET_ANYWHERE` }}", funcs) == "NOT_SET_ANYWHERE"
    # the default is looked up as a variable name first
    assert render('{{ env "NOT_SET_ANYWHERE" "GREETING" }}', funcs) == "hello"
    assert render('{{ env "NOT_SET_ANYWHERE" "ALSO_NOT_SET" "last" }}', funcs) == "last"
    assert render("[{{ env }}]", funcs) == "[]"
    # an empty variable counts as unset for env, not for must_env
    assert render('{{ env "EMPTY" "d" }}', funcs) == "d"
    assert render('[{{ must_env "EMPTY" }}]', funcs) == "[]"


def test_must_env_missing_names_the_variable_and_where(funcs) -> None:
    text = '{\n  "A": "x",\n  "B": "{{ must_env `NOT_SET_ANYWHERE` }}"\n}'
    with pytest.raises(TemplateError) as info:
        render(text, funcs)
    assert str(info.value) == (
        'template: function.json:3:11: executing "function.json" at '
        "<must_env `NOT_SET_ANYWHERE`>: error calling must_env: "
        "environment variable NOT_SET_ANYWHERE is not defined"
    )
    assert "--envfile" in (info.value.hint or "")


def test_json_escape_is_go_json_marshal(funcs) -> None:
    out = render('{"v": "{{ env `QUOTED` | json_escape }}"}', funcs)
    assert out == '{"v": "say \\"hi\\"\\\\now\\n\\u003c\\u0026\\u003e"}'
    assert json.loads(out)["v"] == 'say "hi"\\now\n<&>'
    assert json_escape("\u2028\b\f\x01\x7f") == "\\u2028\\b\\f\\u0001\x7f"
    with pytest.raises(TemplateError, match="expected string; found 1"):
        render("{{ json_escape 1 }}", funcs)


def test_go_template_language_in_a_definition(funcs) -> None:
    assert render('{{ printf "%s-x" (env "GREETING") }}', funcs) == "hello-x"
    assert render('{{ len "abc" }}', funcs) == "3"
    assert render('{{ if eq (env "GREETING") "hello" }}y{{ else }}n{{ end }}', funcs) == "y"
    text = '{{ $n := env "GREETING" }}{{ range $i, $c := slice $n 0 2 | printf "%s" | print }}'
    with pytest.raises(TemplateError, match="range can't iterate over he"):
        render(text + "{{ end }}", funcs)
    assert render("{{ ident.Account }}/{{ ident.Nested.Deep }}/{{ (ident).Account }}", funcs) == (
        "123/x/123"
    )
    assert render("{{ ident.Nope }}", funcs) == "<no value>"


def test_comments_trim_markers_and_closing_braces_in_strings(funcs) -> None:
    assert render("a {{/* gone */}} b", funcs) == "a  b"
    assert render('a   {{- "x" -}}   b', funcs) == "axb"
    assert render("a {{- /* c */ -}} b", funcs) == "ab"
    assert render('{{ printf "%s%s" "}}" "{{" }}', funcs) == "}}{{"


def test_text_without_actions_is_untouched(funcs) -> None:
    text = '{"a": {"b": {}}}\n'
    assert render(text, funcs) == text


def test_unknown_function_fails_the_whole_file_with_a_hint(funcs) -> None:
    # Go checks functions when parsing: even a branch that never runs fails.
    with pytest.raises(TemplateError) as info:
        render('{\n"a": "{{ if false }}{{ nope 1 }}{{ end }}"}', funcs)
    assert str(info.value) == 'template: function.json:2: function "nope" not defined'
    assert "must_env" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x\n{{ env `A`", "template: function.json:2: unclosed action"),
        ('{{ env "A }}', "template: function.json:1: unterminated quoted string"),
        ("{{ }}", "template: function.json:1: missing value for command"),
        ("{{ $x }}", 'template: function.json:1: undefined variable "$x"'),
        ('{{ printf ("a" }}', "template: function.json:1: unclosed left paren"),
        (
            '{{ "a" "b" }}',
            'template: function.json:1:3: executing "function.json" at <"a">: '
            'can\'t give argument to non-function "a"',
        ),
        (
            "{{ must_env }}",
            'template: function.json:1:3: executing "function.json" at <must_env>: '
            "wrong number of args for must_env: want 1 got 0",
        ),
        (
            "{{ must_env 3 }}",
            'template: function.json:1:12: executing "function.json" at <3>: '
            "expected string; found 3",
        ),
        (r'{{ "\q" }}', "template: function.json:1: invalid syntax"),
    ],
)
def test_bad_templates_fail_with_one_line_naming_where(funcs, text: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        render(text, funcs)
    assert str(info.value) == message


def test_errors_from_functions_keep_their_class_and_get_the_location(funcs) -> None:
    def boom() -> str:
        raise AwsError("get parameter /x: AccessDenied: no", code="AccessDenied")

    funcs["boom"] = boom
    with pytest.raises(AwsError) as info:
        render('{\n"a": "{{ boom }}"}', funcs)
    assert str(info.value) == (
        'template: function.json:2:9: executing "function.json" at <boom>: '
        "error calling boom: get parameter /x: AccessDenied: no"
    )
    assert info.value.code == "AccessDenied"


def test_go_json_marshal_of_state_values() -> None:
    assert marshal({"b": 1, "a": [1, "x", None, True]}) == '{"a":[1,"x",null,true],"b":1}'
    assert marshal(128) == "128"
    assert marshal(1e21) == "1e+21"
    assert marshal(1e-7) == "1e-7"
    assert marshal(0.5) == "0.5"
    assert marshal(100000000000000000000.0) == "100000000000000000000"
    assert marshal("<a>") == '"\\u003ca\\u003e"'
