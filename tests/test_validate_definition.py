"""validate_definition / check_definition: the API model walk and Lambda's limits (no server)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lambherd.definition.model import FunctionDefinition
from lambherd.definition.validate import check_definition, validate_definition
from lambherd.errors import ValidationError

TODAY = date(2026, 11, 29)
ROLE = "arn:aws:iam::123456789012:role/lambda-exec"


def base_config(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "FunctionName": "hello",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": ROLE,
        "MemorySize": 256,
        "Timeout": 10,
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not None}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    return tmp_path


def report_for(folder: Path, config: dict[str, Any], url: dict[str, Any] | None = None):
    defn = FunctionDefinition(
        path=folder / "function.json", config=config, sidecars={"url": url} if url else {}
    )
    return validate_definition(defn, today=TODAY)


def errors_for(folder: Path, config: dict[str, Any], url: dict[str, Any] | None = None):
    return report_for(folder, config, url).errors


def test_clean_definition_has_no_problem(folder: Path) -> None:
    config = base_config(
        Description="greets",
        Architectures=["arm64"],
        Environment={"Variables": {"GREETING": "Hello"}},
        Tags={"team": "platform"},
        EphemeralStorage={"Size": 1024},
        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"},
        VpcConfig={"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
        TracingConfig={"Mode": "Active"},
        Layers=["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"],
    )
    report = report_for(folder, config)
    assert report.errors == []
    assert report.warnings == []
    assert report.valid


def test_unknown_field_suggests_the_close_name(folder: Path) -> None:
    errors = errors_for(folder, base_config(Memorysize=512, Colour="red"))
    assert "function.json: Memorysize: unknown field (did you mean MemorySize?)" in errors
    assert "function.json: Colour: unknown field" in errors


def test_unknown_nested_field_has_its_path(folder: Path) -> None:
    errors = errors_for(folder, base_config(Environment={"Variable": {"A1": "b"}}))
    assert errors == [
        "function.json: Environment.Variable: unknown field (did you mean Variables?)"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"Environment": {"Variables": {"PORT": 8080}}},
            "function.json: Environment.Variables.PORT: expected a string, got integer 8080",
        ),
        ({"Timeout": "10"}, 'function.json: Timeout: expected an integer, got string "10"'),
        ({"MemorySize": True}, "function.json: MemorySize: expected an integer, got boolean true"),
        (
            {"Publish": "yes"},
            'function.json: Publish: expected a boolean (true or false), got string "yes"',
        ),
        ({"Layers": "arn:x"}, 'function.json: Layers: expected a list, got string "arn:x"'),
        ({"Tags": ["a"]}, "function.json: Tags: expected an object, got a list"),
        ({"VpcConfig": 3}, "function.json: VpcConfig: expected an object, got integer 3"),
        ({"Description": None}, None),  # removed by base_config: absent is fine
    ],
)
def test_wrong_types(folder: Path, changes: dict[str, Any], expected: str | None) -> None:
    errors = errors_for(folder, base_config(**changes))
    assert errors == ([expected] if expected else [])


def test_null_value_is_a_type_error(folder: Path) -> None:
    config = base_config()
    config["Description"] = None
    assert errors_for(folder, config) == ["function.json: Description: expected a string, got null"]


def test_enums_from_the_model(folder: Path) -> None:
    errors = errors_for(
        folder,
        base_config(Architectures=["x86"], TracingConfig={"Mode": "active"}),
    )
    assert errors == [
        'function.json: Architectures[0]: "x86" is not one of x86_64, arm64 (did you mean x86_64?)',
        'function.json: TracingConfig.Mode: "active" is not one of Active, PassThrough '
        "(did you mean Active?)",
    ]


def test_lengths_and_list_sizes_from_the_model(folder: Path) -> None:
    errors = errors_for(
        folder, base_config(Description="x" * 257, Architectures=["x86_64", "arm64"])
    )
    assert "function.json: Description: value is 257 characters, at most 256 allowed" in errors
    assert "function.json: Architectures: 2 items, at most 1 allowed" in errors
    assert len(errors) == 2


def test_patterns_from_the_model(folder: Path) -> None:
    errors = errors_for(folder, base_config(Role="lambda-exec"))
    assert len(errors) == 1
    assert errors[0].startswith('function.json: Role: value "lambda-exec" does not match')


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"MemorySize": 20000}, "MemorySize: 20000 is above Lambda's limit of 10240"),
        ({"MemorySize": 64}, "MemorySize: 64 is below Lambda's minimum of 128"),
        ({"Timeout": 901}, "Timeout: 901 is above Lambda's limit of 900"),
        ({"Timeout": 0}, "Timeout: 0 is below Lambda's minimum of 1"),
        (
            {"EphemeralStorage": {"Size": 20480}},
            "EphemeralStorage.Size: 20480 is above Lambda's limit of 10240",
        ),
        (
            {"EphemeralStorage": {"Size": 256}},
            "EphemeralStorage.Size: 256 is below Lambda's minimum of 512",
        ),
    ],
)
def test_lambda_numeric_limits(folder: Path, changes: dict[str, Any], expected: str) -> None:
    assert errors_for(folder, base_config(**changes)) == [f"function.json: {expected}"]


def test_limits_at_the_edges_pass(folder: Path) -> None:
    config = base_config(MemorySize=10240, Timeout=900, EphemeralStorage={"Size": 10240})
    assert errors_for(folder, config) == []


def test_missing_required_fields(folder: Path) -> None:
    errors = errors_for(folder, base_config(FunctionName=None, Role=None, Handler=None))
    assert errors == [
        "function.json: FunctionName: required field is missing",
        "function.json: Role: required field is missing",
        "function.json: Handler: required field is missing (needed for a zip package)",
    ]


def test_code_is_not_required_but_s3_code_is_accepted(folder: Path) -> None:
    code = {"S3Bucket": "my-artifacts", "S3Key": "hello.zip", "S3ObjectVersion": "3"}
    assert errors_for(folder, base_config(Code=code)) == []


def test_code_zipfile_and_half_s3_are_refused(folder: Path) -> None:
    errors = errors_for(folder, base_config(Code={"ZipFile": "UEsDBA==", "S3Bucket": "abc"}))
    assert any(e.startswith("function.json: Code.ZipFile: not allowed") for e in errors)
    assert "function.json: Code: S3Bucket and S3Key must be given together" in errors


def test_image_package_needs_image_uri_not_runtime(folder: Path) -> None:
    config = base_config(Runtime=None, Handler=None, PackageType="Image")
    assert errors_for(folder, config) == [
        "function.json: Code.ImageUri: required when PackageType is Image"
    ]
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
    assert errors_for(folder, {**config, "Code": {"ImageUri": uri}}) == []


def test_environment_total_size_limit(folder: Path) -> None:
    # 4 keys of 4 bytes + values: exactly 4096 bytes passes, one byte more fails.
    values = {f"K{i:03d}": "v" * 1020 for i in range(4)}
    assert errors_for(folder, base_config(Environment={"Variables": values})) == []
    values["K000"] += "v"
    assert errors_for(folder, base_config(Environment={"Variables": values})) == [
        "function.json: Environment.Variables: 4097 bytes of keys and values is above "
        "Lambda's limit of 4096 (4 KB)"
    ]


def test_reserved_environment_names(folder: Path) -> None:
    variables = {"AWS_REGION": "eu-west-1", "AWS_LAMBDA_FUNCTION_NAME": "x", "TZ": "Asia/Tokyo"}
    errors = errors_for(folder, base_config(Environment={"Variables": variables}))
    assert errors == [
        "function.json: Environment.Variables.AWS_REGION: reserved by Lambda, it cannot be set",
        "function.json: Environment.Variables.AWS_LAMBDA_FUNCTION_NAME: reserved by Lambda, "
        "it cannot be set",
    ]


def test_at_most_five_layers(folder: Path) -> None:
    layers = [f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1" for i in range(6)]
    assert errors_for(folder, base_config(Layers=layers)) == [
        "function.json: Layers: 6 layers is above Lambda's limit of 5"
    ]
    assert errors_for(folder, base_config(Layers=layers[:5])) == []


def test_handler_module_must_be_in_the_folder(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, base_config())
    assert errors == [  # the package deploy would upload, not merely the folder
        "function.json: Handler: module app is not in the package deploy would upload "
        "(looked for app.py, app/__init__.py)"
    ]


@pytest.mark.parametrize(
    ("handler", "files"),
    [
        ("app.handler", ["app/__init__.py"]),
        ("pkg.mod.handler", ["pkg/__init__.py", "pkg/mod.py"]),
        ("pkg/mod.handler", ["pkg/mod.py"]),
        ("src.api.main.lambda_handler", ["src/api/main.py"]),
    ],
)
def test_handler_module_layouts(tmp_path: Path, handler: str, files: list[str]) -> None:
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("def handler(e, c):\n    return e\n")
    assert errors_for(tmp_path, base_config(Handler=handler)) == []


@pytest.mark.parametrize("handler", ["app", "app.", "../app.handler", "my-app.handler"])
def test_malformed_python_handler(folder: Path, handler: str) -> None:
    assert errors_for(folder, base_config(Handler=handler)) == [
        f'function.json: Handler: "{handler}" is not module.function (e.g. app.handler)'
    ]


def test_handler_checked_for_s3_code_and_node_not_for_other_runtimes(tmp_path: Path) -> None:
    from lambherd.definition.validate import check_definition
    from lambherd.errors import ValidationError
    from lambherd.settings import DeploySettings

    s3 = {"S3Bucket": "my-artifacts", "S3Key": "hello.zip"}  # deploy zips the folder to S3
    assert len(errors_for(tmp_path, base_config(Code=s3))) == 1
    node = errors_for(tmp_path, base_config(Runtime="nodejs22.x", Handler="index.handler"))
    assert node and "looked for index.js, index.mjs, index.cjs" in node[0]
    assert errors_for(tmp_path, base_config(Runtime="java21", Handler="a.B::handle")) == []
    # --skip-archive deploys the S3 object as it is: no package of this folder to check
    defn = FunctionDefinition(path=tmp_path / "function.json", config=base_config(Code=s3))
    with pytest.raises(ValidationError):
        check_definition(defn)
    assert check_definition(defn, DeploySettings(skip_archive=True)) == []


def test_missing_handler_module_with_layers_is_a_warning(tmp_path: Path) -> None:
    layers = ["arn:aws:lambda:us-east-1:123456789012:layer:wrapper:7"]
    report = report_for(tmp_path, base_config(Layers=layers, Handler="wrapper.handler"))
    assert report.errors == []
    assert report.warnings == [
        "function.json: Handler: module wrapper is not in the package "
        "(looked for wrapper.py, wrapper/__init__.py); it may come from a layer"
    ]


def test_deprecated_runtime_is_a_warning_with_its_date(folder: Path) -> None:
    report = report_for(folder, base_config(Runtime="python3.9"))
    assert report.errors == []
    assert report.warnings == [
        "function.json: Runtime: python3.9 was deprecated by Lambda on 2025-12-15; "
        "move to python3.14"
    ]


def test_soon_deprecated_runtime_is_announced(folder: Path) -> None:
    report = report_for(folder, base_config(Runtime="nodejs22.x", Handler="index.handler"))
    assert report.warnings == [
        "function.json: Runtime: nodejs22.x will be deprecated by Lambda on 2027-04-30; "
        "move to nodejs24.x"
    ]


def test_unknown_runtime_is_an_error(folder: Path) -> None:
    errors = errors_for(folder, base_config(Runtime="python3.99"))
    assert len(errors) == 1
    assert errors[0].startswith('function.json: Runtime: "python3.99" is not one of ')
    assert errors[0].endswith("(did you mean python3.9?)")


def test_capacity_provider_functions_follow_the_model_memory_range(folder: Path) -> None:
    capacity = {
        "LambdaManagedInstancesCapacityProviderConfig": {
            "CapacityProviderArn": "arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp1"
        }
    }
    config = base_config(MemorySize=20000, CapacityProviderConfig=capacity)
    assert errors_for(folder, config) == []


def test_many_errors_are_all_listed(folder: Path) -> None:
    config = base_config(
        MemorySize=20000,
        Timeout="10",
        Memorysize=1,
        Environment={"Variables": {"PORT": 8080, "AWS_REGION": "x"}},
        Architectures=["x86"],
    )
    errors = errors_for(folder, config)
    assert len(errors) == 6
    assert all(e.startswith("function.json: ") for e in errors)


def test_url_config_valid(folder: Path) -> None:
    url = {
        "Config": {"AuthType": "AWS_IAM", "Cors": {"AllowOrigins": ["*"], "MaxAge": 300}},
        "Permissions": [
            {"Principal": "123456789012"},
            {"Principal": "*", "PrincipalOrgID": "o-abcdefghij"},
        ],
    }
    assert errors_for(folder, base_config(), url) == []


def test_url_config_problems(folder: Path) -> None:
    url = {
        "Config": {"Cors": {"MaxAge": -1}, "FunctionName": "x", "InvokeMod": "BUFFERED"},
        "Permissions": [{"Principal": 12}, {"SourceArn": "arn:aws:s3:::b"}],
        "Permisions": [],
    }
    errors = errors_for(folder, base_config(), url)
    assert errors == [
        "function_url.json: Permisions: unknown field (did you mean Permissions?)",
        "function_url.json: Config.Cors.MaxAge: -1 is below Lambda's minimum of 0",
        "function_url.json: Config.FunctionName: set by lambherd; remove it from this file",
        "function_url.json: Config.InvokeMod: unknown field (did you mean InvokeMode?)",
        "function_url.json: Config.AuthType: required field is missing",
        "function_url.json: Permissions[0].Principal: expected a string, got integer 12",
        "function_url.json: Permissions[1].Principal: required field is missing",
    ]


def test_url_config_without_config(folder: Path) -> None:
    errors = errors_for(folder, base_config(), {"Permissions": "all"})
    assert errors == [
        "function_url.json: Config: required field is missing",
        'function_url.json: Permissions: expected a list, got string "all"',
    ]


def test_check_definition_raises_with_every_problem(folder: Path) -> None:
    defn = FunctionDefinition(
        path=folder / "function.json", config=base_config(MemorySize=1, Timeout=1000)
    )
    with pytest.raises(ValidationError) as info:
        check_definition(defn)
    assert info.value.problems == [
        "function.json: MemorySize: 1 is below Lambda's minimum of 128",
        "function.json: Timeout: 1000 is above Lambda's limit of 900",
    ]
    assert info.value.source == "function.json"


def test_check_definition_returns_warnings(folder: Path) -> None:
    defn = FunctionDefinition(
        path=folder / "function.json", config=base_config(Runtime="python3.8")
    )
    warnings = check_definition(defn)
    assert len(warnings) == 1
    assert "python3.8 was deprecated by Lambda on 2024-10-14" in warnings[0]


def test_url_config_follows_lambrolls_rules(folder: Path) -> None:
    """AWS_IAM needs Permissions (lambroll refuses the file without); an explicit [] means no
    resource-policy grant; AuthType is NONE or AWS_IAM."""
    iam = {"Config": {"AuthType": "AWS_IAM"}}
    assert errors_for(folder, base_config(), iam) == [
        "function_url.json: Permissions is required when AuthType is AWS_IAM (as lambroll "
        "requires): list who may invoke the URL, or [] for no resource-policy grant"
    ]
    assert errors_for(folder, base_config(), {**iam, "Permissions": []}) == []
    assert errors_for(folder, base_config(), {"Config": {"AuthType": "NONE"}}) == []
    wrong = errors_for(folder, base_config(), {"Config": {"AuthType": "PUBLIC"}})
    assert wrong and all("AuthType" in e for e in wrong)
