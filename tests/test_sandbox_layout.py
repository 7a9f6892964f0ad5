"""The layout rules of ``sandbox/`` and ``local/``: no import circles (function-level and
``TYPE_CHECKING`` imports count), moto reached through its two facade modules, no module over
~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES = ("lambherd.sandbox", "lambherd.local")
#: The sandbox modules that may import moto: per-function state (its backends' fields), moto as
#: a whole (its WSGI app, every backend for snapshots, CloudWatch writes), the CloudWatch
#: metric series read by exact dimensions, and the events side (queues, streams, schedules).
FACADES = (
    "lambherd.sandbox.moto_facade",
    "lambherd.sandbox.moto_state",
    "lambherd.sandbox.moto_cloudwatch",
    "lambherd.sandbox.moto_events",
)
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "lambherd").rglob("*.py")):
        found[_module_name(path)] = path
    return found


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every lambherd module ``path`` imports, anywhere in the file (a package's own
    ``__init__`` is not counted when only a submodule of it is named)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            # ``from pkg import sub`` imports the submodule; ``from pkg import name``, the package
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) for name, path in modules.items()}


def _cycles_within(graph: dict[str, set[str]], prefixes: tuple[str, ...]) -> list[list[str]]:
    inside = {m for m in graph if m.startswith(prefixes)}
    cycles: list[list[str]] = []

    def walk(node: str, stack: list[str], seen: set[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt not in inside:
                continue
            if nxt in stack:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in seen:
                seen.add(nxt)
                walk(nxt, [*stack, nxt], seen)

    for start in sorted(inside):
        walk(start, [start], {start})
    return cycles


def test_no_import_cycles_inside_sandbox_and_local() -> None:
    cycles = _cycles_within(_graph(), PACKAGES)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_the_sandbox_never_imports_lambherd_aws() -> None:
    graph = _graph()
    users = sorted(
        m for m in graph if m.startswith("lambherd.sandbox") and "lambherd.aws" in graph[m]
    )
    assert users == []


def test_only_the_facade_imports_moto() -> None:
    users = []
    for name, path in _modules().items():
        if not name.startswith(PACKAGES) or name in FACADES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            if any(m == "moto" or m.startswith("moto.") for m in mods):
                users.append(name)
    assert users == []


def test_no_sandbox_or_local_module_is_over_400_lines() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if name.startswith(PACKAGES) and (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"lambherd.local.a": {"lambherd.local.b"}, "lambherd.local.b": {"lambherd.local.a"}}
    assert _cycles_within(graph, ("lambherd.local",)) == [
        ["lambherd.local.a", "lambherd.local.b", "lambherd.local.a"],
        ["lambherd.local.b", "lambherd.local.a", "lambherd.local.b"],
    ]
