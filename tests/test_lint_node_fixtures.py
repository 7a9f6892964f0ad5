"""lint's JavaScript checks on the Node fixtures the local emulator runs: the runnable ones
trigger none of LH101-LH107, the one doing its init in the handler triggers each JavaScript
check (LH106, one-shot HTTP calls, is a Python check: JavaScript has no finding for it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lint_testkit import findings, run, write_function
from local_testkit import NODE, NODE_KIND

CODE_CHECKS = [f"LH10{n}" for n in range(1, 8)]


def _folder(tmp_path: Path, fixture: str, handler: str, **config) -> Path:
    source = NODE_KIND.folder(fixture)
    files = {str(p.relative_to(source)): p.read_text() for p in source.rglob("*") if p.is_file()}
    return write_function(tmp_path / fixture, files, runtime=NODE, handler=handler, **config)


@pytest.mark.parametrize(
    ("fixture", "handler"),
    [
        ("basic", "index.handler"),
        ("esm_mjs", "index.handler"),
        ("esm_module", "index.handler"),
        ("cjs", "index.handler"),
        ("callback", "index.handler"),
        ("stream", "index.handler"),
    ],
)
def test_the_runnable_node_fixtures_are_clean(tmp_path: Path, fixture: str, handler: str) -> None:
    result = run(_folder(tmp_path, fixture, handler))
    assert [f for f in findings(result) if f.check in CODE_CHECKS] == []


def test_init_work_in_the_handler_triggers_each_javascript_check(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "lint_init_in_handler", "index.handler")
    result = run(folder)
    lines = {check: [f.line for f in findings(result, check)] for check in CODE_CHECKS}
    assert lines["LH101"] == [9]  # an SDK client per invocation
    assert lines["LH102"] == [10]  # an HTTP agent per invocation
    assert lines["LH103"] == [11]  # a database pool per invocation
    assert lines["LH104"] == [12]  # the SDK required inside the handler
    assert lines["LH105"] == [8]  # the whole event logged
    assert lines["LH106"] == []  # a Python check
    assert lines["LH107"] == [3]  # SDK v2 without AWS_NODEJS_CONNECTION_REUSE_ENABLED
    fixed = run(
        _folder(
            tmp_path / "fixed",
            "lint_init_in_handler",
            "index.handler",
            Environment={"Variables": {"AWS_NODEJS_CONNECTION_REUSE_ENABLED": "1"}},
        )
    )
    assert findings(fixed, "LH107") == []
