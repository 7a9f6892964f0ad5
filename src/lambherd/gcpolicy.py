"""When the garbage collector runs: paused while a command plans, frozen at exit.

CPython's cyclic collector traverses every container object alive at a collection. Planning a
deploy makes ~100,000 of them that live until the command ends (the package walk's entries,
botocore's models, the plan) and almost no cycles, so the collections it triggers found nothing
to free: they cost 40-70 ms of a 0.5 s no-op deploy of a 20,000-file package, and the
interpreter's last collections at exit ~60 ms more.

- ``planning()``: no collection while planning. In lambherd's own process (``own_process``)
  what the first planning left alive is then frozen (``gc.freeze``: never traversed again; a
  cycle among it, if any, is freed with the process). Only the first: a process that plans
  again and again (``deploy --watch``) would otherwise keep every round's cycles for good; its
  later rounds collect once collection resumes. Called from another program (the tests call
  ``main`` in theirs), collection simply resumes.
- ``own_process()``: for the ``lambherd`` script and ``python -m lambherd``; everything is also
  frozen at exit, so the interpreter's final collections traverse nothing. Exit is otherwise
  untouched: atexit handlers run, files are flushed and closed.

Long-running work (a server, ``logs --follow``, a rollout's bake) runs with collection on.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_owned = False
_frozen = False


def own_process() -> None:
    """The process is lambherd's: freeze at the end of planning and at exit."""
    global _owned
    if not _owned:
        _owned = True
        atexit.register(gc.freeze)


@contextmanager
def planning() -> Iterator[None]:
    """No collection inside; afterwards (own process, first time) what is left is frozen,
    then collection resumes as it was."""
    global _frozen
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if _owned and not _frozen:
                _frozen = True
                gc.freeze()
            gc.enable()
