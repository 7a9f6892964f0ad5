"""Check a rendered definition against Lambda's API model and Lambda's own limits.

The field rules (names, types, enums, lengths, ranges, patterns) come from botocore's model of
``CreateFunction`` / ``CreateFunctionUrlConfig`` / ``AddPermission``, loaded on first use; the
rules the model does not carry (memory and timeout limits, reserved environment names, runtime
lifecycle, the handler's module on disk) come from :mod:`lambherd.definition.limits`.
Every problem is collected, each as one line naming the file and the JSON path.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.definition import limits
from lambherd.definition.model import FunctionDefinition
from lambherd.definition.sidecars import present, trigger_keys
from lambherd.errors import ValidationError

if TYPE_CHECKING:
    from lambherd.settings import DeploySettings

URL_CONFIG_FILE = "function_url.json"


@dataclass
class ValidationReport:
    """What validation found: errors block a deploy, warnings do not."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors


def validate_definition(
    defn: FunctionDefinition,
    *,
    today: date | None = None,
    field_notes: str = "errors",
    package: bool = True,
    src: Path | None = None,
    packaging: dict[str, Any] | None = None,
    listing: Any = None,
) -> ValidationReport:
    """Every problem of ``defn`` (function.json and function_url.json), as one-line messages.

    Keys lambroll reads differently (a wrongly-cased or unknown field: renamed or dropped when
    loading, as Go does) are ``errors`` for ``validate`` and ``warnings`` for a deploy.
    ``package`` checks that the Handler's module is in the package deploy would zip (from
    ``src``, ``--src``: a folder or a zip, when given; ``packaging``: the deploy's ignore and
    symlink options, ``DeploySettings.packaging``); False when the deploy zips nothing
    (``--skip-archive``, ``--skip-function``). ``listing``: that package's walk, made once
    for the deploy (``function_package.function_listing``), else walked here.
    """
    report = ValidationReport()
    (report.errors if field_notes == "errors" else report.warnings).extend(defn.field_notes)
    source = defn.display_path
    config = defn.config
    model = lambda_model()
    capacity = isinstance(config.get("CapacityProviderConfig"), dict)
    checker = _ShapeChecker(
        source,
        report.errors,
        optional={"Code"},
        ranges={} if capacity else limits.RANGES,
    )
    checker.check(config, model.operation_model("CreateFunction").input_shape, "")
    _check_code(config, source, report)
    _check_environment(config, source, report)
    _check_layers(config, source, report)
    _check_runtime(config, source, report, today or date.today())
    _check_handler(defn, report, package, src, packaging, listing)
    if defn.url_config is not None:
        _check_url_config(defn.url_config, report)
    # event_sources.json, event_invoke.json, permissions.json, schedules.json
    if not present(defn.sidecars).isdisjoint(trigger_keys()):
        from lambherd.triggers.validation import ShapeTools, file_problems

        triggers = file_problems(defn.sidecars, ShapeTools(_ShapeChecker, did_you_mean))
        report.errors.extend(triggers.errors)
        report.warnings.extend(triggers.warnings)
    # concurrency.json
    if defn.sidecars.get("concurrency") is not None:
        from lambherd.concurrency.rules import file_problems as concurrency_problems

        found = concurrency_problems(defn.sidecars["concurrency"])
        report.errors.extend(f"concurrency.json: {p}" for p in found.errors)
        report.warnings.extend(f"concurrency.json: {p}" for p in found.warnings)
    return report


def check_definition(
    defn: FunctionDefinition, settings: DeploySettings | None = None, listing: Any = None
) -> list[str]:
    """Raise ``ValidationError`` listing every error of ``defn``; else return its warnings.

    With the deploy's ``settings``, the package checked is the one that deploy uploads
    (``listing``: its walk, when the deploy made it).
    """
    package, src, packaging = True, None, None
    if settings is not None:
        package, src = not (settings.skip_archive or settings.skip_function), settings.src
        packaging = settings.packaging
    report = validate_definition(
        defn,
        field_notes="warnings",
        package=package,
        src=src,
        packaging=packaging,
        listing=listing,
    )
    if report.errors:
        raise ValidationError(report.errors, source=defn.display_path)
    return report.warnings


def project_defaults_problems(project: Any) -> list[str]:
    """Every problem of lambherd.toml's ``[defaults]`` (and the chosen stage's ``defaults``),
    each named at lambherd.toml with its key, checked as CreateFunction fields (none required).

    Reported once, before the functions that merge them, so that a bad default is not blamed
    on each function's file.
    """
    defaults = dict(project.defaults or {})
    if not defaults:
        return []
    staged = set((project.stage.defaults if project.stage is not None else {}) or {})
    members = lambda_model().operation_model("CreateFunction").input_shape.members
    problems: list[str] = []
    for key, value in defaults.items():
        label = f"[stages.{project.stage.name}] defaults" if key in staged else "[defaults]"
        path = f"{label} {key}"
        ranges = {f"{label} {k}": v for k, v in limits.RANGES.items()}
        checker = _ShapeChecker("lambherd.toml", problems, ranges=ranges)
        if key not in members:
            checker.fail(path, f"unknown field{did_you_mean(key, list(members))}")
        elif key != "Code":  # the code is each function's own folder
            checker.check(value, members[key], path)
    return problems


def check_project_defaults(project: Any) -> None:
    """Raise ``ValidationError`` at lambherd.toml when its defaults have a problem."""
    problems = project_defaults_problems(project)
    if problems:
        raise ValidationError(problems, source="lambherd.toml")


def lambda_model() -> Any:
    """botocore's model of the Lambda API (loaded once; shared by validation, init, normalize)."""
    from lambherd.aws import service_model

    return service_model("lambda")


# --- the API model walk -------------------------------------------------------------------


def _describe(value: Any) -> str:
    """How a JSON value reads in a message: ``integer 8080``, ``string "x"``, ``an object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{shown}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "boolean": "a boolean (true or false)",
    "double": "a number",
    "float": "a number",
    "list": "a list",
    "map": "an object",
    "structure": "an object",
    "blob": "a string",
    "timestamp": "a timestamp string",
}


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def did_you_mean(name: str, choices: list[str]) -> str:
    """`` (did you mean X?)`` for the closest of ``choices``, or an empty string."""
    by_lower = {c.lower(): c for c in choices}
    if name.lower() in by_lower:
        return f" (did you mean {by_lower[name.lower()]}?)"
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]}?)" if close else ""


class _ShapeChecker:
    """Walks a JSON value alongside a botocore shape, appending one line per problem."""

    def __init__(
        self,
        source: str,
        problems: list[str],
        *,
        optional: set[str] | frozenset[str] = frozenset(),
        managed: set[str] | frozenset[str] = frozenset(),
        ranges: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        self.source = source
        self.problems = problems
        self.optional = optional
        self.managed = managed
        self.ranges = ranges or {}

    def fail(self, path: str, message: str) -> None:
        where = f"{path}: " if path else ""
        self.problems.append(f"{self.source}: {where}{message}")

    def check(self, value: Any, shape: Any, path: str) -> None:
        kind = shape.type_name
        if not self._type_ok(value, kind):
            self.fail(path, f"expected {_EXPECTED.get(kind, kind)}, got {_describe(value)}")
            return
        if kind == "structure":
            self._structure(value, shape, path)
        elif kind == "list":
            self._length(len(value), shape, path, "items")
            for i, item in enumerate(value):
                self.check(item, shape.member, f"{path}[{i}]")
        elif kind == "map":
            self._length(len(value), shape, path, "entries")
            for key, item in value.items():
                self._string(key, shape.key, _join(path, key), what="key")
                self.check(item, shape.value, _join(path, key))
        elif kind == "string":
            self._string(value, shape, path)
        elif kind in {"integer", "long", "double", "float"}:
            self._number(value, shape, path)

    @staticmethod
    def _type_ok(value: Any, kind: str) -> bool:
        if kind in {"structure", "map"}:
            return isinstance(value, dict)
        if kind == "list":
            return isinstance(value, list)
        if kind in {"string", "blob", "timestamp"}:
            return isinstance(value, str)
        if kind == "boolean":
            return isinstance(value, bool)
        if kind in {"integer", "long"}:
            return isinstance(value, int) and not isinstance(value, bool)
        if kind in {"double", "float"}:
            return isinstance(value, int | float) and not isinstance(value, bool)
        return True

    def _structure(self, value: dict[str, Any], shape: Any, path: str) -> None:
        members = shape.members
        allowed = [m for m in members if _join(path, m) not in self.managed]
        for key, item in value.items():
            sub = _join(path, key)
            if sub in self.managed:
                self.fail(sub, "set by lambherd; remove it from this file")
            elif key not in members:
                self.fail(sub, f"unknown field{did_you_mean(key, allowed)}")
            else:
                self.check(item, members[key], sub)
        for name in shape.required_members:
            sub = _join(path, name)
            if name not in value and sub not in self.optional and sub not in self.managed:
                self.fail(sub, "required field is missing")

    def _length(self, size: int, shape: Any, path: str, unit: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and size < low:
            self.fail(path, f"{size} {unit}, at least {low} needed")
        if high is not None and size > high:
            self.fail(path, f"{size} {unit}, at most {high} allowed")

    def _string(self, value: str, shape: Any, path: str, what: str = "value") -> None:
        enum = shape.enum
        if enum and value not in enum:
            self.fail(path, f'"{value}" is not one of {", ".join(enum)}{did_you_mean(value, enum)}')
            return
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        if low is not None and len(value) < low:
            self.fail(path, f"{what} is {len(value)} characters, at least {low} needed")
        elif high is not None and len(value) > high:
            self.fail(path, f"{what} is {len(value)} characters, at most {high} allowed")
        pattern = meta.get("pattern")
        compiled = _compiled(pattern) if pattern else None
        if compiled is not None and compiled.fullmatch(value) is None:
            shown = "value" if meta.get("sensitive") and what == "value" else f'"{value}"'
            self.fail(path, f"{what} {shown} does not match the pattern {pattern}")

    def _number(self, value: float, shape: Any, path: str) -> None:
        if path in self.ranges:
            low, high = self.ranges[path]
        else:
            low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(path, f"{value} is below Lambda's minimum of {low}")
        elif high is not None and value > high:
            self.fail(path, f"{value} is above Lambda's limit of {high}")


# --- Lambda's rules beyond the model ------------------------------------------------------


def _check_code(config: dict[str, Any], source: str, report: ValidationReport) -> None:
    code = config.get("Code", {})
    if not isinstance(code, dict):
        return
    if "ZipFile" in code:
        report.errors.append(
            f"{source}: Code.ZipFile: not allowed in a definition; lambherd builds the zip "
            "(use Code.S3Bucket/S3Key for an uploaded package)"
        )
    if ("S3Bucket" in code) != ("S3Key" in code):
        report.errors.append(f"{source}: Code: S3Bucket and S3Key must be given together")
    if config.get("PackageType") == "Image" and "ImageUri" not in code:
        report.errors.append(f"{source}: Code.ImageUri: required when PackageType is Image")


def _check_environment(config: dict[str, Any], source: str, report: ValidationReport) -> None:
    env = config.get("Environment")
    variables = env.get("Variables") if isinstance(env, dict) else None
    if not isinstance(variables, dict):
        return
    total = 0
    for key, value in variables.items():
        if key in limits.RESERVED_ENV_NAMES:
            report.errors.append(
                f"{source}: Environment.Variables.{key}: reserved by Lambda, it cannot be set"
            )
        total += len(str(key).encode()) + len(str(value).encode())
    if total > limits.ENVIRONMENT_BYTES:
        report.errors.append(
            f"{source}: Environment.Variables: {total} bytes of keys and values is above "
            f"Lambda's limit of {limits.ENVIRONMENT_BYTES} (4 KB)"
        )


def _check_layers(config: dict[str, Any], source: str, report: ValidationReport) -> None:
    layers = config.get("Layers")
    if isinstance(layers, list) and len(layers) > limits.MAX_LAYERS:
        report.errors.append(
            f"{source}: Layers: {len(layers)} layers is above Lambda's limit of {limits.MAX_LAYERS}"
        )


def _check_runtime(
    config: dict[str, Any], source: str, report: ValidationReport, today: date
) -> None:
    runtime = config.get("Runtime")
    if config.get("PackageType") == "Image":
        return
    for name in ("Runtime", "Handler"):
        if name not in config:
            report.errors.append(
                f"{source}: {name}: required field is missing (needed for a zip package)"
            )
    if not isinstance(runtime, str) or runtime not in limits.RUNTIME_DEPRECATION:
        return  # an unknown runtime is reported by the model's enum
    deprecated_on = limits.RUNTIME_DEPRECATION[runtime]
    if deprecated_on is None:
        return
    newest = limits.NEWEST_RUNTIME.get(limits.runtime_family(runtime))
    advice = f"; move to {newest}" if newest and newest != runtime else ""
    if deprecated_on <= today:
        report.warnings.append(
            f"{source}: Runtime: {runtime} was deprecated by Lambda on "
            f"{deprecated_on.isoformat()}{advice}"
        )
    elif deprecated_on - today <= timedelta(days=limits.DEPRECATION_NOTICE_DAYS):
        report.warnings.append(
            f"{source}: Runtime: {runtime} will be deprecated by Lambda on "
            f"{deprecated_on.isoformat()}{advice}"
        )


def _check_handler(
    defn: FunctionDefinition,
    report: ValidationReport,
    package: bool,
    source: Path | None,
    packaging: dict[str, Any] | None = None,
    listing: Any = None,
) -> None:
    """A Python Handler must read module.function; with ``package``, its module must be in the
    package deploy would upload (from ``source``, ``--src``, when given): the one finder
    ``archive.handler`` shared with ``deploy``, ``local`` and ``lint``."""
    config = defn.config
    runtime, handler = config.get("Runtime"), config.get("Handler")
    if not isinstance(handler, str) or config.get("PackageType") == "Image":
        return
    if isinstance(runtime, str) and runtime.startswith("python"):
        module, _, func = handler.rpartition(".")
        parts = module.replace("/", ".").split(".")
        if not func or not all(part.isidentifier() for part in parts):
            report.errors.append(
                f'{defn.display_path}: Handler: "{handler}" is not module.function '
                "(e.g. app.handler)"
            )
            return
    if not package:
        return
    from lambherd.archive.handler import check_handler_in_package
    from lambherd.errors import ArchiveError

    try:
        problem = check_handler_in_package(
            defn, source=source, packaging=packaging, listing=listing
        )
    except ArchiveError:
        return  # the package itself cannot be read: the packaging reports it
    if problem is not None:
        (report.errors if problem.error else report.warnings).append(problem.message)


def _check_url_config(url_config: dict[str, Any], report: ValidationReport) -> None:
    model = lambda_model()
    source = URL_CONFIG_FILE
    for key in url_config:
        if key not in {"Config", "Permissions"}:
            hint = did_you_mean(key, ["Config", "Permissions"])
            report.errors.append(f"{source}: {key}: unknown field{hint}")
    if "Config" not in url_config:
        report.errors.append(f"{source}: Config: required field is missing")
    else:
        checker = _ShapeChecker(
            source, report.errors, managed={"Config.FunctionName", "Config.Qualifier"}
        )
        shape = model.operation_model("CreateFunctionUrlConfig").input_shape
        checker.check(url_config["Config"], shape, "Config")
    permissions = url_config.get("Permissions", [])
    if not isinstance(permissions, list):
        report.errors.append(
            f"{source}: Permissions: expected a list, got {_describe(permissions)}"
        )
        return
    # lambroll's FunctionURLPermission: four strings, Principal required (the loader already
    # dropped and noted other keys); each entry grants both of a URL's statements
    from lambherd.plan.url_planner import PERMISSION_KEYS, url_rule_problems

    checker = _ShapeChecker(source, report.errors)
    for i, entry in enumerate(permissions):
        path = f"Permissions[{i}]"
        if not isinstance(entry, dict):
            checker.fail(path, f"expected an object, got {_describe(entry)}")
            continue
        for key in PERMISSION_KEYS:
            if key in entry and not isinstance(entry[key], str):
                checker.fail(f"{path}.{key}", f"expected a string, got {_describe(entry[key])}")
        if "Principal" not in entry:
            checker.fail(f"{path}.Principal", "required field is missing")
    report.errors.extend(url_rule_problems(url_config))
