"""The collector's policy (``lambherd.gcpolicy``): no collection while a command plans; in
lambherd's own process what planning left is frozen, and everything at exit; called from
another program (as here), collection resumes as it was and nothing is frozen."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from lambherd import gcpolicy

OWN_PROCESS = """
import atexit, gc, sys
from lambherd import gcpolicy
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
gcpolicy.own_process()
gcpolicy.own_process()  # once is enough
with gcpolicy.planning():
    kept = [[i] for i in range(50_000)]  # survivors: each a (tracked) container
    inside = len(collections)
assert gc.isenabled()
frozen = gc.get_freeze_count()
garbage = [[] for _ in range(5_000)]
for item in garbage:
    item.append(item)  # cycles made after planning: collected as usual
del garbage, item
gc.collect()
after_collect = gc.get_freeze_count()
with gcpolicy.planning():  # a second round (deploy --watch): collection resumes, no freeze
    again = [[i] for i in range(10_000)]
second = gc.get_freeze_count()
more = [[i] for i in range(1_000)]
atexit._run_exitfuncs()
print(
    inside,
    frozen >= 50_000,
    after_collect == frozen == second,
    gc.get_freeze_count() >= frozen + 11_000,
)
"""


def test_in_its_own_process_planning_runs_no_collection_and_the_first_freezes_what_it_left() -> (
    None
):
    out = subprocess.run(
        [sys.executable, "-c", OWN_PROCESS], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "True", "True", "True"]


def test_called_from_another_program_collection_resumes_and_nothing_is_frozen() -> None:
    assert not gcpolicy._owned  # the tests call main(argv) in pytest's process
    before = gc.get_freeze_count()
    with gcpolicy.planning():
        assert not gc.isenabled()
        kept = [[i] for i in range(10_000)]
    assert len(kept) == 10_000
    assert gc.isenabled() and gc.get_freeze_count() == before


def test_a_failure_while_planning_still_resumes_collection() -> None:
    with pytest.raises(RuntimeError), gcpolicy.planning():
        raise RuntimeError("planning failed")
    assert gc.isenabled()


def test_collection_left_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with gcpolicy.planning():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
