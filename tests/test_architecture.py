"""The layering rules, checked on the source: the import graph of ``lambherd.*`` (module-level
and function-level imports alike; ``if TYPE_CHECKING:`` blocks left out) has no cycle; the CLI
imports only services (and its own helpers, errors, app, exit_codes); services never import the
CLI; planners import neither boto3/botocore nor the executor; ``lambherd --help`` and
``lambherd deploy --help`` import none of the heavy libraries.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "lambherd"
HEAVY = ("boto3", "botocore", "rich", "_jsonnet", "jsonnet", "moto", "werkzeug")
#: Standard-library modules (and lambherd's own) that ``import click`` does not load and a help
#: path has no use for: logging (with traceback, string, threading's users), shutil (bz2, lzma),
#: pathlib (fnmatch, urllib.parse), json; the App and the AWS layer. ``uuid`` and ``platform``
#: are not listed: click.types imports them itself, so they are part of ``import click``.
HELP_NEEDS_NONE_OF = (
    "logging",
    "shutil",
    "pathlib",
    "json",
    "lzma",
    "bz2",
    "lambherd.app",
    "lambherd.aws",
)

#: Import cycles known to exist until the sandbox/local restructuring (its own branch) is
#: merged: the lead empties this list after that merge. Each entry is one strongly connected
#: component of the graph, as a sorted tuple of module names.
KNOWN_CYCLES: set[tuple[str, ...]] = set()  # none: a new cycle is a defect to mend


@cache
def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    out: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(module: str, path: Path) -> set[str]:
    """Every module an import statement in ``path`` imports (outside TYPE_CHECKING):
    ``from pkg import sub`` imports the module ``pkg.sub`` when there is one, else ``pkg``."""
    is_package = path.name == "__init__.py"
    files = module_files()
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in files else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    """lambherd module -> the lambherd modules it imports."""
    files = module_files()
    return {
        name: frozenset(n for n in _imported_names(name, path) if n in files and n != name)
        for name, path in files.items()
    }


@cache
def external_imports() -> dict[str, frozenset[str]]:
    """lambherd module -> the top-level names of the other packages it imports."""
    files = module_files()
    return {
        name: frozenset(
            n.split(".")[0] for n in _imported_names(name, path) if n.split(".")[0] != "lambherd"
        )
        for name, path in files.items()
    }


def cycles(edges: dict[str, frozenset[str]]) -> set[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: set[tuple[str, ...]] = set()
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.add(tuple(sorted(component)))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            connect(v)
    return out


def _in(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_graph_sees_function_level_imports_and_skips_type_checking() -> None:
    edges = graph()
    # aws.py starts the sandbox from inside a method: a function-level import
    assert "lambherd.sandbox.process" in edges["lambherd.aws"]
    # cli/deploy.py names pipeline types only under TYPE_CHECKING
    assert not any(_in(m, "lambherd.pipeline") for m in edges["lambherd.cli.deploy"])
    assert cycles({"a": frozenset({"b"}), "b": frozenset({"a"}), "c": frozenset()}) == {("a", "b")}


def test_no_import_cycles_beyond_the_known_ones() -> None:
    found = cycles(graph())
    assert found - KNOWN_CYCLES == set(), "new import cycle(s)"
    # a known cycle that is gone must leave the list too
    assert KNOWN_CYCLES - found == set(), "a cycle listed in KNOWN_CYCLES no longer exists"


def test_aws_and_the_sandbox_form_no_cycle() -> None:
    edges = graph()
    reachable: set[str] = set()
    todo = ["lambherd.sandbox.process"]
    while todo:
        module = todo.pop()
        for target in edges[module]:
            if target not in reachable:
                reachable.add(target)
                todo.append(target)
    assert "lambherd.aws" not in reachable


def test_cli_imports_only_services_and_its_own_helpers() -> None:
    allowed = ("lambherd.cli", "lambherd.services", "lambherd.errors", "lambherd.app")
    # the entry point also sets the process's collector policy (main, in a process of its own)
    allowed_exact = {"lambherd", "lambherd.exit_codes", "lambherd.gcpolicy"}
    bad = {
        (module, target)
        for module, targets in graph().items()
        if _in(module, "lambherd.cli")
        for target in targets
        if target not in allowed_exact and not _in(target, *allowed)
    }
    assert bad == set()


def test_services_never_import_the_cli() -> None:
    bad = {
        (module, target)
        for module, targets in graph().items()
        if _in(module, "lambherd.services")
        for target in targets
        if _in(target, "lambherd.cli")
    }
    assert bad == set()


def test_planners_import_neither_boto_nor_the_executor() -> None:
    planners = [m for m in graph() if _in(m, "lambherd.plan")]
    assert "lambherd.plan.url_planner" in planners
    for module in planners:
        assert not external_imports()[module] & {"boto3", "botocore"}, module
        assert not any(_in(t, "lambherd.apply") for t in graph()[module]), module


def _modules_loaded_by(*args: str) -> set[str]:
    script = (
        "import sys\n"
        "from lambherd.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(sys.modules)\n"
        "import json\n"  # after the listing: json is one of the modules help must not load
        "sys.stderr.write(json.dumps(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_heavy_library() -> None:
    for args in (("--help",), ("deploy", "--help")):
        loaded = _modules_loaded_by(*args)
        assert "lambherd.cli.main" in loaded
        heavy = {m for m in loaded if m.split(".")[0] in HEAVY}
        assert heavy == set(), (args, sorted(heavy)[:5])


def test_help_imports_nothing_it_does_not_use() -> None:
    for args in (("--help",), ("deploy", "--help"), ("--region", "eu-west-1", "deploy", "-h")):
        loaded = _modules_loaded_by(*args)
        assert "lambherd.cli.deploy" in loaded or args == ("--help",)
        assert sorted(m for m in HELP_NEEDS_NONE_OF if m in loaded) == [], args


def test_a_command_that_runs_still_configures_logging(tmp_path: Path) -> None:
    # the help paths skip logging; a real command (here render, which fails: no definition)
    # still has it configured, at the level asked, before it runs
    script = (
        "import logging, sys\n"
        "from lambherd.cli import main\n"
        "try:\n"
        f"    main(['-C', {str(tmp_path)!r}, '--log-level', 'warn', 'render'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "root = logging.getLogger()\n"
        "print(code, root.level, len(root.handlers))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    code, level, handlers = done.stdout.split()
    assert code != "0"
    assert (int(level), int(handlers)) == (30, 1), done.stderr
