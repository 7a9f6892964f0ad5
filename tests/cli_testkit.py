"""Helpers shared by the tests of the command line's error output (not a test module)."""

from __future__ import annotations

from typing import Any


def assert_one_error(result: Any, *needles: str) -> None:
    """A failed run whose first stderr line is ``error: ...`` holding every needle, and no
    traceback."""
    assert result.code != 0
    assert "Traceback" not in result.err
    first = result.err.splitlines()[0]
    assert first.startswith("error: ")
    for needle in needles:
        assert needle in first, first
