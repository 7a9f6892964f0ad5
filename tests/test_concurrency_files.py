"""concurrency.json as the definition loader reads it, without AWS: a sidecar rendered like
function.json, the project's ``[defaults.concurrency]`` (and a stage's) merged under it, never
in the zip, and ``validate`` listing every problem of it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from concurrency_testkit import write_fn


def _project(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "lambherd.toml").write_text(
        '[project]\nname = "p"\n\n'
        "[defaults.concurrency]\nReservedConcurrentExecutions = 10\n"
        "[defaults.concurrency.ProvisionedConcurrency]\ncurrent = 2\n"
        "[stages.prod]\ndefaults = { concurrency = { ReservedConcurrentExecutions = 50 } }\n"
        + extra
    )
    return root


def _targets(root: Path, stage: str | None = None) -> dict[str, Any]:
    from lambherd.app import RenderOptions
    from lambherd.pipeline.targets import project_targets
    from lambherd.project.config import load_project

    project = load_project(root / "lambherd.toml", stage)
    loaded = project_targets(project, RenderOptions())
    return {t.name: t.definition.sidecars.get("concurrency") for t in loaded}


def test_project_defaults_are_merged_under_each_file(tmp_path: Path, monkeypatch: Any) -> None:
    root = _project(tmp_path / "p")
    monkeypatch.setenv("PEAK", "6")
    write_fn(root / "functions" / "a", "a")
    write_fn(
        root / "functions" / "b",
        "b",
        concurrency={"ProvisionedConcurrency": {"current": None, "blue": 1}},
    )
    (root / "functions" / "c").mkdir(parents=True)
    write_fn(root / "functions" / "c", "c")
    (root / "functions" / "c" / "concurrency.json").write_text(
        '{"ProvisionedConcurrency": {"current": {{ must_env "PEAK" }}}}'
    )
    got = _targets(root)
    assert got["a"] == {
        "ReservedConcurrentExecutions": 10,
        "ProvisionedConcurrency": {"current": 2},
    }
    assert got["b"] == {
        "ReservedConcurrentExecutions": 10,
        "ProvisionedConcurrency": {"current": None, "blue": 1},  # the file's null wins
    }
    assert got["c"]["ProvisionedConcurrency"] == {"current": 6}  # templates rendered
    assert _targets(root, "prod")["a"]["ReservedConcurrentExecutions"] == 50  # the stage's


def test_concurrency_json_is_never_zipped(tmp_path: Path) -> None:
    from lambherd.app import App
    from lambherd.services.archive import ArchiveRequest, archive

    folder = write_fn(tmp_path / "fn", "zipped", concurrency={"ReservedConcurrentExecutions": 3})
    dest = tmp_path / "out.zip"
    archive(App(workdir=folder), ArchiveRequest(dest=str(dest)))
    names = zipfile.ZipFile(dest).namelist()
    assert "app.py" in names and "concurrency.json" not in names


def test_validate_lists_every_problem_of_concurrency_json(lh: Any, tmp_path: Path) -> None:
    folder = write_fn(
        tmp_path / "fn",
        "v",
        concurrency={
            "ReservedConcurrentExecutions": 2,
            "ProvisionedConcurrency": {"$LATEST": 1, "current": 5},
        },
    )
    r = lh("-C", folder, "validate")
    assert r.code == 1
    assert "concurrency.json: ProvisionedConcurrency.$LATEST: Lambda refuses it" in r.err
    assert (
        "concurrency.json: provisioned concurrency can reach 5 (current 5), more than "
        "ReservedConcurrentExecutions 2" in r.err
    )
    (folder / "concurrency.json").write_text(json.dumps({"ReservedConcurrentExecutions": 0}))
    r = lh("-C", folder, "validate")
    assert r.code == 0 and "the function is disabled" in r.err
