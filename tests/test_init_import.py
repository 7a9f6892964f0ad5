"""``lambherd init`` importing an existing function (against moto's server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aws_testkit import tiny_zip
from lambherd.definition.normalize import definition_from_remote, normalize_config


@pytest.fixture
def orders(boto, lambda_role) -> dict:
    """A function with most configuration set: tags, environment, a layer, VPC, description."""
    lam = boto("lambda")
    layer = lam.publish_layer_version(
        LayerName="deps", Content={"ZipFile": tiny_zip()}, CompatibleRuntimes=["python3.12"]
    )
    lam.create_function(
        FunctionName="orders",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
        Description="Takes orders",
        MemorySize=512,
        Timeout=30,
        Environment={"Variables": {"TABLE": "orders", "MODE": "live"}},
        Layers=[layer["LayerVersionArn"]],
        VpcConfig={"SubnetIds": ["subnet-b", "subnet-a"], "SecurityGroupIds": ["sg-1"]},
        Tags={"team": "shop", "service": "orders"},
    )
    return lam.get_function(FunctionName="orders")


def test_import_round_trips_through_render(lh, boto, orders, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "orders")
    assert result.code == 0, result.err
    assert "wrote function.json" in result.err
    assert "wrote .lambdaignore" in result.err

    written = json.loads((tmp_path / "function.json").read_text())
    for read_only in (
        "FunctionArn",
        "State",
        "RevisionId",
        "CodeSha256",
        "LastModified",
        "Version",
    ):
        assert read_only not in written
    assert written["Tags"] == {"service": "orders", "team": "shop"}
    assert written["Layers"] == [orders["Configuration"]["Layers"][0]["Arn"]]
    assert written["VpcConfig"] == {
        "SecurityGroupIds": ["sg-1"],
        "SubnetIds": ["subnet-a", "subnet-b"],
    }
    assert written["Environment"] == {"Variables": {"TABLE": "orders", "MODE": "live"}}
    assert written["MemorySize"] == 512 and written["Description"] == "Takes orders"
    assert written["PackageType"] == "Zip"  # Lambda's defaults kept: a later diff is empty

    rendered = lh("-C", tmp_path, "render")
    assert rendered.code == 0, rendered.err
    assert json.loads(rendered.out) == written
    remote = boto("lambda").get_function(FunctionName="orders")["Configuration"]
    assert normalize_config(json.loads(rendered.out)) == normalize_config(
        definition_from_remote(remote)
    )
    ignore = (tmp_path / ".lambdaignore").read_text()
    for pattern in ("function.json", "function_url.json", "tests.yaml", ".lambdaignore", "*.zip"):
        assert pattern in ignore.splitlines()
    assert "__pycache__/" in ignore


@pytest.mark.slow
def test_aws_tags_are_left_out(lh, boto, orders, tmp_path: Path) -> None:
    arn = orders["Configuration"]["FunctionArn"]
    boto("lambda").tag_resource(Resource=arn, Tags={"aws:cloudformation:stack-name": "legacy"})
    assert lh("-C", tmp_path, "init", "--function-name", "orders").code == 0
    assert json.loads((tmp_path / "function.json").read_text())["Tags"] == {
        "service": "orders",
        "team": "shop",
    }


@pytest.mark.slow
def test_jsonnet_output_renders_to_the_same_definition(lh, orders, tmp_path: Path) -> None:
    json_dir, jsonnet_dir = tmp_path / "j", tmp_path / "jn"
    json_dir.mkdir()
    jsonnet_dir.mkdir()
    assert lh("-C", json_dir, "init", "--function-name", "orders").code == 0
    result = lh("-C", jsonnet_dir, "init", "--function-name", "orders", "--jsonnet")
    assert result.code == 0, result.err
    assert (jsonnet_dir / "function.jsonnet").is_file()
    assert not (jsonnet_dir / "function.json").exists()
    rendered = lh("-C", jsonnet_dir, "render")
    assert rendered.code == 0, rendered.err
    assert json.loads(rendered.out) == json.loads((json_dir / "function.json").read_text())


def test_qualifier_reads_that_versions_configuration(lh, boto, orders, tmp_path: Path) -> None:
    lam = boto("lambda")
    version = lam.publish_version(FunctionName="orders")["Version"]
    lam.create_alias(FunctionName="orders", Name="current", FunctionVersion=version)
    lam.update_function_configuration(FunctionName="orders", MemorySize=1024)

    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--qualifier", version)
    assert result.code == 0, result.err
    written = json.loads((tmp_path / "function.json").read_text())
    assert written["MemorySize"] == 512
    assert written["FunctionName"] == "orders"
    assert "Version" not in written
    assert written["Tags"] == {"service": "orders", "team": "shop"}


def test_missing_qualifier_is_an_error_not_a_scaffold(lh, orders, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--qualifier", "nope")
    assert result.code == 1
    assert result.err.startswith("error: get function orders:nope: ResourceNotFoundException")
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_not_overwritten_without_force(lh, orders, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text('{"FunctionName": "mine"}\n')
    (tmp_path / ".lambdaignore").write_text("custom\n")

    refused = lh("-C", tmp_path, "init", "--function-name", "orders")
    assert refused.code == 1
    assert "function.json" in refused.err and "--force" in refused.err
    assert "Traceback" not in refused.err
    assert json.loads((tmp_path / "function.json").read_text()) == {"FunctionName": "mine"}

    forced = lh("-C", tmp_path, "init", "--function-name", "orders", "--force")
    assert forced.code == 0, forced.err
    assert json.loads((tmp_path / "function.json").read_text())["FunctionName"] == "orders"
    assert "kept existing .lambdaignore" in forced.err
    assert (tmp_path / ".lambdaignore").read_text() == "custom\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_yes_answers_the_overwrite_question(lh, orders, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text("{}\n")
    result = lh("-C", tmp_path, "--yes", "init", "--function-name", "orders")
    assert result.code == 0, result.err
    assert json.loads((tmp_path / "function.json").read_text())["FunctionName"] == "orders"


def test_template_like_values_survive_rendering(lh, boto, lambda_role, tmp_path: Path) -> None:
    boto("lambda").create_function(
        FunctionName="tpl",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": tiny_zip()},
        Environment={"Variables": {"GREETING": "Hi {{ name }}!"}},
    )
    assert lh("-C", tmp_path, "init", "--function-name", "tpl").code == 0
    rendered = lh("-C", tmp_path, "render")
    assert rendered.code == 0, rendered.err
    assert json.loads(rendered.out)["Environment"]["Variables"]["GREETING"] == "Hi {{ name }}!"


def test_json_output_lists_the_files(lh, orders, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "--output", "json", "init", "--function-name", "orders")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["function"] == "orders"
    assert doc["source"] == "aws"
    assert doc["written"] == ["function.json", ".lambdaignore", "lambherd-import.json"]


@pytest.mark.slow
def test_function_url_keeps_only_url_permissions(lh, boto, orders, tmp_path: Path) -> None:
    lam = boto("lambda")
    lam.create_function_url_config(
        FunctionName="orders",
        AuthType="AWS_IAM",
        Cors={"AllowOrigins": ["https://shop.example"], "AllowMethods": ["GET"]},
    )
    lam.add_permission(
        FunctionName="orders",
        StatementId="cloudfront",
        Action="lambda:InvokeFunctionUrl",
        Principal="cloudfront.amazonaws.com",
        SourceArn="arn:aws:cloudfront::123456789012:distribution/E1",
        FunctionUrlAuthType="AWS_IAM",
    )
    lam.add_permission(  # a foreign statement: an S3 trigger, not about the URL
        FunctionName="orders",
        StatementId="s3-trigger",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads",
        SourceAccount="123456789012",
    )

    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--function-url")
    assert result.code == 0, result.err
    assert "wrote function_url.json" in result.err
    url = json.loads((tmp_path / "function_url.json").read_text())
    assert url["Config"] == {
        "AuthType": "AWS_IAM",
        "Cors": {"AllowOrigins": ["https://shop.example"], "AllowMethods": ["GET"]},
        "InvokeMode": "BUFFERED",
    }
    assert url["Permissions"] == [  # lambroll's shape: who, from where
        {
            "Principal": "cloudfront.amazonaws.com",
            "SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1",
        }
    ]
    # the URL predates Lambda's second statement: the import says the next deploy adds it
    assert "lacks lambda:InvokeFunction cloudfront.amazonaws.com" in result.err
    rendered = lh("-C", tmp_path, "render")
    assert rendered.code == 0, rendered.err


def test_function_url_absent_is_a_note(lh, orders, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--function-url")
    assert result.code == 0, result.err
    assert "orders has no function URL; function_url.json not written" in result.err
    assert not (tmp_path / "function_url.json").exists()


def test_function_url_of_an_alias(lh, boto, orders, tmp_path: Path) -> None:
    lam = boto("lambda")
    version = lam.publish_version(FunctionName="orders")["Version"]
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion=version)
    lam.create_function_url_config(FunctionName="orders", Qualifier="live", AuthType="NONE")
    lam.add_permission(
        FunctionName="orders",
        Qualifier="live",
        StatementId="public",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    result = lh(
        "-C", tmp_path, "init", "--function-name", "orders", "--function-url", "--qualifier", "live"
    )
    assert result.code == 0, result.err
    url = json.loads((tmp_path / "function_url.json").read_text())
    assert url["Config"]["AuthType"] == "NONE"
    assert url["Config"]["Qualifier"] == "live"
    assert url["Permissions"] == [{"Principal": "*"}]


def test_src_without_unzip_is_a_usage_error(lh, orders, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--src", "code")
    assert result.code == 1
    assert "--src" in result.err and "--unzip" in result.err
    assert list(tmp_path.iterdir()) == []
