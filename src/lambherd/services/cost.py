"""``lambherd cost``: a month of a function's or a project's bill, every price line.

estimate_cost(app, CostRequest) -> CostReport

Two ways to know the usage:

- from CloudWatch (the default, ``--since 30d``): the deployed configuration (MemorySize,
  Architectures, EphemeralStorage, SnapStart, Runtime, PackageType, LoggingConfig; the
  definition when the function is not deployed), Invocations and Duration metrics, the REPORT
  lines of the log group (billed and INIT durations), the log group's ingested bytes and
  class, provisioned concurrency configured now and its metrics; the window is scaled to a
  30-day month. ``--memory``, ``--arch``, ``--provisioned`` and ``--schedule`` are then
  what-ifs, priced beside today's figure with the durations kept as measured.
- from the command line (``--invocations 10M --duration 120ms``, with ``--memory``, ``--arch``,
  ``--init-duration``, ``--cold-start-rate``, ``--log-bytes`` per invocation,
  ``--provisioned`` / ``--schedule``): nothing is read from AWS; the definition, when there is
  one, supplies what the options leave out.

Every option is checked before the first AWS call. In a project every function is priced and
the volume tiers and the free tier are applied once over all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambherd.cost import units
from lambherd.cost.estimate import (
    DAYS_PER_MONTH,
    LOG_CLASSES,
    SECONDS_PER_MONTH,
    Estimate,
    Provisioned,
    Workload,
    break_even,
    estimate,
    served_share,
    what_if,
)
from lambherd.cost.observe import REPORT_METHODS, Observation
from lambherd.cost.pricelist import Refresh, current_table
from lambherd.cost.prices import ARCHITECTURES, PriceTable
from lambherd.cost.schedule import capacity_hours_per_day, environment_hours
from lambherd.defaults import DEFAULT_ALIAS
from lambherd.errors import DefinitionError, LambherdError, UsageError

if TYPE_CHECKING:
    from lambherd.app import App

#: The definition fields cost reads (rendered without AWS when they can be).
COST_FIELDS = (
    "FunctionName",
    "MemorySize",
    "Architectures",
    "EphemeralStorage",
    "SnapStart",
    "Runtime",
    "PackageType",
    "LoggingConfig",
)
CONCURRENCY_FILE = "concurrency.json"
DEFAULT_SINCE = "30d"
PARALLEL_READS = 8


@dataclass(frozen=True)
class CostRequest:
    """The ``cost`` command line, unparsed (the service checks every value)."""

    function_name: str | None = None
    since: str | None = None
    invocations: str | None = None
    duration: str | None = None
    memory: int | None = None
    arch: str | None = None
    ephemeral: int | None = None
    init_duration: str | None = None
    cold_start_rate: str | None = None
    log_bytes: str | None = None
    log_class: str | None = None
    provisioned: int | None = None
    schedule: bool = False
    alias: str | None = None
    free_tier: bool = True
    only: tuple[str, ...] = ()
    report_source: str = "auto"
    now: datetime | None = None
    #: read the AWS Price List API into the cache first (``--refresh-prices``)
    refresh_prices: bool = False

    @property
    def from_inputs(self) -> bool:
        """True when the usage is given on the command line, not read from CloudWatch."""
        return self.invocations is not None or self.duration is not None


@dataclass(frozen=True)
class _Inputs:
    """The checked numbers of a request."""

    invocations: Decimal | None
    duration_ms: Decimal | None
    init_ms: Decimal
    cold_start_rate: Decimal
    log_bytes: Decimal
    since_seconds: Decimal | None


@dataclass
class Target:
    """A function to price: its name, folder, configuration and where that came from."""

    name: str
    folder: Path | None
    config: dict[str, Any]
    alias: str
    config_source: str = "definition"  # "deployed", "definition", "Lambda's defaults"
    #: concurrency.json as the definition loader renders it (templates, [defaults.concurrency])
    concurrency_doc: dict[str, Any] | None = None

    @property
    def memory_mb(self) -> int:
        return int(self.config.get("MemorySize") or 128)

    @property
    def arch(self) -> str:
        return str((self.config.get("Architectures") or ["x86_64"])[0])

    @property
    def ephemeral_mb(self) -> int:
        return int((self.config.get("EphemeralStorage") or {}).get("Size") or 512)

    @property
    def snapstart(self) -> bool:
        return (self.config.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"

    @property
    def log_group(self) -> str:
        from lambherd.cloudwatch.logs import default_log_group

        return default_log_group(self.name, self.config)

    @property
    def log_format(self) -> str:
        return str((self.config.get("LoggingConfig") or {}).get("LogFormat") or "Text")

    def concurrency(self) -> dict[str, Any] | None:
        """concurrency.json beside the definition as the definition loader renders it (its
        templates, and the project's [defaults.concurrency]), or None."""
        return self.concurrency_doc


@dataclass
class FunctionCost:
    """One function's figures: configuration, usage, and its share of the estimate."""

    target: Target
    workload: Workload
    usd: Decimal = Decimal(0)
    what_if: Workload | None = None
    what_if_usd: Decimal | None = None
    observation: Observation | None = None
    break_even: Decimal | None = None
    provisioned_utilisation: Decimal | None = None  # observed average, 0-1

    def as_dict(self) -> dict[str, Any]:
        w = self.workload
        out: dict[str, Any] = {
            "function": self.target.name,
            "configuration": {
                "source": self.target.config_source,
                "memory_mb": w.memory_mb,
                "architecture": w.arch,
                "ephemeral_storage_mb": w.ephemeral_mb,
                "runtime": w.runtime,
                "package_type": w.package_type,
                "snapstart": w.snapstart,
                "log_class": w.log_class,
            },
            "monthly_usage": {
                "invocations": _f(w.invocations),
                "billed_duration_ms_avg": _f(w.billed_ms),
                "cold_start_rate": _f(w.cold_start_rate),
                "init_duration_ms_avg": _f(w.init_ms),
                "init_in_billed_duration": w.init_in_billed,
                "log_bytes": _f(w.log_bytes),
                "provisioned_environment_hours": _f(w.provisioned.environment_hours)
                if w.provisioned
                else 0,
                "provisioned_served_share": _f(w.provisioned.served_share) if w.provisioned else 0,
            },
            "usd": _f(self.usd),
            "break_even_utilisation": _f(self.break_even),
            "provisioned_utilisation": _f(self.provisioned_utilisation),
        }
        if self.what_if is not None:
            out["what_if"] = {
                "memory_mb": self.what_if.memory_mb,
                "architecture": self.what_if.arch,
                "provisioned_environment_hours": _f(self.what_if.provisioned.environment_hours)
                if self.what_if.provisioned
                else 0,
                "usd": _f(self.what_if_usd),
            }
        if self.observation is not None:
            out["observed"] = _observed(self.observation)
        return out


@dataclass
class CostReport:
    """What ``cost`` found: each function, the estimate (and the what-if one), notes."""

    mode: str  # "cloudwatch" | "inputs"
    region: str
    table: PriceTable
    functions: list[FunctionCost]
    estimate: Estimate
    project: str | None = None
    what_if_estimate: Estimate | None = None
    what_if_changes: dict[str, Any] = field(default_factory=dict)
    window: tuple[datetime, datetime] | None = None
    notes: list[str] = field(default_factory=list)
    refreshed: Refresh | None = None

    @property
    def scale(self) -> Decimal | None:
        """The factor from the observed window to a 30-day month."""
        if self.window is None:
            return None
        seconds = Decimal(str((self.window[1] - self.window[0]).total_seconds()))
        return SECONDS_PER_MONTH / seconds

    def as_dict(self) -> dict[str, Any]:
        """The ``--output json`` document."""
        doc: dict[str, Any] = {
            "mode": self.mode,
            "region": self.region,
            "prices": {"table": self.table.label, "date": self.table.date},
            "month_days": DAYS_PER_MONTH,
        }
        if self.refreshed is not None:
            r = self.refreshed
            doc["prices"]["refreshed"] = {
                "region": r.region,
                "cache": str(r.path),
                "date": r.date,
                "products": r.products,
                "prices": r.entries,
                "unmapped": list(r.unmapped),
            }
        if self.project:
            doc["project"] = self.project
        elif self.functions:
            doc["function"] = self.functions[0].target.name
        if self.window is not None:
            doc["window"] = {
                "start": self.window[0].isoformat(),
                "end": self.window[1].isoformat(),
                "scale_to_month": _f(self.scale),
            }
        doc["free_tier_applied"] = self.estimate.free_tier
        doc["functions"] = [f.as_dict() for f in self.functions]
        doc["items"] = [line.as_dict() for line in self.estimate.lines]
        doc["total_usd"] = _f(self.estimate.total)
        doc["complete"] = self.estimate.complete
        doc["missing_prices"] = self.estimate.missing
        if self.what_if_estimate is not None:
            doc["what_if"] = {
                "changes": self.what_if_changes,
                "items": [line.as_dict() for line in self.what_if_estimate.lines],
                "total_usd": _f(self.what_if_estimate.total),
                "complete": self.what_if_estimate.complete,
                "missing_prices": self.what_if_estimate.missing,
            }
        doc["notes"] = self.notes
        return doc


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 9))


def _observed(obs: Observation) -> dict[str, Any]:
    r = obs.reports
    return {
        "start": obs.start.isoformat(),
        "end": obs.end.isoformat(),
        "log_group": obs.log_group,
        "invocations": _f(obs.metrics.get("invocations")),
        "duration_ms_sum": _f(obs.metrics.get("duration_sum")),
        "concurrency_max": _f(obs.metrics.get("concurrency_max")),
        "provisioned": {
            alias: {k: _f(v) for k, v in values.items()}
            for alias, values in obs.provisioned.items()
        },
        "report_lines": {
            "method": "Logs Insights" if r.method == "insights" else "FilterLogEvents",
            "count": r.reports,
            "billed_duration_ms_sum": _f(r.billed_ms),
            "duration_ms_sum": _f(r.duration_ms),
            "cold_starts": r.cold_starts,
            "init_duration_ms_sum": _f(r.init_ms),
            "init_in_billed_duration": r.init_in_billed,
            "max_memory_used_mb": _f(r.max_memory_mb),
            "capped": r.capped,
        },
        "log_bytes": _f(obs.log_bytes),
        "log_bytes_from": obs.log_bytes_method or None,
        "log_class": obs.log_class,
        "notes": obs.notes,
    }


# -----------------------------------------------------------------------------------------
# The service
# -----------------------------------------------------------------------------------------
def estimate_cost(app: App, request: CostRequest) -> CostReport:
    """Price the function (or the project) for a month; see the module docstring."""
    inputs = _check(request)
    region = app.clients.region
    refreshed = _refresh(app, region) if request.refresh_prices else None
    table, table_note = current_table()
    table.require_region(region)
    try:
        targets, project = _targets(app, request)
    except DefinitionError:
        if refreshed is None:
            raise
        empty = estimate([], table, free_tier=request.free_tier)  # refreshed, nothing to price
        notes = [table_note] if table_note else []
        return CostReport("refresh", region, table, [], empty, notes=notes, refreshed=refreshed)
    if request.schedule:  # concurrency.json read and checked before anything is sent
        for target in targets:
            _by_day_from(target, request)
    if request.from_inputs:
        functions = [_from_inputs(t, request, inputs, region) for t in targets]
        window = None
    else:
        assert inputs.since_seconds is not None
        end = _window_end(request.now or datetime.now(UTC))
        window = (end - timedelta(seconds=float(inputs.since_seconds)), end)
        with ThreadPoolExecutor(max_workers=min(PARALLEL_READS, max(1, len(targets)))) as pool:
            functions = list(
                pool.map(lambda t: _from_cloudwatch(app, t, request, window, region), targets)
            )
    today = estimate([f.workload for f in functions], table, free_tier=request.free_tier)
    for f in functions:
        f.usd = today.per_function.get(f.target.name, Decimal(0))
        f.break_even = break_even(f.what_if or f.workload, table)
    report = CostReport(
        "inputs" if request.from_inputs else "cloudwatch",
        region,
        table,
        sorted(functions, key=lambda f: f.usd, reverse=True),
        today,
        project,
        window=window,
    )
    if any(f.what_if is not None for f in functions):
        changed = [f.what_if or f.workload for f in functions]
        report.what_if_estimate = estimate(changed, table, free_tier=request.free_tier)
        report.what_if_changes = _changes(request)
        for f in functions:
            f.what_if_usd = report.what_if_estimate.per_function.get(f.target.name, Decimal(0))
    report.notes = ([table_note] if table_note else []) + _notes(report, request)
    report.refreshed = refreshed
    return report


def _refresh(app: App, region: str) -> Refresh:
    """``--refresh-prices``: the region's prices from the Price List API into the cache."""
    from botocore.exceptions import BotoCoreError, ClientError

    from lambherd.cost.pricelist import PRICING_REGION, refresh_cache
    from lambherd.errors import describe_client_error

    client = app.clients.client_in("pricing", PRICING_REGION)
    try:
        return refresh_cache(client, region)
    except ClientError as exc:
        raise describe_client_error(exc, "reading the AWS Price List API (GetProducts)") from exc
    except BotoCoreError as exc:
        raise LambherdError(f"reading the AWS Price List API (GetProducts): {exc}") from exc


def _window_end(now: datetime) -> datetime:
    """The end of the window: the whole second ``now`` is in, so that an invocation a moment
    ago is inside it (CloudWatch's EndTime is exclusive and metric times have milliseconds)."""
    whole = now.replace(microsecond=0)
    return whole + timedelta(seconds=1) if now.microsecond else whole


def _check(request: CostRequest) -> _Inputs:
    """Every value of the request, checked before anything is read or sent."""
    if request.report_source not in REPORT_METHODS:
        raise UsageError(
            f"--report-source: {request.report_source!r} is not one of auto, insights, events"
        )
    if request.arch is not None and request.arch not in ARCHITECTURES:
        raise UsageError(f"--arch: {request.arch!r} is not one of {', '.join(ARCHITECTURES)}")
    if request.log_class is not None and request.log_class not in LOG_CLASSES:
        raise UsageError(
            f"--log-class: {request.log_class!r} is not one of standard, infrequent-access"
        )
    if request.memory is not None:
        units.check_megabytes(request.memory, option="--memory", field="MemorySize")
    if request.ephemeral is not None:
        units.check_megabytes(
            request.ephemeral, option="--ephemeral-storage", field="EphemeralStorage.Size"
        )
    if request.provisioned is not None and request.provisioned < 0:
        raise UsageError(f"--provisioned: {request.provisioned} must be 0 or more")
    if request.provisioned is not None and request.schedule:
        raise UsageError("--provisioned and --schedule both set provisioned concurrency: use one")
    if request.from_inputs:
        if request.since is not None:
            raise UsageError(
                "--since reads the usage from CloudWatch; --invocations/--duration give it: "
                "use one or the other"
            )
        if request.invocations is None or request.duration is None:
            raise UsageError("--invocations and --duration go together (the usage of a month)")
        if (request.cold_start_rate is None) != (request.init_duration is None):
            raise UsageError(
                "--init-duration and --cold-start-rate go together (how long an INIT takes and "
                "how many invocations pay one)"
            )
        invocations = units.parse_count(request.invocations, option="--invocations")
        duration = units.parse_milliseconds(request.duration, option="--duration")
        init = (
            units.parse_milliseconds(request.init_duration, option="--init-duration")
            if request.init_duration
            else Decimal(0)
        )
        rate = (
            units.parse_fraction(request.cold_start_rate, option="--cold-start-rate")
            if request.cold_start_rate is not None
            else Decimal(0)
        )
        log = (
            units.parse_bytes(request.log_bytes, option="--log-bytes")
            if request.log_bytes
            else Decimal(0)
        )
        return _Inputs(invocations, duration, init, rate, log, None)
    for option, value in (
        ("--ephemeral-storage", request.ephemeral),
        ("--log-class", request.log_class),
        ("--init-duration", request.init_duration),
        ("--cold-start-rate", request.cold_start_rate),
        ("--log-bytes", request.log_bytes),
    ):
        if value is not None:
            raise UsageError(
                f"{option} goes with --invocations/--duration; from CloudWatch (--since) it "
                "is read from the function and its logs"
            )
    from lambherd.durations import parse_duration

    since = parse_duration(request.since or DEFAULT_SINCE, option="--since")
    return _Inputs(None, None, Decimal(0), Decimal(0), Decimal(0), Decimal(since.total_seconds()))


def _targets(app: App, request: CostRequest) -> tuple[list[Target], str | None]:
    """The functions to price: the project's (``--only``), the named one, or the definition's."""
    if request.function_name:
        if request.only:
            raise UsageError("--only selects functions of a project; --function-name names one")
        target = Target(request.function_name, None, {}, request.alias or DEFAULT_ALIAS)
        target.config_source = "Lambda's defaults"
        return [target], None
    from lambherd.pipeline.targets import project_targets, selected
    from lambherd.project.scope import project_scope

    scope = project_scope(app, request.only)
    if scope is not None:
        loaded = project_targets(
            scope.project, app.render, lambda: app.clients, fields=COST_FIELDS[1:]
        )
        chosen = selected(loaded, scope.only)
        targets = [
            Target(
                f.name,
                f.definition.source_dir,
                dict(f.definition.config),
                request.alias or f.settings.alias,
                concurrency_doc=f.definition.sidecars.get("concurrency"),
            )
            for f in chosen
        ]
        return targets, scope.project.name
    if request.only:
        raise UsageError("--only selects functions of a project; there is no lambherd.toml here")
    from lambherd.project.context import function_settings, load_app_definition

    try:
        definition = load_app_definition(app, fields=COST_FIELDS)
    except DefinitionError:
        if not request.from_inputs:
            raise
        target = Target("function", None, {}, request.alias or DEFAULT_ALIAS)
        target.config_source = "Lambda's defaults"
        return [target], None
    if not definition.name:
        raise UsageError(
            f"{definition.display_path}: FunctionName is missing",
            hint="set FunctionName or pass --function-name",
        )
    alias = request.alias or function_settings(app).alias
    target = Target(
        definition.name,
        definition.source_dir,
        dict(definition.config),
        alias,
        concurrency_doc=definition.sidecars.get("concurrency"),
    )
    return [target], None


def _workload(target: Target, region: str, request: CostRequest, **usage: Any) -> Workload:
    """The target's configuration (options first in inputs mode) with a month of usage."""
    inputs_mode = request.from_inputs
    memory = request.memory if inputs_mode and request.memory else target.memory_mb
    arch = request.arch if inputs_mode and request.arch else target.arch
    ephemeral = request.ephemeral if inputs_mode and request.ephemeral else target.ephemeral_mb
    log_class = request.log_class or usage.pop("log_class", None) or "standard"
    return Workload(
        name=target.name,
        region=region,
        arch=arch,
        memory_mb=memory,
        ephemeral_mb=ephemeral,
        package_type=str(target.config.get("PackageType") or "Zip"),
        runtime=target.config.get("Runtime"),
        snapstart=target.snapstart,
        log_class=log_class,
        **usage,
    )


def _from_inputs(
    target: Target, request: CostRequest, inputs: _Inputs, region: str
) -> FunctionCost:
    """A function priced from the command line's usage."""
    assert inputs.invocations is not None and inputs.duration_ms is not None
    billed = Decimal(inputs.duration_ms).to_integral_value(rounding="ROUND_CEILING")
    base = _workload(
        target,
        region,
        request,
        invocations=inputs.invocations,
        billed_ms=billed,
        cold_start_rate=inputs.cold_start_rate,
        init_ms=inputs.init_ms,
        log_bytes=inputs.log_bytes * inputs.invocations,
    )
    provisioned = _provisioned_what_if(target, request, base)
    if provisioned is None:
        provisioned = _configured_provisioned(target, base, None)
    if provisioned is not None and provisioned.environment_hours == 0:
        provisioned = None  # --provisioned 0: none
    workload = what_if(base, provisioned=provisioned) if provisioned else base
    return FunctionCost(target, workload)


def _from_cloudwatch(
    app: App,
    target: Target,
    request: CostRequest,
    window: tuple[datetime, datetime],
    region: str,
) -> FunctionCost:
    """A function priced from what CloudWatch saw in ``window``, scaled to a month."""
    from lambherd.cost import observe

    clients = app.clients
    deployed, configs = _deployed(clients.client("lambda"), target.name)
    if deployed is not None:
        target.config = {**target.config, **deployed}
        target.config_source = "deployed"
    aliases = {_alias_of(c) for c in configs} | {target.alias}
    obs = Observation(target.name, window[0], window[1], target.log_group)
    if deployed is None:
        obs.notes.append(
            f"function {target.name} was not found: priced with its "
            f"{target.config_source} configuration and whatever metrics and logs it left"
        )
    observe.read_metrics(clients.client("cloudwatch"), obs, sorted(aliases))
    logs = clients.client("logs")
    observe.read_log_class(logs, obs)
    observe.read_reports(logs, obs, method=request.report_source, log_format=target.log_format)

    scale = SECONDS_PER_MONTH / obs.seconds
    reports = obs.reports
    invocations = obs.invocations
    billed = reports.invoke_billed_ms_avg
    if billed is None:
        duration_sum = obs.metrics.get("duration_sum")
        billed = (duration_sum / invocations) if duration_sum and invocations else Decimal(0)
        if invocations:
            obs.notes.append(
                "no REPORT lines in the window: billed duration taken as the Duration metric's "
                "average"
            )
    base = _workload(
        target,
        region,
        request,
        invocations=invocations * scale,
        billed_ms=billed,
        cold_start_rate=reports.cold_start_rate,
        init_ms=reports.init_ms_avg,
        init_in_billed=reports.init_in_billed,
        log_bytes=(obs.log_bytes or Decimal(0)) * scale,
        log_class=obs.log_class,
    )
    today = _configured_provisioned(target, base, (configs, obs))
    workload = what_if(base, provisioned=today) if today else base
    cost = FunctionCost(target, workload, observation=obs)
    cost.provisioned_utilisation = _utilisation(obs)
    changed = _provisioned_what_if(target, request, workload)
    if request.memory is not None or request.arch is not None or changed is not None:
        cost.what_if = what_if(
            workload,
            memory_mb=request.memory,
            arch=request.arch,
            provisioned=changed if changed and changed.environment_hours > 0 else None,
            drop_provisioned=changed is not None and changed.environment_hours == 0,
        )
    return cost


def _deployed(lambda_client: Any, name: str) -> tuple[dict[str, Any] | None, list[dict]]:
    """The deployed configuration (None when not found) and its provisioned concurrency."""
    from botocore.exceptions import ClientError

    from lambherd.errors import describe_client_error

    try:
        config = lambda_client.get_function_configuration(FunctionName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None, []
        raise describe_client_error(exc, f"reading function {name}") from exc
    configs: list[dict] = []
    try:
        for page in lambda_client.get_paginator("list_provisioned_concurrency_configs").paginate(
            FunctionName=name
        ):
            configs += page.get("ProvisionedConcurrencyConfigs", [])
    except ClientError as exc:
        raise describe_client_error(exc, f"reading provisioned concurrency of {name}") from exc
    return config, configs


def _alias_of(config: Mapping[str, Any]) -> str:
    return str(config.get("FunctionArn", "")).rsplit(":", 1)[-1]


def _by_day_from(target: Target, request: CostRequest) -> list[tuple[Decimal, Decimal]]:
    """Provisioned environments over a day from concurrency.json's schedule (``--schedule``)."""
    doc = target.concurrency()
    if doc is None:
        where = target.folder or "the working folder"
        raise UsageError(f"--schedule: no {CONCURRENCY_FILE} in {where} for {target.name}")
    return capacity_hours_per_day(doc, target.alias, where=str(target.folder / CONCURRENCY_FILE))


def _provisioned(workload: Workload, by_day: list[tuple[Decimal, Decimal]]) -> Provisioned:
    return Provisioned(environment_hours(by_day, DAYS_PER_MONTH), served_share(workload, by_day))


def _provisioned_what_if(
    target: Target, request: CostRequest, workload: Workload
) -> Provisioned | None:
    """``--provisioned N`` (all month; 0 removes it) or ``--schedule``, None without either."""
    if request.provisioned is not None:
        by_day = [(Decimal(request.provisioned), Decimal(24))] if request.provisioned else []
        return _provisioned(workload, by_day)
    if request.schedule:
        return _provisioned(workload, _by_day_from(target, request))
    return None


def _configured_provisioned(
    target: Target, workload: Workload, observed: tuple[list[dict], Observation] | None
) -> Provisioned | None:
    """Today's provisioned concurrency: allocated now (CloudWatch mode) or concurrency.json.

    The environments allocated now are taken as allocated all month; with scheduled actions
    in concurrency.json, its schedule is used instead. The share they served comes from the
    ProvisionedConcurrencyInvocations metric when there is one, else from an even load.
    """
    doc = target.concurrency()
    by_day: list[tuple[Decimal, Decimal]] = []
    scheduled = bool(
        doc and ((doc.get("Autoscaling") or {}).get(target.alias) or {}).get("ScheduledActions")
    )
    if doc and scheduled:
        where = str((target.folder or Path()) / CONCURRENCY_FILE)
        by_day = capacity_hours_per_day(doc, target.alias, where=where)
    elif observed is not None:
        configs, _ = observed
        allocated = sum(
            int(c.get("AllocatedProvisionedConcurrentExecutions") or 0) for c in configs
        )
        by_day = [(Decimal(allocated), Decimal(24))] if allocated else []
    elif doc:
        value = (doc.get("ProvisionedConcurrency") or {}).get(target.alias)
        by_day = [(Decimal(value), Decimal(24))] if isinstance(value, int) and value > 0 else []
    if not by_day:
        return None
    provisioned = _provisioned(workload, by_day)
    if observed is not None:
        _, obs = observed
        served = sum(
            (v.get("pc_invocations") or Decimal(0) for v in obs.provisioned.values()), Decimal(0)
        )
        if served and obs.invocations:
            share = min(Decimal(1), served / obs.invocations)
            provisioned = Provisioned(provisioned.environment_hours, share)
    return provisioned


def _utilisation(obs: Observation) -> Decimal | None:
    values = [
        v["pc_util_avg"] for v in obs.provisioned.values() if v.get("pc_util_avg") is not None
    ]
    if not values:
        return None
    average = sum(values, Decimal(0)) / len(values)
    return average / 100 if average > 1 else average


def _changes(request: CostRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if request.memory is not None:
        out["memory_mb"] = request.memory
    if request.arch is not None:
        out["architecture"] = request.arch
    if request.provisioned is not None:
        out["provisioned"] = request.provisioned
    if request.schedule:
        out["schedule"] = CONCURRENCY_FILE
    return out


def _notes(report: CostReport, request: CostRequest) -> list[str]:
    notes: list[str] = []
    if report.window is not None:
        start, end = report.window
        notes.append(
            f"usage observed {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC and scaled "
            f"x{_short(report.scale)} to a {DAYS_PER_MONTH}-day month"
        )
    else:
        notes.append(f"usage as given, for a {DAYS_PER_MONTH}-day month")
    if report.what_if_estimate is not None:
        notes.append(
            "what-if: durations kept as measured (a new memory size or architecture changes "
            "them; `tune` measures it)"
        )
    notes += report.estimate.notes
    for f in report.functions:
        if f.observation is not None:
            notes += [f"{f.target.name}: {n}" for n in f.observation.notes]
    return list(dict.fromkeys(notes))


def _short(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.4g}"
