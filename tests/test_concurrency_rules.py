"""Every rule of concurrency.json, on plain data: the file's own and the account's, each problem
one line with its numbers, all of them listed at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lambherd.concurrency.model import parse_concurrency, read_concurrency
from lambherd.concurrency.rules import FunctionFacts, account_problems, file_problems

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _errors(doc: Any) -> list[str]:
    return file_problems(doc, now=NOW).errors


def test_the_issue_example_is_valid_and_round_trips() -> None:
    doc = {
        "ReservedConcurrentExecutions": 20,
        "ProvisionedConcurrency": {"current": 2},
        "Autoscaling": {
            "current": {
                "MinCapacity": 2,
                "MaxCapacity": 10,
                "ScheduledActions": [
                    {
                        "Name": "morning",
                        "Schedule": "cron(0 9 * * ? *)",
                        "Timezone": "Asia/Tokyo",
                        "MinCapacity": 10,
                        "MaxCapacity": 10,
                    }
                ],
                "TargetTracking": {"TargetValue": 0.7},
            }
        },
    }
    report = file_problems(doc, now=NOW)
    assert report.errors == [] and report.warnings == []
    assert parse_concurrency(doc).to_document() == doc


def test_shape_problems_are_all_listed_with_their_paths() -> None:
    doc = {
        "ReservedConcurency": 5,
        "ProvisionedConcurrency": {"current": 0, "bad name!": 2},
        "Autoscaling": {
            "current": {
                "MinCapacity": 5,
                "MaxCapacity": 3,
                "ScheduledActions": [
                    {"Name": "a:b", "Schedule": "cron(0 9 * * * *)", "Timezone": "Asia/Tokio"},
                    {
                        "Name": "x",
                        "Schedule": "rate(1 hour)",
                        "MinCapacity": 1,
                        "StartTime": "2027-01-02",
                        "EndTime": "2027-01-01T00:00:00Z",
                    },
                ],
                "TargetTracking": {"TargetValue": 70},
            }
        },
    }
    errors = _errors(doc)
    assert errors == [
        "ReservedConcurency: unknown key (did you mean ReservedConcurrentExecutions?)",
        "ProvisionedConcurrency.current: 0 is below 1",
        "ProvisionedConcurrency.bad name!: 'bad name!' is neither an alias name nor a version "
        "number",
        "Autoscaling.current: MinCapacity 5 is above MaxCapacity 3",
        "Autoscaling.current.ScheduledActions[0].Name: 'a:b': required, 1-256 characters without "
        ": / | or edge spaces",
        "Autoscaling.current.ScheduledActions[0].Schedule: cron(0 9 * * * *): exactly one of "
        "Day-of-month and Day-of-week must be ? (they are '*' and '*')",
        "Autoscaling.current.ScheduledActions[0].Timezone: unknown time zone 'Asia/Tokio' (an "
        "IANA name such as Asia/Tokyo or Europe/Paris)",
        "Autoscaling.current.ScheduledActions[0]: needs MinCapacity, MaxCapacity or both (the "
        "range it sets)",
        "Autoscaling.current.ScheduledActions[1] (x): EndTime 2027-01-01T00:00:00Z is not after "
        "StartTime 2027-01-02T00:00:00Z",
        "Autoscaling.current.TargetTracking.TargetValue: 70 is a share of the allocation used "
        "(0.7 = 70 %): above 0 and at most 1",
    ]


def test_latest_is_refused_with_lambdas_reason() -> None:
    (error,) = _errors({"ProvisionedConcurrency": {"$LATEST": 5}})
    assert error.startswith("ProvisionedConcurrency.$LATEST: Lambda refuses it: Provisioned")
    assert "cannot be applied to unpublished function versions" in error


def test_provisioned_within_its_range_and_within_the_reservation() -> None:
    doc = {
        "ReservedConcurrentExecutions": 12,
        "ProvisionedConcurrency": {"current": 1, "blue": 4},
        "Autoscaling": {
            "current": {
                "MinCapacity": 2,
                "MaxCapacity": 10,
                "ScheduledActions": [
                    {"Name": "peak", "Schedule": "cron(0 9 * * ? *)", "MinCapacity": 11}
                ],
            }
        },
    }
    assert _errors(doc) == [
        "ProvisionedConcurrency.current is 1, outside Autoscaling.current's range 2-10",
        "provisioned concurrency can reach 15 (current 11, blue 4), more than "
        "ReservedConcurrentExecutions 12: Lambda allocates provisioned concurrency from the "
        "function's reservation",
    ]
    removing = {
        "ProvisionedConcurrency": {"current": None},
        "Autoscaling": {"current": {"MinCapacity": 1, "MaxCapacity": 2}},
    }
    assert _errors(removing) == [
        "ProvisionedConcurrency.current is null (remove) but Autoscaling.current scales it: set "
        "Autoscaling.current to null too"
    ]


def test_warnings_for_a_disabled_function_and_actions_that_never_run() -> None:
    doc = {
        "Autoscaling": {
            "current": {
                "MinCapacity": 1,
                "MaxCapacity": 2,
                "ScheduledActions": [
                    {"Name": "old", "Schedule": "at(2026-01-01T00:00:00)", "MinCapacity": 2},
                    {
                        "Name": "r",
                        "Schedule": "rate(1 day)",
                        "Timezone": "Asia/Tokyo",
                        "MinCapacity": 1,
                    },
                    {
                        "Name": "over",
                        "Schedule": "cron(0 9 * * ? *)",
                        "MinCapacity": 1,
                        "EndTime": "2026-06-01T00:00:00Z",
                    },
                ],
            }
        },
    }
    report = file_problems(doc, now=NOW)
    assert report.errors == []
    assert file_problems({"ReservedConcurrentExecutions": 0}).warnings == [
        "ReservedConcurrentExecutions is 0: the function is disabled (every invocation is "
        "throttled)"
    ]
    assert report.warnings == [
        "Autoscaling.current.ScheduledActions (old): at(2026-01-01T00:00:00) never runs again "
        "(from 2026-12-01T00:00:00Z)",
        "Autoscaling.current.ScheduledActions (r): Timezone applies to at() and cron() only; "
        "rate() ignores it",
        "Autoscaling.current.ScheduledActions (over): EndTime 2026-06-01T00:00:00Z has passed: "
        "it never runs",
    ]


def _facts(name: str, doc: dict[str, Any], reserved: int | None = None, **kw: Any) -> FunctionFacts:
    aliases = kw.pop("aliases", {"current": "3"})
    return FunctionFacts(name, read_concurrency(doc, []), reserved, aliases, frozenset({"3"}))


def test_the_account_keeps_100_unreserved_counting_every_other_function() -> None:
    functions = [
        _facts("a", {"ReservedConcurrentExecutions": 500}, reserved=100),
        _facts("b", {"ReservedConcurrentExecutions": 400}),
    ]
    # limit 1000, 840 unreserved: a holds 100 now, so the other functions hold 60
    assert account_problems(1000, 840, functions) == [
        "reserved concurrency: the account (limit 1000) would keep 40 unreserved, Lambda requires "
        "at least 100: these functions would reserve 900 (a 500, b 400), other functions of the "
        "account reserve 60"
    ]
    assert account_problems(1000, 940, [_facts("a", {"ReservedConcurrentExecutions": 800})]) == []


def test_an_account_already_short_of_unreserved_refuses_only_a_reservation_that_grows() -> None:
    # limit 1000, 90 unreserved (a limit lowered under existing reservations): a holds 500
    def problems(reserved: int | None) -> list[str]:
        doc = {"ReservedConcurrentExecutions": reserved}
        return account_problems(1000, 90, [_facts("a", doc, reserved=500)])

    assert problems(500) == []  # the same again: Lambda's call would not be refused
    assert problems(450) == []  # giving some back
    assert problems(None) == []  # removing it
    assert problems(510) == [
        "reserved concurrency: the account (limit 1000) would keep 80 unreserved, Lambda requires "
        "at least 100: these functions would reserve 510 (a 510), other functions of the account "
        "reserve 410"
    ]


def test_provisioned_within_the_reservation_and_the_unreserved_pool() -> None:
    scaled = {"Autoscaling": {"current": {"MinCapacity": 2, "MaxCapacity": 30}}}
    functions = [
        _facts("a", scaled, reserved=20),  # reservation unmanaged: the one AWS has counts
        _facts("b", {"ProvisionedConcurrency": {"current": 700}}),
        _facts("c", {"ProvisionedConcurrency": {"current": 300}}),
    ]
    assert account_problems(1000, 980, functions) == [
        "a: provisioned concurrency can reach 30 (current 30), more than its reserved "
        "concurrency 20",
        "provisioned concurrency of functions without reserved concurrency can reach 1000 (b 700, "
        "c 300), more than the 880 the account's unreserved pool can give (980 unreserved - 100 "
        "kept)",
    ]
    huge = _facts("d", {"Autoscaling": {"current": {"MinCapacity": 1, "MaxCapacity": 5000}}}, 5000)
    assert account_problems(1000, 1000, [huge])[0] == (
        "d: current: provisioned concurrency up to 5000 is more than the account allows any "
        "function (1000 - 100 kept unreserved = 900)"
    )


def test_aliases_and_versions_must_exist_and_not_serve_latest() -> None:
    doc = {"ProvisionedConcurrency": {"current": 2, "blue": 1, "7": 1}}
    latest = _facts("a", doc, aliases={"current": "$LATEST"})
    assert account_problems(1000, 1000, [latest]) == [
        "a: alias current points to $LATEST: Lambda refuses it: Provisioned Concurrency Configs "
        "cannot be applied to unpublished function versions; use an alias of a published "
        "version (e.g. current)",
        "a: alias blue does not exist (a deploy creates only its own alias)",
        "a: version 7 does not exist",
    ]
