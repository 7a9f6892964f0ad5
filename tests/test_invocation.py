"""Payloads on plain data: a stream of JSON documents read one by one, Lambda's payload limits."""

from __future__ import annotations

import io
import json

import pytest

from lambherd.errors import PayloadTooLargeError, UsageError
from lambherd.invocation import (
    ASYNC_PAYLOAD_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    check_payload_size,
    encode_payload,
    iter_json_documents,
)


def _docs(text: str, **kwargs: int) -> list[object]:
    return [json.loads(d) for d in iter_json_documents(io.StringIO(text), **kwargs)]


def test_stream_of_documents_in_order() -> None:
    text = '{"n": 1}\n{"n": 2}{"n": 3}  4 "five"\n[6,\n 7]\n{\n  "n": {\n    "deep": 8\n  }\n}\n9'
    assert _docs(text) == [
        {"n": 1},
        {"n": 2},
        {"n": 3},
        4,
        "five",
        [6, 7],
        {"n": {"deep": 8}},
        9,
    ]
    assert _docs("") == [] and _docs("  \n\n") == []


def test_stream_yields_each_document_before_reading_on() -> None:
    class Lines(io.StringIO):
        reads = 0

        def readline(self, size: int = -1) -> str:
            Lines.reads += 1
            return super().readline(size)

    stream = Lines('{"a": 1}\n{"b": 2}\n')
    docs = iter_json_documents(stream)
    assert json.loads(next(docs)) == {"a": 1}
    assert Lines.reads == 1  # the first invocation does not wait for the rest of stdin


def test_stream_rejects_non_json_with_position() -> None:
    docs = iter_json_documents(io.StringIO('{"ok": 1}\nnot json\n{"never": 1}\n'))
    assert json.loads(next(docs)) == {"ok": 1}
    with pytest.raises(UsageError, match=r"stdin: document 2 is not JSON: Expecting value"):
        next(docs)
    with pytest.raises(UsageError, match="document 1 is not JSON"):
        _docs('{"unterminated": ')


def test_stream_refuses_oversized_document() -> None:
    with pytest.raises(PayloadTooLargeError, match="document 2 is over"):
        _docs('{"a": 1}\n{"big": "' + "x" * 5000 + '"}\n', max_bytes=1000)


def test_payload_limits() -> None:
    check_payload_size(b"x" * SYNC_PAYLOAD_LIMIT)
    with pytest.raises(PayloadTooLargeError, match="synchronous limit of 6,291,456"):
        check_payload_size(b"x" * (SYNC_PAYLOAD_LIMIT + 1))
    check_payload_size(b"x" * ASYNC_PAYLOAD_LIMIT, "Event")
    with pytest.raises(PayloadTooLargeError, match="asynchronous limit of 1,048,576"):
        check_payload_size(b"x" * (ASYNC_PAYLOAD_LIMIT + 1), "Event")
    with pytest.raises(UsageError, match=r"--payload:1:2: payload is not JSON"):
        encode_payload("{oops}", "--payload")
