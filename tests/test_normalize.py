"""normalize: one comparable shape for local definitions and deployed configurations."""

from lambherd.definition.normalize import (
    comparable_tags,
    definition_from_remote,
    normalize_config,
    order_keys,
)

REMOTE = {
    "FunctionName": "orders",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders",
    "Runtime": "python3.12",
    "Role": "arn:aws:iam::123456789012:role/orders",
    "Handler": "app.handler",
    "CodeSize": 1234,
    "CodeSha256": "abc=",
    "Description": "",
    "Timeout": 3,
    "MemorySize": 128,
    "LastModified": "2024-01-01T00:00:00.000+0000",
    "Version": "$LATEST",
    "RevisionId": "rev",
    "State": "Active",
    "LastUpdateStatus": "Successful",
    "VpcConfig": {"SubnetIds": ["subnet-b", "subnet-a"], "SecurityGroupIds": [], "VpcId": "vpc-1"},
    "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:deps:3", "CodeSize": 99}],
    "Environment": {"Variables": {"TABLE": "orders"}},
    "TracingConfig": {"Mode": "PassThrough"},
    "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
    "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/orders"},
    "ImageConfigResponse": {},
}


def test_remote_to_definition_drops_read_only_fields_and_maps_shapes() -> None:
    d = definition_from_remote(REMOTE, {"team": "shop", "aws:cloudformation:stack-name": "s"})
    for read_only in ("FunctionArn", "CodeSha256", "RevisionId", "State", "Version", "CodeSize"):
        assert read_only not in d
    assert d["Layers"] == ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"]
    assert d["VpcConfig"] == {"SubnetIds": ["subnet-a", "subnet-b"]}
    assert d["SnapStart"] == {"ApplyOn": "None"}
    assert d["Tags"] == {"team": "shop"}
    assert list(d)[:4] == ["FunctionName", "Runtime", "Handler", "Role"]


def test_minimal_definition_equals_imported_one() -> None:
    minimal = {
        "FunctionName": "orders",
        "Runtime": "python3.12",
        "Role": "arn:aws:iam::123456789012:role/orders",
        "Handler": "app.handler",
        "VpcConfig": {"SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": []},
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"],
        "Environment": {"Variables": {"TABLE": "orders"}},
    }
    assert normalize_config(minimal) == normalize_config(definition_from_remote(REMOTE))


def test_changed_memory_is_a_difference_and_tags_are_not_configuration() -> None:
    base = definition_from_remote(REMOTE, {"team": "shop"})
    changed = dict(base, MemorySize=512, Tags={"team": "other"})
    a, b = normalize_config(base), normalize_config(changed)
    assert "Tags" not in a
    assert {k for k in a if a[k] != b.get(k)} == {"MemorySize"}


def test_json_log_format_fills_log_levels() -> None:
    cfg = normalize_config({"FunctionName": "f", "LoggingConfig": {"LogFormat": "JSON"}})
    assert cfg["LoggingConfig"] == {
        "LogFormat": "JSON",
        "LogGroup": "/aws/lambda/f",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
    }


def test_layer_order_is_kept_but_security_groups_are_sorted() -> None:
    cfg = normalize_config(
        {"Layers": ["b", "a"], "VpcConfig": {"SecurityGroupIds": ["sg-2", "sg-1"]}}
    )
    assert cfg["Layers"] == ["b", "a"]
    assert cfg["VpcConfig"]["SecurityGroupIds"] == ["sg-1", "sg-2"]


def test_comparable_tags_and_key_order() -> None:
    assert comparable_tags({"b": "2", "aws:x": "y", "a": "1"}) == {"a": "1", "b": "2"}
    assert list(order_keys({"Tags": {}, "Zed": 1, "FunctionName": "f"})) == [
        "FunctionName",
        "Tags",
        "Zed",
    ]
