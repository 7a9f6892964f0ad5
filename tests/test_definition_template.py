"""The template language itself: lexing, parsing, pipelines, errors (no AWS involved)."""

from __future__ import annotations

import json

import pytest

from lambherd.definition.template import format_value, render_template
from lambherd.definition.template_functions import DefinitionFunctions, go_sprintf, json_escape
from lambherd.errors import AwsError, TemplateError


@pytest.fixture
def funcs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GREETING", "hello")
    monkeypatch.setenv("EMPTY", "")
    monkeypatch.setenv("QUOTED", 'say "hi"\\now\n')
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    table = DefinitionFunctions(clients=_NoClients()).template_functions()
    table["ident"] = {"Account": "123", "Nested": {"Deep": "x"}}.copy
    table["join"] = lambda *parts: "-".join(str(p) for p in parts)
    return table


class _NoClients:
    """Fails the test if a pure template function tries to reach AWS."""

    def client(self, service: str):
        raise AssertionError(f"no AWS client expected, asked for {service}")


def render(text: str, funcs) -> str:
    return render_template(text, funcs, "function.json")


def test_env_with_default_double_and_back_quotes(funcs) -> None:
    assert render('{{ env "GREETING" "d" }}', funcs) == "hello"
    assert render("{{ env `GREETING` }}", funcs) == "hello"
    assert render('{{ env "NOT_SET_ANYWHERE" "fallback" }}', funcs) == "fallback"
    assert render("{{ env `NOT_SET_ANYWHERE` }}", funcs) == ""
    # like lambroll: an empty variable counts as unset for env, not for must_env
    assert render('{{ env "EMPTY" "d" }}', funcs) == "d"
    assert render('[{{ must_env "EMPTY" }}]', funcs) == "[]"


def test_must_env_missing_names_the_variable_file_and_line(funcs) -> None:
    text = '{\n  "A": "x",\n  "B": "{{ must_env `NOT_SET_ANYWHERE` }}"\n}'
    with pytest.raises(TemplateError) as info:
        render(text, funcs)
    assert str(info.value) == (
        "function.json: line 3: must_env: environment variable NOT_SET_ANYWHERE is not defined"
    )


def test_json_escape_pipeline_keeps_json_valid(funcs) -> None:
    out = render('{"v": "{{ env `QUOTED` | json_escape }}"}', funcs)
    assert json.loads(out)["v"] == 'say "hi"\\now\n'
    assert json_escape('a"b') == 'a\\"b'


def test_pipelines_chain_and_pass_the_value_last(funcs) -> None:
    assert render('{{ "b" | join "a" }}', funcs) == "a-b"
    assert render('{{ env "GREETING" | join "x" | json_escape }}', funcs) == "x-hello"


def test_parenthesised_sub_calls_and_numbers(funcs) -> None:
    assert render('{{ join (env "GREETING") 1 2.5 (join "p" "q") }}', funcs) == "hello-1-2.5-p-q"
    assert render("{{ join -3 }}", funcs) == "-3"


def test_field_access_on_call_results(funcs) -> None:
    assert render("{{ ident.Account }}/{{ ident.Nested.Deep }}", funcs) == "123/x"
    assert render("{{ (ident).Account }}", funcs) == "123"
    with pytest.raises(TemplateError, match=r"line 1: no field 'Nope'"):
        render("{{ ident.Nope }}", funcs)


def test_string_escapes(funcs) -> None:
    assert render(r'{{ "a\tb\"c\\d\u00e9\x41" }}', funcs) == 'a\tb"c\\déA'
    assert render(r"{{ `raw\n` }}", funcs) == r"raw\n"


def test_closing_braces_inside_strings_do_not_end_the_action(funcs) -> None:
    assert render('{{ join "}}" "{{" }}', funcs) == "}}-{{"


def test_comments_and_trim_markers(funcs) -> None:
    assert render("a {{/* gone */}} b", funcs) == "a  b"
    assert render('a   {{- "x" -}}   b', funcs) == "axb"
    assert render("a {{- /* c */ -}} b", funcs) == "ab"


def test_text_without_actions_is_untouched(funcs) -> None:
    text = '{"a": {"b": {}}}\n'
    assert render(text, funcs) == text


def test_non_string_values_are_written_like_lambroll(funcs) -> None:
    assert format_value(128) == "128"
    assert format_value(3.0) == "3"
    assert format_value(True) == "true"
    assert format_value({"b": 1, "a": [1, "x"]}) == '{"a":[1,"x"],"b":1}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ nope 1 }}", 'line 1: function "nope" not defined'),
        ("x\n{{ env `A`", "line 2: unclosed action"),
        ('{{ env "A }}', "unterminated quoted string"),
        ("{{ }}", "empty action"),
        ('{{ if env "A" }}', "'if' actions are not supported"),
        ("{{ $x }}", "variables ($x) are not supported"),
        ('{{ join ("a" }}', "missing )"),
        ('{{ "a" "b" }}', "only a function can be given arguments"),
        ("{{ env | }}", "missing command"),
        ("{{ must_env }}", "must_env: expects 1 argument, got 0"),
        ('{{ must_env "A" "B" }}', "must_env: expects 1 argument, got 2"),
        ("{{ must_env 3 }}", "must_env: expected a string argument"),
        ("{{ .Foo }}", "the data value (.Foo) is not supported"),
        ("{{ . }}", "the data value (.) is not supported"),
        (r'{{ "\q" }}', r"unknown escape sequence \q"),
    ],
)
def test_bad_templates_fail_with_one_clear_line(funcs, text: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        render(text, funcs)
    assert str(info.value).startswith("function.json: line ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_errors_from_functions_keep_their_class_and_get_the_location(funcs) -> None:
    def boom() -> str:
        raise AwsError("ssm: get parameter /x: AccessDenied: no", code="AccessDenied")

    funcs["boom"] = boom
    with pytest.raises(AwsError) as info:
        render('{\n"a": "{{ boom }}"}', funcs)
    assert str(info.value) == "function.json: line 2: ssm: get parameter /x: AccessDenied: no"
    assert info.value.code == "AccessDenied"


def test_go_sprintf_verbs() -> None:
    assert go_sprintf("aws_x.y['%s'].id", ["a"]) == "aws_x.y['a'].id"
    assert go_sprintf("s[%d].%v %q 100%%", [2, "id", "k"]) == 's[2].id "k" 100%'
    with pytest.raises(TemplateError, match="needs more arguments"):
        go_sprintf("%s %s", ["a"])
    with pytest.raises(TemplateError, match="too many arguments"):
        go_sprintf("%s", ["a", "b"])
