"""load_function renders definitions like lambroll: templates, SSM, tfstate, envfile, Jsonnet."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambherd.app import RenderOptions
from lambherd.aws import AwsClients
from lambherd.definition import load_function
from lambherd.errors import DefinitionError, TemplateError

DATA = Path(__file__).parent / "data" / "definition"


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    """--envfile writes os.environ; put it back after each test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


class CountingClients(AwsClients):
    """Real AwsClients that records which services were asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def client(self, service: str):
        self.asked.append(service)
        return super().client(service)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_templates_never_create_a_client(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FN_SUFFIX", "dev")
    path = write(
        tmp_path,
        "function.json",
        '{"FunctionName": "app-{{ env `FN_SUFFIX` }}", "MemorySize": {{ env "MEM" "256" }}}',
    )
    clients = CountingClients()
    defn = load_function(path, RenderOptions(), clients)
    assert defn.config == {"FunctionName": "app-dev", "MemorySize": 256}
    assert clients.asked == []
    assert clients._session is None

    def factory():
        raise AssertionError("the clients factory must not be called")

    assert load_function(path, RenderOptions(), factory).config["MemorySize"] == 256


def test_ssm_secure_string_and_string_list(boto, tmp_path: Path) -> None:
    ssm = boto("ssm")
    ssm.put_parameter(Name="/app/token", Value="s3cr3t-value", Type="SecureString")
    ssm.put_parameter(Name="/app/subnets", Value="subnet-a,subnet-b", Type="StringList")
    ssm.put_parameter(Name="/app/plain", Value="plain-value", Type="String")
    path = write(
        tmp_path,
        "function.json",
        """{
  "FunctionName": "ssm-fn",
  "Environment": {"Variables": {
    "TOKEN": "{{ ssm `/app/token` }}",
    "PLAIN": "{{ ssm "/app/plain" }}",
    "AGAIN": "{{ ssm `/app/token` }}"
  }},
  "VpcConfig": {"SubnetIds": ["{{ ssm `/app/subnets` 0 }}", "{{ ssm `/app/subnets` 1 }}"]}
}""",
    )
    clients = CountingClients()
    calls: list[str] = []
    clients.register_hook("before-call.ssm.GetParameter", lambda **kw: calls.append("get"))
    config = load_function(path, RenderOptions(), clients).config
    assert config["Environment"]["Variables"] == {
        "TOKEN": "s3cr3t-value",
        "PLAIN": "plain-value",
        "AGAIN": "s3cr3t-value",
    }
    assert config["VpcConfig"]["SubnetIds"] == ["subnet-a", "subnet-b"]
    assert len(calls) == 3  # one call per parameter, cached within the render


@pytest.mark.slow
@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("{{ ssm `/missing` }}", "parameter /missing not found"),
        ("{{ ssm `/list` }}", "/list is a StringList: give an index, e.g. {{ ssm `/list` 0 }}"),
        ("{{ ssm `/list` 5 }}", "index 5 is out of range for /list (2 items)"),
        ("{{ ssm `/str` 0 }}", "an index is only for StringList parameters; /str is a String"),
    ],
)
def test_ssm_errors(boto, tmp_path: Path, action: str, message: str) -> None:
    boto("ssm").put_parameter(Name="/list", Value="a,b", Type="StringList")
    boto("ssm").put_parameter(Name="/str", Value="v", Type="String")
    path = write(tmp_path, "function.json", '{"Description": "' + action + '"}')
    with pytest.raises(TemplateError) as info:
        load_function(path, RenderOptions(), AwsClients())
    where = f'template: function.json:1:20: executing "function.json" at <{action[3:-3]}>'
    assert str(info.value) == f"{where}: error calling ssm: {message}"


def test_caller_identity_fields(aws, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "function.json",
        '{"Role": "arn:aws:iam::{{ caller_identity.Account }}:role/x",'
        ' "Description": "{{ caller_identity.Arn }}"}',
    )
    config = load_function(path, RenderOptions(), AwsClients()).config
    assert config["Role"] == "arn:aws:iam::123456789012:role/x"
    assert config["Description"].startswith("arn:aws:")


def test_tfstate_tfstatef_and_prefixed_tfstate(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SG_KEY", "b")
    monkeypatch.setenv("AZ", "az-a")
    path = write(
        tmp_path,
        "function.json",
        """{
  "Role": "{{ tfstate `aws_iam_role.lambda.arn` }}",
  "Description": "{{ tfstate `data.aws_iam_role.x.name` }}",
  "Timeout": {{ tfstate `aws_iam_role.lambda.max_session_duration` }},
  "VpcConfig": {
    "SubnetIds": [
      "{{ tfstatef `aws_subnet.s[%d].id` 1 }}",
      "{{ net_tfstatef `aws_subnet.private['%s'].id` (must_env `AZ`) }}"
    ],
    "SecurityGroupIds": [
      "{{ tfstatef "aws_security_group.internal['%s'].id" (must_env "SG_KEY") }}"
    ]
  },
  "Environment": {"Variables": {
    "VPC": "{{ net_tfstate `output.vpc_id` }}",
    "SETTINGS": "{{ tfstate `output.settings` | json_escape }}"
  }}
}""",
    )
    options = RenderOptions(
        tfstate=str(DATA / "terraform.tfstate"),
        prefixed_tfstate={"net_": str(DATA / "network.tfstate")},
    )
    config = load_function(path, options, CountingClients()).config
    assert config["Role"] == "arn:aws:iam::123456789012:role/managed-lambda"
    assert config["Description"] == "data-x"
    assert config["Timeout"] == 3600
    assert config["VpcConfig"] == {
        "SubnetIds": ["subnet-1111", "subnet-net-a"],
        "SecurityGroupIds": ["sg-bbbb"],
    }
    assert config["Environment"]["Variables"]["VPC"] == "vpc-net"
    assert json.loads(config["Environment"]["Variables"]["SETTINGS"]) == {
        "level": "debug",
        "retries": 3,
    }


def test_tfstate_missing_address_names_address_state_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "function.json", '{\n"Role": "{{ tfstate `aws_iam_role.nope.arn` }}"}')
    state = str(DATA / "terraform.tfstate")
    with pytest.raises(TemplateError) as info:
        load_function(path, RenderOptions(tfstate=state))
    assert str(info.value) == (
        'template: function.json:2:12: executing "function.json" at '
        "<tfstate `aws_iam_role.nope.arn`>: error calling tfstate: "
        f"aws_iam_role.nope.arn is not found in Terraform state {state}"
    )


def test_tfstate_without_option_is_an_unknown_function(tmp_path: Path) -> None:
    path = write(tmp_path, "function.json", '{"Role": "{{ tfstate `aws_iam_role.x.arn` }}"}')
    with pytest.raises(
        TemplateError, match=r'^template: function\.json:1: function "tfstate" not defined$'
    ):
        load_function(path, RenderOptions())


def test_tfstate_from_s3(boto, tmp_path: Path) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="states")
    s3.put_object(Bucket="states", Key="net.tfstate", Body=(DATA / "network.tfstate").read_bytes())
    path = write(
        tmp_path,
        "function.json",
        '{"Description": "{{ tfstate `output.vpc_id` }}",'
        ' "Handler": "{{ n_tfstate `aws_subnet.private[\'az-b\'].id` }}"}',
    )
    options = RenderOptions(
        tfstate="s3://states/net.tfstate", prefixed_tfstate={"n_": "s3://states/net.tfstate"}
    )
    clients = CountingClients()
    config = load_function(path, options, clients).config
    assert config == {"Description": "vpc-net", "Handler": "subnet-net-b"}
    assert clients.asked.count("s3") == 1


def test_envfile_is_loaded_before_rendering(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OVERRIDDEN", "from-process")
    envfile = write(
        tmp_path,
        "app.env",
        "# comment line\n"
        "export FN_NAME=from-envfile\n"
        "SINGLE='single quoted # not a comment'\n"
        'DOUBLE="double \\"quoted\\""\n'
        "OVERRIDDEN=from-envfile  # trailing comment\n",
    )
    path = write(
        tmp_path,
        "function.json",
        """{"FunctionName": "{{ must_env `FN_NAME` }}",
 "Environment": {"Variables": {
   "S": "{{ must_env `SINGLE` }}",
   "D": "{{ must_env `DOUBLE` | json_escape }}",
   "O": "{{ must_env `OVERRIDDEN` }}"}}}""",
    )
    config = load_function(path, RenderOptions(envfiles=(str(envfile),))).config
    assert config["FunctionName"] == "from-envfile"
    assert config["Environment"]["Variables"] == {
        "S": "single quoted # not a comment",
        "D": 'double "quoted"',
        "O": "from-envfile",
    }


def test_missing_envfile(tmp_path: Path) -> None:
    path = write(tmp_path, "function.json", "{}")
    with pytest.raises(DefinitionError, match=r"nope\.env: envfile not found"):
        load_function(path, RenderOptions(envfiles=(str(tmp_path / "nope.env"),)))


def test_value_with_quotes_without_json_escape_is_a_clear_json_error(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("QUOTED", 'say "hi"')
    path = write(tmp_path, "function.json", '{"Description": "{{ env `QUOTED` }}"}')
    with pytest.raises(DefinitionError) as info:
        load_function(path, RenderOptions())
    assert str(info.value).startswith("function.json:1:23: invalid JSON after rendering templates")
    assert "json_escape" in (info.value.hint or "")


def test_jsonnet_with_ext_vars_natives_and_templates(boto, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("TEMPLATED", "from-template")
    boto("ssm").put_parameter(Name="/j/secret", Value="jsonnet-secret", Type="SecureString")
    boto("ssm").put_parameter(Name="/j/list", Value="x,y,z", Type="StringList")
    shutil.copy(DATA / "function.jsonnet", tmp_path / "function.jsonnet")
    options = RenderOptions(
        ext_str={"region": "eu-west-1"},
        ext_code={"memory": "128 * 4"},
        tfstate=str(DATA / "terraform.tfstate"),
        prefixed_tfstate={"net_": str(DATA / "network.tfstate")},
    )
    config = load_function(tmp_path / "function.jsonnet", options, AwsClients()).config
    assert config["FunctionName"] == "jsonnet-prod"
    assert config["MemorySize"] == 512
    assert config["Role"] == "arn:aws:iam::123456789012:role/managed-lambda"
    assert config["Environment"]["Variables"] == {
        "REGION": "eu-west-1",
        "DEFAULTED": "fallback",
        "SECRET": "jsonnet-secret",
        "LISTED": "y",
        "ACCOUNT": "123456789012",
        "VPC": "vpc-net",
        "TEMPLATED": "from-template",
        "ESCAPED": 'a \\"b\\"',
    }
    assert config["VpcConfig"]["SubnetIds"] == ["subnet-0000", "subnet-net-b"]
    assert config["Tags"] == {"Team": "core", "cost-center": "cc-42"}


def test_jsonnet_must_env_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "function.jsonnet",
        "local must_env = std.native('must_env');\n"
        "{\n  FunctionName: must_env('NOPE_NOT_SET'),\n}\n",
    )
    with pytest.raises(TemplateError) as info:
        load_function(path, RenderOptions())
    assert str(info.value) == ("function.jsonnet: line 3: must_env: NOPE_NOT_SET is not set")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{\n  a: b,\n}\n", "function.jsonnet: line 2: STATIC ERROR: Unknown variable: b"),
        (
            "{\n\n  a: error 'custom failure',\n}\n",
            "function.jsonnet: line 3: RUNTIME ERROR: custom",
        ),
        ("{ a: std.extVar('missing') }", "function.jsonnet: line 1: RUNTIME ERROR: undefined ext"),
    ],
)
def test_jsonnet_errors_are_definition_errors_with_line(
    tmp_path: Path, source: str, message: str
) -> None:
    path = write(tmp_path, "function.jsonnet", source)
    with pytest.raises(DefinitionError) as info:
        load_function(path, RenderOptions())
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_function_url_sidecar_is_rendered_too(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUTH", "AWS_IAM")
    path = write(tmp_path, "function.json", '{"FunctionName": "f"}')
    write(
        tmp_path,
        "function_url.jsonnet",
        "local env = std.native('env');\n"
        "{ Config: { AuthType: env('AUTH', 'NONE'), InvokeMode: '{{ env `MODE` `BUFFERED` }}' } }",
    )
    defn = load_function(path, RenderOptions())
    assert defn.url_config == {"Config": {"AuthType": "AWS_IAM", "InvokeMode": "BUFFERED"}}
    write(tmp_path, "function_url.json", '{"Config": {"AuthType": "{{ must_env `AUTH` }}"}}')
    defn = load_function(path, RenderOptions())
    assert defn.url_config == {"Config": {"AuthType": "AWS_IAM"}}
