"""``lambherd cost`` from the command line's usage: text, ``--output json``, projects, what the
definition supplies, and bad input (one line, exit 1, before any AWS call)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

INPUTS = ("--invocations", "10M", "--duration", "120ms", "--memory", "512")


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No AWS: any client made is recorded and refused (the inputs path must not need one)."""
    from lambherd.aws import AwsClients

    made: list[str] = []

    def client(self: AwsClients, service: str) -> Any:
        made.append(service)
        raise AssertionError(f"an AWS client was made: {service}")

    monkeypatch.setattr(AwsClients, "client", client)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "LAMBHERD_SANDBOX", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return made


def _function(folder: Path, name: str, **config: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": "arn:aws:iam::123456789012:role/r",
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition))
    return folder


def test_json_has_items_and_a_total_that_adds_up(lh: Any, offline: list[str], tmp_path) -> None:
    res = lh(
        "-C",
        tmp_path,
        "--output",
        "json",
        "cost",
        *INPUTS,
        "--init-duration",
        "300ms",
        "--cold-start-rate",
        "0.02",
        "--log-bytes",
        "1KB",
    )
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["mode"] == "inputs" and doc["free_tier_applied"] is True
    assert doc["prices"] == {"table": "shipped table", "date": "2026-12-01"}
    for item in doc["items"]:
        assert set(item) >= {"name", "quantity", "unit", "unit_price_usd", "usd", "source"}
        assert item["source"]
    total = sum(Decimal(str(i["usd"])) for i in doc["items"])
    assert abs(total - Decimal(str(doc["total_usd"]))) < Decimal("1e-6")
    # the first worked example of test_cost_estimate, through the CLI
    assert doc["total_usd"] == pytest.approx(10.40171258203125)
    assert any("free tier applied" in n for n in doc["notes"])
    assert offline == []


def test_text_lists_every_line_and_the_free_tier(lh: Any, offline: list[str], tmp_path) -> None:
    res = lh("-C", tmp_path, "cost", *INPUTS)
    assert res.code == 0, res.err
    for expected in ("requests", "duration x86_64, tier 1", "free tier: requests", "total a month"):
        assert expected in res.out
    assert "free tier applied" in res.err
    no_free = lh("-C", tmp_path, "--output", "json", "cost", *INPUTS, "--no-free-tier")
    doc = json.loads(no_free.out)
    assert doc["free_tier_applied"] is False
    assert not any(i["name"].startswith("free tier") for i in doc["items"])


def test_the_definition_supplies_what_the_options_leave_out(
    lh: Any, offline: list[str], tmp_path: Path
) -> None:
    _function(
        tmp_path / "fn",
        "resizer",
        MemorySize=2048,
        Architectures=["arm64"],
        EphemeralStorage={"Size": 1024},
    )
    res = lh(
        "-C", tmp_path / "fn", "--output", "json", "cost", "--invocations", "1M", "--duration", "1s"
    )
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    config = doc["functions"][0]["configuration"]
    assert (doc["function"], config["memory_mb"], config["architecture"]) == (
        "resizer",
        2048,
        "arm64",
    )
    assert any(i["name"].startswith("ephemeral storage (1024 MB") for i in doc["items"])


def test_a_project_is_a_table_sorted_by_cost_with_a_total(
    lh: Any, offline: list[str], tmp_path: Path
) -> None:
    (tmp_path / "lambherd.toml").write_text('[project]\nname = "shop"\n')
    _function(tmp_path / "functions" / "small", "shop-small", MemorySize=128)
    _function(tmp_path / "functions" / "big", "shop-big", MemorySize=4096)
    res = lh(
        "-C", tmp_path, "--output", "json", "cost", "--invocations", "5M", "--duration", "100ms"
    )
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["project"] == "shop"
    names = [f["function"] for f in doc["functions"]]
    assert names == ["shop-big", "shop-small"]
    shares = sum(Decimal(str(f["usd"])) for f in doc["functions"])
    assert abs(shares - Decimal(str(doc["total_usd"]))) < Decimal("1e-6")
    # one free tier for the project: 1 M requests of the 10 M the two functions make
    free = [i for i in doc["items"] if i["name"] == "free tier: requests"]
    assert [i["quantity"] for i in free] == [-1_000_000]
    text = lh("-C", tmp_path, "cost", "--invocations", "5M", "--duration", "100ms")
    assert text.code == 0, text.err
    assert text.out.index("shop-big") < text.out.index("shop-small") < text.out.index("total")
    assert "shared by the project's functions" in text.err


def test_provisioned_and_schedule_describe_the_usage(
    lh: Any, offline: list[str], tmp_path: Path
) -> None:
    fn = _function(tmp_path / "fn", "api", MemorySize=1024)
    (fn / "concurrency.json").write_text(
        json.dumps(
            {
                "ProvisionedConcurrency": {"current": 2},
                "Autoscaling": {
                    "current": {
                        "ScheduledActions": [
                            {"Name": "up", "Schedule": "cron(0 9 * * ? *)", "MinCapacity": 10},
                            {"Name": "down", "Schedule": "cron(0 18 * * ? *)", "MinCapacity": 2},
                        ]
                    }
                },
            }
        )
    )
    run = lambda *a: json.loads(lh("-C", fn, "--output", "json", "cost", *a).out)  # noqa: E731
    scheduled = run("--invocations", "1M", "--duration", "100ms", "--schedule")
    usage = scheduled["functions"][0]["monthly_usage"]
    # (10 x 9 h + 2 x 15 h) x 30 days = 3,600 environment-hours
    assert usage["provisioned_environment_hours"] == 3600
    alloc = next(i for i in scheduled["items"] if i["name"] == "provisioned concurrency")
    assert alloc["quantity"] == 3600 * 3600  # 1 GB x 3,600 h x 3,600 s
    flat = run("--invocations", "1M", "--duration", "100ms", "--provisioned", "1")
    assert flat["functions"][0]["monthly_usage"]["provisioned_environment_hours"] == 720
    none = run("--invocations", "1M", "--duration", "100ms", "--provisioned", "0")
    assert not any(i["name"].startswith("provisioned") for i in none["items"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--region", "ap-east-1", "cost", *INPUTS),
            "error: no prices for region ap-east-1 in the shipped table (2026-12-01); regions "
            "with prices: ap-northeast-1, ap-southeast-1, eu-central-1, eu-west-1, us-east-1, "
            "us-west-2",
        ),
        (
            ("cost", "--invocations", "10M", "--duration", "120ms", "--memory", "20000"),
            "error: --memory: 20000 MB is outside Lambda's MemorySize range 128-10240 MB",
        ),
        (
            ("cost", "--invocations", "abc", "--duration", "120ms"),
            "error: --invocations: 'abc' is not a count (use a number with an optional k, M or "
            "B: 3000, 250k, 10M, 1.5B)",
        ),
        (
            ("cost", "--invocations", "10M", "--duration", "-1ms"),
            "error: --duration: '-1ms' is not a duration of zero or more (use a number and ms, "
            "s, m or h: 120ms, 1.5s)",
        ),
        (
            ("cost", "--invocations", "10M"),
            "error: --invocations and --duration go together (the usage of a month)",
        ),
        (
            ("cost", *INPUTS, "--init-duration", "300ms"),
            "error: --init-duration and --cold-start-rate go together (how long an INIT takes "
            "and how many invocations pay one)",
        ),
        (
            ("cost", "--since", "1h", *INPUTS),
            "error: --since reads the usage from CloudWatch; --invocations/--duration give it: "
            "use one or the other",
        ),
        (
            ("cost", "--function-name", "x", "--memory", "20000"),
            "error: --memory: 20000 MB is outside Lambda's MemorySize range 128-10240 MB",
        ),
        (
            ("cost", "--function-name", "x", "--schedule"),
            "error: --schedule: no concurrency.json in the working folder for x",
        ),
        (
            ("cost", "--function-name", "x", "--log-bytes", "1KB"),
            "error: --log-bytes goes with --invocations/--duration; from CloudWatch (--since) it "
            "is read from the function and its logs",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    lh: Any, offline: list[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    res = lh("-C", tmp_path, *args)
    assert res.code == 1
    assert res.err.strip() == message
    assert "Traceback" not in res.err and res.out == ""
    assert offline == []  # refused before any AWS client was made


def test_a_missing_price_is_a_warning_and_an_incomplete_total(
    lh: Any, offline: list[str], tmp_path: Path
) -> None:
    res = lh(
        "-C",
        tmp_path,
        "--region",
        "eu-west-1",
        "cost",
        "--invocations",
        "800M",
        "--duration",
        "1s",
        "--memory",
        "10240",
    )
    assert res.code == 0, res.err
    assert "(incomplete)" in res.out
    assert (
        "warning: no price for eu-west-1 x86_64 duration above 6 B GB-s in the shipped table "
        "(2026-12-01)" in res.err
    )
    doc = json.loads(
        lh(
            "-C",
            tmp_path,
            "--region",
            "eu-west-1",
            "--output",
            "json",
            "cost",
            "--invocations",
            "800M",
            "--duration",
            "1s",
            "--memory",
            "10240",
        ).out
    )
    assert doc["complete"] is False and len(doc["missing_prices"]) == 1
