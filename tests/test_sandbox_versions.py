"""Version numbers: never reused, kept across a restart; and per region: one function name in
two regions of one sandbox has two separate histories."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambherd.sandbox import process
from sandbox_testkit import Sandbox, code_zip, create, in_process, invoke, running

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of its own (state folder in tmp_path), stopped after the test."""
    with running(tmp_path / "state") as sb:
        yield sb


def _versions(lam: Any, name: str) -> list[str]:
    return [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]


def _publish_new(lam: Any, name: str, tag: str) -> str:
    lam.update_function_code(FunctionName=name, ZipFile=code_zip(tag))
    return lam.publish_version(FunctionName=name)["Version"]


@pytest.mark.slow
def test_version_numbers_are_never_reused_even_after_a_restart(fresh: Sandbox) -> None:
    lam = fresh.client("lambda")
    create(lam, "numbered", "one")
    assert lam.publish_version(FunctionName="numbered")["Version"] == "1"
    assert _publish_new(lam, "numbered", "two") == "2"
    lam.delete_function(FunctionName="numbered", Qualifier="2")
    assert _publish_new(lam, "numbered", "three") == "3"  # moto alone answers "2" again
    lam.delete_function(FunctionName="numbered", Qualifier="1")
    assert _publish_new(lam, "numbered", "four") == "4"  # moto alone answers "3": a duplicate
    published = lam.update_function_code(
        FunctionName="numbered", ZipFile=code_zip("five"), Publish=True
    )
    assert published["Version"] == "5"
    assert published["FunctionArn"].endswith(":numbered:5")
    assert _versions(lam, "numbered") == ["$LATEST", "3", "4", "5"]
    v3 = lam.get_function(FunctionName="numbered", Qualifier="3")["Configuration"]
    assert v3["Version"] == "3" and v3["FunctionArn"].endswith(":numbered:3")
    assert v3["RevisionId"]
    # publishing with nothing changed returns the latest version, it does not number a new one
    assert lam.publish_version(FunctionName="numbered")["Version"] == "5"
    before = {v: lam.get_function(FunctionName="numbered", Qualifier=v) for v in ("3", "4", "5")}

    fresh.stop()
    fresh.start()
    lam = fresh.client("lambda")
    assert _versions(lam, "numbered") == ["$LATEST", "3", "4", "5"]
    for version, doc in before.items():
        after = lam.get_function(FunctionName="numbered", Qualifier=version)["Configuration"]
        for key in ("CodeSha256", "RevisionId", "FunctionArn"):
            assert after[key] == doc["Configuration"][key], (version, key)
    lam.delete_function(FunctionName="numbered", Qualifier="5")
    assert _publish_new(lam, "numbered", "six") == "6"
    # a new function of the same name starts again at 1, as on Lambda
    lam.delete_function(FunctionName="numbered")
    assert create(lam, "numbered", "again", Publish=True)["Version"] == "1"
    assert _publish_new(lam, "numbered", "again-2") == "2"


@pytest.mark.slow
def test_one_name_in_two_regions_keeps_two_histories(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        east, west = sb.client("lambda", "us-east-1"), sb.client("lambda", "eu-west-1")
        a = create(east, "twin", "east", Publish=True)
        b = create(west, "twin", "west", Publish=True)
        assert (a["Version"], b["Version"]) == ("1", "1")

        def revision(lam: Any, qualifier: str = "$LATEST") -> str:
            got = lam.get_function(FunctionName="twin", Qualifier=qualifier)["Configuration"]
            return got["RevisionId"]

        west_before = (revision(west), revision(west, "1"))
        assert revision(east) != west_before[0] and revision(east, "1") != west_before[1]
        assert _publish_new(east, "twin", "east-2") == "2"
        assert _publish_new(east, "twin", "east-3") == "3"
        assert (revision(west), revision(west, "1")) == west_before  # east's changes are east's
        # west's next version is its own 2, not east's 4
        assert _publish_new(west, "twin", "west-2") == "2"
        assert _versions(east, "twin") == ["$LATEST", "1", "2", "3"]
        assert _versions(west, "twin") == ["$LATEST", "1", "2"]
        # an alias and its RevisionId in one region only
        alias = east.create_alias(FunctionName="twin", Name="live", FunctionVersion="2")
        assert alias["RevisionId"]
        assert west.list_aliases(FunctionName="twin")["Aliases"] == []
        # the sandbox counts the functions of every region
        assert process.status(sb.port).functions == 2
        # each region's code downloads from its own Code.Location
        for lam, tag in ((east, "east-3"), (west, "west-2")):
            location = lam.get_function(FunctionName="twin")["Code"]["Location"]
            assert urllib.request.urlopen(location, timeout=30).read() == code_zip(tag)
        # deleting east's function leaves west's state alone
        west_before = (revision(west), revision(west, "2"))
        east.delete_function(FunctionName="twin")
        assert (revision(west), revision(west, "2")) == west_before
        assert _versions(west, "twin") == ["$LATEST", "1", "2"]
        assert _publish_new(west, "twin", "west-3") == "3"
        # and a new east function of that name starts again at 1
        assert create(east, "twin", "again", Publish=True)["Version"] == "1"


@pytest.mark.slow
def test_invokes_in_two_regions_run_each_regions_code(tmp_path: Path) -> None:
    with in_process(tmp_path / "state") as sb:
        east, west = sb.client("lambda", "us-east-1"), sb.client("lambda", "eu-west-1")
        create(east, "twin", "east")
        create(west, "twin", "west")
        assert invoke(east, "twin")["Body"] == b'{"tag": "east", "version": "$LATEST"}'
        assert invoke(west, "twin")["Body"] == b'{"tag": "west", "version": "$LATEST"}'
        east.put_function_concurrency(FunctionName="twin", ReservedConcurrentExecutions=0)
        assert invoke(west, "twin")["StatusCode"] == 200  # east's throttle is east's
