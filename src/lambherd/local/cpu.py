"""Lambda's CPU share for local execution environments: CPU in proportion to memory.

Lambda gives a function CPU in proportion to its memory size: one vCPU at 1,769 MB, less below,
more above (up to six at 10,240 MB). The local emulator (and so the sandbox) gives each
execution environment the same share, so that a CPU-bound handler really runs faster with more
memory and ``lambherd tune`` finds a real optimum without an AWS account.

How: each environment's process is put in a cgroup of its own with a CPU bandwidth limit of
``cpu_quota(memory)`` (at most the host's CPUs). ``place(pid, memory_mb)`` is called once the
environment's INIT has finished, so the limit holds for invocations, not for INIT: on Lambda a
trivial Python function at 128 MB reports an Init Duration of the order of 100-200 ms, which
a 1/14-vCPU share could not give (the runtime's own start alone needs tens of ms of one CPU),
so INIT is not held to the memory's share there either. ``release(pid)`` removes the cgroup
when the process has been reaped. Which kernel interface, in this order:

- cgroup v2 ``cpu.max`` ("quota period"), where the unified hierarchy has the ``cpu``
  controller and lambherd may enable it for a sub-tree: ``<parent>/lambherd-<pid>/<env>``,
  where ``<parent>`` is the root cgroup when this process is in it, else its own cgroup's
  parent (cgroup v2 lets no process sit in a cgroup whose children have controllers);
- cgroup v1 ``cpu.cfs_period_us`` / ``cpu.cfs_quota_us`` under the ``cpu`` controller's mount:
  ``<mount>/<this process's cgroup>/lambherd-<pid>/<env>``;
- neither (no cgroup filesystem, no permission: writing cgroups needs root or a delegated
  sub-tree, e.g. ``systemd-run --user -p Delegate=yes``): no limit. ``note()`` then says so
  once, in ``LocalRuntime.warnings`` (printed by ``lambherd local``, listed in the sandbox's
  ``/_lambherd/health`` warnings and by ``tune`` on the sandbox): durations there do not
  scale with memory the way Lambda's do.

``LAMBHERD_CPU_SHARE=off`` turns the limit off on purpose (with the same note).

Clean-up: every cgroup made is removed when its process is gone; what is left at exit (a
process still being reaped) is removed by an ``atexit`` hook, and a ``lambherd-<pid>`` folder of
a process that no longer exists (killed with SIGKILL) is removed by the next process that
sets up the CPU share. ``lambherd.local.cpu.main()`` prints which interface is in use
(``.ci/run`` calls it).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

#: Lambda: one vCPU at 1,769 MB, up to six vCPUs.
MB_PER_VCPU = 1769
MAX_VCPUS = 6
#: The CFS period of the limits: short, so that a throttled process runs in small slices. An
#: idle environment starts an invocation with a whole quota in hand, so an invocation shorter
#: than a few periods runs faster than its share: measured here, 120 ms of one CPU's work at
#: 512 MB took 2.8x as long as at 1,769 MB with the kernel's 100 ms period, 3.2x with 20 ms
#: (Lambda's share says 3.45x); 3,008 MB stayed level with 1,769 MB either way.
PERIOD_US = 20_000
#: The kernel's smallest quota (1 ms).
MIN_QUOTA_US = 1000
#: ``LAMBHERD_CPU_SHARE=off`` disables the limit.
SWITCH = "LAMBHERD_CPU_SHARE"
_GROUP_PREFIX = "lambherd-"


def cpu_quota(memory_mb: int, host_cpus: int, period_us: int = 100_000) -> tuple[int, int]:
    """(quota, period) in microseconds: Lambda's CPU share of ``memory_mb`` on this host.

    One vCPU at 1,769 MB, proportionally below and above, at most 6 and at most the host's.
    For cgroup v2 ``cpu.max`` ("quota period") or v1 ``cpu.cfs_quota_us``/``cfs_period_us``.
    """
    share = min(Decimal(memory_mb) / MB_PER_VCPU, Decimal(MAX_VCPUS), Decimal(host_cpus))
    return max(MIN_QUOTA_US, int(share * period_us)), period_us


def host_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class CpuControl:
    """Where the per-environment cgroups go and how their limit is written."""

    kind: str  # "cgroup v2" | "cgroup v1"
    base: Path  # lambherd-<pid>: one cgroup per environment inside it
    cpus: int

    def describe(self) -> str:
        """One line: the interface and where (``cgroup v1 cpu.cfs_quota_us under ...``)."""
        files = "cpu.max" if self.kind == "cgroup v2" else "cpu.cfs_quota_us"
        return f"{self.kind} {files} under {self.base.parent} ({self.cpus} CPUs)"

    def limit(self, group: Path, memory_mb: int) -> None:
        """Write the CPU share of ``memory_mb`` into ``group``."""
        quota, period = cpu_quota(memory_mb, self.cpus, PERIOD_US)
        if self.kind == "cgroup v2":
            (group / "cpu.max").write_text(f"{quota} {period}\n")
        else:
            (group / "cpu.cfs_period_us").write_text(f"{period}\n")
            (group / "cpu.cfs_quota_us").write_text(f"{quota}\n")


@dataclass(frozen=True)
class Probe:
    """What the machine offers: a control, or why there is none."""

    control: CpuControl | None
    reason: str = ""


def _mounts(mountinfo: str) -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root in the hierarchy, filesystem type, super options) per cgroup mount."""
    out = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        out.append((fields[4], fields[3], tail[0], set(tail[2].split(","))))
    return out


def _own_paths(proc_cgroup: str) -> dict[str, str]:
    """Controller (or "" for the unified hierarchy) -> this process's cgroup path."""
    out: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            out[""] = path
        for name in controllers.split(","):
            out.setdefault(name, path)
    return out


def _inside(mount: str, root: str, path: str) -> Path:
    """The folder of cgroup ``path`` under a mount whose hierarchy root is ``root``."""
    if root != "/" and (path == root or path.startswith(root.rstrip("/") + "/")):
        path = path[len(root) :]
    return Path(mount) / path.lstrip("/")


def probe(proc: Path = Path("/proc"), *, pid: int | None = None, cpus: int | None = None) -> Probe:
    """Find a writable CPU controller and make this process's ``lambherd-<pid>`` cgroup in it.

    ``proc`` is ``/proc`` (tests pass a folder shaped like it, whose mountinfo points at a
    folder shaped like a cgroup filesystem).
    """
    if os.environ.get(SWITCH, "").lower() in ("off", "0", "no", "false"):
        return Probe(None, f"{SWITCH}=off")
    pid = os.getpid() if pid is None else pid
    cpus = host_cpus() if cpus is None else cpus
    try:
        mounts = _mounts((proc / "self" / "mountinfo").read_text())
        own = _own_paths((proc / "self" / "cgroup").read_text())
    except OSError as exc:
        return Probe(None, f"no cgroup information ({exc.strerror})")
    reasons: list[str] = []
    for mount, root, fstype, _options in mounts:
        if fstype == "cgroup2" and "" in own:
            found = _unified(_inside(mount, root, own[""]), Path(mount), pid, cpus, proc, reasons)
            if found is not None:
                return Probe(found)
    for mount, root, fstype, options in mounts:
        if fstype == "cgroup" and "cpu" in options and "cpu" in own:
            found = _legacy(_inside(mount, root, own["cpu"]), pid, cpus, proc, reasons)
            if found is not None:
                return Probe(found)
    if not reasons:
        reasons.append("no cgroup v2 cpu controller and no cgroup v1 cpu mount")
    return Probe(None, "; ".join(reasons))


def _unified(
    own: Path, mount: Path, pid: int, cpus: int, proc: Path, reasons: list[str]
) -> CpuControl | None:
    parent = own if own == mount else own.parent
    try:
        controllers = (parent / "cgroup.controllers").read_text().split()
    except OSError as exc:
        reasons.append(f"cgroup v2 at {mount}: {exc.strerror}")
        return None
    if "cpu" not in controllers:
        reasons.append(
            f"cgroup v2 at {mount} has no cpu controller for {parent} "
            f"(controllers: {' '.join(controllers) or 'none'})"
        )
        return None
    try:
        subtree = parent / "cgroup.subtree_control"
        if "cpu" not in subtree.read_text().split():
            subtree.write_text("+cpu\n")
        base = parent / f"{_GROUP_PREFIX}{pid}"
        _sweep(parent, proc)
        base.mkdir(exist_ok=True)
        (base / "cgroup.subtree_control").write_text("+cpu\n")
    except OSError as exc:
        reasons.append(f"cgroup v2 cpu controller at {parent}: {exc.strerror} (needs root)")
        return None
    return CpuControl("cgroup v2", base, cpus)


def _legacy(own: Path, pid: int, cpus: int, proc: Path, reasons: list[str]) -> CpuControl | None:
    base = own / f"{_GROUP_PREFIX}{pid}"
    try:
        _sweep(own, proc)
        base.mkdir(exist_ok=True)
    except OSError as exc:
        reasons.append(f"cgroup v1 cpu controller at {own}: {exc.strerror} (needs root)")
        return None
    return CpuControl("cgroup v1", base, cpus)


def _sweep(parent: Path, proc: Path) -> None:
    """Remove ``lambherd-<pid>`` cgroups left by processes that no longer exist."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not name.startswith(_GROUP_PREFIX) or not name[len(_GROUP_PREFIX) :].isdigit():
            continue
        if (proc / name[len(_GROUP_PREFIX) :]).exists():
            continue
        _remove_tree(entry)


def _remove_tree(group: Path) -> None:
    """rmdir a cgroup and its (empty) children; a cgroup still holding a process stays."""
    try:
        children = [c for c in group.iterdir() if c.is_dir()]
    except OSError:
        return
    for child in children:
        _remove_tree(child)
    try:
        group.rmdir()
    except OSError:
        pass


# -- the process-wide state ---------------------------------------------------------------------
_lock = threading.Lock()
_probe: Probe | None = None
_groups: dict[int, Path] = {}


def _current() -> Probe:
    global _probe
    with _lock:
        if _probe is None:
            _probe = probe()
            if _probe.control is not None:
                atexit.register(_clean_up, _probe.control)
        return _probe


def control() -> CpuControl | None:
    """This process's CPU control (probed once), None when there is none."""
    return _current().control


def note() -> str | None:
    """None when environments get Lambda's CPU share; else the one line saying they do not."""
    found = _current()
    if found.control is not None:
        return None
    return (
        "execution environments get no CPU share per memory size on this machine "
        f"({found.reason}): durations do not scale with MemorySize as on Lambda"
    )


def place(pid: int, memory_mb: int) -> Path | None:
    """Put process ``pid`` in a cgroup of its own limited to the CPU share of ``memory_mb``.

    Returns the cgroup, or None when there is no control (``note`` says why) or the kernel
    refused (the process then runs unlimited; the failure becomes the note).
    """
    global _probe
    ctl = control()
    if ctl is None:
        return None
    group = ctl.base / f"env-{pid}"
    try:
        group.mkdir(exist_ok=True)
        ctl.limit(group, memory_mb)
        (group / "cgroup.procs").write_text(f"{pid}\n")
    except OSError as exc:
        _remove_tree(group)
        with _lock:
            _probe = Probe(None, f"{ctl.describe()}: {exc.strerror}")
        return None
    with _lock:
        _groups[pid] = group
    return group


def release(pid: int) -> None:
    """Remove the cgroup of a process that has been reaped (a no-op when it had none)."""
    with _lock:
        group = _groups.pop(pid, None)
    if group is None:
        return
    for _ in range(50):  # the kernel empties a cgroup a moment after the process is reaped
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)
    with _lock:  # still busy: the exit hook tries again
        _groups[pid] = group


def group_of(pid: int) -> Path | None:
    """The cgroup ``place`` made for ``pid`` (tests, status)."""
    with _lock:
        return _groups.get(pid)


def _clean_up(ctl: CpuControl) -> None:
    with _lock:
        _groups.clear()
    _remove_tree(ctl.base)


def main() -> int:
    """Print which CPU share interface this machine gives (``.ci/run`` shows it)."""
    found = _current()
    if found.control is None:
        print(f"cpu share: none ({found.reason})")
        return 0
    print(f"cpu share: {found.control.describe()}")
    return 0
