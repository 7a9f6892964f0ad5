"""``lambherd test``: load invocation cases, run them through an invoker, judge, report as JUnit.

A tests file (``tests.yaml``, ``tests.yml`` or ``tests.json`` beside the definition) is a list of
cases::

    - name: greets by name            # required, unique
      payload: {"name": "Ada"}        # or payload_file: events/ada.json (relative to the file)
      qualifier: live                 # optional; `test --qualifier` overrides it
      expect:
        success: true                 # or false; implied true unless `error` is given
        error: ValueError             # the errorType the function must fail with
        contains: {"statusCode": 200} # a JSON subset the response must contain (recursive)
        matches: "Hello, \\\\w+"       # a regular expression searched in the raw body
        max_duration_ms: 3000         # Lambda's reported Duration (else round trip time)
"""

from __future__ import annotations

import difflib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lambherd.errors import DefinitionError, LambherdError
from lambherd.invocation import InvokeOutcome, Invoker, check_payload_size

TESTS_FILE_NAMES = ("tests.yaml", "tests.yml", "tests.json")
CASE_KEYS = ("name", "payload", "payload_file", "qualifier", "expect")
EXPECT_KEYS = ("success", "error", "contains", "matches", "max_duration_ms")
_MISSING: Any = object()


@dataclass(frozen=True)
class Expectation:
    """What a case requires of the outcome."""

    success: bool = True
    error: str | None = None
    contains: Any = _MISSING
    matches: str | None = None
    max_duration_ms: float | None = None


@dataclass(frozen=True)
class TestCase:
    """One invocation and its expectations."""

    __test__ = False  # not a pytest class

    name: str
    payload: bytes
    qualifier: str | None = None
    expect: Expectation = field(default_factory=Expectation)


@dataclass(frozen=True)
class CaseResult:
    """The verdict on one case."""

    __test__ = False

    case: TestCase
    passed: bool
    failures: tuple[str, ...] = ()
    diff: str = ""
    outcome: InvokeOutcome | None = None
    error: str | None = None  # the invocation itself failed (JUnit <error>)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view for ``--output json``."""
        return {
            "name": self.case.name,
            "passed": self.passed,
            "failures": list(self.failures),
            "diff": self.diff or None,
            "error": self.error,
            "duration_ms": self.outcome.duration_ms if self.outcome else None,
            "response": self.outcome.json_body() if self.outcome else None,
        }


# -- loading -----------------------------------------------------------------------------------
def find_tests_file(folder: Path) -> Path:
    """The tests file in ``folder`` (tests.yaml, tests.yml or tests.json)."""
    for name in TESTS_FILE_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise DefinitionError(
        f"{folder}: no tests.yaml or tests.json here",
        hint="write a list of cases (name, payload, expect) in tests.yaml",
    )


def load_cases(path: Path) -> list[TestCase]:
    """Read and check every case of a tests file; unknown keys are an error naming the case."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(f"{path.name}: cannot read: {exc.strerror}") from exc
    data = _parse(path, text)
    if not isinstance(data, list):
        raise DefinitionError(f"{path.name}: expected a list of cases at the top level")
    if not data:
        raise DefinitionError(f"{path.name}: no cases (an empty run would pass without testing)")
    cases: list[TestCase] = []
    seen: set[str] = set()
    for number, raw in enumerate(data, start=1):
        case = _case(path, number, raw)
        if case.name in seen:
            raise DefinitionError(f"{path.name}: case {case.name!r}: the name is used twice")
        seen.add(case.name)
        cases.append(case)
    return cases


def _parse(path: Path, text: str) -> Any:
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DefinitionError(
                f"{path.name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(f"{path.name}{where}: invalid YAML: {problem}") from None


def _case(path: Path, number: int, raw: Any) -> TestCase:
    label = f"{path.name}: case {number}"
    if not isinstance(raw, dict):
        raise DefinitionError(f"{label}: expected a mapping with name, payload and expect")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DefinitionError(f"{label}: `name` is required (a non-empty string)")
    label = f"{path.name}: case {name!r}"
    _reject_unknown(label, raw, CASE_KEYS)
    if "payload" in raw and "payload_file" in raw:
        raise DefinitionError(f"{label}: give either payload or payload_file, not both")
    if "payload_file" in raw:
        payload = _payload_file(label, path.parent, raw["payload_file"])
    else:
        payload = json.dumps(raw.get("payload", {}), ensure_ascii=False).encode("utf-8")
    qualifier = raw.get("qualifier")
    if qualifier is not None and not isinstance(qualifier, str | int):
        raise DefinitionError(f"{label}: qualifier must be an alias name or a version number")
    return TestCase(
        name=name,
        payload=payload,
        qualifier=str(qualifier) if qualifier is not None else None,
        expect=_expectation(label, raw.get("expect")),
    )


def _reject_unknown(label: str, mapping: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [str(k) for k in mapping if k not in allowed]
    if unknown:
        raise DefinitionError(
            f"{label}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
            f" (allowed: {', '.join(allowed)})"
        )


def _payload_file(label: str, base: Path, value: Any) -> bytes:
    if not isinstance(value, str):
        raise DefinitionError(f"{label}: payload_file must be a path")
    file = base / value
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise DefinitionError(f"{label}: payload_file {value}: {exc.strerror}") from None
    try:
        json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DefinitionError(f"{label}: payload_file {value} is not JSON") from None
    return raw


def _expectation(label: str, raw: Any) -> Expectation:
    if raw is None:
        return Expectation()
    if not isinstance(raw, dict):
        raise DefinitionError(f"{label}: expect must be a mapping of {', '.join(EXPECT_KEYS)}")
    label = f"{label}: expect"
    _reject_unknown(label, raw, EXPECT_KEYS)
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        raise DefinitionError(f"{label}: error must be an errorType name such as ValueError")
    success = raw.get("success", error is None)
    if not isinstance(success, bool):
        raise DefinitionError(f"{label}: success must be true or false")
    if success and error is not None:
        raise DefinitionError(f"{label}: success: true contradicts error: {error}")
    matches = raw.get("matches")
    if matches is not None:
        try:
            re.compile(str(matches))
        except re.error as exc:
            raise DefinitionError(f"{label}: matches: invalid regular expression: {exc}") from None
    limit = raw.get("max_duration_ms")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0
    ):
        raise DefinitionError(f"{label}: max_duration_ms must be a positive number")
    return Expectation(
        success=success,
        error=error,
        contains=raw.get("contains", _MISSING),
        matches=str(matches) if matches is not None else None,
        max_duration_ms=float(limit) if limit is not None else None,
    )


# -- judging -----------------------------------------------------------------------------------
def contains(expected: Any, actual: Any) -> bool:
    """True when ``actual`` holds ``expected``: objects by subset of keys, recursively;
    lists element by element with the same length; anything else by equality."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(contains(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return expected == actual


def _project(expected: Any, actual: Any) -> Any:
    """``actual`` cut down to the shape of ``expected``, so a diff shows only what matters."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {
            key: _project(value, actual[key]) for key, value in expected.items() if key in actual
        }
    if isinstance(expected, list) and isinstance(actual, list):
        return [
            _project(expected[i], item) if i < len(expected) else item
            for i, item in enumerate(actual)
        ]
    return actual


def _pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def json_diff(expected: Any, actual: Any) -> str:
    """A unified diff of the expected subset against the matching part of the response."""
    lines = difflib.unified_diff(
        _pretty(expected), _pretty(_project(expected, actual)), "expected", "got", lineterm=""
    )
    return "\n".join(lines)


def evaluate(case: TestCase, outcome: InvokeOutcome) -> CaseResult:
    """Judge one outcome against its case's expectations."""
    expect = case.expect
    failures: list[str] = []
    diff = ""
    if expect.success and outcome.failed:
        detail = f"{outcome.error_type}: {outcome.error_message}" if outcome.error_message else ""
        failures.append(
            f"expected success, got a function error ({outcome.function_error}) {detail}".rstrip()
        )
    if not expect.success and not outcome.failed:
        wanted = expect.error or "an error"
        failures.append(f"expected {wanted}, but the function succeeded")
    if expect.error is not None and outcome.failed and outcome.error_type != expect.error:
        failures.append(f"expected error {expect.error}, got {outcome.error_type}")
    body = outcome.json_body()
    if expect.contains is not _MISSING and not contains(expect.contains, body):
        failures.append("response does not contain the expected subset")
        diff = json_diff(expect.contains, body)
    if expect.matches is not None and not re.search(expect.matches, outcome.body_text):
        failures.append(f"response does not match /{expect.matches}/: {outcome.body_text[:200]}")
    if (
        expect.max_duration_ms is not None
        and outcome.duration_ms is not None
        and outcome.duration_ms > expect.max_duration_ms
    ):
        failures.append(
            f"took {outcome.duration_ms:.1f} ms, above max_duration_ms {expect.max_duration_ms:g}"
        )
    return CaseResult(case, not failures, tuple(failures), diff, outcome)


def run_cases(
    cases: Iterable[TestCase],
    invoker: Invoker,
    *,
    qualifier: str | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[CaseResult]:
    """Invoke every case in order (``qualifier`` overrides the cases') and judge each one.

    A case whose invocation itself fails (payload too large, function missing, AWS refused) is
    recorded as an error and the run goes on.
    """
    results: list[CaseResult] = []
    for case in cases:
        started = clock()
        try:
            check_payload_size(case.payload)
            outcome = invoker(case.payload, qualifier or case.qualifier)
        except LambherdError as exc:
            results.append(
                CaseResult(
                    case,
                    False,
                    (f"invoke failed: {exc}",),
                    error=str(exc),
                    seconds=clock() - started,
                )
            )
            continue
        results.append(replace(evaluate(case, outcome), seconds=clock() - started))
    return results


# -- JUnit -------------------------------------------------------------------------------------
#: Characters XML 1.0 cannot carry even escaped (control characters such as ESC, NUL, BEL).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """``text`` with characters XML cannot hold shown as ``\\xNN`` (a log's colour codes)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(results: list[CaseResult], suite: str) -> str:
    """A JUnit XML report (one <testsuite>) that CI systems understand."""
    import xml.etree.ElementTree as ET

    failures = sum(1 for r in results if not r.passed and r.error is None)
    errors = sum(1 for r in results if r.error is not None)
    total = sum(r.seconds for r in results)
    counts = {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
        "time": f"{total:.3f}",
    }
    root = ET.Element("testsuites", counts)
    node = ET.SubElement(root, "testsuite", {"name": _xml_text(suite), **counts})
    for result in results:
        case = ET.SubElement(
            node,
            "testcase",
            name=_xml_text(result.case.name),
            classname=_xml_text(suite),
            time=f"{result.seconds:.3f}",
        )
        if result.error is not None:
            error = _xml_text(result.error)
            ET.SubElement(case, "error", message=error, type="InvokeError").text = error
        elif not result.passed:
            text = "\n".join(result.failures) + (f"\n\n{result.diff}" if result.diff else "")
            ET.SubElement(
                case, "failure", message=_xml_text(result.failures[0]), type="AssertionError"
            ).text = _xml_text(text)
        if result.outcome is not None and result.outcome.log_tail:
            ET.SubElement(case, "system-out").text = _xml_text(result.outcome.log_tail)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
