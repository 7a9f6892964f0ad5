"""``lambherd lint`` as a user runs it: formats (text, JSON, SARIF 2.1.0), exit codes,
suppressions (lambherd.toml and inline), projects in parallel, --explain/--list, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from lint_testkit import write_function

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CLIENT_IN_HANDLER = """
import boto3

def handler(event, context):
    s3 = boto3.client("s3")
    return {}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of three functions: one clean, one with a warning and an info, one broken."""
    root = tmp_path / "shop"
    root.mkdir()
    (root / "lambherd.toml").write_text('[project]\nname = "shop"\n')
    write_function(root / "functions" / "clean")
    write_function(
        root / "functions" / "orders", {"app.py": CLIENT_IN_HANDLER}, Architectures=["x86_64"]
    )
    broken = root / "functions" / "broken"
    broken.mkdir(parents=True)
    (broken / "function.json").write_text('{"FunctionName": "broken", ')
    return root


def test_text_output_groups_by_function_and_file_with_the_fix(lh, project: Path) -> None:
    result = lh("-C", project, "lint")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "functions/broken"  # its definition did not load: no FunctionName
    assert lines[1] == "  functions/broken/function.json"
    orders = lines.index("orders (functions/orders)")
    assert lines[orders + 1] == "  functions/orders/app.py"
    assert "4:10" in lines[orders + 2] and "LH101" in lines[orders + 2]
    assert lines[orders + 3].strip().startswith("fix: create it once at module level")
    assert "functions/orders/function.json" in result.out  # LH307, its own file group
    assert "clean" not in result.out.replace("functions/clean", "")
    assert lines[-1] == "3 functions linted: 1 error, 1 warning, 1 info"


def test_json_output(lh, project: Path) -> None:
    result = lh("-C", project, "--output", "json", "lint")
    doc = json.loads(result.out)
    assert doc["summary"] == {"functions": 3, "error": 1, "warning": 1, "info": 1, "suppressed": 0}
    by_folder = {f["folder"]: f for f in doc["functions"]}
    assert by_folder["functions/clean"]["findings"] == []
    (broken,) = by_folder["functions/broken"]["findings"]
    assert broken["check"] == "LH001" and broken["severity"] == "error"
    client = next(f for f in by_folder["functions/orders"]["findings"] if f["check"] == "LH101")
    assert client == {
        "check": "LH101",
        "severity": "warning",
        "function": "orders",
        "folder": "functions/orders",
        "file": "functions/orders/app.py",
        "line": 4,
        "column": 10,
        "message": "boto3.client('s3') creates an AWS SDK client inside handler(), on every "
        "invocation",
        "fix": "create it once at module level (init code) and use it from the handler",
    }


# What SARIF 2.1.0's JSON schema (sarif-schema-2.1.0.json, OASIS) requires of the objects lint
# writes: required properties, and every object closed (additionalProperties: false).
_SARIF: dict[str, tuple[set[str], set[str]]] = {
    "log": (
        {"version", "runs"},
        {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
    ),
    "run": (
        {"tool"},
        {
            "tool",
            "invocations",
            "conversion",
            "language",
            "originalUriBaseIds",
            "artifacts",
            "results",
            "columnKind",
            "automationDetails",
            "properties",
            "taxonomies",
            "policies",
            "defaultEncoding",
            "defaultSourceLanguage",
        },
    ),
    "tool": ({"driver"}, {"driver", "extensions", "properties"}),
    "driver": (
        {"name"},
        {
            "name",
            "version",
            "semanticVersion",
            "informationUri",
            "rules",
            "organization",
            "fullName",
            "shortDescription",
            "fullDescription",
            "properties",
        },
    ),
    "rule": (
        {"id"},
        {
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
            "defaultConfiguration",
            "properties",
            "messageStrings",
        },
    ),
    "text": ({"text"}, {"text", "markdown", "properties"}),
    "result": (
        {"message"},
        {
            "ruleId",
            "ruleIndex",
            "level",
            "message",
            "locations",
            "kind",
            "properties",
            "fingerprints",
            "partialFingerprints",
        },
    ),
    "location": (set(), {"physicalLocation", "id", "message", "properties"}),
    "physical": ({"artifactLocation"}, {"artifactLocation", "region", "address", "properties"}),
    "artifact": ({"uri"}, {"uri", "uriBaseId", "index", "description", "properties"}),
    "region": ({"startLine"}, {"startLine", "startColumn", "endLine", "endColumn", "properties"}),
}


def _shape(kind: str, obj: Any) -> None:
    required, allowed = _SARIF[kind]
    assert isinstance(obj, dict), kind
    assert required <= set(obj), (kind, required - set(obj))
    assert set(obj) <= allowed, (kind, set(obj) - allowed)


def test_sarif_output_follows_the_2_1_0_schema(lh, project: Path) -> None:
    result = lh("-C", project, "lint", "--format", "sarif")
    assert result.code == 1
    log = json.loads(result.out)
    _shape("log", log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    _shape("run", run)
    assert run["columnKind"] in {"utf16CodeUnits", "unicodeCodePoints"}
    _shape("tool", run["tool"])
    driver = run["tool"]["driver"]
    _shape("driver", driver)
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        _shape("rule", rule)
        for key in ("shortDescription", "fullDescription", "help"):
            _shape("text", rule[key])
        assert rule["defaultConfiguration"]["level"] in {"none", "note", "warning", "error"}
        assert set(rule["properties"]) == {"tags"}  # a property bag: tags, then anything
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == project.resolve().as_uri() + "/"
    levels = {}
    for item in run["results"]:
        _shape("result", item)
        _shape("text", item["message"])
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        (location,) = item["locations"]
        _shape("location", location)
        physical = location["physicalLocation"]
        _shape("physical", physical)
        _shape("artifact", physical["artifactLocation"])
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not physical["artifactLocation"]["uri"].startswith("/")
        if "region" in physical:
            _shape("region", physical["region"])
            assert physical["region"]["startLine"] >= 1
        levels[item["ruleId"]] = item["level"]
    assert levels == {"LH001": "error", "LH101": "warning", "LH307": "note"}


def test_exit_codes_follow_fail_on_and_info_never_fails(lh, tmp_path: Path) -> None:
    info_only = write_function(tmp_path / "info", Architectures=["x86_64"])
    assert lh("-C", info_only, "lint").code == 0
    assert lh("-C", info_only, "lint", "--fail-on", "warning").code == 0
    warning = write_function(tmp_path / "warning", {"app.py": CLIENT_IN_HANDLER})
    assert lh("-C", warning, "lint").code == 1  # default: warning
    assert lh("-C", warning, "lint", "--fail-on", "error").code == 0
    assert lh("-C", warning, "lint", "--fail-on", "none").code == 0
    clean = write_function(tmp_path / "clean")
    ok = lh("-C", clean, "lint")
    assert ok.code == 0 and ok.out.strip() == "1 function linted: no findings"


def test_fail_on_and_disable_from_lambherd_toml(lh, project: Path) -> None:
    toml = project / "lambherd.toml"
    toml.write_text('[project]\nname = "shop"\n\n[lint]\nfail_on = "error"\ndisable = ["LH001"]\n')
    result = lh("-C", project, "--output", "json", "lint")
    doc = json.loads(result.out)
    assert result.code == 0 and doc["summary"]["error"] == 0 and doc["summary"]["suppressed"] == 1
    assert lh("-C", project, "lint", "--fail-on", "warning").code == 1  # the flag wins


def test_per_function_disable(lh, project: Path) -> None:
    (project / "lambherd.toml").write_text(
        '[project]\nname = "shop"\n\n[lint.functions.orders]\ndisable = ["LH101", "lh307"]\n'
    )
    doc = json.loads(lh("-C", project, "--output", "json", "lint").out)
    by_folder = {f["folder"]: f for f in doc["functions"]}
    assert by_folder["functions/orders"]["findings"] == []
    assert by_folder["functions/orders"]["suppressed"] == 2
    assert [f["check"] for f in by_folder["functions/broken"]["findings"]] == ["LH001"]


def test_disable_on_the_command_line(lh, project: Path) -> None:
    doc = json.loads(lh("-C", project, "--output", "json", "lint", "--disable", "LH101").out)
    assert doc["summary"]["warning"] == 0 and doc["summary"]["suppressed"] == 1


def test_inline_suppressions_on_the_line_and_for_the_file(lh, tmp_path: Path) -> None:
    folder = write_function(
        tmp_path / "fn",
        {
            "app.py": """
            import boto3, json

            def handler(event, context):
                s3 = boto3.client("s3")  # lambherd: ignore[LH101]
                sqs = boto3.client("sqs")  # lambherd: ignore[LH105]
                sns = boto3.client("sns")  # lambherd: ignore
                print(json.dumps(event))
                return {}
            """
        },
    )
    doc = json.loads(lh("-C", folder, "--output", "json", "lint").out)
    found = [(f["check"], f["line"]) for f in doc["functions"][0]["findings"]]
    assert found == [("LH101", 5), ("LH105", 7)]
    assert doc["summary"]["suppressed"] == 2
    app = folder / "app.py"
    app.write_text("# lambherd: ignore-file[LH105]\n" + app.read_text())
    doc = json.loads(lh("-C", folder, "--output", "json", "lint").out)
    assert [f["check"] for f in doc["functions"][0]["findings"]] == ["LH101"]


def test_inside_one_function_folder_of_a_project_only_that_function(lh, project: Path) -> None:
    doc = json.loads(lh("-C", project / "functions" / "orders", "--output", "json", "lint").out)
    assert [f["folder"] for f in doc["functions"]] == ["functions/orders"]
    doc = json.loads(lh("-C", project, "--output", "json", "lint", "--only", "cl*").out)
    assert [f["folder"] for f in doc["functions"]] == ["functions/clean"]


def test_bad_input_is_one_line(lh, project: Path, tmp_path: Path) -> None:
    unknown = lh("-C", project, "lint", "--disable", "LH999")
    assert unknown.code == 1 and unknown.err.startswith("error: --disable LH999: no such check")
    assert "Traceback" not in unknown.err
    (project / "lambherd.toml").write_text('[project]\nname = "shop"\n\n[lint]\nbudget = 3\n')
    bad = lh("-C", project, "lint")
    assert bad.code == 1 and "lambherd.toml: [lint]: unknown key 'budget'" in bad.err
    (project / "lambherd.toml").write_text(
        '[project]\nname = "shop"\n\n[lint]\npackage_budget_mb = -1\n'
    )
    assert "package_budget_mb: expected a positive number" in lh("-C", project, "lint").err
    single = write_function(tmp_path / "single")
    only = lh("-C", single, "lint", "--only", "x")
    assert only.code == 1 and "--only: selects functions of a project" in only.err
    assert lh("-C", tmp_path / "single", "lint", "--since", "soon").code == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no function.json" in lh("-C", empty, "lint").err


def test_explain_and_list(lh) -> None:
    explained = lh("lint", "--explain", "lh309")
    assert explained.code == 0
    assert explained.out.startswith("LH309 reserved-concurrency-zero (warning, config)")
    assert "fix:" in explained.out and "source:" in explained.out
    assert "http" not in explained.out  # no links, the reason in words
    listed = lh("lint", "--list").out.splitlines()
    assert len(listed) >= 30 and listed[0].startswith("LH001  error")
    missing = lh("lint", "--explain", "LH000")
    assert missing.code == 1 and "no check 'LH000'" in missing.err


def test_every_explanation_says_why_and_names_its_source(lh) -> None:
    from lambherd.services.lint import checks

    for check in checks():
        assert len(check.explanation) > 200, check.id
        assert check.source and check.fix and check.summary, check.id
        assert "://" not in check.explanation + check.source, check.id


def test_the_examples_lint_clean_or_explained(lh, tmp_path: Path) -> None:
    hello = tmp_path / "hello"
    shutil.copytree(EXAMPLES / "hello", hello)
    result = lh("-C", hello, "--output", "json", "lint")
    assert result.code == 0
    doc = json.loads(result.out)
    # hello runs on x86_64 and has no compiled code: the one finding is the arm64 advice (info),
    # which README's lint section explains; everything else is clean
    assert [f["check"] for f in doc["functions"][0]["findings"]] == ["LH307"]


def test_render_text_without_a_style_is_plain_text(tmp_path: Path) -> None:
    from lambherd.lint.model import Finding, FunctionReport, LintReport, Severity
    from lambherd.services.lint import LintResult, render

    finding = Finding(
        "LH101", Severity.WARNING, "boto3.client() inside the handler", "create it once",
        "orders", ".", "app.py", 4, 10,
    )  # fmt: skip
    report = LintReport(tmp_path, [FunctionReport("orders", ".", [finding])])
    text = render(LintResult(report, Severity.WARNING), "text")
    assert isinstance(text, str)
    assert "LH101" in text and "app.py" in text and "\x1b[" not in text
