"""The sandbox's state files on plain data: private and atomic files, JSON lines, blobs, the
pickling of object graphs, credentials left out of the journal, Lambda's code size limits."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import stat
import struct
import threading
import weakref
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from lambherd.sandbox import code_limits, persistence
from lambherd.sandbox.blobs import BLOB_MIN_BYTES, BlobStore
from lambherd.sandbox.state_pickle import StatePickler, StateUnpickler
from lambherd.sandbox.statefiles import (
    JsonLines,
    atomic_writer,
    open_private,
    secure_state_dir,
    write_atomic,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- private, atomic files -------------------------------------------------------------------


def test_an_existing_state_folder_and_its_files_are_made_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "code" / "abc").mkdir(parents=True)
    (state / "journal.jsonl").write_text("{}\n")
    os.chmod(state, 0o755)
    os.chmod(state / "code", 0o755)
    os.chmod(state / "journal.jsonl", 0o644)
    secure_state_dir(state)
    assert _mode(state) == 0o700
    assert _mode(state / "code") == 0o700
    assert _mode(state / "journal.jsonl") == 0o600
    fresh = secure_state_dir(tmp_path / "new" / "folder")
    assert _mode(fresh) == 0o700


def test_private_files_ignore_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        with open_private(tmp_path / "a", "ab") as fh:
            fh.write(b"x")
        write_atomic(tmp_path / "b", [b"y"])
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a") == 0o600 and _mode(tmp_path / "b") == 0o600


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "snapshot.bin"
    write_atomic(target, [b"old"])
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot.bin"]


def test_json_lines_skip_a_torn_line_and_cut_it_before_appending(tmp_path: Path) -> None:
    killed = JsonLines(tmp_path / "j.jsonl", durable=True)
    killed.append({"seq": 1})
    killed.close()
    with open(tmp_path / "j.jsonl", "ab") as fh:
        fh.write(b'{"seq": 2, "cut sh')  # the write a kill cut short
    lines = JsonLines(tmp_path / "j.jsonl", durable=True)  # the next server
    assert list(lines.docs()) == [{"seq": 1}]
    lines.append({"seq": 3})
    lines.close()
    assert (tmp_path / "j.jsonl").read_bytes() == b'{"seq":1}\n{"seq":3}\n'
    assert list(lines.docs()) == [{"seq": 1}, {"seq": 3}]
    lines.rewrite([{"seq": 3}])
    assert list(lines.docs()) == [{"seq": 3}]


# -- blobs ------------------------------------------------------------------------------------


def test_blobs_are_stored_once_and_collected_when_nothing_names_them(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    a, b = b"a" * 1000, b"b" * 2000
    sha_a = store.put(a)
    assert store.put(a) == sha_a and store.names() == {sha_a}
    sha_b = store.put(b)
    assert store.get(sha_b) == b and store.size() == 3000
    assert _mode(tmp_path / "blobs") == 0o700 and _mode(store.path(sha_a)) == 0o600
    assert store.collect({sha_b}) == 1000
    assert store.names() == {sha_b}
    assert store.put(a) == sha_a and store.get(sha_a) == a  # written again after a collect
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


# -- pickling object graphs -------------------------------------------------------------------


class _Backend:
    """Shaped like a moto backend: locks, weak dicts, local factories, a wrapped method."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rlock = threading.RLock()
        self.cond = threading.Condition()
        self.flag = threading.Event()
        self.flag.set()
        self.by_arn: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self.aliases: defaultdict[str, dict[str, int]] = defaultdict(lambda: {})
        self.code = b"PK" + os.urandom(BLOB_MIN_BYTES)
        self.text = "x" * BLOB_MIN_BYTES
        self.same_code = self.code

    def metric_data(self, value: int) -> int:
        return value * 2


class _Item:
    def __init__(self, name: str) -> None:
        self.name = name


def _wrap(backend: _Backend, facade: object) -> None:
    original = backend.metric_data

    def metric_data(value: int) -> int:  # an instance attribute shadowing the method
        return original(value) + (1 if facade is not None else 0)

    backend.metric_data = metric_data  # type: ignore[method-assign]


def _round_trip(tmp_path: Path, obj: Any, live: dict[str, Any]) -> tuple[Any, set[str]]:
    store = BlobStore(tmp_path / "blobs")
    buf = io.BytesIO()
    pickler = StatePickler(buf, store, live={id(v): k for k, v in live.items()})
    pickler.dump(obj)
    loaded = StateUnpickler(io.BytesIO(buf.getvalue()), store, live=live).load()
    return loaded, pickler.blobs


def test_object_graphs_round_trip_with_locks_weak_dicts_local_functions_and_blobs(
    tmp_path: Path,
) -> None:
    facade = object()
    backend = _Backend()
    item = _Item("f")
    backend.by_arn["arn:f"] = item
    backend.items = [item]  # the strong reference the weak dict relies on
    backend.aliases["arn:f"]["live"] = 1
    _wrap(backend, facade)
    (got, holder), blobs = _round_trip(tmp_path, (backend, {"facade": facade}), {"facade": facade})
    assert got.lock.acquire(blocking=False) and got.rlock.acquire(blocking=False)
    assert isinstance(got.cond, threading.Condition) and got.flag.is_set()
    assert got.by_arn["arn:f"] is got.items[0] and got.items[0].name == "f"
    assert got.aliases["arn:f"] == {"live": 1} and got.aliases["new"] == {}  # factory works
    assert got.metric_data(4) == 9  # the wrapper calls the class's method, not itself
    assert holder["facade"] is facade  # a live object comes back as itself
    assert got.code == backend.code and got.same_code is got.code and got.text == backend.text
    assert len(blobs) == 2  # code (once, though named twice) and text


def test_a_local_function_the_code_no_longer_has_is_a_clear_error(tmp_path: Path) -> None:
    backend = _Backend()
    store = BlobStore(tmp_path / "blobs")
    buf = io.BytesIO()
    StatePickler(buf, store).dump(backend)
    # the same length, so the pickle stays well formed: a factory this code does not have
    data = buf.getvalue().replace(b"<locals>.<lambda>", b"<locals>.<lambdX>")
    with pytest.raises(pickle.UnpicklingError, match="not in this version of the code"):
        StateUnpickler(io.BytesIO(data), store).load()


# -- credentials never journaled --------------------------------------------------------------

_SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIAREALUSERKEY12345/20261201/eu-west-1/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-security-token, "
    "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)


def test_the_journal_keeps_the_scope_of_a_signature_and_no_credential() -> None:
    request = persistence.RecordedRequest(
        "POST",
        "/2015-03-31/functions",
        "",
        {
            "Authorization": _SIGNED,
            "X-Amz-Security-Token": "FwoGZXIvYXdzEJr-session-token",
            "Cookie": "session=1",
            "Content-Type": "application/json",
        },
        b"{}",
    )
    clean = persistence.without_credentials(request)
    text = clean.to_json()
    for secret in ("AKIAREALUSERKEY12345", "session-token", "0123456789abcdef", "session=1"):
        assert secret not in text
    assert clean.headers == {
        "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20261201/eu-west-1/lambda/"
        "aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature=journaled-without-signature",
        "Content-Type": "application/json",
    }
    # the sandbox's own STS/IAM keys map to an account in moto: those are kept
    kept = persistence.without_credentials(request, lambda key: key == "AKIAREALUSERKEY12345")
    assert "Credential=AKIAREALUSERKEY12345/" in kept.headers["Authorization"]
    presigned = persistence.RecordedRequest(
        "PUT",
        "/bucket/key",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAREALUSERKEY12345%2F20261201%2F"
        "us-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abc123&X-Amz-Security-Token=tok&x=1",
        {},
        b"",
    )
    query = persistence.without_credentials(presigned).query
    assert "AKIAREAL" not in query and "abc123" not in query and "tok" not in query
    assert "X-Amz-Credential=sandbox%2F20261201%2Fus-east-1%2Fs3%2Faws4_request" in query
    assert "x=1" in query


def test_journal_lines_keep_large_bodies_as_blobs(tmp_path: Path) -> None:
    journal = persistence.Journal(tmp_path / "journal.jsonl")
    big, small = b"z" * BLOB_MIN_BYTES, b"{}"
    journal.append(persistence.RecordedRequest("PUT", "/b/k", "", {}, big, at=1.0, seq=7))
    journal.append(persistence.RecordedRequest("POST", "/x", "", {}, small, at=2.0, seq=8))
    docs = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert "body" not in docs[0] and len(docs[0]["body_blob"]) == 64
    assert (tmp_path / "journal.jsonl").stat().st_size < 1000
    assert [(e.seq, e.body) for e in journal.entries()] == [(7, big), (8, small)]
    assert journal.blob_refs() == {docs[0]["body_blob"]}
    journal.keep_after(7)
    assert [e.seq for e in journal.entries()] == [8]


def test_lines_of_the_landed_version_are_numbered_by_position(tmp_path: Path) -> None:
    lines = [
        persistence.RecordedRequest("POST", f"/{i}", "", {}, b"{}", at=float(i)).to_json()
        for i in range(3)
    ]
    (tmp_path / "journal.jsonl").write_text("".join(line + "\n" for line in lines))
    journal = persistence.Journal(tmp_path / "journal.jsonl")
    assert [(e.seq, e.path) for e in journal.entries()] == [(1, "/0"), (2, "/1"), (3, "/2")]


# -- Lambda's code size limits ----------------------------------------------------------------


def _environ(method: str, path: str, length: int, body: bytes = b"") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(length),
        "wsgi.input": io.BytesIO(body),
    }


def _claiming(unzipped: int) -> bytes:
    """A small zip whose one file says it unzips to ``unzipped`` bytes (the central directory
    is what Lambda and the sandbox read)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("big.bin", b"x")
    data = bytearray(buf.getvalue())
    at = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, at + 24, unzipped)
    return bytes(data)


def _message(resp: Any) -> tuple[int, str, str]:
    doc = json.loads(resp.get_data())
    return resp.status_code, doc.get("__type") or doc.get("Type") or "", doc["message"]


def test_code_uploads_over_lambdas_limits_get_lambdas_answers() -> None:
    create = "/2015-03-31/functions"
    assert code_limits.refuse_early(_environ("POST", create, code_limits.REQUEST_LIMIT)) is None
    too_long = code_limits.refuse_early(_environ("POST", create, code_limits.REQUEST_LIMIT + 1))
    assert too_long is not None and _message(too_long)[0] == 413
    assert _message(too_long)[2] == (
        "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    )
    code = code_limits.refuse_early(
        _environ("PUT", "/2015-03-31/functions/f/code", code_limits.REQUEST_LIMIT + 1)
    )
    assert code is not None and "UpdateFunctionCode operation" in _message(code)[2]
    assert code_limits.refuse_early(_environ("GET", create, 10**9)) is None

    def body(zip_bytes: bytes, field: str = "Code") -> bytes:
        doc = {"ZipFile": base64.b64encode(zip_bytes).decode()}
        return json.dumps({field: doc} if field else doc).encode()

    def refuse(method: str, path: str, data: bytes) -> Any:
        return code_limits.refuse(_environ(method, path, len(data)), data, lambda b, k: None)

    zipped = refuse("POST", create, body(b"\0" * (code_limits.ZIPPED_LIMIT + 1)))
    assert _message(zipped) == (
        413,
        _message(zipped)[1],
        "Zipped size must be smaller than 52428800 bytes",
    )
    assert refuse("POST", create, body(_claiming(code_limits.UNZIPPED_LIMIT))) is None
    unzipped = refuse("PUT", "/2015-03-31/functions/f/code", body(_claiming(2**28), field=""))
    assert unzipped is not None
    assert _message(unzipped)[0] == 400
    assert _message(unzipped)[2] == "Unzipped size must be smaller than 262144000 bytes"
    layer = refuse("POST", "/2018-10-31/layers/lib/versions", body(_claiming(2**28), "Content"))
    assert layer is not None and _message(layer)[0] == 400
    s3 = json.dumps({"Code": {"S3Bucket": "b", "S3Key": "k"}}).encode()
    via_s3 = code_limits.refuse(
        _environ("POST", create, len(s3)), s3, lambda b, k: _claiming(2**28)
    )
    assert via_s3 is not None and _message(via_s3)[0] == 400
    assert code_limits.refuse(_environ("POST", create, 3), b"{}", lambda b, k: None) is None
