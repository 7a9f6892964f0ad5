"""The one remote read on moto's server: the core state, and a concern's part read only when
the definition has its sidecar (so a function without function_url.json costs no URL reads);
sidecars loaded through the one registry and left out of the zip."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from aws_testkit import clients, create_function
from lambherd.archive import GITIGNORE_DEFAULT_EXCLUDES
from lambherd.definition import load_function
from lambherd.definition.sidecars import SIDECARS, sidecar_names
from lambherd.pipeline.remote import REMOTE_PART_MODULES, read_remote_state, remote_parts
from lambherd.plan.url_planner import UrlRemote


def _create(boto, role: str) -> None:
    create_function(boto, role, "f", alias="live", Tags={"team": "a"})


def test_core_state_and_the_url_part_only_with_its_sidecar(
    aws: str, boto, lambda_role: str, api_calls: list[str]
) -> None:
    _create(boto, lambda_role)
    api_calls.clear()
    remote = read_remote_state(clients(aws), "f", alias="live")
    assert remote.exists and remote.tags == {"team": "a"}
    assert remote.alias is not None and remote.alias["FunctionVersion"] == "1"
    assert [v["Version"] for v in remote.versions] == ["1"]
    assert remote.part(UrlRemote) is None
    assert "GetFunctionUrlConfig" not in api_calls and "GetAlias" not in api_calls
    boto("lambda").create_function_url_config(FunctionName="f", AuthType="AWS_IAM")
    with_url = read_remote_state(clients(aws), "f", sidecars={"url": {"Config": {}}})
    part = with_url.part(UrlRemote)
    assert part is not None and part.config is not None
    assert part.config["AuthType"] == "AWS_IAM" and part.url


def test_a_missing_function_is_an_empty_state(aws: str) -> None:
    remote = read_remote_state(clients(aws), "nobody", sidecars={"url": {}})
    assert not remote.exists and remote.parts == ()


def test_every_registered_part_belongs_to_a_sidecar() -> None:
    keys = {s.key for s in SIDECARS}
    assert {p.sidecar for p in remote_parts()} <= keys
    for key, module in REMOTE_PART_MODULES:  # the key it is imported for is the one it reads
        assert importlib.import_module(module).PART.sidecar == key


def test_only_the_parts_of_present_sidecars_are_read() -> None:
    assert [p.sidecar for p in remote_parts({"url": {}, "concurrency": None, "other": {}})] == [
        "url"
    ]
    assert remote_parts({}) == ()


def test_sidecars_load_through_the_registry_and_stay_out_of_the_zip(tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text(json.dumps({"FunctionName": "f"}))
    (tmp_path / "function_url.jsonnet").write_text('{ Config: { AuthType: "NONE" } }')
    defn = load_function(tmp_path / "function.json")
    assert defn.sidecars == {"url": {"Config": {"AuthType": "NONE"}}}
    assert defn.url_config == defn.sidecars["url"]
    assert set(sidecar_names()) >= {"function_url.json", "function_url.jsonnet"}
    assert all(f"/{name}" in GITIGNORE_DEFAULT_EXCLUDES for name in sidecar_names())
