"""The code manifest (``archive.manifest``): an unchanged tree is recognised without
compressing it, and the answer is always the full hash's — except exactly where the manifest
is trusted (every stat field unchanged, and older than the manifest), shown here by making a
change the stat fields cannot see.

"Nothing compressed" is checked by making ``pack_all`` (the only way to deflate) fail."""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path

import pytest

from lambherd.archive import build_archive, code_sha256, zipwriter
from lambherd.archive.function_package import manifest_path
from lambherd.definition import FunctionDefinition, load_function
from lambherd.errors import ArchiveError
from lambherd.pipeline.code import code_identity
from lambherd.settings import DeploySettings

APP = "def handler(event, context):\n    return 1\n"


def folder_with(tmp_path: Path, files: dict[str, str] | None = None) -> FunctionDefinition:
    folder = tmp_path / "fn"
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler"}
    (folder / "function.json").write_text(json.dumps(doc))
    (folder / ".lambdaignore").write_text("function.json\n.lambdaignore\n")
    for rel, text in {"app.py": APP, "lib/util.py": "X = 1\n", **(files or {})}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return load_function(folder / "function.json")


def full_hash(defn: FunctionDefinition) -> str:
    """The CodeSha256 computed from scratch: every file read and compressed, no manifest."""
    return code_sha256(defn.source_dir, ignore_base=defn.source_dir)


def age(defn: FunctionDefinition, seconds: float = 5.0) -> None:
    """Make every file older than the manifest will be (so the racy rule does not apply)."""
    past = os.stat(defn.source_dir / "app.py").st_mtime - seconds
    for root, _dirs, names in os.walk(defn.source_dir):
        for name in names:
            if ".lambherd" not in root:
                os.utime(os.path.join(root, name), (past, past))


@pytest.fixture
def no_compressing(monkeypatch: pytest.MonkeyPatch):
    """Fails any compression from here on."""

    def refuse(*args, **kwargs):
        raise AssertionError("the tree was compressed")

    def arm() -> None:
        monkeypatch.setattr(zipwriter, "pack_all", refuse)
        from lambherd.archive import build

        monkeypatch.setattr(build, "pack_all", refuse)

    return arm


def test_an_unchanged_tree_is_answered_without_compressing(tmp_path: Path, no_compressing) -> None:
    defn = folder_with(tmp_path)
    age(defn)
    first = code_identity(defn).source.sha256
    assert first == full_hash(defn)
    no_compressing()
    assert code_identity(defn).source.sha256 == first


def test_the_manifest_is_private_and_kept_out_of_git(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    code_identity(defn)
    path = manifest_path(defn)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert (path.parent / ".gitignore").read_text().splitlines()[-1] == "*"
    doc = json.loads(path.read_text())
    assert set(doc["files"]) == {"app.py", "lib/util.py"}
    assert len(doc["zips"]) == 1


def test_one_byte_changed_with_size_and_mtime_kept_is_seen(tmp_path: Path) -> None:
    """The edit stat's size and mtime cannot see: the ctime moved (only the kernel sets it),
    so the file is hashed again and the answer is the full hash's."""
    defn = folder_with(tmp_path)
    age(defn)
    before = code_identity(defn).source.sha256
    app = defn.source_dir / "app.py"
    old = app.stat()
    app.write_text(APP.replace("1", "2"))  # same size
    os.utime(app, ns=(old.st_atime_ns, old.st_mtime_ns))  # same mtime
    now = app.stat()
    assert (now.st_size, now.st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    after = code_identity(defn).source.sha256
    assert after != before
    assert after == full_hash(defn)


def test_touched_files_are_hashed_again_not_compressed(tmp_path: Path, no_compressing) -> None:
    defn = folder_with(tmp_path)
    age(defn, 10)
    before = code_identity(defn).source.sha256
    age(defn, 5)  # every mtime moved, no content did (`git checkout`, `touch`)
    no_compressing()
    assert code_identity(defn).source.sha256 == before


@pytest.mark.parametrize(
    "edit",
    ["add a file", "remove a file", "rename a file", "make it executable", "edit the ignore"],
)
def test_tree_changes_are_seen(tmp_path: Path, edit: str) -> None:
    defn = folder_with(tmp_path)
    age(defn)
    before = code_identity(defn).source.sha256
    folder = defn.source_dir
    if edit == "add a file":
        (folder / "new.py").write_text("Y = 2\n")
    elif edit == "remove a file":
        (folder / "lib" / "util.py").unlink()
    elif edit == "rename a file":
        (folder / "lib" / "util.py").rename(folder / "lib" / "utils.py")
    elif edit == "make it executable":
        (folder / "app.py").chmod(0o755)
    else:
        (folder / ".lambdaignore").write_text("function.json\n.lambdaignore\nlib/*\n")
    after = code_identity(defn).source.sha256
    assert after != before
    assert after == full_hash(defn)


def test_racy_entries_are_hashed_again(tmp_path: Path) -> None:
    """git's racy rule: a file whose mtime is not older than the manifest is not trusted,
    even when every stat field matches what was recorded."""
    defn = folder_with(tmp_path)
    age(defn)
    before = code_identity(defn).source.sha256
    app = defn.source_dir / "app.py"
    app.write_text(APP.replace("1", "3"))
    _record_stat_as_seen_now(defn, "app.py")  # stat can no longer tell the change
    written = manifest_path(defn).stat().st_mtime_ns
    mtime = app.stat().st_mtime_ns
    os.utime(manifest_path(defn), ns=(mtime, mtime))  # written in the same tick as the edit
    assert manifest_path(defn).stat().st_mtime_ns <= app.stat().st_mtime_ns
    assert written
    after = code_identity(defn).source.sha256
    assert after != before and after == full_hash(defn)


def test_what_the_manifest_trusts(tmp_path: Path) -> None:
    """The trust, stated by a test: a content change that leaves every stat field as recorded
    (made here by rewriting the record, as a clock set back around the write would) and is
    older than the manifest is NOT seen — the recorded hash is answered. ``archive`` and
    ``code_sha256`` without a manifest always give the full hash."""
    defn = folder_with(tmp_path)
    age(defn)
    before = code_identity(defn).source.sha256
    app = defn.source_dir / "app.py"
    app.write_text(APP.replace("1", "4"))
    _record_stat_as_seen_now(defn, "app.py")
    later = max(app.stat().st_mtime_ns, app.stat().st_ctime_ns) + 2_000_000_000
    os.utime(manifest_path(defn), ns=(later, later))
    assert code_identity(defn).source.sha256 == before  # trusted: the stat fields agree
    assert full_hash(defn) != before  # the full hash sees the byte
    written = code_identity(defn, dest=tmp_path / "out.zip")  # `archive` always compresses
    assert written.source.sha256 == full_hash(defn)


def _record_stat_as_seen_now(defn: FunctionDefinition, arcname: str) -> None:
    """Rewrite the manifest's record of ``arcname`` with its current stat, keeping the old
    content hash: what an edit invisible to stat would leave."""
    path = manifest_path(defn)
    doc = json.loads(path.read_text())
    st = (defn.source_dir / arcname).stat()
    stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode, st.st_ino, st.st_dev]
    doc["files"][arcname] = [*stamp, doc["files"][arcname][6]]
    path.write_text(json.dumps(doc))


def test_the_packaging_options_are_part_of_the_key(tmp_path: Path) -> None:
    """Another compressor level, or symlinks stored instead of followed: another zip, computed."""
    rng = random.Random(3)
    words = [
        "".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(400)
    ]
    text = " ".join(rng.choice(words) for _ in range(20000))  # levels 6 and 9 differ on it
    defn = folder_with(tmp_path, {"words.txt": text})
    (defn.source_dir / "link.py").symlink_to("app.py")
    age(defn)
    default = code_identity(defn).source.sha256
    links = DeploySettings(symlink=True)
    stored = code_identity(defn, links, dest=tmp_path / "l.zip").source.sha256
    assert stored != default
    before = zipwriter.active_codec()
    try:
        zipwriter.set_codec("libdeflate", 9)
        level9 = code_identity(defn).source.sha256
        assert level9 == full_hash(defn)
    finally:
        zipwriter.set_codec(before.name, before.level)
    assert level9 != default
    assert code_identity(defn).source.sha256 == default


def test_a_dependency_build_is_part_of_the_tree(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    age(defn)
    before = code_identity(defn).source.sha256
    build = defn.source_dir / ".lambherd" / "build"
    build.mkdir(parents=True)
    (build / "dep.py").write_text("D = 1\n")
    after = code_identity(defn).source.sha256
    assert after != before
    (build / "dep.py").write_text("D = 2\n")
    assert code_identity(defn).source.sha256 not in (before, after)


def test_a_broken_manifest_is_no_manifest(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    first = code_identity(defn).source.sha256
    manifest_path(defn).write_text("{not json")
    assert code_identity(defn).source.sha256 == first
    assert json.loads(manifest_path(defn).read_text())["format"] == 1  # written again


def test_deploy_writes_the_zip_only_when_it_uploads_it(tmp_path: Path, no_compressing) -> None:
    defn = folder_with(tmp_path)
    age(defn)
    known = code_identity(defn).source.sha256
    no_compressing()
    code = code_identity(defn, dest=tmp_path / "up.zip", reuse_known=True)
    assert code.unwritten and code.archive is None and code.source.zip_path is None
    assert code.source.sha256 == known and not (tmp_path / "up.zip").exists()


def test_a_known_zip_over_the_direct_upload_limit_is_refused(tmp_path: Path) -> None:
    defn = folder_with(tmp_path, {"big.bin": os.urandom(4000).hex()})
    age(defn)
    code_identity(defn)
    with pytest.raises(ArchiveError, match="over"):
        code_identity(defn, dest=tmp_path / "z.zip", reuse_known=True, max_zipped_bytes=1000)


def test_without_a_manifest_nothing_is_recorded(tmp_path: Path) -> None:
    defn = folder_with(tmp_path)
    build_archive(defn.source_dir, tmp_path / "out.zip")
    code_sha256(defn.source_dir)
    assert not manifest_path(defn).exists()


def _walk_of(defn: FunctionDefinition):
    from lambherd.archive.function_package import function_listing

    listing = function_listing(defn)
    assert listing is not None
    return listing.tree.entries


def test_an_unchanged_tree_is_answered_from_its_stamps_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry's stat fields as recorded with the zip, all older than the manifest: the
    zip is answered without parsing the per-file table; any change goes through it."""
    from lambherd.archive.manifest import CodeManifest

    defn = folder_with(tmp_path)
    age(defn)
    first = code_identity(defn).source.sha256
    assert first == full_hash(defn)
    real = CodeManifest._load_files
    parsed: list[bool] = []

    def watched(self: CodeManifest) -> None:
        parsed.append(True)
        real(self)

    monkeypatch.setattr(CodeManifest, "_load_files", watched)
    assert code_identity(defn).source.sha256 == first
    assert parsed == []  # the first line answered
    (defn.source_dir / "lib" / "util.py").write_text("X = 2\n")
    changed = code_identity(defn).source.sha256
    assert parsed and changed != first and changed == full_hash(defn)


def test_what_the_stamps_digest_trusts(tmp_path: Path) -> None:
    """The one-line answer trusts exactly what the per-file rule does: a content change with
    every stat field as recorded (made here by recording the edited tree's stamps, as a clock
    set back around the write would) is not seen while the manifest is newer than every file;
    once a file is not older than the manifest (racily clean), it is hashed again and seen."""
    from lambherd.archive.manifest import stamps_digest

    defn = folder_with(tmp_path)
    age(defn)
    before = code_identity(defn).source.sha256
    app = defn.source_dir / "app.py"
    app.write_text(APP.replace("1", "5"))
    _record_stat_as_seen_now(defn, "app.py")
    path = manifest_path(defn)
    doc = json.loads(path.read_text())
    (key,) = doc["zips"]
    doc["zips"][key]["stamps"] = stamps_digest(_walk_of(defn))[0]
    path.write_text(json.dumps(doc))
    later = max(app.stat().st_mtime_ns, app.stat().st_ctime_ns) + 2_000_000_000
    os.utime(path, ns=(later, later))
    assert code_identity(defn).source.sha256 == before  # trusted: every stat field agrees
    assert full_hash(defn) != before
    mtime = app.stat().st_mtime_ns
    os.utime(path, ns=(mtime, mtime))  # written in the same tick as the edit
    after = code_identity(defn).source.sha256
    assert after != before and after == full_hash(defn)


def test_the_stamps_digest_tells_every_field_name_and_link_apart() -> None:
    from lambherd.archive.manifest import stamps_digest
    from lambherd.archive.tree import SourceEntry

    def entry(name: str, stamp: tuple[int, ...] | None, link: str | None = None) -> SourceEntry:
        return SourceEntry(name, f"/src/{name}", 10, False, link, stamp)  # type: ignore[arg-type]

    stamp = (10, 1_700_000_000_000_000_001, 1_700_000_000_000_000_002, 0o100644, 77, 2049)
    base = [entry("a", stamp), entry("b/c", stamp), entry("l", None, "a")]
    digest, newest = stamps_digest(base)
    assert digest is not None and newest == stamp[2]
    assert stamps_digest(list(base)) == (digest, newest)  # the same values, other objects
    variants = [
        [entry("a", stamp), entry("b/d", stamp), base[2]],
        [entry("ab", stamp), entry("/c", stamp), base[2]],  # the names' boundaries
        [base[0], base[1], entry("l", None, "b/c")],  # a link's target
        [base[0], base[1], entry("m", None, "a")],  # a link's name
        [base[0], base[1], entry("l", stamp)],  # a file where the link was
    ]
    for field in range(6):  # size, mtime, ctime, mode, inode, device: each one alone
        changed = list(stamp)
        changed[field] += 1
        variants.append([base[0], entry("b/c", tuple(changed)), base[2]])
    digests = {stamps_digest(v)[0] for v in variants}
    assert len(digests) == len(variants) and digest not in digests
    assert stamps_digest([*base, entry("x", None)]) == (None, 0)  # no stat fields: no answer
    wide = (10, stamp[1], stamp[2], 0o100644, 2**64 - 1, 2049)  # an inode above 2**63
    wide_digest = stamps_digest([entry("a", wide)])[0]
    assert wide_digest is not None and wide_digest == stamps_digest([entry("a", wide)])[0]
    assert wide_digest != stamps_digest([entry("a", (*wide[:4], 2**64 - 2, 2049))])[0]
    empty, newest = stamps_digest([])  # a tree of no files: a digest all the same
    assert empty is not None and empty != digest and newest == 0


def test_the_manifest_keeps_its_zips_on_the_first_line(tmp_path: Path) -> None:
    """One JSON document (any JSON reader takes it); the zips alone on its first line."""
    defn = folder_with(tmp_path)
    code_identity(defn)
    text = manifest_path(defn).read_text()
    head, _, _ = text.partition("\n")
    assert json.loads(head[:-1] + "}")["zips"] == json.loads(text)["zips"]
    assert "files" not in head
