"""lambroll compatibility: rendering, case by case from the tests of lambroll and its libraries.

Each case names its source (repository, file, test). The inputs are ours (tests/data/lambroll,
see its README), written from the facts those tests state. Only entry points that have long
existed are used (``load_function``, ``render_document``, ``DefinitionFunctions``), so the same
file measures any lambherd version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambherd.app import RenderOptions
from lambherd.definition import load_function
from lambherd.definition.loader import render_document
from lambherd.definition.template_functions import DefinitionFunctions
from lambherd.errors import LambherdError

DATA = Path(__file__).parent / "data" / "lambroll"


def render(folder: Path, text: str, options: RenderOptions | None = None, name: str = "t.json"):
    """The JSON document ``text`` renders to, as lambroll's loader reads a definition file."""
    options = options or RenderOptions()
    path = folder / name
    path.write_text(text)
    return render_document(path, options, DefinitionFunctions(options, None, base_dir=folder))


# --- lambroll function_test.go TestLoadFunction -----------------------------------------
LOAD_FUNCTION_CHECKS: list[tuple[str, Any, Any]] = [
    ("Role", lambda f: f["Role"], "arn:aws:iam::123456789012:role/test_lambda_role"),
    ("FunctionName", lambda f: f["FunctionName"], "test"),
    (
        "FileSystemConfigs[0].Arn",
        lambda f: f["FileSystemConfigs"][0]["Arn"],
        "arn:aws:elasticfilesystem:ap-northeast-1:123456789012:access-point/fsap-04fc0858274e7dd9a",
    ),
    ("Environment.JSON", lambda f: f["Environment"]["Variables"]["JSON"], '{"foo":"bar"}'),
    (
        "Environment.PREFIXED_TFSTATE_1",
        lambda f: f["Environment"]["Variables"]["PREFIXED_TFSTATE_1"],
        "arn:aws:iam::123456789012:role/test_lambda_role_1",
    ),
    (
        "Environment.PREFIXED_TFSTATE_2",
        lambda f: f["Environment"]["Variables"]["PREFIXED_TFSTATE_2"],
        "arn:aws:iam::123456789012:role/test_lambda_role_2",
    ),
    (
        "VpcConfig.SecurityGroupIds[0]",
        lambda f: f["VpcConfig"]["SecurityGroupIds"][0],
        "sg-01a9b01eab0a3c154",
    ),
    ("Architectures", lambda f: f["Architectures"], ["x86_64"]),
    ("LoggingConfig.LogGroup", lambda f: f["LoggingConfig"]["LogGroup"], "/aws/lambda/test/json"),
    ("EphemeralStorage.Size", lambda f: f["EphemeralStorage"]["Size"], 1024),
    ("Description (ext-str)", lambda f: f["Description"], "hello function"),
    ("MemorySize (ext-code 64 * 2)", lambda f: f["MemorySize"], 128),
]


@pytest.fixture
def lambroll_app(monkeypatch: pytest.MonkeyPatch) -> RenderOptions:
    """lambroll's TestLoadFunction options: FUNCTION_NAME, test/env, three tfstates, ext vars."""
    monkeypatch.setenv("FUNCTION_NAME", "test")
    for name in ("JSON", "WORLD"):  # set by the envfile; registered so they are undone
        monkeypatch.setenv(name, "")
    return RenderOptions(
        envfiles=(str(DATA / "env"),),
        ext_str={"Description": "hello function"},
        ext_code={"MemorySize": "64 * 2"},
        tfstate=str(DATA / "terraform.tfstate"),
        prefixed_tfstate={
            "prefix1_": str(DATA / "terraform_1.tfstate"),
            "prefix2_": str(DATA / "terraform_2.tfstate"),
        },
    )


# source: fujiwara/lambroll function_test.go TestLoadFunction (each assertion, both files)
@pytest.mark.parametrize("file", ["function.json", "function.jsonnet"])
@pytest.mark.parametrize(
    ("field", "get", "expected"), LOAD_FUNCTION_CHECKS, ids=[c[0] for c in LOAD_FUNCTION_CHECKS]
)
def test_lambroll_load_function(
    lambroll_app: RenderOptions, file: str, field: str, get: Any, expected: Any
) -> None:
    config = load_function(DATA / file, lambroll_app).config
    assert get(config) == expected


# --- lambroll jsonnet_test.go TestJsonnetNativeFuncs ------------------------------------
JSONNET_NATIVES = """
local env = std.native("env");
local must_env = std.native("must_env");
{
  foo: env("FOO", "default"),
  bar: must_env("BAR"),
}
"""


# source: fujiwara/lambroll jsonnet_test.go TestJsonnetNativeFuncs
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"BAR": "bar", "FOO": ""}, {"foo": "default", "bar": "bar"}),
        ({"FOO": "foo", "BAR": "bar"}, {"foo": "foo", "bar": "bar"}),
        ({"FOO": "foo"}, None),
    ],
    ids=["env FOO not set", "env FOO set", "must_env BAR not set"],
)
def test_lambroll_jsonnet_natives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict, expected: dict | None
) -> None:
    monkeypatch.delenv("FOO", raising=False)
    monkeypatch.delenv("BAR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if expected is None:
        with pytest.raises(LambherdError):
            render(tmp_path, JSONNET_NATIVES, name="test.jsonnet")
    else:
        assert render(tmp_path, JSONNET_NATIVES, name="test.jsonnet") == expected


# --- kayac/go-config --------------------------------------------------------------------
# source: kayac/go-config funcs_test.go TestFuncs (the env half; `word` is the test's own func)
def test_go_config_funcs_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFIX", "test_")
    assert render(tmp_path, '{"foo": "{{ env "PREFIX" }}foo_bar"}') == {"foo": "test_foo_bar"}


# source: kayac/go-config json_test.go TestJSONEncode (testsJSON, through json_escape)
@pytest.mark.parametrize(
    "value",
    [
        '{"foo":"bar"}',
        '{"foo":"b\\nar"}',
        '{"foo":"b\\"ar"}',
        '{"foo":"b\\u1234ar\\t"}',
        '{"foo":"\\u2029"}',
        '["A", "B", "C"]',
        '"string"',
    ],
)
def test_go_config_json_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("JSON", value)
    conf = render(tmp_path, '{\n\t"json": "{{ env "JSON" | json_escape }}"\n}')
    assert json.loads(conf["json"]) == json.loads(value)


# source: kayac/go-config read_test.go TestRead (the whole text is the template)
def test_go_config_read_renders_the_whole_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FOO", "foobar")
    assert render(tmp_path, '{"x": "xxx{{ env "FOO" }}xxx"}') == {"x": "xxxfoobarxxx"}


# source: kayac/go-config config_test.go TestLoadMustEnv / TestLoadMustEnvBytes
@pytest.mark.parametrize("value", ["must.example.com", ""], ids=["set", "set empty"])
def test_go_config_must_env(tmp_path: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv("MUST_DOMAIN", value)
    assert render(tmp_path, '{"domain": "{{ must_env "MUST_DOMAIN" }}"}') == {"domain": value}


# source: kayac/go-config config_test.go TestLoadMustEnvPanic (a panic: the load fails)
def test_go_config_must_env_unset_fails(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MUST_DOMAIN_PANIC", raising=False)
    with pytest.raises(LambherdError):
        render(tmp_path, '{"domain": "{{ must_env "MUST_DOMAIN_PANIC" }}"}')


# source: kayac/go-config config_test.go TestLoadJSON
def test_go_config_load_json(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FOO", "BOO")
    doc = '{\n  "foo": "bar",\n  "env_foo": "{{ env "FOO" }}"\n}'
    assert render(tmp_path, doc) == {"foo": "bar", "env_foo": "BOO"}


# source: kayac/go-config config_test.go ExampleLoadWithEnv (its YAML values, as JSON)
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{ env "DOMAIN"}}', "dev.example.com"),
        ('{{ env "RW_USER" "rw" }}@/{{ env "DB_NAME" "example_dev" }}', "rw@/example_local"),
        ('{{ env "RO_USER" "ro" }}@/{{ env "DB_NAME" "example_dev" }}', "ro@/example_local"),
    ],
    ids=["domain", "db.master", "db.slave"],
)
def test_go_config_example_load_with_env(
    tmp_path: Path, monkeypatch, template: str, expected: str
) -> None:
    monkeypatch.setenv("DOMAIN", "dev.example.com")
    monkeypatch.setenv("DB_NAME", "example_local")
    monkeypatch.delenv("RW_USER", raising=False)
    monkeypatch.delenv("RO_USER", raising=False)
    assert render(tmp_path, f'{{"v": "{template}"}}') == {"v": expected}


# source: kayac/go-config config.go DefaultFuncMap "env" (each key in turn: its value if
# non-empty, else the key itself is the result so far; so the last default is literal)
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{ env "GC_UNSET" }}', "GC_UNSET"),
        ('{{ env "GC_UNSET" "fallback" }}', "fallback"),
        ('{{ env "GC_UNSET" "GC_SET" }}', "from-set"),
        ('{{ env "GC_EMPTY" "fallback" }}', "fallback"),
        ('{{ env "GC_UNSET" "GC_UNSET2" "last" }}', "last"),
        ("{{ env }}", ""),
    ],
    ids=["unset-is-its-name", "default", "default-is-a-name", "empty-is-unset", "chain", "none"],
)
def test_go_config_env_semantics(tmp_path: Path, monkeypatch, template: str, expected: str) -> None:
    monkeypatch.delenv("GC_UNSET", raising=False)
    monkeypatch.delenv("GC_UNSET2", raising=False)
    monkeypatch.setenv("GC_SET", "from-set")
    monkeypatch.setenv("GC_EMPTY", "")
    assert render(tmp_path, f'{{"v": "{template}"}}') == {"v": expected}


# --- fujiwara/tfstate-lookup ------------------------------------------------------------
def assert_tfstate_renders(folder: Path, action: str, expected: str | None) -> None:
    """``{"v": "{{ action }}"}`` with --tfstate tfstate_lookup.tfstate: ``expected``, or fails."""
    options = RenderOptions(tfstate=str(DATA / "tfstate_lookup.tfstate"))
    text = '{"v": "{{ ACTION }}"}'.replace("ACTION", action)
    if expected is None:
        with pytest.raises(LambherdError):
            render(folder, text, options)
    else:
        assert render(folder, text, options) == {"v": expected}


# source: tfstate-lookup tfstate/lookup_test.go TestSuitesOK, through the template function
# (funcs.go: the value's String() — text as is, anything else as JSON; nil is an error)
TFSTATE_LOOKUPS: list[tuple[str, str | None]] = [
    ("data.aws_caller_identity.current.account_id", "123456789012"),
    ("data.aws_caller_identity.xxxx.account_id", None),
    ("aws_acm_certificate.main.validation_method", "DNS"),
    ("aws_acm_certificate.main2", None),
    ("aws_acm_certificate.main.validation_method_xxx", None),
    ("aws_acm_certificate.main.subject_alternative_names", '["*.example.com"]'),
    ("aws_acm_certificate.main.subject_alternative_names[0]", "*.example.com"),
    ("aws_acm_certificate.main.subject_alternative_names[2]", None),
    ('module.logs.aws_cloudwatch_log_group.main["vanish"]', None),
    ('module.logs.aws_cloudwatch_log_group.main["app"].id', "/main/app"),
    ('module.xxx.aws_cloudwatch_log_group.main["app"].id', None),
    ('module.logs.aws_cloudwatch_log_group.main["app"].retention_in_days', "30"),
    ('module.logs.aws_cloudwatch_log_group.main["app"].retention_in_days_xxx', None),
    ("module.logs.aws_cloudwatch_log_group.ma", None),
    ("aws_iam_role_policy_attachment.ec2[1].id", "ec2-20190801065413531100000001"),
    ("aws_iam_role_policy_attachment.ec2[2].id", None),
    ("output.foo", "FOO"),
    ("output.bar[1]", "B"),
    ("output.baz", None),
    (
        "module.webapp.module.ecs_task_roles.aws_iam_role.task_execution_role.name",
        "task-execution-role",
    ),
    ("module.webapp.xxxx.ecs_task_roles.aws_iam_role.task_execution_role", None),
    ("xxxx.webapp.module.ecs_task_roles.aws_iam_role.task_execution_role", None),
    ("module.subnets.aws_subnet.main[0].cidr_block", "10.11.12.0/22"),
    ("module.subnets.aws_subnet.main[1].cidr_block", "10.11.15.0/22"),
    ('aws_iam_user.users["foo.bar"].name', "foo.bar"),
    ('aws_iam_user.users["hoge.fuga"].name', "hoge.fuga"),
    ('data.aws_lb_target_group.app["dev1"].name', "dev-dev1-app"),
    ("module.example.aws_vpc.example", None),
    (
        "data.terraform_remote_state.remote.outputs.kms_key.arn",
        "arn:aws:kms:ap-northeast-1:123456789012:key/500193e3-ddd9-4581-ab0c-fd7aeaedf3e1",
    ),
    (
        "data.terraform_remote_state.remote.outputs.kms_key_arn",
        "arn:aws:kms:ap-northeast-1:123456789012:key/500193e3-ddd9-4581-ab0c-fd7aeaedf3e1",
    ),
    ("data.terraform_remote_state.remote.outputs.mylist[1]", "2"),
    ('aws_iam_user.user["me"].arn', "arn:aws:iam::xxxxxxxxxxxx:user/me"),
    (
        "data.terraform_remote_state.hyphenated-id.outputs.repository-uri",
        "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app",
    ),
    ("output.dash-tuple[1]", "2"),
    ("output.dash-tuple[-1]", "1"),
]


@pytest.mark.parametrize(
    ("address", "expected"), TFSTATE_LOOKUPS, ids=[a for a, _ in TFSTATE_LOOKUPS]
)
def test_tfstate_lookup(tmp_path: Path, address: str, expected: str | None) -> None:
    assert_tfstate_renders(tmp_path, f"tfstate `{address}` | json_escape", expected)


# source: tfstate-lookup tfstate/funcs_test.go TestMustFuncMap / TestMustFuncMapF
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("tfstate `data.aws_caller_identity.current.account_id`", "123456789012"),
        ("tfstate `module.logs.aws_cloudwatch_log_group.main['app'].retention_in_days`", "30"),
        ("tfstate `data.aws_caller_identity.current.xxx`", None),
        ("tfstatef `data.aws_caller_identity.current.account_id`", "123456789012"),
        (
            "tfstatef `module.logs.aws_cloudwatch_log_group.main['%s'].retention_in_days` `app`",
            "30",
        ),
        (
            "tfstatef `aws_iam_role_policy_attachment.ec2[%d].id` 0",
            "ec2-20190801065413533200000002",
        ),
        ('tfstatef `aws_iam_user.users["%s.%s"].id` `foo` `bar`', "foo.bar"),
        ("tfstatef `data.aws_caller_identity.current.xxx`", None),
    ],
    ids=[
        "MustFuncMap:account_id",
        "MustFuncMap:single-quoted-key",
        "MustFuncMap:missing-fails",
        "MustFuncMapF:no-args",
        "MustFuncMapF:%s",
        "MustFuncMapF:%d",
        "MustFuncMapF:%s.%s",
        "MustFuncMapF:missing-fails",
    ],
)
def test_tfstate_funcs(tmp_path: Path, call: str, expected: str | None) -> None:
    assert_tfstate_renders(tmp_path, call, expected)


# --- Go text/template as lambroll users write it (the failing examples) ----------
# source: golang/go text/template (doc.go: printf, len, if/eq), via go-config's ReadWithEnv
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{ printf "%s-x" (env "TT_A") }}', "y-x"),
        ('{{ len "abc" }}', "3"),
        ('{{ if eq (env "TT_A") "y" }}yes{{ else }}no{{ end }}', "yes"),
    ],
    ids=["printf", "len", "if-eq"],
)
def test_go_template_in_definitions(
    tmp_path: Path, monkeypatch, template: str, expected: str
) -> None:
    monkeypatch.setenv("TT_A", "y")
    assert render(tmp_path, f'{{"v": "{template}"}}') == {"v": expected}
