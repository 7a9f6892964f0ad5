"""tune's pure parts around the run (no server): the setup and clean-up plans, weighted
payloads in aws-lambda-power-tuning's format, and the MemorySize edit of ``--apply``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lambherd.cost.payloads import is_weighted, plan_payloads
from lambherd.definition.literal_edit import set_number_field
from lambherd.errors import UsageError
from lambherd.plan.steps import PUBLISHED, CreateAlias, DeleteVersion, PublishVersion
from lambherd.plan.steps import UpdateConfiguration as Update
from lambherd.plan.tune_planner import (
    DESCRIPTION_LIMIT,
    marked,
    plan_cleanup,
    plan_restore,
    plan_setup,
    slots,
)
from lambherd.plan.version_planner import DeleteAlias

CONFIG = {
    "FunctionName": "f",
    "MemorySize": 1024,
    "Description": "orders",
    "RevisionId": "r1",
    "CodeSha256": "abc=",
    "FunctionArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:f",
}


def test_setup_publishes_a_marked_version_per_size_then_puts_latest_back() -> None:
    plan = plan_setup("f", CONFIG, slots("r1d", (128, 512), cold_only=False, invocations=9))
    assert plan.revision_id == "r1" and plan.code_sha256 == "abc="  # guarded from the start
    assert [s.describe() for s in plan.steps] == [
        'UpdateConfiguration MemorySize=128, Description="orders [lambherd tune r1d: 128 MB]"',
        "PublishVersion 'lambherd tune r1d: 128 MB'",
        "CreateAlias lambherd-tune-r1d-128 -> the new version",
        'UpdateConfiguration MemorySize=512, Description="orders [lambherd tune r1d: 512 MB]"',
        "PublishVersion 'lambherd tune r1d: 512 MB'",
        "CreateAlias lambherd-tune-r1d-512 -> the new version",
        'UpdateConfiguration MemorySize=1024, Description="orders"',
    ]
    assert isinstance(plan.steps[2], CreateAlias) and plan.steps[2].version == PUBLISHED
    assert all(s.guarded_by_revision for s in plan.steps if isinstance(s, Update))


def test_cold_only_gets_a_version_and_alias_per_invocation() -> None:
    planned = slots("r1d", (128, 256), cold_only=True, invocations=3)
    assert [s.alias for s in planned] == [
        "lambherd-tune-r1d-128-1",
        "lambherd-tune-r1d-128-2",
        "lambherd-tune-r1d-128-3",
        "lambherd-tune-r1d-256-1",
        "lambherd-tune-r1d-256-2",
        "lambherd-tune-r1d-256-3",
    ]
    plan = plan_setup("f", CONFIG, planned)
    descriptions = [s.description for s in plan.steps if isinstance(s, PublishVersion)]
    assert len(set(descriptions)) == 6  # every $LATEST differs: a new version each time


def test_latest_description_stays_within_lambdas_limit() -> None:
    text = marked("x" * 300, "lambherd tune r1d: 10240 MB #200")
    assert len(text) == DESCRIPTION_LIMIT and text.endswith("[lambherd tune r1d: 10240 MB #200]")
    assert marked("", "m") == "[m]"


def test_cleanup_deletes_only_the_runs_aliases_and_versions() -> None:
    aliases = [
        {"Name": "lambherd-tune-r1d-128", "FunctionVersion": "7"},
        {"Name": "lambherd-tune-old-128", "FunctionVersion": "3"},  # another run's
        {"Name": "current", "FunctionVersion": "8"},  # the user's alias
    ]
    versions = [
        {"Version": "$LATEST", "Description": "orders [lambherd tune r1d: 128 MB]"},
        {"Version": "3", "Description": "lambherd tune old: 128 MB"},
        {"Version": "5", "Description": "lambherd tune r1d: 512 MB"},  # publish answer lost
        {"Version": "6", "Description": "lambherd tune r1d: 256 MB"},  # existed before (sic)
        {"Version": "7", "Description": "lambherd tune r1d: 128 MB"},
        {"Version": "8", "Description": "lambherd tune r1d: 128 MB #2"},  # served by current
        {"Version": "9", "Description": "release 9"},
    ]
    plan = plan_cleanup("f", aliases, versions, "r1d", existing={"6"})
    assert plan.steps == (
        DeleteAlias("lambherd-tune-r1d-128"),
        DeleteVersion("5"),
        DeleteVersion("7"),
    )
    every_run = plan_cleanup("f", aliases, versions, None)
    assert DeleteAlias("lambherd-tune-old-128") in every_run.steps
    assert DeleteVersion("3") in every_run.steps and DeleteVersion("9") not in every_run.steps


def test_restore_only_while_latest_carries_the_runs_mark() -> None:
    now = {**CONFIG, "MemorySize": 256, "Description": "orders [lambherd tune r1d: 256 MB]"}
    now["RevisionId"] = "r9"
    plan = plan_restore("f", now, CONFIG, "r1d")
    assert plan.revision_id == "r9"
    assert plan.steps[0].describe() == 'UpdateConfiguration MemorySize=1024, Description="orders"'
    assert plan_restore("f", {**now, "Description": "changed by a colleague"}, CONFIG, "r1d").empty


def test_a_plain_payload_is_sent_every_time() -> None:
    assert plan_payloads({"id": 1}, 3, source="--payload") == [b'{"id": 1}'] * 3
    assert plan_payloads([1, 2], 2, source="--payload") == [b"[1, 2]"] * 2  # a list, unweighted
    assert not is_weighted([{"payload": {}}])  # no weight: an ordinary list


def test_weighted_payloads_follow_their_relative_weights() -> None:
    doc = [
        {"payload": {"n": "a"}, "weight": 5},
        {"payload": '{"n": "b"}', "weight": 15},  # a JSON string is sent as that JSON
        {"payload": "plain text", "weight": 30},  # any other string as a JSON string
    ]
    payloads = plan_payloads(doc, 50, source="w.json")
    assert Counter(payloads) == {
        b'{"n": "a"}': 5,
        b'{"n": "b"}': 15,
        b'"plain text"': 30,
    }
    assert payloads[:4] != [b'"plain text"'] * 4  # interleaved, not in blocks
    assert len(set(payloads[:6])) == 3
    # floor(weight x N / total), the last one what is left: 1, 1, 8 of 10
    counts = Counter(
        plan_payloads(
            [{"payload": i, "weight": w} for i, w in enumerate((1, 1, 8))], 10, source="w"
        )
    )
    assert counts == {b"0": 1, b"1": 1, b"2": 8}


@pytest.mark.parametrize(
    ("doc", "n", "message"),
    [
        (
            [{"payload": 1, "weight": 1}, {"payload": 2, "weight": 1}],
            1,
            "2 weighted payloads and only 1",
        ),
        (
            [{"payload": 1, "weight": 1}, {"payload": 2, "weight": 99}],
            10,
            "payload 1 (weight 1) gets no invocation",
        ),
        (
            [{"payload": 1, "weight": 0}],
            10,
            "every weight of a weighted payload list must be above 0",
        ),
    ],
)
def test_weighted_payload_mistakes_are_one_line(doc: list, n: int, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_payloads(doc, n, source="w.json")


def test_apply_writes_a_literal_memory_size_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "function.json"
    text = '{\n  "FunctionName": "f",\n  "MemorySize": 1024,\n  "Timeout": 3\n}\n'
    path.write_text(text)
    path.chmod(0o640)
    edit = set_number_field(path, "MemorySize", 1769)
    assert edit.written and edit.describe() == 'function.json: "MemorySize": 1024 -> 1769 (written)'
    assert path.read_text() == text.replace("1024", "1769")
    assert path.stat().st_mode & 0o777 == 0o640
    assert json.loads(path.read_text())["MemorySize"] == 1769


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            '{"FunctionName": "f", "MemorySize": {{ env "MEMORY" "1024" }}}',
            "its value is a template",
        ),
        (
            '{"FunctionName": "f", "MemorySize": "{{ must_env `MEMORY` }}"}',
            "its value is a template",
        ),
        ('{"FunctionName": "f"}', "the field is not in the file"),
        ('{"MemorySize": 128, "memorysize": 256}', "MemorySize appears 2 times"),
    ],
)
def test_apply_prints_the_edit_when_the_size_is_not_a_literal(
    tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "function.json"
    path.write_text(text)
    edit = set_number_field(path, "MemorySize", 512)
    assert not edit.written and why in edit.describe()
    assert path.read_text() == text  # untouched


def test_apply_in_jsonnet(tmp_path: Path) -> None:
    path = tmp_path / "function.jsonnet"
    path.write_text("{\n  FunctionName: 'f',\n  MemorySize: 256,\n}\n")
    assert set_number_field(path, "MemorySize", 128).written
    assert "MemorySize: 128," in path.read_text()
    path.write_text("{\n  FunctionName: 'f',\n  MemorySize: std.extVar('mem'),\n}\n")
    assert not set_number_field(path, "MemorySize", 128).written
