"""Power tuning: which memory size runs a function best, from the REPORT lines of real runs.

This module is the part of ``lambherd tune`` (issue #16) that needs no AWS: statistics per
memory size, the strategies, the choice and its reason, the JSON result, the HTML report and
the terminal chart. The part that runs the function is designed below and lands next round,
on the deploy pipeline's executor.

Design of ``lambherd tune``
===========================

Command line::

    lambherd tune [--memory 128,256,512,1024,1769,3008 | --preset quick|standard|wide]
                  [--invocations 50] [--parallel 5] [--payload JSON | --payload-file F
                  | --payloads weighted.json] [--cold-only] [--trim 0.2]
                  [--strategy cost|speed|balanced] [--weight 0.5] [--qualifier Q]
                  [--report tune.html] [--apply] [--yes]

What it does, per memory size (sizes in parallel up to ``--parallel`` invocations in flight):

1. UpdateFunctionConfiguration(MemorySize=size) on $LATEST, wait for LastUpdateStatus
   Successful, PublishVersion (Description ``lambherd tune <size> MB <run id>``), CreateAlias
   ``lambherd-tune-<run id>-<size>`` -> that version; then put the memory back. These are plan
   steps (UpdateConfiguration, Publish, CreateAlias, DeleteAlias, DeleteVersion) run by the one
   executor: RevisionId on every update, retries on throttling/ResourceConflictException.
2. Invoke the alias ``--invocations`` times with ``LogType=Tail``; payloads: one, or a weighted
   list ``[{"payload": ..., "weight": 3}, ...]`` spread over the invocations in proportion
   (deterministic order). Each response's tail log holds the REPORT line: Billed Duration,
   Init Duration (cold starts), Max Memory Used. ``--cold-only``: a fresh version per
   invocation (Description gets a counter), so every invocation pays INIT; the cost then
   includes INIT on every call (init-aware tuning, as users of aws-lambda-power-tuning ask).
3. Clean up everything it made (aliases first, then versions) in a ``finally``, also on
   Ctrl-C (the first Ctrl-C cleans up, a second one abandons and prints what is left) and
   on failure; the configuration is restored to the RevisionId-checked original.
4. ``--yes`` is required when the function has side effects: tune invokes it
   sizes x invocations times (the help says so; without a terminal and without ``--yes``
   it refuses before the first call).

Then (this module): per size, ``measure`` trims the top and bottom ``--trim`` share of the
invocations by billed duration (default 20 %, as AWS Lambda Power Tuning's
``discardTopBottom``), takes percentiles of the kept durations, the mean billed duration, and
prices one invocation: the request plus (billed ms + billed INIT ms) x memory GB at the
first-tier duration price of the region and architecture from the price table (no price ->
the one-line "no price for ..." and tune stops before running anything). ``choose`` picks
the size by strategy; ``recommend`` compares it with the current size and says what changes in
function.json (``--apply`` writes ``MemorySize`` when the field is a literal in function.json,
otherwise prints the edit).

Strategies:

- ``cost``: the lowest cost per invocation; a tie (within 0.5 %) goes to the faster size.
- ``speed``: the lowest mean billed duration; a tie (within 0.5 %) goes to the cheaper size.
- ``balanced --weight W``: each size's cost and duration are scaled to 0-1 between the
  cheapest and dearest, fastest and slowest size; the size with the lowest
  ``W * cost01 + (1 - W) * duration01`` wins, the cheaper on a tie (W = 1 is ``cost`` and
  W = 0 is ``speed``, tie rules included).

What the next round needs from the deploy pipeline (the ``pipeline/`` package):

- step types UpdateConfiguration (MemorySize only, with the RevisionId read first),
  Publish (with a Description; returns the version), CreateAlias / DeleteAlias, DeleteVersion,
  runnable one by one by the executor outside a deploy plan, with its waits (LastUpdateStatus)
  and retries, and returning each step's result (the version number);
- a "restore" plan built from the configuration read before the first step, for the cleanup;
- an invoke helper that returns the decoded tail log (``ops.invoke`` has it) and is safe to
  call from several threads at once (one boto3 client per thread or a shared thread-safe one).

What it needs from the sandbox:

- CPU in proportion to memory in the local emulator's environments: Lambda gives one vCPU at
  1,769 MB (up to 6 at 10,240 MB); ``cpu_quota`` turns a memory size into a CFS quota.
  On this machine (checked 2026-12-01) the cgroup v2 hierarchy (/sys/fs/cgroup/unified) has
  only the ``hugetlb`` controller, so ``cpu.max`` does not exist; the cgroup v1 ``cpu``
  controller is mounted and, as root, a child cgroup with ``cpu.cfs_quota_us=50000`` /
  ``cpu.cfs_period_us=100000`` held a busy loop to 0.50 CPU (1.00 outside it). So: cgroup v2
  ``cpu.max`` where the controller is enabled, else v1 ``cpu.cfs_quota_us``, else (no root,
  no cgroup) the documented fallback: no CPU limit, the report says durations are not
  memory-bound on this machine.
- REPORT lines whose Init Duration and Billed Duration follow Lambda's billing (INIT billed for
  on-demand ZIP functions since 2025-08-01), with ``LogType=Tail`` (it has both already);
- versions and aliases that can be created and deleted quickly and many at once (200+ for a
  ``--cold-only`` run), and a fresh environment per version.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lambherd.cost.prices import PriceTable
from lambherd.errors import UsageError
from lambherd.report import ReportRecord, percentile

STRATEGIES = ("cost", "speed", "balanced")
DEFAULT_TRIM = Decimal("0.2")
MAX_TRIM = Decimal("0.4")
TIE = Decimal("0.005")
PRESETS: dict[str, tuple[int, ...]] = {
    "quick": (128, 512, 1024, 1769, 3008),
    "standard": (128, 256, 512, 1024, 1536, 1769, 2048, 3008),
    "wide": (128, 256, 512, 1024, 1769, 2048, 3008, 4096, 6144, 8192, 10240),
}


def parse_sizes(text: str, *, option: str = "--memory") -> tuple[int, ...]:
    """``128,256,1024`` or a preset name, sorted, each within Lambda's 128-10240 MB."""
    from lambherd.cost.units import check_megabytes

    if text in PRESETS:
        return PRESETS[text]
    sizes: set[int] = set()
    for part in text.split(","):
        part = part.strip().removesuffix("MB").removesuffix("mb").strip()
        if not part.isdigit():
            raise UsageError(
                f"{option}: {text!r}: {part!r} is not a memory size in MB (or use a preset: "
                f"{', '.join(PRESETS)})"
            )
        sizes.add(check_megabytes(int(part), option=option, field="MemorySize"))
    if len(sizes) < 2:
        raise UsageError(f"{option}: {text!r}: tuning compares at least two memory sizes")
    return tuple(sorted(sizes))


@dataclass(frozen=True)
class UnitPrices:
    """What one invocation costs, per part, in a region for an architecture."""

    request: Decimal
    gb_second: Decimal  # first-tier on-demand duration

    @classmethod
    def from_table(cls, table: PriceTable, region: str, arch: str) -> UnitPrices:
        """Both prices, or a one-line UsageError naming the missing one."""
        request = table.price("lambda.requests", region, arch)
        duration = table.price("lambda.duration", region, arch)
        for item, price in (("lambda.requests", request), ("lambda.duration", duration)):
            if price is None:
                raise UsageError(table.missing(item, region, arch))
        assert request is not None and duration is not None
        return cls(request.flat, duration.flat)


@dataclass(frozen=True)
class SizeResult:
    """One memory size's figures over the kept (trimmed) invocations."""

    memory_mb: int
    invocations: int
    kept: int
    duration_p50_ms: float | None
    duration_p90_ms: float | None
    billed_ms: Decimal  # mean billed duration (INVOKE phase) of the kept invocations
    init_billed_ms: Decimal  # mean billed INIT per invocation (cold starts spread over all)
    cold_starts: int
    max_memory_used_mb: float | None
    cost_per_invocation: Decimal

    @property
    def cost_per_million(self) -> Decimal:
        """What a million invocations cost at this size."""
        return self.cost_per_invocation * 1_000_000

    @property
    def total_billed_ms(self) -> Decimal:
        """Billed duration of an average invocation, INIT included."""
        return self.billed_ms + self.init_billed_ms

    def as_dict(self) -> dict[str, Any]:
        """The entry of ``results`` in ``--output json``."""
        return {
            "memory": self.memory_mb,
            "invocations": self.invocations,
            "kept": self.kept,
            "duration_p50_ms": self.duration_p50_ms,
            "duration_p90_ms": self.duration_p90_ms,
            "billed_duration_ms": float(self.billed_ms),
            "init_billed_ms": float(self.init_billed_ms),
            "cold_starts": self.cold_starts,
            "max_memory_used_mb": self.max_memory_used_mb,
            "cost_per_invocation_usd": float(self.cost_per_invocation),
            "cost_per_1m_usd": float(round(self.cost_per_million, 6)),
        }


def trimmed(records: Sequence[ReportRecord], share: Decimal = DEFAULT_TRIM) -> list[ReportRecord]:
    """``records`` without the ``share`` fastest and ``share`` slowest (by billed duration).

    With fewer than ``1 / share`` records nothing is dropped (there is no outlier to drop).
    """
    if not Decimal(0) <= share <= MAX_TRIM:
        raise UsageError(f"--trim: {share} must be between 0 and {MAX_TRIM}")
    ordered = sorted(records, key=lambda r: (r.billed_duration_ms or 0, r.duration_ms or 0))
    drop = int(len(ordered) * share)
    return ordered[drop : len(ordered) - drop] if drop else ordered


def measure(
    memory_mb: int,
    records: Sequence[ReportRecord],
    prices: UnitPrices,
    *,
    trim: Decimal = DEFAULT_TRIM,
    init_billed: bool = True,
) -> SizeResult:
    """The figures of one size: trimmed statistics and the cost of an average invocation.

    INIT: cold starts are counted over all invocations (trimming must not hide them: the
    slowest invocations are the cold ones), their billed INIT (Init Duration rounded up to the
    millisecond) spread over every invocation, unless ``init_billed`` is false or a REPORT
    line's Billed Duration already covers the INIT phase.
    """
    if not records:
        raise UsageError(f"no REPORT lines for {memory_mb} MB: nothing to measure")
    kept = trimmed(records, trim)
    durations = sorted(float(r.duration_ms or 0) for r in kept)
    billed = sum((Decimal(str(r.billed_duration_ms or 0)) for r in kept), Decimal(0)) / len(kept)
    init_total = Decimal(0)
    cold = 0
    for r in records:
        if r.init_duration_ms is None:
            continue
        cold += 1
        inside = (r.billed_duration_ms or 0) >= (r.duration_ms or 0) + r.init_duration_ms - 1
        if init_billed and not inside:
            init_total += Decimal(math.ceil(r.init_duration_ms))
    init_per_invocation = init_total / len(records)
    gb = Decimal(memory_mb) / 1024
    cost = prices.request + (billed + init_per_invocation) / 1000 * gb * prices.gb_second
    used = [r.max_memory_used_mb for r in records if r.max_memory_used_mb is not None]
    return SizeResult(
        memory_mb=memory_mb,
        invocations=len(records),
        kept=len(kept),
        duration_p50_ms=percentile(durations, 50),
        duration_p90_ms=percentile(durations, 90),
        billed_ms=billed,
        init_billed_ms=init_per_invocation,
        cold_starts=cold,
        max_memory_used_mb=max(used) if used else None,
        cost_per_invocation=cost,
    )


@dataclass(frozen=True)
class Choice:
    """The size a strategy picks, and why, in one sentence."""

    best: SizeResult
    strategy: str
    why: str


def choose(
    results: Sequence[SizeResult], strategy: str = "cost", weight: Decimal = Decimal("0.5")
) -> Choice:
    """The best size by ``strategy`` (see the module docstring for the rules)."""
    if strategy not in STRATEGIES:
        raise UsageError(f"--strategy: {strategy!r} is not one of {', '.join(STRATEGIES)}")
    if not Decimal(0) <= weight <= 1:
        raise UsageError(f"--weight: {weight} must be between 0 and 1")
    if not results:
        raise UsageError("no memory size was measured")
    if strategy in _ONE_AIM:
        return _pick(results, strategy)
    if weight in (0, 1):  # the ends of the scale are the other two strategies, ties and all
        return choose(results, "cost" if weight == 1 else "speed")
    scores = _balanced_scores(results, weight)
    best = min(results, key=lambda r: (scores[r.memory_mb], r.cost_per_invocation))
    why = (
        f"{best.memory_mb} MB has the best balance (weight {weight} on cost, "
        f"{1 - weight} on speed; score {scores[best.memory_mb]:.3f} of 0-1): {_figures(best)}"
    )
    return Choice(best, strategy, why)


def _cost(r: SizeResult) -> Decimal:
    return r.cost_per_invocation


def _time(r: SizeResult) -> Decimal:
    return r.total_billed_ms


#: strategy -> (what it minimises, the other figure, its superlative, the other's superlative,
#: the comparative of the other)
_ONE_AIM: dict[str, tuple[Any, Any, str, str, str]] = {
    "cost": (_cost, _time, "cheapest", "fastest", "faster"),
    "speed": (_time, _cost, "fastest", "cheapest", "cheaper"),
}


def _pick(results: Sequence[SizeResult], strategy: str) -> Choice:
    """``cost`` or ``speed``: the best on one figure, the other deciding a tie (``TIE``)."""
    aim, other, best_word, other_word, comparative = _ONE_AIM[strategy]
    ordered = sorted(results, key=lambda r: (aim(r), other(r)))
    best = _tie_break(ordered, aim, other)
    top = ordered[0]
    if best.memory_mb == top.memory_mb:
        why = f"{best.memory_mb} MB is the {best_word}: {_figures(best)}"
    else:
        why = (
            f"{best.memory_mb} MB is within {TIE:.1%} of the {best_word} "
            f"({top.memory_mb} MB, {_figures(top)}) and {comparative}: {_figures(best)}"
        )
    rival = min(results, key=lambda r: (other(r), aim(r)))
    if rival.memory_mb != best.memory_mb:
        why += f"; the {other_word} is {rival.memory_mb} MB: {_figures(rival)}"
    return Choice(best, strategy, why)


def _tie_break(ordered: list[SizeResult], primary: Any, secondary: Any) -> SizeResult:
    """The first of ``ordered`` unless another within ``TIE`` of it is better on ``secondary``."""
    first = ordered[0]
    limit = primary(first) * (1 + TIE)
    close = [r for r in ordered if primary(r) <= limit]
    return min(close, key=lambda r: (secondary(r), primary(r)))


def _balanced_scores(results: Sequence[SizeResult], weight: Decimal) -> dict[int, Decimal]:
    costs = [r.cost_per_invocation for r in results]
    times = [r.total_billed_ms for r in results]

    def scaled(value: Decimal, values: list[Decimal]) -> Decimal:
        low, high = min(values), max(values)
        return Decimal(0) if high == low else (value - low) / (high - low)

    return {
        r.memory_mb: weight * scaled(r.cost_per_invocation, costs)
        + (1 - weight) * scaled(r.total_billed_ms, times)
        for r in results
    }


def _figures(r: SizeResult) -> str:
    return f"${_money(r.cost_per_million)} per 1 M invocations, {_ms(r.total_billed_ms)} billed"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}" if value >= 1 else f"{value:.4f}"


def _ms(value: Decimal) -> str:
    return f"{value:,.1f} ms"


def recommend(results: Sequence[SizeResult], choice: Choice, current_mb: int) -> str:
    """The result line: the best size beside the current one and the function.json edit."""
    best = choice.best
    current = next((r for r in results if r.memory_mb == current_mb), None)
    if best.memory_mb == current_mb:
        return f"keep MemorySize {current_mb}: {choice.why}"
    text = f'set "MemorySize": {best.memory_mb} in function.json (now {current_mb}): {choice.why}'
    if current is not None:
        change = (best.cost_per_invocation - current.cost_per_invocation) / (
            current.cost_per_invocation
        )
        text += (
            f"; {current_mb} MB: ${_money(current.cost_per_million)} per 1 M, "
            f"p50 {current.duration_p50_ms or 0:.1f} ms, p90 {current.duration_p90_ms or 0:.1f} ms "
            f"({change * 100:+.1f}% cost)"
        )
    return text


def result_document(results: Sequence[SizeResult], choice: Choice) -> dict[str, Any]:
    """``--output json``: ``results`` (one entry per size) and ``best`` (memory, why)."""
    return {
        "strategy": choice.strategy,
        "results": [r.as_dict() for r in sorted(results, key=lambda r: r.memory_mb)],
        "best": {"memory": choice.best.memory_mb, "why": choice.why},
    }


# -----------------------------------------------------------------------------------------
# Charts
# -----------------------------------------------------------------------------------------
BAR = "█"


def terminal_chart(results: Sequence[SizeResult], choice: Choice, width: int = 40) -> str:
    """Two bars per size (cost per 1 M, billed duration), the chosen size marked with ``*``."""
    ordered = sorted(results, key=lambda r: r.memory_mb)
    top_cost = max(r.cost_per_million for r in ordered) or Decimal(1)
    top_time = max(r.total_billed_ms for r in ordered) or Decimal(1)
    lines = [f"{'memory':>9}  {'cost per 1 M':<{width + 12}}  billed duration"]
    for r in ordered:
        cost_bar = BAR * max(1, round(width * r.cost_per_million / top_cost))
        time_bar = BAR * max(1, round(width * r.total_billed_ms / top_time))
        mark = "*" if r.memory_mb == choice.best.memory_mb else " "
        cost_text = f"${_money(r.cost_per_million)}"
        lines.append(
            f"{mark}{r.memory_mb:>5} MB  {cost_bar:<{width}} {cost_text:>11}  "
            f"{time_bar:<{width}} {_ms(r.total_billed_ms)}"
        )
    lines.append(f"* {choice.strategy}: {choice.why}")
    return "\n".join(lines)


def render_html(
    function: str, results: Sequence[SizeResult], choice: Choice, *, region: str, arch: str
) -> str:
    """A self-contained HTML page: the cost and duration curves over memory, the chosen size
    marked, and the figures in a table. No network: the data, the script (which draws the SVG
    from the data) and the styles are all inline."""
    doc = result_document(results, choice)
    data = json.dumps(doc).replace("</", "<\\/")
    title = html.escape(f"lambherd tune: {function} ({region}, {arch})")
    why = html.escape(choice.why)
    return _PAGE.replace("%TITLE%", title).replace("%WHY%", why).replace("%DATA%", data)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
svg{border:1px solid #ddd;background:#fff}
.cost{stroke:#c0392b;fill:none;stroke-width:2}.time{stroke:#2471a3;fill:none;stroke-width:2}
.best{fill:#f1c40f;stroke:#222}.axis{stroke:#999}.label{font-size:11px;fill:#555}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:right}tr.best td{background:#fdf2c4}
</style></head><body>
<h1>%TITLE%</h1><p id="why">%WHY%</p>
<svg id="chart" width="720" height="360" viewBox="0 0 720 360" role="img"
 aria-label="cost per 1 M invocations and billed duration over memory size"></svg>
<p><span style="color:#c0392b">&#9632; cost per 1 M invocations (USD)</span>
 &nbsp; <span style="color:#2471a3">&#9632; billed duration (ms)</span></p>
<table id="figures"><thead><tr><th>memory (MB)</th><th>p50 (ms)</th><th>p90 (ms)</th>
<th>billed (ms)</th><th>INIT billed (ms)</th><th>cold starts</th><th>max memory (MB)</th>
<th>USD per 1 M</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="tune-data">%DATA%</script>
<script>
(function () {
  var doc = JSON.parse(document.getElementById("tune-data").textContent);
  var rows = doc.results, best = doc.best.memory;
  var svg = document.getElementById("chart"), NS = "http://www.w3.org/2000/svg";
  var W = 720, H = 360, L = 60, R = 60, T = 20, B = 40;
  function el(name, attrs) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    svg.appendChild(e); return e;
  }
  var xs = rows.map(function (r) { return Math.log(r.memory); });
  var xmin = Math.min.apply(null, xs), xmax = Math.max.apply(null, xs);
  function x(r) { return L + (W - L - R) * (Math.log(r.memory) - xmin) / ((xmax - xmin) || 1); }
  function scale(key) {
    var top = Math.max.apply(null, rows.map(function (r) { return r[key]; })) || 1;
    return function (r) { return H - B - (H - T - B) * r[key] / top; };
  }
  function billed(r) { return r.billed_duration_ms + r.init_billed_ms; }
  rows.forEach(function (r) { r.total_billed_ms = billed(r); });
  var series = [["cost", "cost_per_1m_usd"], ["time", "total_billed_ms"]];
  el("line", {"class": "axis", x1: L, y1: H - B, x2: W - R, y2: H - B});
  function top(key) { return Math.max.apply(null, rows.map(function (r) { return r[key]; })); }
  var left = el("text", {"class": "label cost-max", x: 4, y: T + 4});
  left.textContent = "$" + (+top("cost_per_1m_usd").toFixed(2));
  var right = el("text", {"class": "label time-max", x: W - R + 4, y: T + 4});
  right.textContent = (+top("total_billed_ms").toFixed(1)) + " ms";
  series.forEach(function (s) {
    var y = scale(s[1]);
    el("path", {"class": s[0], "data-series": s[1],
      d: rows.map(function (r, i) { return (i ? "L" : "M") + x(r) + " " + y(r); }).join(" ")});
    rows.forEach(function (r) {
      el("circle", {"class": r.memory === best ? "best point" : "point " + s[0],
        cx: x(r), cy: y(r), r: r.memory === best ? 6 : 3,
        "data-memory": r.memory, "data-series": s[1], "data-value": r[s[1]]});
    });
  });
  rows.forEach(function (r) {
    var t = el("text", {"class": "label", x: x(r), y: H - B + 16, "text-anchor": "middle"});
    t.textContent = r.memory;
  });
  var body = document.querySelector("#figures tbody");
  rows.forEach(function (r) {
    var tr = document.createElement("tr");
    if (r.memory === best) { tr.className = "best"; }
    tr.setAttribute("data-memory", r.memory);
    [r.memory, r.duration_p50_ms, r.duration_p90_ms, r.billed_duration_ms, r.init_billed_ms,
     r.cold_starts, r.max_memory_used_mb, r.cost_per_1m_usd].forEach(function (v) {
      var td = document.createElement("td");
      td.textContent = v === null ? "-" : (typeof v === "number" ? +v.toFixed(4) : v);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  svg.setAttribute("data-drawn", rows.length);
})();
</script></body></html>
"""
