"""Lambda's CPU share in local execution environments: the cgroup v2 / v1 / no-cgroup choice on
cgroup-shaped folders, and on this machine a CPU-bound handler whose duration follows memory."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest

from lambherd.local import cpu
from local_testkit import PY, timing_holds

#: A handler doing a fixed amount of CPU work (``loops`` 3,000,000: 0.12 s of one CPU here).
CPU_HANDLER = """
def handler(event, context):
    total = 0
    for i in range(event["loops"]):
        total += i * i % 7
    return total
"""


def fake_machine(tmp_path: Path, *, v2: str | None, v1: bool, own: str = "/") -> Path:
    """A /proc-shaped folder whose mountinfo points at cgroup-shaped folders under tmp_path."""
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / str(os.getpid())).mkdir()  # this process exists
    lines, groups = [], []
    if v2 is not None:
        unified = tmp_path / "cg2"
        (unified / own.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (unified / "cgroup.controllers").write_text(v2 + "\n")
        (unified / "cgroup.subtree_control").write_text("")
        lines.append(f"41 31 0:38 / {unified} rw,relatime - cgroup2 cgroup2 rw")
        groups.append(f"0::{own}")
    if v1:
        legacy = tmp_path / "cpu"
        legacy.mkdir()
        lines.append(f"32 31 0:29 / {legacy} rw,relatime - cgroup cgroup rw,cpu")
        groups.append("1:cpu:/")
    (proc / "self" / "mountinfo").write_text("\n".join(lines) + "\n")
    (proc / "self" / "cgroup").write_text("\n".join(groups) + "\n")
    return proc


def test_cpu_quota_follows_lambdas_share() -> None:
    assert cpu.cpu_quota(1769, host_cpus=2, period_us=20_000) == (20_000, 20_000)
    assert cpu.cpu_quota(512, host_cpus=2, period_us=20_000) == (5788, 20_000)  # 0.289 vCPU
    assert cpu.cpu_quota(128, host_cpus=2, period_us=1000)[0] == cpu.MIN_QUOTA_US  # the floor
    assert cpu.cpu_quota(10240, host_cpus=2) == (200_000, 100_000)  # at most the host's


def test_cgroup_v2_cpu_max_is_preferred(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, v2="cpu memory", v1=True)
    found = cpu.probe(proc, pid=os.getpid(), cpus=2)
    assert found.control is not None and found.control.kind == "cgroup v2"
    base = tmp_path / "cg2" / f"lambherd-{os.getpid()}"
    assert found.control.base == base
    assert (tmp_path / "cg2" / "cgroup.subtree_control").read_text() == "+cpu\n"
    assert (base / "cgroup.subtree_control").read_text() == "+cpu\n"
    group = base / "env-1"
    group.mkdir()
    found.control.limit(group, 512)
    assert (group / "cpu.max").read_text() == "5788 20000\n"


def test_cgroup_v2_outside_the_root_uses_the_parent_of_its_own_cgroup(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, v2="cpu", v1=False, own="/user.slice/me.scope")
    (tmp_path / "cg2" / "user.slice" / "cgroup.controllers").write_text("cpu\n")
    (tmp_path / "cg2" / "user.slice" / "cgroup.subtree_control").write_text("cpu\n")
    found = cpu.probe(proc, pid=4242, cpus=2)
    assert found.control is not None
    assert found.control.base == tmp_path / "cg2" / "user.slice" / "lambherd-4242"


def test_cgroup_v2_without_the_cpu_controller_falls_back_to_v1(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, v2="hugetlb", v1=True)  # this machine's shape
    found = cpu.probe(proc, pid=os.getpid(), cpus=2)
    assert found.control is not None and found.control.kind == "cgroup v1"
    group = found.control.base / "env-7"
    group.mkdir()
    found.control.limit(group, 1769 * 2)
    assert (group / "cpu.cfs_period_us").read_text() == "20000\n"
    assert (group / "cpu.cfs_quota_us").read_text() == "40000\n"  # two CPUs


def test_no_cgroup_says_why_and_the_switch_turns_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = cpu.probe(fake_machine(tmp_path, v2="hugetlb", v1=False), pid=1, cpus=2)
    assert found.control is None
    assert "no cpu controller" in found.reason and "hugetlb" in found.reason
    monkeypatch.setenv(cpu.SWITCH, "off")
    assert cpu.probe(tmp_path / "nowhere").reason == f"{cpu.SWITCH}=off"


def test_stale_groups_of_dead_processes_are_swept(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, v2=None, v1=True)
    dead = tmp_path / "cpu" / "lambherd-999999999"
    (dead / "env-5").mkdir(parents=True)
    alive = tmp_path / "cpu" / f"lambherd-{os.getpid()}"
    (alive / "env-6").mkdir(parents=True)
    cpu.probe(proc, pid=12, cpus=2)
    assert not dead.exists()  # its process is gone
    assert (alive / "env-6").is_dir()  # a live process's cgroups are left alone
    assert (tmp_path / "cpu" / "lambherd-12").is_dir()


def throttling(group: Path) -> dict[str, int]:
    """The cgroup's CPU bandwidth counters (v2 ``cpu.stat``; v1 ``cpu.stat`` has the same
    ``nr_throttled``)."""
    pairs = (line.split() for line in (group / "cpu.stat").read_text().splitlines())
    return {key: int(value) for key, value in pairs}


@pytest.mark.slow
def test_cpu_bound_duration_follows_memory_in_the_local_runtime(tmp_path: Path) -> None:
    """At 512 MB a CPU-bound handler takes 1769/512 = 3.45 times as long as at 1,769 MB."""
    from lambherd.local.runtime import FunctionSpec, LocalRuntime

    control = cpu.control()
    if control is None:
        pytest.skip(cpu.note() or "no CPU share")
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(CPU_HANDLER)
    sizes = (512, 1769)
    groups = []
    with LocalRuntime() as runtime:
        for memory in sizes:
            spec = FunctionSpec(
                name=f"cpu{memory}", handler="app.handler", runtime=PY, code_dir=code,
                memory_mb=memory, timeout_s=30,
            )  # fmt: skip
            runtime.register(spec)
            runtime.invoke(spec.name, b'{"loops": 1000}')  # the cold start
            (pid,) = runtime.pids(spec.name)
            group = cpu.group_of(pid)
            assert group is not None and group.parent == control.base
            assert f"{group.parent.name}/{group.name}" in Path(f"/proc/{pid}/cgroup").read_text()
            groups.append((memory, pid, group))

        def measure() -> dict[int, float]:
            runs: dict[int, list[float]] = {memory: [] for memory in sizes}
            for _ in range(7):  # the sizes take turns: the machine's other load weighs on both
                for memory in sizes:
                    result = runtime.invoke(f"cpu{memory}", b'{"loops": 3000000}')
                    assert result.function_error is None
                    runs[memory].append(result.duration_ms)
            return {memory: statistics.median(durations) for memory, durations in runs.items()}

        def problems(best: dict[int, float]) -> list[str]:
            ratio = best[512] / best[1769]
            return [] if 3.0 <= ratio <= 3.9 else [f"512 MB / 1769 MB = {ratio:.2f} ({best})"]

        _, failures = timing_holds(measure, problems, attempts=5)
        assert not failures, failures
        # the kernel itself held the 512 MB environment to its share
        stats = {memory: throttling(group) for memory, _, group in groups}
        assert stats[512]["nr_throttled"] > 0, stats
        assert not runtime.warnings
    for _, pid, group in groups:  # removed with their environments
        assert cpu.group_of(pid) is None and not group.exists()
