"""Helpers shared by the local emulator tests (not a test module)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data" / "local"
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
#: The Node.js runtime of the Node tests: the machine's Node major (no mismatch warning).
NODE = "nodejs20.x"
HAS_NODE = shutil.which("node") is not None


@dataclass(frozen=True)
class RuntimeKind:
    """One kind of runtime the emulator tests run each case on: where its twin fixtures live
    (``basic``, ``broken_import``... with the same behaviour in each language) and how its
    runtime words what differs (error types, messages)."""

    name: str
    runtime: str
    data: Path
    handler: str
    module: str  # the handler's file in each fixture
    fail_type: str  # errorType of the ``fail`` action's exception
    init_errors: dict[str, tuple[str, str]] = field(default_factory=dict)
    returning: Callable[[str], str] = repr  # source of a handler returning that string
    slow_source: str = ""
    fail_log: str = ""  # what the log of the ``fail`` action shows
    fail_doc: Callable[[str], dict[str, Any]] = lambda rid: {}  # more of its error document
    build_subdir: str = ""  # where a build's packages go under .lambherd/build
    search_order: Callable[[Path, Path], list[Path]] = lambda code, layer: []

    def folder(self, name: str) -> Path:
        """A fixture folder of this kind (``basic``, ``broken_import``...)."""
        return self.data / name


SLOW_NODE_HANDLER = """
const fs = require("fs");

exports.handler = async (event) => {
  fs.writeFileSync(event.marker, "running");
  if (event.crash) process.kill(process.pid, "SIGKILL");
  await new Promise((resolve) => setTimeout(resolve, 60000));
  return "done";
};
"""


def hello_function(tmp_path: Path, kind: RuntimeKind | None = None, **config: Any) -> Path:
    """``tmp_path/hello``: the ``basic`` handler of ``kind`` (default Python) and a
    function.json for it (plus ``config``)."""
    kind = kind or PYTHON_KIND
    folder = tmp_path / "hello"
    shutil.copytree(kind.folder("basic"), folder)
    definition = {
        "FunctionName": "hello",
        "Handler": kind.handler,
        "Runtime": kind.runtime,
        "Role": "arn:aws:iam::123456789012:role/lambda",
        "Timeout": 2,
        **config,
    }
    (folder / "function.json").write_text(json.dumps(definition))
    return folder


#: A handler that says it started (writes ``event["marker"]``), then runs for a minute (or kills
#: its own process with ``event["crash"]``): for invocations cut off on purpose.
SLOW_HANDLER = """
import os, signal, time
from pathlib import Path

def handler(event, context):
    Path(event["marker"]).write_text("running")
    if event.get("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
    return "done"
"""


def wait_for_file(path: Path, timeout: float = 30.0) -> None:
    """Wait until ``path`` exists (a handler wrote it); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``target()`` in a daemon thread; its ``result`` or ``error`` lands in the dict."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except Exception as exc:  # surfaced by the test's assertions
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


class StderrLines:
    """The lines a process writes (its stderr), waited for one by one."""

    def __init__(self, stream) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no line with {text!r}"
            line = self._queue.get(timeout=left)
            if text in line:
                return line


PYTHON_KIND = RuntimeKind(
    name="python",
    runtime=PY,
    data=DATA,
    handler="app.handler",
    module="app.py",
    fail_type="ValueError",
    init_errors={
        "broken_import": (
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'module_that_does_not_exist'",
        ),
        "no_handler": ("Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
        "init_exit": ("Runtime.ExitError", "Runtime exited with error: exit status 4"),
    },
    returning=lambda value: f"def handler(event, context):\n    return {value!r}\n",
    slow_source=SLOW_HANDLER,
    fail_log="[ERROR] ValueError: boom\nTraceback (most recent call last):",
    fail_doc=lambda rid: {"requestId": rid, "stackTrace": lambda v: isinstance(v, list) and v},
    search_order=lambda code, layer: [code, code / ".lambherd" / "build", layer / "python"],
)
NODE_KIND = RuntimeKind(
    name="node",
    runtime=NODE,
    data=DATA / "node",
    handler="index.handler",
    module="index.js",
    fail_type="Error",
    init_errors={
        "broken_import": (
            "Runtime.ImportModuleError",
            "Error: Cannot find module 'module_that_does_not_exist'",
        ),
        "no_handler": ("Runtime.HandlerNotFound", "index.handler is undefined or not exported"),
        "init_exit": ("Runtime.ExitError", "Runtime exited with error: exit status 4"),
    },
    returning=lambda value: f"exports.handler = async () => {json.dumps(value)};\n",
    slow_source=SLOW_NODE_HANDLER,
    fail_log='\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"',
    fail_doc=lambda rid: {"trace": lambda v: isinstance(v, list) and v[0] == "Error: boom"},
    build_subdir="node_modules",
    search_order=lambda code, layer: [
        layer / "nodejs" / "node_modules",
        code / ".lambherd" / "build" / "node_modules",
        code,
    ],
)
needs_node = pytest.mark.skipif(not HAS_NODE, reason="Node.js is not installed on this machine")
#: ``@pytest.mark.parametrize("kind", KINDS)``-ready: every runtime kind the emulator runs.
KINDS = [
    pytest.param(PYTHON_KIND, id="python"),
    pytest.param(NODE_KIND, id="node", marks=needs_node),
]


class Contention:
    """How busy the machine was while a timing ran: the kernel's count of runnable tasks
    (``procs_running`` in /proc/stat, sampled every 10 ms; a task held back by its CPU quota is
    not runnable) and the time the hypervisor took the CPUs away (``steal``).

    A CPU share is a ceiling: an environment gets the less of its quota and what the machine
    has left. With more runnable tasks than CPUs, or with steal, a 1,769 MB environment gets
    less than one CPU and every duration ratio shrinks, whatever the share does.
    """

    #: a sample is contended when, besides the sampler, more tasks than CPUs could run
    BUSY_SHARE = 0.10
    STEAL_SHARE = 0.05

    def __init__(self) -> None:
        self.cpus = len(os.sched_getaffinity(0)) or 1
        self._hz = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._samples: list[int] = []
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.busy = self.steal = 0.0

    @staticmethod
    def _stat() -> tuple[float, int]:
        text = Path("/proc/stat").read_text()
        steal = int(text.split("\n", 1)[0].split()[8])
        running = next(line for line in text.splitlines() if line.startswith("procs_running"))
        return steal, int(running.split()[1])

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self._samples.append(self._stat()[1])

    def __enter__(self) -> Contention:
        self._started = time.monotonic()
        self._steal = self._stat()[0]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        wall = max(time.monotonic() - self._started, 1e-6)
        stolen = (self._stat()[0] - self._steal) / self._hz
        self.steal = stolen / (wall * self.cpus)
        crowded = [n for n in self._samples if n >= self.cpus + 2]  # the sampler is running
        self.busy = len(crowded) / max(1, len(self._samples))

    @property
    def quiet(self) -> bool:
        return self.busy <= self.BUSY_SHARE and self.steal <= self.STEAL_SHARE

    def describe(self) -> str:
        return (
            f"{self.busy:.0%} of samples with more runnable tasks than CPUs, steal {self.steal:.0%}"
        )


def timing_holds(
    measure: Callable[[], Any], problems: Callable[[Any], list[str]], attempts: int = 3
) -> tuple[Any, list[str]]:
    """Measure durations that depend on the CPU share until they meet their bounds.

    One interleaved run of a few invocations can land outside the bounds while the share
    itself is right: a busy moment of the machine (``Contention``), or the host (on this 2-vCPU
    virtual machine, with no steal reported, quiet runs of the same work at one CPU differ by up
    to 15 % from one run to the next, and the 512 / 1,769 MB ratio of a run lies within 3.3-4.5
    where Lambda's share says 3.45). So
    a run on a crowded machine does not count, and a quiet run out of bounds is taken again,
    up to ``attempts`` quiet runs; the bounds stay what they are, and a share that is wrong (or
    missing) fails every quiet run. The test is skipped, saying so, when no run was quiet
    (``2 * attempts`` runs). Returns the last measurement and, when no quiet run met the
    bounds, every quiet run's problems (empty when one did).
    """
    failures: list[str] = []
    crowded: list[str] = []
    got: Any = None
    for _ in range(2 * attempts):
        with Contention() as machine:
            got = measure()
        if not machine.quiet:
            crowded.append(machine.describe())
            time.sleep(2.0)
            continue
        found = problems(got)
        if not found:
            return got, []
        failures.append(
            f"quiet run {len(failures) + 1} ({machine.describe()}): " + "; ".join(found)
        )
        if len(failures) == attempts:
            break
    if not failures:
        pytest.skip(f"the machine was never quiet enough to time CPU shares: {crowded}")
    return got, failures
