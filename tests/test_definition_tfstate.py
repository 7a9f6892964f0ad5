"""Terraform state: every address form, local and S3 states, caching, clear misses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lambherd.aws import AwsClients
from lambherd.definition.tfstate import TerraformState, read_state
from lambherd.errors import TemplateError

DATA = Path(__file__).parent / "data" / "definition"
STATE = DATA / "terraform.tfstate"


def _no_clients():
    raise AssertionError("a local state must not need AWS clients")


@pytest.fixture
def state() -> TerraformState:
    return read_state(str(STATE), _no_clients)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("aws_iam_role.lambda.arn", "arn:aws:iam::123456789012:role/managed-lambda"),
        ("aws_iam_role.lambda_extra.arn", "arn:aws:iam::123456789012:role/extra"),
        ("data.aws_iam_role.x.arn", "arn:aws:iam::123456789012:role/data-x"),
        ("module.m.aws_sqs_queue.q.arn", "arn:aws:sqs:us-east-1:123456789012:m-q"),
        ("module.m.data.aws_caller_identity.me.account_id", "123456789012"),
        (
            "module.outer.module.inner.aws_sns_topic.t.arn",
            "arn:aws:sns:us-east-1:123456789012:nested",
        ),
        ('module.per_env["prod"].aws_sns_topic.t.arn', "arn:aws:sns:us-east-1:123456789012:prod"),
        ("aws_security_group.internal['a'].id", "sg-aaaa"),
        ('aws_security_group.internal["b"].id', "sg-bbbb"),
        ("aws_subnet.s[0].id", "subnet-0000"),
        ("aws_subnet.s[1].cidr_block", "10.0.1.0/24"),
        ("aws_iam_role.lambda.tags.Team", "core"),
        ('aws_iam_role.lambda.tags["cost-center"]', "cc-42"),
        ("aws_iam_role.lambda.inline_policy[1].name", "xray"),
        ("aws_iam_role.lambda.inline_policy.0.name", "logs"),
        ("aws_iam_role.lambda.max_session_duration", 3600),
        ("output.bucket_name", "artifacts-bucket"),
        ("output.subnet_ids[1]", "subnet-out-1"),
        ("output.settings.level", "debug"),
        ("output.subnet_ids", ["subnet-out-0", "subnet-out-1"]),
    ],
)
def test_every_address_form(state: TerraformState, address: str, expected: object) -> None:
    assert state.lookup(address) == expected


@pytest.mark.parametrize(
    "address",
    [
        "aws_iam_role.nope.arn",
        "aws_iam_role.lambd.arn",  # a prefix of a real name is not a match
        "aws_iam_role.lambda.nope",
        "aws_subnet.s[7].id",
        "aws_security_group.internal['zz'].id",
        "module.other.aws_sqs_queue.q.arn",
        "output.missing",
    ],
)
def test_missing_address_names_address_and_state(state: TerraformState, address: str) -> None:
    with pytest.raises(TemplateError) as info:
        state.lookup(address)
    assert str(info.value) == f"{address} is not found in Terraform state {STATE}"


def test_unsupported_version_and_bad_json(tmp_path: Path) -> None:
    old = tmp_path / "old.tfstate"
    old.write_text(json.dumps({"version": 3, "modules": []}))
    with pytest.raises(TemplateError, match="version 3 is not supported"):
        read_state(str(old), _no_clients)
    bad = tmp_path / "bad.tfstate"
    bad.write_text("{nope")
    with pytest.raises(TemplateError, match=r"bad\.tfstate: not a Terraform state: invalid JSON"):
        read_state(str(bad), _no_clients)
    with pytest.raises(TemplateError, match=r"missing\.tfstate: cannot read Terraform state"):
        read_state(str(tmp_path / "missing.tfstate"), _no_clients)


def test_local_state_is_read_once_and_reread_when_changed(tmp_path: Path) -> None:
    path = tmp_path / "terraform.tfstate"
    shutil.copy(STATE, path)
    first = read_state(str(path), _no_clients)
    assert read_state(f"file://{path}", _no_clients) is first
    doc = json.loads(path.read_text())
    doc["outputs"]["bucket_name"]["value"] = "changed-bucket-name"
    path.write_text(json.dumps(doc))
    assert read_state(str(path), _no_clients).lookup("output.bucket_name") == "changed-bucket-name"


def test_relative_path_falls_back_to_the_definition_folder() -> None:
    state = read_state("network.tfstate", _no_clients, base_dir=DATA)
    assert state.lookup("aws_subnet.private['az-b'].id") == "subnet-net-b"


def test_s3_state_read_once_per_clients(boto) -> None:
    s3 = boto("s3")
    s3.create_bucket(Bucket="tf-states")
    s3.put_object(Bucket="tf-states", Key="app/terraform.tfstate", Body=STATE.read_bytes())
    clients = AwsClients()
    calls: list[str] = []
    clients.register_hook("before-call.s3.GetObject", lambda **kw: calls.append("get"))
    location = "s3://tf-states/app/terraform.tfstate"
    state = read_state(location, lambda: clients)
    assert state.lookup("aws_subnet.s[1].id") == "subnet-1111"
    assert read_state(location, lambda: clients) is state
    assert calls == ["get"]


@pytest.mark.slow
def test_s3_state_missing_object_is_one_clear_error(boto) -> None:
    boto("s3").create_bucket(Bucket="tf-states")
    from lambherd.errors import NotFoundError

    with pytest.raises(NotFoundError, match=r"read Terraform state s3://tf-states/nope: NoSuchKey"):
        read_state("s3://tf-states/nope", lambda: AwsClients())
