"""lambroll's AWS-backed template functions: layer_arn (Lambda), cfn_output and cfn_export
(CloudFormation), against moto's server in eu-west-1, with real stacks and layers made by boto3.

Semantics from lambroll's layer.go (``latest`` or "" is the newest version; otherwise a number)
and fujiwara/cfn-lookup (DescribeStacks outputs, ListExports), both also as Jsonnet natives.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from lambherd.app import RenderOptions
from lambherd.aws import AwsClients
from lambherd.definition import load_function
from lambherd.errors import AwsError, TemplateError

REGION = "eu-west-1"

STACK_TEMPLATE = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "cfn-topic"}}},
    "Outputs": {
        "TopicArn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "shared-topic-arn"}},
        "Plain": {"Value": "plain-value"},
    },
}


@pytest.fixture
def eu(aws: str, monkeypatch: pytest.MonkeyPatch):
    """boto3 clients in eu-west-1 against moto; lambherd's own clients follow AWS_REGION."""
    import boto3

    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)

    def make(service: str):
        return boto3.client(service, region_name=REGION, endpoint_url=aws)

    return make


def _layer_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("python/shared.py", "X = 1\n")
    return buf.getvalue()


def _render(tmp_path: Path, text: str, name: str = "function.json") -> dict:
    path = tmp_path / name
    path.write_text(text)
    return load_function(path, RenderOptions(), AwsClients()).config


def test_layer_arn_latest_and_numbered_versions(eu, tmp_path: Path) -> None:
    lam = eu("lambda")
    arns = [
        lam.publish_layer_version(LayerName="shared", Content={"ZipFile": _layer_zip()})[
            "LayerVersionArn"
        ]
        for _ in range(2)
    ]
    assert arns[1].endswith(":layer:shared:2") and f":{REGION}:" in arns[1]
    config = _render(
        tmp_path,
        '{"Layers": ["{{ layer_arn `shared` `latest` }}", "{{ layer_arn `shared` `1` }}",'
        ' "{{ layer_arn `shared` `` }}"]}',
    )
    assert config["Layers"] == [arns[1], arns[0], arns[1]]


def test_layer_arn_errors(eu, tmp_path: Path) -> None:
    eu("lambda").publish_layer_version(LayerName="shared", Content={"ZipFile": _layer_zip()})
    with pytest.raises(TemplateError, match="version must be a number or 'latest', got 'v1'"):
        _render(tmp_path, '{"Layers": ["{{ layer_arn `shared` `v1` }}"]}')
    with pytest.raises(TemplateError, match="expected string; found 1"):
        _render(tmp_path, '{"Layers": ["{{ layer_arn `shared` 1 }}"]}')
    with pytest.raises(AwsError, match="error calling layer_arn: get layer version shared:9"):
        _render(tmp_path, '{"Layers": ["{{ layer_arn `shared` `9` }}"]}')


def test_layer_arn_of_an_unknown_layer(eu, tmp_path: Path) -> None:
    with pytest.raises((TemplateError, AwsError), match=r"error calling layer_arn: .*nope"):
        _render(tmp_path, '{"Layers": ["{{ layer_arn `nope` `latest` }}"]}')


def test_cfn_output_and_cfn_export(eu, tmp_path: Path) -> None:
    eu("cloudformation").create_stack(StackName="infra", TemplateBody=json.dumps(STACK_TEMPLATE))
    topic_arn = eu("sns").list_topics()["Topics"][0]["TopicArn"]
    assert f":{REGION}:" in topic_arn
    config = _render(
        tmp_path,
        '{"Description": "{{ cfn_output `infra` `Plain` }}",'
        ' "DeadLetterConfig": {"TargetArn": "{{ cfn_export `shared-topic-arn` }}"},'
        ' "Environment": {"Variables": {"T": "{{ cfn_output `infra` `TopicArn` }}"}}}',
    )
    assert config["Description"] == "plain-value"
    assert config["DeadLetterConfig"]["TargetArn"] == topic_arn
    assert config["Environment"]["Variables"]["T"] == topic_arn


def test_cfn_lookups_are_cached_within_a_render(eu, tmp_path: Path) -> None:
    eu("cloudformation").create_stack(StackName="infra", TemplateBody=json.dumps(STACK_TEMPLATE))
    clients = AwsClients()
    calls: list[str] = []
    clients.register_hook(
        "before-call.cloudformation.*", lambda event_name, **kw: calls.append(event_name)
    )
    path = tmp_path / "function.json"
    path.write_text(
        '{"A": "{{ cfn_output `infra` `Plain` }}{{ cfn_output `infra` `TopicArn` }}",'
        ' "B": "{{ cfn_export `shared-topic-arn` }}{{ cfn_export `shared-topic-arn` }}"}'
    )
    load_function(path, RenderOptions(), clients)
    assert sorted(c.rsplit(".", 1)[-1] for c in calls) == ["DescribeStacks", "ListExports"]


def test_cfn_errors_name_what_is_missing(eu, tmp_path: Path) -> None:
    eu("cloudformation").create_stack(StackName="infra", TemplateBody=json.dumps(STACK_TEMPLATE))
    with pytest.raises(TemplateError, match="output Nope is not found in stack infra"):
        _render(tmp_path, '{"Description": "{{ cfn_output `infra` `Nope` }}"}')
    with pytest.raises(TemplateError, match="nope is not found in the CloudFormation exports"):
        _render(tmp_path, '{"Description": "{{ cfn_export `nope` }}"}')
    with pytest.raises(AwsError, match="error calling cfn_output: describe stack missing"):
        _render(tmp_path, '{"Description": "{{ cfn_output `missing` `X` }}"}')


def test_jsonnet_natives_for_layers_and_stacks(eu, tmp_path: Path) -> None:
    eu("cloudformation").create_stack(StackName="infra", TemplateBody=json.dumps(STACK_TEMPLATE))
    arn = eu("lambda").publish_layer_version(LayerName="shared", Content={"ZipFile": _layer_zip()})[
        "LayerVersionArn"
    ]
    config = _render(
        tmp_path,
        "local layer_arn = std.native('layer_arn');\n"
        "local cfn_output = std.native('cfn_output');\n"
        "local cfn_export = std.native('cfn_export');\n"
        "{ Layers: [layer_arn('shared', 'latest')], Description: cfn_output('infra', 'Plain'),"
        "  KMSKeyArn: cfn_export('shared-topic-arn') }\n",
        "function.jsonnet",
    )
    assert config["Layers"] == [arn]
    assert config["Description"] == "plain-value"
    assert config["KMSKeyArn"].startswith("arn:aws:sns:")


def test_jsonnet_native_errors_name_the_function(eu, tmp_path: Path) -> None:
    eu("cloudformation").create_stack(StackName="infra", TemplateBody=json.dumps(STACK_TEMPLATE))
    with pytest.raises(TemplateError) as info:
        _render(
            tmp_path,
            "{ Description: std.native('cfn_output')('infra', 'Nope') }\n",
            "function.jsonnet",
        )
    assert str(info.value) == (
        "function.jsonnet: line 1: cfn_output: output Nope is not found in stack infra"
    )


def test_render_command_resolves_them_in_the_region_given(
    eu, lh, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # the flag, not the environment, decides
    eu("cloudformation").create_stack(StackName="infra", TemplateBody=json.dumps(STACK_TEMPLATE))
    arn = eu("lambda").publish_layer_version(LayerName="shared", Content={"ZipFile": _layer_zip()})[
        "LayerVersionArn"
    ]
    (tmp_path / "function.json").write_text(
        '{"FunctionName": "f", "Description": "{{ cfn_output `infra` `Plain` }}",'
        ' "Layers": ["{{ layer_arn `shared` `latest` }}"]}'
    )
    result = lh("-C", tmp_path, "--region", REGION, "render")
    assert result.code == 0, result.err
    rendered = json.loads(result.out)
    assert rendered["Description"] == "plain-value"
    assert rendered["Layers"] == [arn]
