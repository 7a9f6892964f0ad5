"""The process's one botocore data loader (``aws.botocore_loader``): botocore's search path,
``AWS_DATA_PATH`` included, and the same services as botocore's own loader lists for every kind
of model, from one listing of the data folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.loaders import Loader

from lambherd import aws

KINDS = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2", "examples-1", "nope")


def fresh_loader() -> object:
    return aws.botocore_loader.__wrapped__()  # not the process's cached one


def test_it_lists_the_services_botocores_loader_lists_for_every_kind() -> None:
    ours, theirs = fresh_loader(), Loader()
    assert ours.search_paths == theirs.search_paths
    for kind in KINDS:
        assert ours.list_available_services(kind) == theirs.list_available_services(kind), kind
    assert "lambda" in ours.list_available_services("paginators-1")


def test_aws_data_path_adds_models_as_botocore_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = tmp_path / "widgets" / "2026-01-01"
    version.mkdir(parents=True)
    (version / "service-2.json").write_text(json.dumps({"metadata": {}, "operations": {}}))
    (tmp_path / "widgets" / "README").write_text("not an API version")
    (tmp_path / "stray.json").write_text("{}")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    ours = fresh_loader()
    assert ours.search_paths[0] == str(tmp_path)
    assert "widgets" in ours.list_available_services("service-2")
    assert "widgets" not in ours.list_available_services("paginators-1")
    assert "stray.json" not in ours.list_available_services("service-2")
    theirs = Loader(extra_search_paths=[str(tmp_path)])
    for kind in KINDS:
        assert ours.list_available_services(kind) == theirs.list_available_services(kind), kind
    assert ours.load_service_model("widgets", "service-2") == {"metadata": {}, "operations": {}}
