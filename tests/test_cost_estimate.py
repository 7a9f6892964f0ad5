"""The cost estimate, checked line by line against figures worked out by hand.

Prices used (shipped table, us-east-1, from the AWS Price List):
requests $0.0000002; duration x86_64 $0.0000166667 (first 6 B GB-s), $0.000015 (next 9 B);
duration arm64 $0.0000133334 (first 7.5 B GB-s); provisioned arm64 $0.0000033334 (allocation)
and $0.0000077778 (duration); ephemeral storage $0.0000000309 per GB-s; Lambda logs Standard
$0.50 per GB (first 10 TB). Free tier: 1 M requests and 400,000 GB-s a month.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from lambherd.cost.estimate import (
    Provisioned,
    Workload,
    break_even,
    estimate,
    init_is_billed,
    provisioned_all_month,
    served_share,
    what_if,
)
from lambherd.cost.prices import shipped_table

TABLE = shipped_table()


def lines(est) -> dict[str, D]:
    return {line.name: line.usd for line in est.lines}


def test_worked_example_x86_on_demand_with_init_and_logs() -> None:
    # x86_64, 512 MB, 10 M invocations of 120 ms, 2 % cold starts of 300 ms INIT,
    # 1 KB of logs per invocation, free tier on.
    w = Workload(
        "api",
        "us-east-1",
        "x86_64",
        512,
        D(10_000_000),
        D(120),
        cold_start_rate=D("0.02"),
        init_ms=D(300),
        log_bytes=D(10_000_000 * 1024),
    )
    est = estimate([w], TABLE, as_of=date(2026, 12, 1))
    got = lines(est)
    # requests: 10,000,000 x $0.0000002 = $2.00
    assert got["requests"] == D("2.00")
    # duration: 10,000,000 x 0.120 s x 0.5 GB = 600,000 GB-s x $0.0000166667 = $10.00002
    assert got["duration x86_64, tier 1 (first 6 B GB-s)"] == D("10.00002")
    # INIT: 200,000 cold starts x 0.300 s x 0.5 GB = 30,000 GB-s x $0.0000166667 = $0.500001
    assert got["INIT duration x86_64, tier 1 (first 6 B GB-s)"] == D("0.500001")
    # logs: 10,240,000,000 B / 1024^3 = 9.5367431640625 GB x $0.50 = $4.76837158203125
    assert got["CloudWatch Logs ingestion (Standard), tier 1 (first 10 TB)"] == D(
        "4.76837158203125"
    )
    # free tier: -1,000,000 x $0.0000002 = -$0.20; -400,000 GB-s x $0.0000166667 = -$6.66668
    assert got["free tier: requests"] == D("-0.20")
    assert got["free tier: duration x86_64"] == D("-6.66668")
    # total: 2 + 10.00002 + 0.500001 + 4.76837158203125 - 0.2 - 6.66668 = 10.40171258203125
    assert est.total == D("10.40171258203125")
    assert est.complete and est.per_function["api"] == est.total
    assert any("free tier applied" in n for n in est.notes)


def test_worked_example_arm64_with_provisioned_concurrency_and_ephemeral_storage() -> None:
    # arm64, 1024 MB, 2048 MB /tmp, 25,920,000 invocations of 200 ms (10 a second: an
    # average concurrency of 2), one provisioned environment all month (720 h) serving half
    # of them, 1 % of the on-demand rest cold with a 500 ms INIT; no free tier.
    w = Workload(
        "worker",
        "us-east-1",
        "arm64",
        1024,
        D(25_920_000),
        D(200),
        ephemeral_mb=2048,
        cold_start_rate=D("0.01"),
        init_ms=D(500),
        provisioned=Provisioned(D(720), D("0.5")),
    )
    est = estimate([w], TABLE, free_tier=False, as_of=date(2026, 12, 1))
    got = lines(est)
    # requests: 25,920,000 x $0.0000002 = $5.184
    assert got["requests"] == D("5.184")
    # allocation: 1 env x 720 h x 3,600 s x 1 GB = 2,592,000 GB-s x $0.0000033334 = $8.6401728
    assert got["provisioned concurrency"] == D("8.6401728")
    # provisioned duration: 12,960,000 x 0.2 s x 1 GB = 2,592,000 GB-s x $0.0000077778
    #   = $20.1600576
    assert got["provisioned duration"] == D("20.1600576")
    # on-demand: 12,960,000 x 0.2 s x 1 GB = 2,592,000 GB-s x $0.0000133334 = $34.5601728
    assert got["duration arm64, tier 1 (first 7.5 B GB-s)"] == D("34.5601728")
    # INIT: 129,600 cold starts x 0.5 s x 1 GB = 64,800 GB-s x $0.0000133334 = $0.86400432
    assert got["INIT duration arm64, tier 1 (first 7.5 B GB-s)"] == D("0.86400432")
    # ephemeral: 1.5 GB over 512 MB x (25,920,000 x 0.2 s + 64,800 s) = 7,873,200 GB-s
    #   x $0.0000000309 = $0.24328188
    assert got["ephemeral storage (2048 MB, over 512 MB)"] == D("0.24328188")
    # total: 5.184 + 8.6401728 + 20.1600576 + 34.5601728 + 0.86400432 + 0.24328188
    #   = 69.6516894
    assert est.total == D("69.6516894")
    assert not any(line.item == "free-tier" for line in est.lines)


def test_worked_example_x86_above_the_first_tier() -> None:
    # x86_64, 10,240 MB, 800 M invocations of 1 s: 8 B GB-s, 2 B of them in the second tier.
    w = Workload("batch", "us-east-1", "x86_64", 10240, D(800_000_000), D(1000))
    est = estimate([w], TABLE, as_of=date(2026, 12, 1))
    got = lines(est)
    # requests: 800,000,000 x $0.0000002 = $160
    assert got["requests"] == D(160)
    # tier 1: 6,000,000,000 GB-s x $0.0000166667 = $100,000.20
    assert got["duration x86_64, tier 1 (first 6 B GB-s)"] == D("100000.2")
    # tier 2: 2,000,000,000 GB-s x $0.000015 = $30,000
    assert got["duration x86_64, tier 2 (6 B GB-s to 15 B GB-s)"] == D(30000)
    # free tier: -$0.20 and -$6.66668
    # total: 160 + 100,000.2 + 30,000 - 0.2 - 6.66668 = 130,153.33332
    assert est.total == D("130153.33332")


def test_a_project_shares_tiers_and_the_free_tier_once() -> None:
    # two x86_64 functions of 4 B GB-s each: pooled 8 B, so 2 B reach tier 2 although neither
    # alone would; each function carries half of every pooled line.
    a = Workload("a", "us-east-1", "x86_64", 10240, D(400_000_000), D(1000))
    b = Workload("b", "us-east-1", "x86_64", 10240, D(400_000_000), D(1000))
    est = estimate([a, b], TABLE, as_of=date(2026, 12, 1))
    tier2 = [line for line in est.lines if "tier 2" in line.name]
    assert len(tier2) == 1 and tier2[0].quantity == D(2_000_000_000)
    assert tier2[0].function is None  # a pooled line
    free = [line for line in est.lines if line.item == "free-tier"]
    assert [line.quantity for line in free] == [D(-1_000_000), D(-400_000)]
    assert est.per_function["a"] == est.per_function["b"] == est.total / 2
    assert any("shared by the project's functions" in n for n in est.notes)


def test_free_tier_is_x86_first_and_skips_provisioned_functions() -> None:
    x86 = Workload("x", "us-east-1", "x86_64", 1024, D(100_000), D(1000))  # 100,000 GB-s
    arm = Workload("y", "us-east-1", "arm64", 1024, D(1_000_000), D(1000))  # 1,000,000 GB-s
    pc = Workload(
        "z", "us-east-1", "x86_64", 1024, D(1_000_000), D(100), provisioned=Provisioned(D(1), D(1))
    )
    est = estimate([x86, arm, pc], TABLE)
    free = {line.name: line.quantity for line in est.lines if line.item == "free-tier"}
    assert free == {
        "free tier: requests": D(-1_000_000),  # of x and y's 1.1 M; z gets none
        "free tier: duration x86_64": D(-100_000),
        "free tier: duration arm64": D(-300_000),  # what is left of the 400,000
    }
    assert any("provisioned concurrency get no free tier" in n for n in est.notes)


def test_no_free_tier_is_said() -> None:
    w = Workload("f", "us-east-1", "x86_64", 128, D(10), D(1))
    est = estimate([w], TABLE, free_tier=False)
    assert not est.free_tier and not any("free tier" in n for n in est.notes)


def test_a_price_missing_in_the_region_is_said_and_left_out_of_the_total() -> None:
    # eu-west-1 has only the first duration tier in the shipped table
    w = Workload("batch", "eu-west-1", "x86_64", 10240, D(800_000_000), D(1000))
    est = estimate([w], TABLE, free_tier=False)
    assert not est.complete
    assert est.missing == [
        "no price for eu-west-1 x86_64 duration above 6 B GB-s in the shipped table (2026-12-01)"
    ]
    unpriced = [line for line in est.lines if line.usd is None]
    assert [line.quantity for line in unpriced] == [D(2_000_000_000)]
    assert est.total == D(160) + D("100000.2")


def test_snapstart_is_charged_for_python_not_java() -> None:
    kwargs = dict(cold_start_rate=D("0.1"), init_ms=D(800), snapstart=True)
    py = Workload("p", "us-east-1", "x86_64", 1024, D(1000), D(10), runtime="python3.13", **kwargs)
    got = lines(estimate([py], TABLE, free_tier=False))
    # cache: (1 GB + 0.5 GB) x 2,592,000 s = 3,888,000 GB-s x $0.0000015046 = $5.8498848
    assert got["SnapStart cache (one version, all month)"] == D("5.8498848")
    # restore: 100 cold starts x 1.5 GB = 150 GB x $0.0001397998 = $0.02096997
    assert got["SnapStart restore"] == D("0.02096997")
    assert not any(name.startswith("INIT") for name in got)  # a restore, not an INIT
    java = what_if(py, memory_mb=1024)
    java = Workload(**{**java.__dict__, "runtime": "java21"})
    est = estimate([java], TABLE, free_tier=False)
    assert not any("SnapStart" in line.name for line in est.lines)
    assert any("has no charge" in n for n in est.notes)
    tokyo = Workload(**{**py.__dict__, "region": "ap-northeast-1"})
    assert (
        "no price for ap-northeast-1 x86_64 SnapStart cache in the shipped table (2026-12-01)"
        in (estimate([tokyo], TABLE).missing)
    )


@pytest.mark.parametrize(
    ("package", "runtime", "snapstart", "as_of", "billed"),
    [
        ("Zip", "python3.12", False, date(2025, 8, 1), True),
        ("Zip", "python3.12", False, date(2025, 7, 31), False),
        ("Image", None, False, date(2025, 7, 31), True),
        ("Zip", "provided.al2023", False, date(2025, 7, 31), True),
        ("Zip", "java21", True, date(2026, 1, 1), False),
    ],
)
def test_init_billing_rules(package, runtime, snapstart, as_of, billed) -> None:
    w = Workload(
        "f",
        "us-east-1",
        "x86_64",
        128,
        D(1),
        D(1),
        package_type=package,
        runtime=runtime,
        snapstart=snapstart,
    )
    assert init_is_billed(w, as_of)[0] is billed


def test_init_already_in_billed_duration_is_not_added_again() -> None:
    w = Workload(
        "f",
        "us-east-1",
        "x86_64",
        1024,
        D(1000),
        D(100),
        cold_start_rate=D("0.5"),
        init_ms=D(200),
        init_in_billed=True,
    )
    assert not any(line.name.startswith("INIT") for line in estimate([w], TABLE).lines)


def test_break_even_is_the_formula_of_the_docstring() -> None:
    w = Workload("f", "us-east-1", "x86_64", 1024, D(1), D(100))
    # u* = 0.0000041667 / (0.0000166667 - 0.0000097222) = 0.0000041667 / 0.0000069445
    assert break_even(w, TABLE) == D("0.0000041667") / D("0.0000069445")
    assert round(break_even(w, TABLE), 4) == D("0.6000")
    # with INIT on 2 % of 120 ms invocations taking 300 ms: factor 1 + 0.02 x 300 / 120 = 1.05
    cold = Workload(
        "f", "us-east-1", "x86_64", 1024, D(1), D(120), cold_start_rate=D("0.02"), init_ms=D(300)
    )
    expected = D("0.0000041667") / (D("0.0000166667") * D("1.05") - D("0.0000097222"))
    assert break_even(cold, TABLE) == expected
    # arm64 provisioned prices exist in us-east-1 only
    assert break_even(Workload("f", "eu-west-1", "arm64", 128, D(1), D(1)), TABLE) is None


def test_served_share_from_an_even_load() -> None:
    # 25,920,000 invocations of 200 ms a month: average concurrency 2
    w = Workload("f", "us-east-1", "x86_64", 1024, D(25_920_000), D(200))
    assert served_share(w, [(D(1), D(24))]) == D("0.5")
    assert served_share(w, [(D(4), D(24))]) == D(1)
    assert served_share(w, [(D(2), D(12))]) == D("0.5")  # all of the load, half the day
    assert provisioned_all_month(3, D(1)).environment_hours == D(3 * 720)


def test_what_if_keeps_durations() -> None:
    w = Workload("f", "us-east-1", "x86_64", 1024, D(1_000_000), D(100))
    changed = what_if(w, memory_mb=512, arch="arm64")
    assert (changed.memory_mb, changed.arch, changed.billed_ms) == (512, "arm64", D(100))
    today, then = estimate([w], TABLE, free_tier=False), estimate([changed], TABLE, free_tier=False)
    # 100,000 GB-s x $0.0000166667 -> 50,000 GB-s x $0.0000133334
    assert today.total - then.total == D("1.66667") - D("0.66667")
