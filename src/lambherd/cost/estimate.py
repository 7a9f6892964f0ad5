"""Monthly cost of Lambda functions: every price line, the free tier, what-ifs, break-even.

Pure: a ``Workload`` per function (its configuration and a month of usage) and a
``PriceTable`` in, an ``Estimate`` out. ``estimate([w])`` prices one function;
``estimate([w1, w2, ...])`` a project, where volume tiers and the free tier are the account's
and so are applied once over all the functions together, then shared out to each function in
proportion to what it used of the pooled line.

What is priced, per function (the source of each price is in the table):

- requests: every invocation (on-demand and provisioned alike).
- duration: on-demand GB-s (invocations x average billed ms x memory GB), tiered per region
  and architecture.
- INIT duration: on-demand cold starts x average INIT ms x memory GB, at the duration price and
  in the same tiers, when it is billed and not already inside the REPORT lines' Billed
  Duration. Billed: container images and custom runtimes (always), ZIP functions on managed
  runtimes for invocations from 2025-08-01 (AWS Compute Blog, "AWS Lambda standardizes billing
  for INIT Phase", 2025-04-29). Not billed per invocation: invocations served by provisioned
  environments (their INIT runs when they are allocated), and SnapStart functions (INIT runs
  when a version is published; a cold start is a restore).
- provisioned concurrency: environments x hours configured x memory GB (allocation), and the
  GB-s of the invocations they serve at the lower provisioned-duration price.
- ephemeral storage: (EphemeralStorage GB - 0.5 GB) x billed seconds, when over 512 MB.
- SnapStart (Python and .NET runtimes; Java's SnapStart has no charge): the cache of one
  published version for the whole month, (memory + ephemeral storage) GB x seconds, and a
  restore of (memory + ephemeral storage) GB per cold start.
- CloudWatch Logs ingestion of the function's log group, Standard or Infrequent Access class,
  in Lambda's log volume tiers.
- the free tier (unless turned off): 1 M requests and 400,000 GB-s a month, once per account,
  taken from functions without provisioned concurrency, x86_64 duration first.

Break-even utilisation of provisioned concurrency (``break_even``). Per second, one
environment of M GB that is busy a share u of the time costs, with a billed invocation of d
seconds of which a share r are cold starts paying t seconds of INIT on-demand:

    on-demand:    u * M * p_od * (1 + r * t / d)
    provisioned:  M * p_alloc + u * M * p_pc

so provisioned concurrency is the cheaper one above

    u* = p_alloc / (p_od * (1 + r * t / d) - p_pc)

(p_od: on-demand duration price, first tier; p_alloc: provisioned allocation price; p_pc:
provisioned duration price). With no INIT, u* = p_alloc / (p_od - p_pc): 0.60 in us-east-1 for
both architectures. Requests cost the same either way and drop out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from lambherd.cost.prices import ITEMS, Price, PriceTable
from lambherd.cost.tiers import split

MB_PER_GB = Decimal(1024)
FREE_EPHEMERAL_MB = 512
SECONDS_PER_HOUR = Decimal(3600)
DAYS_PER_MONTH = 30
SECONDS_PER_MONTH = Decimal(DAYS_PER_MONTH * 24 * 3600)
INIT_BILLED_SINCE = date(2025, 8, 1)
LOG_CLASSES = ("standard", "infrequent-access")
#: runtime prefixes whose SnapStart is charged for cache and restore (Java's is not)
SNAPSTART_CHARGED = ("python", "dotnet")
#: runtime prefixes that support SnapStart at all
SNAPSTART_RUNTIMES = ("python", "dotnet", "java")


@dataclass(frozen=True)
class Provisioned:
    """Provisioned concurrency over the month: how much was configured and what it served."""

    environment_hours: Decimal  # sum over the month of environments x hours configured
    served_share: Decimal  # share of the invocations provisioned environments served


@dataclass(frozen=True)
class Workload:
    """One function's configuration and a month of its usage."""

    name: str
    region: str
    arch: str  # x86_64 | arm64
    memory_mb: int
    invocations: Decimal  # a month
    billed_ms: Decimal  # average billed duration of one invocation (INVOKE phase)
    ephemeral_mb: int = FREE_EPHEMERAL_MB
    cold_start_rate: Decimal = Decimal(0)  # share of on-demand invocations that were cold
    init_ms: Decimal = Decimal(0)  # average INIT duration of a cold start
    init_in_billed: bool = False  # Billed Duration already includes INIT (from REPORT lines)
    package_type: str = "Zip"
    runtime: str | None = None
    snapstart: bool = False
    provisioned: Provisioned | None = None
    log_bytes: Decimal = Decimal(0)  # a month
    log_class: str = "standard"

    @property
    def memory_gb(self) -> Decimal:
        """Memory in GB (MB / 1024), the unit Lambda bills."""
        return Decimal(self.memory_mb) / MB_PER_GB

    @property
    def on_demand_invocations(self) -> Decimal:
        """Invocations not served by provisioned environments."""
        share = self.provisioned.served_share if self.provisioned else Decimal(0)
        return self.invocations * (1 - share)

    @property
    def provisioned_invocations(self) -> Decimal:
        """Invocations provisioned environments served."""
        return self.invocations - self.on_demand_invocations


@dataclass(frozen=True)
class PriceLine:
    """One line of the bill: quantity x unit price = usd (None when the price is missing)."""

    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    usd: Decimal | None
    source: str
    function: str | None = None  # None: a pooled line (tiers, free tier) shared by functions
    item: str = ""

    def as_dict(self) -> dict[str, object]:
        """The JSON form (``--output json`` items)."""
        return {
            "name": self.name,
            "function": self.function,
            "quantity": _num(self.quantity),
            "unit": self.unit,
            "unit_price_usd": None if self.unit_price is None else float(self.unit_price),
            "usd": None if self.usd is None else _num(self.usd),
            "source": self.source,
        }


@dataclass
class Estimate:
    """Price lines, each function's share, the total, and what could not be priced."""

    lines: list[PriceLine]
    per_function: dict[str, Decimal]
    free_tier: bool
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """The sum of every priced line (missing prices are not in it: see ``complete``)."""
        return sum((line.usd for line in self.lines if line.usd is not None), Decimal(0))

    @property
    def complete(self) -> bool:
        """False when an item that applies has no price in the table."""
        return not self.missing


# -----------------------------------------------------------------------------------------
# Rules
# -----------------------------------------------------------------------------------------
def init_is_billed(workload: Workload, as_of: date | None = None) -> tuple[bool, str]:
    """Whether on-demand INIT is billed for this function, and why (one phrase)."""
    runtime = workload.runtime or ""
    if workload.snapstart:
        return False, "SnapStart: INIT runs when a version is published; cold starts restore"
    if workload.package_type == "Image":
        return True, "container image: INIT is billed"
    if runtime.startswith("provided"):
        return True, f"custom runtime {runtime}: INIT is billed"
    if (as_of or date.today()) >= INIT_BILLED_SINCE:
        return True, "ZIP on a managed runtime: INIT billed since 2025-08-01"
    return False, "ZIP on a managed runtime: INIT not billed before 2025-08-01"


def snapstart_charged(workload: Workload) -> bool:
    """True when SnapStart has cache and restore charges (Python and .NET; not Java)."""
    return workload.snapstart and (workload.runtime or "").startswith(SNAPSTART_CHARGED)


# -----------------------------------------------------------------------------------------
# The estimate
# -----------------------------------------------------------------------------------------
@dataclass
class _Pool:
    """A tiered item used by several functions: its components in order, by function."""

    item: str
    region: str
    arch: str
    components: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def add(self, component: str, function: str, quantity: Decimal) -> None:
        if quantity > 0:
            by_fn = self.components.setdefault(component, {})
            by_fn[function] = by_fn.get(function, Decimal(0)) + quantity


class _Bill:
    """Collects lines and each function's share while the estimate is built."""

    def __init__(self, table: PriceTable) -> None:
        self.table = table
        self.lines: list[PriceLine] = []
        self.shares: dict[str, Decimal] = defaultdict(Decimal)
        self.missing: list[str] = []

    def price(self, item: str, region: str, arch: str) -> Price | None:
        return self.table.price(item, region, arch)

    def flat(self, workload: Workload, item: str, name: str, quantity: Decimal, unit: str) -> None:
        """A line with one price (no tiers in play)."""
        if quantity <= 0:
            return
        price = self.price(item, workload.region, workload.arch)
        if price is None:
            self._missing(item, workload.region, workload.arch, name, quantity, unit, workload)
            return
        usd = quantity * price.flat
        self.lines.append(
            PriceLine(
                name,
                quantity,
                price.unit,
                price.flat,
                usd,
                self.table.source_text(price),
                workload.name,
                item,
            )
        )
        self.shares[workload.name] += usd

    def pooled(self, pool: _Pool, labels: dict[str, str], single: str | None) -> None:
        """Lines of a tiered pool: each component after the previous ones, tier by tier."""
        price = self.price(pool.item, pool.region, pool.arch)
        offset = Decimal(0)
        for component, by_fn in pool.components.items():
            quantity = sum(by_fn.values(), Decimal(0))
            label = labels[component]
            if price is None:
                self._missing(pool.item, pool.region, pool.arch, label, quantity, "", None, single)
                continue
            parts = split(quantity, price.tiers, offset)
            offset += quantity
            for part in parts.parts:
                name = label + _tier_label(price, part.index)
                self._pooled_line(
                    price, name, part.quantity, part.tier.unit_price, by_fn, quantity, single
                )
            if parts.uncovered > 0:
                beyond = _beyond(price)
                self.missing.append(self.table.missing(pool.item, pool.region, pool.arch, beyond))
                self.lines.append(
                    PriceLine(
                        f"{label} {beyond}",
                        parts.uncovered,
                        price.unit,
                        None,
                        None,
                        "no price",
                        single,
                        pool.item,
                    )
                )

    def credit(
        self, name: str, price: Price, quantity: Decimal, eligible: dict[str, Decimal], note: str
    ) -> None:
        """A free-tier line: minus ``quantity`` at the first-tier price, shared by use."""
        if quantity <= 0:
            return
        usd = -quantity * price.flat
        total = sum(eligible.values(), Decimal(0))
        for fn, used in eligible.items():
            self.shares[fn] += usd * used / total
        single = next(iter(eligible)) if len(eligible) == 1 else None
        self.lines.append(
            PriceLine(
                name,
                -quantity,
                price.unit,
                price.flat,
                usd,
                f"{self.table.sources.get(self.table.free_tier.source, {}).get('title', '')}; "
                + note,
                single,
                "free-tier",
            )
        )

    def _pooled_line(
        self,
        price: Price,
        name: str,
        quantity: Decimal,
        unit_price: Decimal,
        by_fn: dict[str, Decimal],
        component_total: Decimal,
        single: str | None,
    ) -> None:
        usd = quantity * unit_price
        for fn, used in by_fn.items():
            self.shares[fn] += usd * used / component_total
        self.lines.append(
            PriceLine(
                name,
                quantity,
                price.unit,
                unit_price,
                usd,
                self.table.source_text(price),
                single,
                price.item,
            )
        )

    def _missing(
        self,
        item: str,
        region: str,
        arch: str,
        name: str,
        quantity: Decimal,
        unit: str,
        workload: Workload | None,
        single: str | None = None,
    ) -> None:
        message = self.table.missing(item, region, arch)
        if message not in self.missing:
            self.missing.append(message)
        self.lines.append(
            PriceLine(
                name,
                quantity,
                unit,
                None,
                None,
                "no price",
                workload.name if workload else single,
                item,
            )
        )


def _tier_label(price: Price, index: int) -> str:
    if len(price.tiers) == 1 and price.tiers[0].end is None:
        return ""
    tier = price.tiers[index]
    return f", tier {index + 1} ({_range(tier.start, tier.end, price.unit)})"


def _beyond(price: Price) -> str:
    last = price.tiers[-1]
    return f"above {_amount(last.end or Decimal(0), price.unit)}"


def _range(start: Decimal, end: Decimal | None, unit: str) -> str:
    if end is None:
        return f"over {_amount(start, unit)}"
    if start == 0:
        return f"first {_amount(end, unit)}"
    return f"{_amount(start, unit)} to {_amount(end, unit)}"


def _amount(value: Decimal, unit: str) -> str:
    if unit == "GB" and value >= 1024:
        return f"{value / 1024:g} TB"
    if value >= 10**9:
        return f"{value / 10**9:g} B {unit}"
    return f"{value:,f} {unit}".replace(".000000", "")


def _num(value: Decimal) -> float | int:
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 9))


def estimate(
    workloads: Sequence[Workload],
    table: PriceTable,
    *,
    free_tier: bool = True,
    as_of: date | None = None,
) -> Estimate:
    """Price ``workloads`` for a month (see the module docstring for every rule)."""
    bill = _Bill(table)
    single = workloads[0].name if len(workloads) == 1 else None
    duration_pools: dict[tuple[str, str], _Pool] = {}
    log_pools: dict[tuple[str, str], _Pool] = {}
    notes: list[str] = []
    eligible_requests: dict[str, Decimal] = {}
    eligible_gbs: dict[str, dict[str, Decimal]] = {"x86_64": {}, "arm64": {}}

    for w in workloads:
        gb = w.memory_gb
        od = w.on_demand_invocations
        billed_s = w.billed_ms / 1000
        init_billed, why = init_is_billed(w, as_of)
        cold = od * w.cold_start_rate
        init_gbs = Decimal(0)
        if init_billed and not w.init_in_billed and w.init_ms > 0:
            init_gbs = cold * (w.init_ms / 1000) * gb
        bill.flat(w, "lambda.requests", "requests", w.invocations, "request")
        pool = duration_pools.setdefault(
            (w.region, w.arch), _Pool("lambda.duration", w.region, w.arch)
        )
        pool.add("invoke", w.name, od * billed_s * gb)
        pool.add("init", w.name, init_gbs)
        if w.cold_start_rate > 0:
            notes.append(f"{w.name}: {why}")
        if w.provisioned is not None:
            hours = w.provisioned.environment_hours
            bill.flat(
                w,
                "lambda.provisioned",
                "provisioned concurrency",
                hours * SECONDS_PER_HOUR * gb,
                "GB-s",
            )
            bill.flat(
                w,
                "lambda.provisioned-duration",
                "provisioned duration",
                w.provisioned_invocations * billed_s * gb,
                "GB-s",
            )
        else:
            eligible_requests[w.name] = w.invocations
            eligible_gbs[w.arch][w.name] = od * billed_s * gb + init_gbs
        billed_seconds = w.invocations * billed_s + (init_gbs / gb if gb else Decimal(0))
        extra_storage = Decimal(max(0, w.ephemeral_mb - FREE_EPHEMERAL_MB)) / MB_PER_GB
        bill.flat(
            w,
            "lambda.ephemeral-storage",
            f"ephemeral storage ({w.ephemeral_mb} MB, over 512 MB)",
            extra_storage * billed_seconds,
            "GB-s",
        )
        if w.snapstart and snapstart_charged(w):
            snap_gb = gb + Decimal(w.ephemeral_mb) / MB_PER_GB
            bill.flat(
                w,
                "lambda.snapstart-cache",
                "SnapStart cache (one version, all month)",
                snap_gb * SECONDS_PER_MONTH,
                "GB-s",
            )
            bill.flat(w, "lambda.snapstart-restore", "SnapStart restore", cold * snap_gb, "GB")
        elif w.snapstart:
            notes.append(f"{w.name}: SnapStart on {w.runtime or 'this runtime'} has no charge")
        if w.log_bytes > 0:
            item = f"logs.lambda.{w.log_class}"
            log_pool = log_pools.setdefault((w.region, item), _Pool(item, w.region, "any"))
            log_pool.add("logs", w.name, w.log_bytes / MB_PER_GB**3)

    for (_, arch), pool in sorted(duration_pools.items()):
        bill.pooled(pool, {"invoke": f"duration {arch}", "init": f"INIT duration {arch}"}, single)
    for (_, item), pool in sorted(log_pools.items()):
        bill.pooled(pool, {"logs": ITEMS[item]}, single)

    if free_tier:
        _apply_free_tier(bill, workloads, eligible_requests, eligible_gbs)
        notes.append(
            "free tier applied (1 M requests and 400,000 GB-s a month, once per account"
            + (", shared by the project's functions" if single is None else "")
            + "); --no-free-tier leaves it out"
        )
        if any(w.provisioned is not None for w in workloads):
            notes.append("functions with provisioned concurrency get no free tier")
    return Estimate(bill.lines, dict(bill.shares), free_tier, _unique(bill.missing), _unique(notes))


def _apply_free_tier(
    bill: _Bill,
    workloads: Sequence[Workload],
    eligible_requests: dict[str, Decimal],
    eligible_gbs: dict[str, dict[str, Decimal]],
) -> None:
    free = bill.table.free_tier
    by_name = {w.name: w for w in workloads}
    if eligible_requests:
        first = by_name[next(iter(eligible_requests))]
        price = bill.price("lambda.requests", first.region, first.arch)
        used = sum(eligible_requests.values(), Decimal(0))
        if price is not None:
            bill.credit(
                "free tier: requests",
                price,
                min(free.requests, used),
                eligible_requests,
                "1 M requests a month",
            )
    left = free.gb_seconds
    for arch in ("x86_64", "arm64"):
        eligible = eligible_gbs[arch]
        used = sum(eligible.values(), Decimal(0))
        if not eligible or used <= 0 or left <= 0:
            continue
        first = by_name[next(iter(eligible))]
        price = bill.price("lambda.duration", first.region, arch)
        if price is None:
            continue
        taken = min(left, used)
        left -= taken
        bill.credit(
            f"free tier: duration {arch}",
            price,
            taken,
            eligible,
            "400,000 GB-s a month for x86_64 and arm64 together, x86_64 first",
        )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -----------------------------------------------------------------------------------------
# What-if and break-even
# -----------------------------------------------------------------------------------------
def what_if(
    workload: Workload,
    *,
    memory_mb: int | None = None,
    arch: str | None = None,
    provisioned: Provisioned | None = None,
    drop_provisioned: bool = False,
) -> Workload:
    """``workload`` with another memory size, architecture or provisioned concurrency.

    Durations are kept as they are: a new memory size or architecture changes how fast code
    runs, which only a measurement (``tune``) can tell.
    """
    changes: dict[str, object] = {}
    if memory_mb is not None:
        changes["memory_mb"] = memory_mb
    if arch is not None:
        changes["arch"] = arch
    if provisioned is not None:
        changes["provisioned"] = provisioned
    elif drop_provisioned:
        changes["provisioned"] = None
    return replace(workload, **changes)


def break_even(workload: Workload, table: PriceTable) -> Decimal | None:
    """The utilisation above which provisioned concurrency costs less than on-demand.

    ``u* = p_alloc / (p_od * (1 + r * t / d) - p_pc)`` (derivation in the module docstring).
    None when a price is missing or provisioned concurrency can never be cheaper.
    """
    region, arch = workload.region, workload.arch
    od = table.price("lambda.duration", region, arch)
    alloc = table.price("lambda.provisioned", region, arch)
    pc = table.price("lambda.provisioned-duration", region, arch)
    if od is None or alloc is None or pc is None:
        return None
    init_factor = Decimal(1)
    billed, _ = init_is_billed(workload)
    if billed and workload.billed_ms > 0 and not workload.init_in_billed:
        init_factor += workload.cold_start_rate * workload.init_ms / workload.billed_ms
    denominator = od.flat * init_factor - pc.flat
    if denominator <= 0:
        return None
    return alloc.flat / denominator


def provisioned_all_month(environments: int, served_share: Decimal) -> Provisioned:
    """``environments`` configured for the whole 30-day month."""
    return Provisioned(Decimal(environments) * DAYS_PER_MONTH * 24, served_share)


def served_share(
    workload: Workload, capacity_by_hour: Sequence[tuple[Decimal, Decimal]]
) -> Decimal:
    """The share of invocations provisioned environments would serve, load spread evenly.

    ``capacity_by_hour``: (environments, hours a day). In each stretch, the average
    concurrency c = invocations per second x billed seconds; provisioned environments serve
    min(1, environments / c) of the invocations of that stretch.
    """
    per_second = workload.invocations / SECONDS_PER_MONTH
    concurrency = per_second * workload.billed_ms / 1000
    total_hours = sum((h for _, h in capacity_by_hour), Decimal(0))
    if total_hours <= 0:
        return Decimal(0)
    served = Decimal(0)
    for environments, hours in capacity_by_hour:
        if environments <= 0 or hours <= 0:
            continue
        share = Decimal(1) if concurrency <= environments else environments / concurrency
        served += share * hours / 24
    return min(Decimal(1), served)
