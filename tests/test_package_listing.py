"""One walk of the package per deploy: validation's handler check walks the folder the deploy
zips (``function_package.function_listing``) and the code identity takes that walk instead of
walking again — only when it was made for the same folder and options, and not after a
dependency build may have changed the tree (``pipeline.targets.after_builds``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_testkit import write_function
from lambherd.archive import build as archive_build
from lambherd.archive import code_sha256
from lambherd.archive.function_package import function_listing
from lambherd.build import BuildResult
from lambherd.definition import load_function
from lambherd.pipeline.code import code_identity
from lambherd.pipeline.targets import DeployTarget, after_builds, package_listing
from lambherd.settings import DeploySettings


def _definition(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler"}
    (folder / "function.json").write_text(json.dumps(doc))
    (folder / ".lambdaignore").write_text("function.json\n.lambdaignore\n")
    (folder / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (folder / "notes.txt").write_text("kept unless ignored\n")
    return load_function(folder / "function.json")


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders ``collect_package`` walks from here on."""
    seen: list[Path] = []
    real = archive_build.collect_tree

    def counted(roots, *args, **kwargs):
        roots = list(roots)
        seen.append(Path(roots[0]))
        return real(roots, *args, **kwargs)

    monkeypatch.setattr(archive_build, "collect_tree", counted)
    return seen


def test_the_code_identity_takes_the_walk_it_is_given(tmp_path: Path, walks) -> None:
    defn = _definition(tmp_path / "fn")
    listing = function_listing(defn)
    assert listing is not None and len(walks) == 1
    shared = code_identity(defn, listing=listing).source.sha256
    assert len(walks) == 1  # not walked again
    assert shared == code_sha256(defn.source_dir, ignore_base=defn.source_dir)


def test_a_walk_made_with_other_options_is_not_taken(tmp_path: Path, walks) -> None:
    """Another ignore file: another package, walked for itself."""
    defn = _definition(tmp_path / "fn")
    listing = function_listing(defn)
    (tmp_path / "more-ignores").write_text("function.json\n.lambdaignore\nnotes.txt\n")
    settings = DeploySettings(exclude_file=tmp_path / "more-ignores")
    other = code_identity(defn, settings, listing=listing).source.sha256
    assert len(walks) == 2
    assert other == code_identity(defn, settings).source.sha256
    assert other != code_identity(defn).source.sha256


def test_a_zip_written_inside_the_folder_is_walked_again(tmp_path: Path, walks) -> None:
    """The zip being written is never part of itself: a walk made without knowing it is
    not used for a zip written into the folder."""
    defn = _definition(tmp_path / "fn")
    listing = function_listing(defn)
    dest = defn.source_dir / "out.zip"
    code_identity(defn, dest=dest, listing=listing)
    assert len(walks) == 2


@pytest.mark.parametrize(
    ("status", "build_dir", "kept"),
    [
        ("fresh", True, True),  # nothing touched
        ("none", False, True),  # nothing to build, nothing was there
        ("none", True, False),  # nothing to build: the build the walk saw is removed
        ("cached", True, False),  # a tree linked in
        ("installed", False, False),
    ],
)
def test_a_dependency_build_drops_the_walk_it_may_change(
    tmp_path: Path, status: str, build_dir: bool, kept: bool
) -> None:
    defn = _definition(tmp_path / "fn")
    if build_dir:
        (defn.source_dir / ".lambherd" / "build").mkdir(parents=True)
        (defn.source_dir / ".lambherd" / "build" / "dep.py").write_text("D = 1\n")
    settings = DeploySettings()
    target = DeployTarget(defn, settings, listing=package_listing(defn, settings))
    assert target.listing is not None
    (after,) = after_builds([target], [BuildResult(defn.source_dir, status)])
    assert (after.listing is not None) is kept
    other = DeployTarget(_definition(tmp_path / "other"), settings, listing=target.listing)
    assert after_builds([other], [BuildResult(defn.source_dir, status)])[0] is other


def test_no_walk_is_made_for_code_that_is_not_a_folder(tmp_path: Path) -> None:
    defn = _definition(tmp_path / "fn")
    assert package_listing(defn, DeploySettings(skip_archive=True)) is None
    assert package_listing(defn, DeploySettings(skip_function=True)) is None
    (tmp_path / "code.zip").write_bytes(b"")
    assert package_listing(defn, DeploySettings(src=tmp_path / "code.zip")) is None


@pytest.mark.slow  # deploys against moto
def test_a_deploy_walks_its_package_once(aws, lambda_role, lh, tmp_path: Path, walks) -> None:
    folder = write_function(tmp_path / "fn", lambda_role)
    assert lh("-C", folder, "deploy").code == 0  # created
    assert walks == [folder]
    walks.clear()
    done = lh("-C", folder, "--output", "json", "deploy")  # nothing changed
    assert done.code == 0 and json.loads(done.out)["changed"] is False
    assert walks == [folder]
    walks.clear()
    (folder / "app.py").write_text("def handler(event, context):\n    return 2\n")
    done = lh("-C", folder, "--output", "json", "deploy")  # the code changed: zipped, sent
    assert done.code == 0 and json.loads(done.out)["bytes_uploaded"] > 0
    assert walks == [folder]


def test_a_target_without_a_walk_passes_a_build_unchanged(tmp_path: Path) -> None:
    """An image function (or --skip-archive) has no walk; its build result leaves it as is."""
    defn = _definition(tmp_path / "fn")
    target = DeployTarget(defn, DeploySettings(), listing=None)
    for status in ("none", "fresh", "cached", "installed"):
        assert after_builds([target], [BuildResult(defn.source_dir, status)]) == [target]
