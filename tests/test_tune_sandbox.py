"""``lambherd tune`` on the sandbox (ap-northeast-1): a CPU-bound handler's curve falls with
memory up to 1,769 MB and is flat after; a sleep-bound one is flat and ``cost`` picks the
smallest size; the HTML report of a real run drawn in headless Chromium; everything the run
made removed after a failing invoke and after SIGINT; nothing sent without --yes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lambherd.local import cpu
from local_testkit import timing_holds
from tune_testkit import (
    TUNE_REGION,
    lambda_client,
    leftovers,
    make_function,
    rendered_dom,
    tune_json,
)

pytestmark = pytest.mark.slow


def tune(lh: Any, *args: str) -> Any:
    return lh("--region", TUNE_REGION, "--output", "json", "--yes", "tune", *args)


def clean(lam: Any, name: str, memory: int, description: str = "tuned by tests") -> None:
    left = leftovers(lam, name)
    assert left == {
        "aliases": [],
        "versions": [],
        "memory": memory,
        "description": description,
    }, left


def test_cpu_bound_handler_gets_faster_up_to_1769_mb_then_flat(
    sandbox: Any, sandbox_endpoint: str, lh: Any
) -> None:
    if cpu.control() is None:
        pytest.skip(cpu.note() or "no CPU share on this machine")
    lam = lambda_client(sandbox_endpoint)
    make_function(lam, "tune-cpu", 1769)

    def measure() -> dict[str, Any]:
        got = tune(
            lh, "--function-name", "tune-cpu", "--memory", "512,1024,1769,3008",
            "--invocations", "9", "--parallel", "1", "--payload", '{"loops": 6000000}',
            "--strategy", "speed",
        )  # fmt: skip
        assert got.code == 0, got.err
        clean(lam, "tune-cpu", 1769)  # every run removes what it made
        return tune_json(got.out)

    def problems(doc: dict[str, Any]) -> list[str]:
        p50 = {r["memory"]: r["duration_p50_ms"] for r in doc["results"]}
        assert sorted(p50) == [512, 1024, 1769, 3008]
        # Lambda's share: 512 MB has 0.29 of a vCPU, 1,024 MB 0.58, 1,769 MB one, 3,008 MB 1.7
        # (a single-threaded handler uses one): time falls in proportion, then stays.
        bounds = {512: (2.9, 4.0), 1024: (1.4, 2.0), 3008: (0.8, 1.25)}
        found = [] if p50[512] > p50[1024] > p50[1769] else [f"not falling: {p50}"]
        for size, (low, high) in bounds.items():
            if not low <= p50[size] / p50[1769] <= high:
                found.append(f"{size}/1769 = {p50[size] / p50[1769]:.2f} ({p50})")
        if doc["best"]["memory"] not in (1769, 3008):
            found.append(f"best {doc['best']['memory']}")
        return found

    doc, failures = timing_holds(measure, problems, attempts=5)
    assert not failures, failures
    assert any("Lambda's CPU share" in n for n in doc["notes"])


def test_sleep_bound_handler_is_flat_and_cost_picks_the_smallest_size(
    sandbox: Any, sandbox_endpoint: str, lh: Any, tmp_path: Path
) -> None:
    lam = lambda_client(sandbox_endpoint)
    make_function(lam, "tune-sleep", 512)
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "function.json").write_text(
        '{\n  "FunctionName": "tune-sleep",\n  "Handler": "app.handler",\n'
        '  "Runtime": "python3.11",\n  "MemorySize": 512,\n  "Timeout": 60\n}\n'
    )
    report = tmp_path / "tune.html"
    got = lh(
        "-C", str(folder), "--region", TUNE_REGION, "--output", "json", "--yes", "tune",
        "--memory", "128,256,1024", "--invocations", "10", "--parallel", "5",
        "--payload", '{"sleep": 0.1}', "--strategy", "cost", "--report", str(report), "--apply",
    )  # fmt: skip
    assert got.code == 0, got.err
    doc = tune_json(got.out)
    results = {r["memory"]: r for r in doc["results"]}
    assert sorted(results) == [128, 256, 512, 1024]  # 512 MB, the current size, too
    p50 = [r["duration_p50_ms"] for r in results.values()]
    assert min(p50) >= 100 and max(p50) / min(p50) < 1.3, p50  # sleeping needs no CPU
    assert doc["best"]["memory"] == 128
    assert doc["best"]["why"].startswith("128 MB is the cheapest")
    costs = [results[m]["cost_per_1m_usd"] for m in (128, 256, 512, 1024)]
    assert costs == sorted(costs)
    assert doc["recommendation"].startswith('set "MemorySize": 128 in function.json (now 512)')
    assert doc["function_json"]["written"] is True
    assert '"MemorySize": 128,' in (folder / "function.json").read_text()
    for entry in doc["results"]:
        assert entry["kept"] == 6  # 10 invocations, the fastest and slowest 2 dropped
        # the per-million figure is given to six decimals (a micro-dollar)
        assert entry["cost_per_1m_usd"] == pytest.approx(
            entry["cost_per_invocation_usd"] * 1e6, abs=5.01e-7
        )
    clean(lam, "tune-sleep", 512)

    # the report of this run, drawn by its own script in headless Chromium
    source = report.read_text()
    assert "<circle" not in source and "http" not in source.replace(
        "http://www.w3.org/2000/svg", ""
    )
    dom = rendered_dom(report)
    assert 'data-drawn="4"' in dom
    assert dom.count("<circle") == 8  # two curves x four sizes
    assert dom.count('class="best point"') == 2
    for entry in doc["results"]:  # every point carries the run's own figures
        value = entry["cost_per_1m_usd"]
        assert (
            f'data-memory="{entry["memory"]}" data-series="cost_per_1m_usd" data-value="{value}"'
            in dom
        )
    assert dom.count("<tr data-memory=") == 3  # the table's rows, the best one marked
    assert dom.count('<tr class="best" data-memory="128">') == 1


def test_a_failing_invoke_stops_the_run_and_everything_is_cleaned_up(
    sandbox: Any, sandbox_endpoint: str, lh: Any
) -> None:
    lam = lambda_client(sandbox_endpoint)
    make_function(lam, "tune-fail", 1024)
    got = lh(
        "--region", TUNE_REGION, "--yes", "tune", "--function-name", "tune-fail",
        "--memory", "128,256", "--invocations", "3", "--parallel", "2",
        "--payload", '{"fail_at": 256}',
    )  # fmt: skip
    assert got.code == 1
    assert "tune stopped: 256 MB, invocation" in got.err
    assert "ValueError: boom at 256" in got.err
    assert "Traceback" not in got.err
    clean(lam, "tune-fail", 1024)


def test_sigint_during_the_invocations_cleans_up(sandbox: Any, sandbox_endpoint: str) -> None:
    lam = lambda_client(sandbox_endpoint)
    make_function(lam, "tune-sigint", 256)
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "lambherd", "--region", TUNE_REGION, "--yes", "tune",
            "--function-name", "tune-sigint", "--memory", "128,512", "--invocations", "40",
            "--parallel", "1", "--payload", '{"sleep": 0.2}',
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=dict(os.environ),
    )  # fmt: skip
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 120
    for line in proc.stderr:  # wait for the invocations themselves
        seen.append(line)
        if line.startswith("invoking:"):
            break
        assert time.monotonic() < deadline, seen
    assert seen[-1].startswith("invoking:"), seen
    assert leftovers(lam, "tune-sigint")["aliases"]  # the run's aliases exist now
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(seen) + err
    assert "cleaning up" in err and "interrupted" in err
    clean(lam, "tune-sigint", 256)


def test_without_yes_it_refuses_before_changing_anything(
    sandbox: Any, sandbox_endpoint: str, lh: Any
) -> None:
    lam = lambda_client(sandbox_endpoint)
    before = make_function(lam, "tune-refused", 256)
    got = lh("--region", TUNE_REGION, "tune", "--function-name", "tune-refused")
    assert got.code == 1
    assert "refused without --yes" in got.err and "side effects" in got.err
    clean(lam, "tune-refused", 256)
    after = lam.get_function_configuration(FunctionName="tune-refused")
    assert after["RevisionId"] == before["RevisionId"]


def test_cold_only_makes_every_invocation_a_cold_start(
    sandbox: Any, sandbox_endpoint: str, lh: Any
) -> None:
    lam = lambda_client(sandbox_endpoint)
    make_function(lam, "tune-cold", 128)
    got = tune(
        lh, "--function-name", "tune-cold", "--memory", "128,256", "--invocations", "3",
        "--parallel", "3", "--cold-only", "--payload", '[{"payload": {"sleep": 0.01}, '
        '"weight": 2}, {"payload": {"loops": 10}, "weight": 1}]',
    )  # fmt: skip
    assert got.code == 0, got.err
    doc = tune_json(got.out)
    for entry in doc["results"]:
        assert entry["cold_starts"] == 3 and entry["kept"] == 3  # nothing trimmed
        assert entry["init_billed_ms"] > 0  # INIT is in the cost
    clean(lam, "tune-cold", 128)


def test_dry_run_shows_the_setup_and_sends_no_change(
    sandbox: Any, sandbox_endpoint: str, lh: Any
) -> None:
    lam = lambda_client(sandbox_endpoint)
    before = make_function(lam, "tune-dry", 256)
    got = lh(
        "--region", TUNE_REGION, "tune", "--function-name", "tune-dry", "--memory", "128,512",
        "--dry-run",
    )  # fmt: skip
    assert got.code == 0, got.err
    lines = got.out.splitlines()
    assert lines[0].startswith("dry run: tune of tune-dry")
    assert "UpdateConfiguration MemorySize=128" in lines[1]
    assert any("CreateAlias lambherd-tune-" in line for line in lines)
    assert lines[-1].strip().startswith("UpdateConfiguration MemorySize=256")  # put back
    after = lam.get_function_configuration(FunctionName="tune-dry")
    assert after["RevisionId"] == before["RevisionId"]
    clean(lam, "tune-dry", 256)


def test_cleanup_removes_what_an_abandoned_run_left(
    sandbox: Any, sandbox_endpoint: str, lh: Any
) -> None:
    lam = lambda_client(sandbox_endpoint)
    make_function(lam, "tune-left", 256)
    mine = lam.publish_version(FunctionName="tune-left")["Version"]  # the user's: kept
    lam.update_function_configuration(FunctionName="tune-left", MemorySize=512)
    version = lam.publish_version(
        FunctionName="tune-left", Description="lambherd tune 0badc0de: 512 MB"
    )["Version"]
    lam.create_alias(
        FunctionName="tune-left", Name="lambherd-tune-0badc0de-512", FunctionVersion=version
    )
    got = lh("--region", TUNE_REGION, "tune", "--function-name", "tune-left", "--cleanup")
    assert got.code == 0, got.err
    assert got.out.splitlines() == [
        "DeleteAlias lambherd-tune-0badc0de-512",
        f"DeleteVersion {version}",
    ]
    left = leftovers(lam, "tune-left")
    assert left["aliases"] == [] and left["versions"] == [mine]
