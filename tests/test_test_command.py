"""``test`` against moto's server: cases judged, JUnit XML written, mistakes in the tests file
refused before invoking.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from aws_testkit import OPS_GROUP, OPS_NAME, moto_api
from lambherd.errors import DefinitionError
from lambherd.invocation import (
    InvokeOutcome,
)
from lambherd.testcases import TestCase, junit_xml, load_cases, run_cases

NAME, GROUP = OPS_NAME, OPS_GROUP


def test_test_command_against_moto_with_junit(lh, fn_dir: Path, aws: str, tmp_path: Path) -> None:
    (fn_dir / "tests.yaml").write_text(
        "- name: echoes the name\n  payload: {name: Ada, deep: {x: 1}}\n"
        "  expect: {contains: {deep: {x: 1}}, matches: 'Ada', max_duration_ms: 60000}\n"
        "- name: wrong expectation\n  payload: {name: Bob}\n"
        "  expect:\n    contains: {name: Ada}\n"
        "- name: canned greeting\n  payload: {}\n  expect: {contains: {statusCode: 200}}\n"
    )
    # moto echoes each payload: the second and third cases cannot pass.
    junit = tmp_path / "out" / "junit.xml"
    res = lh("-C", fn_dir, "--no-color", "test", "--junit", junit)
    assert res.code == 1
    assert "PASS echoes the name" in res.out
    assert "FAIL wrong expectation" in res.out
    assert '-  "name": "Ada"' in res.out and '+  "name": "Bob"' in res.out
    assert "FAIL canned greeting" in res.out
    assert "1 passed, 2 failed" in res.out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == NAME
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")


@pytest.mark.slow
def test_test_command_all_pass_and_canned_results(lh, fn_dir: Path, aws: str) -> None:
    body = json.dumps({"statusCode": 200, "body": "Hello, Ada!"})
    moto_api(aws, "static/lambda-simple/response", {"results": [body], "region": "us-east-1"})
    (fn_dir / "tests.json").write_text(
        json.dumps(
            [
                {
                    "name": "greets",
                    "payload": {"name": "Ada"},
                    "expect": {
                        "success": True,
                        "contains": {"statusCode": 200, "body": "Hello, Ada!"},
                    },
                },
                {"name": "echo", "payload": {"k": "v"}, "expect": {"contains": {"k": "v"}}},
            ]
        )
    )
    res = lh("-C", fn_dir, "--output", "json", "test")
    assert res.code == 0, res.out + res.err
    cases = json.loads(res.out)["cases"]
    assert [c["passed"] for c in cases] == [True, True]
    assert cases[0]["response"] == {"statusCode": 200, "body": "Hello, Ada!"}


def test_test_command_rejects_unknown_key_before_invoking(
    lh, fn_dir: Path, api_calls: list[str]
) -> None:
    (fn_dir / "tests.yaml").write_text("- name: typo\n  payload: {}\n  expects: {success: true}\n")
    res = lh("-C", fn_dir, "test")
    assert res.code == 1
    assert res.err.strip().startswith("error: tests.yaml: case 'typo': unknown key expects")
    assert "Invoke" not in api_calls


def test_test_command_without_tests_file(lh, fn_dir: Path) -> None:
    res = lh("-C", fn_dir, "test")
    assert res.code == 1 and "no tests.yaml or tests.json here" in res.err


def test_junit_xml_stays_well_formed_with_control_characters() -> None:
    log = "START\n\x1b[31mred\x1b[0m nul:\x00 bell:\x07\nEND\n"

    def invoker(payload: bytes, qualifier: str | None) -> InvokeOutcome:
        return InvokeOutcome(200, b'{"s": "\\u0001"}', log_tail=log)

    case = TestCase("ctl \x01 case", b"{}")
    results = run_cases([case], invoker)
    root = ET.fromstring(junit_xml(results, "fn\x1b"))
    testcase = root.find("testsuite/testcase")
    assert testcase is not None and testcase.get("name") == "ctl \\x01 case"
    assert root.find("testsuite").get("name") == "fn\\x1b"
    assert "\\x1b[31mred\\x1b[0m nul:\\x00 bell:\\x07" in testcase.find("system-out").text


def test_empty_tests_file_is_an_error(tmp_path: Path) -> None:
    for name, text in (("tests.yaml", "[]\n"), ("tests.json", "[]")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(DefinitionError, match=f"{name}: no cases"):
            load_cases(path)


def test_test_command_with_empty_tests_file_exits_1(lh, fn_dir: Path, api_calls) -> None:
    (fn_dir / "tests.yaml").write_text("[]\n")
    res = lh("-C", fn_dir, "test")
    assert res.code == 1
    assert res.err.strip().startswith("error: tests.yaml: no cases")
    assert "Invoke" not in api_calls and res.out == ""
