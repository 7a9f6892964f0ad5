"""lint's configuration checks (function.json and its sidecars), without AWS."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lambherd.lint.checks import config as config_checks
from lint_testkit import findings, ids, run, write_function

APIGW_GRANT = {
    "StatementId": "api",
    "Action": "lambda:InvokeFunction",
    "Principal": "apigateway.amazonaws.com",
    "SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/*",
}


def test_timeout_over_29_seconds_behind_api_gateway(tmp_path: Path) -> None:
    folder = write_function(
        tmp_path / "fn", Timeout=60, sidecars={"permissions.json": [APIGW_GRANT]}
    )
    (finding,) = findings(run(folder), "LH301")
    assert "Timeout is 60 s" in finding.message and "29 s" in finding.message
    assert finding.line == 9  # the "Timeout" line of function.json


def test_timeout_within_api_gateway_limit_or_behind_a_function_url(tmp_path: Path) -> None:
    folder = write_function(
        tmp_path / "fn", Timeout=29, sidecars={"permissions.json": [APIGW_GRANT]}
    )
    assert findings(run(folder), "LH301") == []
    url = {"Config": {"AuthType": "AWS_IAM"}}
    folder = write_function(tmp_path / "url", Timeout=300, sidecars={"function_url.json": url})
    assert findings(run(folder), "LH301") == []  # URLs wait up to the function's Timeout


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch):
    """Pin lint's notion of today (runtime dates are judged against it)."""

    def pin(day: date) -> None:
        monkeypatch.setattr(config_checks, "_today", lambda: day)

    return pin


def test_runtime_lifecycle_findings_follow_aws_dates(tmp_path: Path, today) -> None:
    folder = tmp_path / "fn"
    today(date(2026, 12, 1))
    cases = {
        "python2.7": "LH304",  # updates blocked since 2022-05-30
        "python3.8": "LH305",  # deprecated 2024-10-14, updates blocked from 2027-03-03
        "python3.9": "LH305",
        "nodejs22.x": "LH306",  # deprecated on 2027-04-30, within 180 days
        "python3.13": None,
    }
    for runtime, expected in cases.items():
        write_function(folder, runtime=runtime)
        found = ids(run(folder)) & {"LH304", "LH305", "LH306"}
        assert found == ({expected} if expected else set()), runtime
    write_function(folder, runtime="python3.9")
    (finding,) = findings(run(folder), "LH305")
    assert finding.message == (
        "Runtime python3.9 is deprecated (deprecated 2025-12-15, creates blocked 2027-02-01, "
        "updates blocked 2027-03-03; move to python3.14)"
    )
    today(date(2027, 3, 3))  # the update-block date: deploys of the function now fail
    (blocked,) = findings(run(folder), "LH304")
    assert blocked.severity.label == "error" and "since 2027-03-03" in blocked.message


def test_soon_deprecated_runtime_names_the_days_left(tmp_path: Path, today) -> None:
    today(date(2027, 1, 30))
    folder = write_function(
        tmp_path / "fn",
        runtime="nodejs22.x",
        handler="index.handler",
        files={"index.js": "exports.handler = async () => 1;\n"},
    )
    (finding,) = findings(run(folder), "LH306")
    assert "in 90 days" in finding.message and finding.severity.label == "info"


def test_x86_where_arm64_would_do(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn", Architectures=["x86_64"])
    (finding,) = findings(run(folder), "LH307")
    assert finding.severity.label == "info" and "20%" in finding.message
    folder = write_function(tmp_path / "default")
    write_function(folder, **{"Architectures": None})  # absent Architectures is x86_64 too
    assert "LH307" in ids(run(folder))


def test_native_code_or_unbuilt_requirements_keep_x86(tmp_path: Path) -> None:
    native = write_function(
        tmp_path / "native",
        {
            "app.py": "def handler(e, c):\n    return 1\n",
            "fast.cpython-312-x86_64-linux-gnu.so": "elf",
        },
        Architectures=["x86_64"],
    )
    assert findings(run(native), "LH307") == []
    unbuilt = write_function(
        tmp_path / "unbuilt",
        {"app.py": "def handler(e, c):\n    return 1\n", "requirements.txt": "numpy\n"},
        Architectures=["x86_64"],
    )
    assert findings(run(unbuilt), "LH307") == []  # cannot tell before the build
    arm = write_function(tmp_path / "arm")
    assert findings(run(arm), "LH307") == []


def test_logging_not_json_where_the_project_uses_json(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project).mkdir()
    (project / "lambherd.toml").write_text('[project]\nname = "p"\n')
    json_logging = {"LogFormat": "JSON"}
    write_function(project / "functions" / "a", LoggingConfig=json_logging)
    write_function(project / "functions" / "b", LoggingConfig=json_logging)
    write_function(project / "functions" / "c")
    write_function(project / "functions" / "d", LoggingConfig={"LogFormat": "Text"})
    result = run(project)
    assert sorted(f.folder for f in findings(result, "LH308")) == ["functions/c", "functions/d"]
    text = next(f for f in findings(result, "LH308") if f.folder == "functions/d")
    assert "LogFormat is Text while functions/a, functions/b log JSON" in text.message


def test_logging_format_is_not_judged_when_nobody_uses_json(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "lambherd.toml").write_text('[project]\nname = "p"\n')
    write_function(project / "functions" / "a")
    write_function(project / "functions" / "b", LoggingConfig={"LogFormat": "Text"})
    assert findings(run(project), "LH308") == []


def test_reserved_concurrency_zero(tmp_path: Path) -> None:
    folder = write_function(
        tmp_path / "fn", sidecars={"concurrency.json": {"ReservedConcurrentExecutions": 0}}
    )
    (finding,) = findings(run(folder), "LH309")
    assert finding.file == "concurrency.json" and finding.line == 2
    write_function(folder, sidecars={"concurrency.json": {"ReservedConcurrentExecutions": 5}})
    assert findings(run(folder), "LH309") == []


def test_provisioned_concurrency_on_a_version_number(tmp_path: Path) -> None:
    pc = {"ProvisionedConcurrency": {"7": 5}}
    folder = write_function(
        tmp_path / "project" / "functions" / "fn", sidecars={"concurrency.json": pc}
    )
    toml = tmp_path / "project" / "lambherd.toml"
    toml.write_text('[project]\nname = "p"\n')
    (finding,) = findings(run(tmp_path / "project"), "LH310")
    assert "version 7" in finding.message and "moves current" in finding.message
    # on the alias it follows deploys; a function that never publishes keeps its version
    write_function(
        folder, sidecars={"concurrency.json": {"ProvisionedConcurrency": {"current": 5}}}
    )
    assert findings(run(tmp_path / "project"), "LH310") == []
    write_function(folder, sidecars={"concurrency.json": pc})
    toml.write_text('[project]\nname = "p"\n\n[functions.fn]\npublish = false\n')
    assert findings(run(tmp_path / "project"), "LH310") == []


def test_snapstart_with_provisioned_concurrency_or_efs(tmp_path: Path) -> None:
    snap = {"ApplyOn": "PublishedVersions"}
    folder = write_function(
        tmp_path / "fn",
        SnapStart=snap,
        sidecars={"concurrency.json": {"ProvisionedConcurrency": {"current": 2}}},
    )
    (finding,) = findings(run(folder), "LH311")
    assert "provisioned concurrency" in finding.message and finding.severity.label == "error"
    efs = [
        {
            "Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
            "LocalMountPath": "/mnt/data",
        }
    ]
    folder = write_function(
        tmp_path / "efs", SnapStart=snap, FileSystemConfigs=efs, EphemeralStorage={"Size": 1024}
    )
    (finding,) = findings(run(folder), "LH311")
    assert "EFS" in finding.message and "ephemeral storage of 1024 MB" in finding.message


def test_snapstart_alone_is_fine(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn", SnapStart={"ApplyOn": "PublishedVersions"})
    assert findings(run(folder), "LH311") == []
    folder = write_function(
        tmp_path / "off",
        SnapStart={"ApplyOn": "None"},
        sidecars={"concurrency.json": {"ProvisionedConcurrency": {"current": 2}}},
    )
    assert findings(run(folder), "LH311") == []


def test_recursive_loop_detection_off(tmp_path: Path) -> None:
    folder = write_function(
        tmp_path / "fn", sidecars={"event_invoke.json": {"RecursiveLoop": "Allow"}}
    )
    (finding,) = findings(run(folder), "LH312")
    assert finding.file == "event_invoke.json" and finding.line == 2
    write_function(folder, sidecars={"event_invoke.json": {"RecursiveLoop": "Terminate"}})
    assert findings(run(folder), "LH312") == []


def test_sqs_visibility_checks_need_live_data(tmp_path: Path) -> None:
    sources = [{"EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs", "BatchSize": 10}]
    folder = write_function(tmp_path / "fn", Timeout=120, sidecars={"event_sources.json": sources})
    assert ids(run(folder)) & {"LH302", "LH303"} == set()


def test_a_sidecar_that_does_not_parse_is_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    folder = write_function(tmp_path / "fn", Architectures=["x86_64"])
    (folder / "concurrency.json").write_text("{not json")
    result = run(folder)
    (finding,) = findings(result, "LH001")
    assert finding.file == "concurrency.json" and "invalid JSON" in finding.message
    assert "LH307" in ids(result)
