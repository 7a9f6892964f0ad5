"""The rollout marker in an alias's Description (pure): read back as written, always within
Lambda's 256 characters, and never mistaken for a description someone else wrote."""

from __future__ import annotations

from lambherd.rollout.marker import (
    PREFIX,
    ROLLED_BACK,
    RolloutMarker,
    decode,
    original_description,
)

MARKER = RolloutMarker(
    "linear:10:1m", "3", "4", started=1718000000, updated=1718000060, by="build-7:4242"
)


def test_a_marker_reads_back_as_written() -> None:
    text = MARKER.encode()
    assert text.startswith(PREFIX) and len(text) <= 256
    assert decode(text) == MARKER
    assert decode(text).in_progress
    done = MARKER.moved(state=ROLLED_BACK, reason="error rate 30%")
    assert decode(done.encode()) == done and not done.in_progress


def test_what_does_not_fit_is_shortened_reason_first() -> None:
    long = MARKER.moved(state=ROLLED_BACK, reason="r" * 300, description="d" * 200)
    text = long.encode()
    assert len(text) <= 256
    back = decode(text)
    assert back is not None
    assert (back.strategy, back.from_version, back.to_version) == ("linear:10:1m", "3", "4")
    assert back.reason == "" or back.reason.endswith("~")
    assert back.description.startswith("d")  # the description is kept before the reason
    huge = MARKER.moved(description="d" * 400, by="h" * 400)
    assert len(huge.encode()) <= 256 and decode(huge.encode()) is not None


def test_descriptions_that_are_not_ours_are_no_marker() -> None:
    for text in (None, "", "production", "lambherd-rollout/1 not json", PREFIX + '{"s":"x"}'):
        assert decode(text) is None
    assert decode(PREFIX + '{"s":"canary:10:5m","f":"1","t":"2","st":"weird"}') is None
    assert original_description("production") == "production"
    assert original_description(MARKER.moved(description="prod").encode()) == "prod"
    assert original_description(None) == ""
