"""``init --template``: each starter is a working function — its tests.yaml passes locally, and it
deploys to the sandbox in one command and does its job there (ap-northeast-1)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from triggers_testkit import ROLE, SCHEDULER_ROLE, Tokyo, wait_for

STARTERS = ("http-api", "sqs-worker", "scheduled-task", "dynamodb-stream")
FILES = {
    "http-api": {"function.json", "function_url.json", "app.py", "tests.yaml", ".lambdaignore"},
    "sqs-worker": {"function.json", "event_sources.json", "app.py", "tests.yaml", ".lambdaignore"},
    "scheduled-task": {
        "function.json",
        "schedules.json",
        "event_invoke.json",
        "app.py",
        "tests.yaml",
        ".lambdaignore",
    },
    "dynamodb-stream": {
        "function.json",
        "event_sources.json",
        "app.py",
        "tests.yaml",
        ".lambdaignore",
    },
}
ENV = {
    "LAMBDA_ROLE_ARN": ROLE,
    "SCHEDULER_ROLE_ARN": SCHEDULER_ROLE,
    "QUEUE_ARN": "arn:aws:sqs:ap-northeast-1:123456789012:jobs",
    "STREAM_ARN": "arn:aws:dynamodb:ap-northeast-1:123456789012:table/items/stream/2026-01-01",
}


def starter(lh: Any, folder: Path, template: str, name: str) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    return lh("-C", folder, "init", "--function-name", name, "--template", template)


@pytest.mark.parametrize("template", STARTERS)
def test_each_starter_writes_its_files_and_validates(
    template: str, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    made = starter(lh, tmp_path / template, template, f"my-{template}")
    assert made.code == 0, made.err
    assert {p.name for p in (tmp_path / template).iterdir()} == FILES[template]
    assert "next steps:" in made.err
    checked = lh("-C", tmp_path / template, "validate")
    assert checked.code == 0, checked.err


@pytest.mark.slow
@pytest.mark.parametrize("template", STARTERS)
def test_each_starters_cases_pass_locally(
    template: str, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / template
    assert starter(lh, folder, template, f"my-{template}").code == 0
    result = lh("-C", folder, "test", "--local")
    assert result.code == 0, result.out + result.err
    assert "failed" not in result.out.lower() or " 0 failed" in result.out.lower()


@pytest.mark.parametrize("template", ["sqs-worker", "dynamodb-stream"])
def test_the_next_steps_name_the_users_sandbox_port(
    template: str, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBHERD_SANDBOX_PORT", "4599")
    made = starter(lh, tmp_path / template, template, f"my-{template}")
    assert made.code == 0, made.err
    assert "aws --endpoint-url http://127.0.0.1:4599 " in made.err
    assert "4566" not in made.err
    monkeypatch.delenv("LAMBHERD_SANDBOX_PORT")
    again = starter(lh, tmp_path / "default" / template, template, f"my-{template}")
    assert "aws --endpoint-url http://127.0.0.1:4566 " in again.err  # the default port


def test_a_template_is_for_a_new_function_only(lh: Any, tmp_path: Path) -> None:
    unknown = starter(lh, tmp_path / "a", "cron-job", "x")
    assert unknown.code == 1
    assert (
        "not a starter: one of http-api, sqs-worker, scheduled-task, dynamodb-stream" in unknown.err
    )
    mixed = lh(
        "-C", tmp_path / "a", "init", "--function-name", "x", "--template", "http-api", "--download"
    )
    assert mixed.code == 1 and "--template writes its own files" in mixed.err


@pytest.mark.slow
def test_the_starters_deploy_to_the_sandbox_in_one_command(
    tokyo: Tokyo, lh: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_ROLE_ARN", ROLE)
    monkeypatch.setenv("SCHEDULER_ROLE_ARN", SCHEDULER_ROLE)
    lam = tokyo.client("lambda")

    api = tmp_path / "api"
    assert starter(lh, api, "http-api", "items-api").code == 0
    assert lh("-C", api, "deploy").code == 0
    url = lam.get_function_url_config(FunctionName="items-api")["FunctionUrl"]
    with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=30) as resp:
        assert resp.status == 200 and json.loads(resp.read()) == {"ok": True}

    queue_url, queue_arn = tokyo.queue("starter-jobs", VisibilityTimeout=60)  # the README's step
    monkeypatch.setenv("QUEUE_ARN", queue_arn)
    worker = tmp_path / "worker"
    assert starter(lh, worker, "sqs-worker", "jobs-worker").code == 0
    assert lh("-C", worker, "deploy").code == 0
    tokyo.client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps({"task": "resize"}))
    wait_for(lambda: tokyo.counts(queue_url) == (0, 0), "the message processed")

    task = tmp_path / "task"
    assert starter(lh, task, "scheduled-task", "daily-task").code == 0
    assert lh("-C", task, "deploy").code == 0
    tested = lh("-C", task, "test")  # the cases against the deployed function
    assert tested.code == 0, tested.out + tested.err

    ddb = tokyo.client("dynamodb")
    table = ddb.create_table(
        TableName="starter-items",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    monkeypatch.setenv("STREAM_ARN", table["LatestStreamArn"])
    reader = tmp_path / "reader"
    assert starter(lh, reader, "dynamodb-stream", "items-reader").code == 0
    assert lh("-C", reader, "deploy").code == 0
    ddb.put_item(TableName="starter-items", Item={"id": {"S": "1"}, "name": {"S": "first"}})
    (mapping,) = lam.list_event_source_mappings(FunctionName="items-reader")["EventSourceMappings"]
    wait_for(
        lambda: (
            lam.get_event_source_mapping(UUID=mapping["UUID"]).get("LastProcessingResult") == "OK"
        ),
        "the stream record processed",
    )
