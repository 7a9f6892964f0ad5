"""The AWS event stream framing of ``InvokeWithResponseStream`` answers (what botocore reads).

A message: total length and headers length (big-endian u32 each), the CRC32 of those 8 bytes,
the headers (name length u8, name, type 7 = string, value length u16, value), the payload,
and the CRC32 of everything before it. botocore has only the decoder; the encoder is these few
lines (tested against botocore's decoder and boto3's ``invoke_with_response_stream``).
"""

from __future__ import annotations

import json
import struct
import zlib

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def _headers(values: dict[str, str]) -> bytes:
    out = bytearray()
    for name, value in values.items():
        raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
        out += struct.pack(">B", len(raw_name)) + raw_name
        out += struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    return bytes(out)


def message(headers: dict[str, str], payload: bytes) -> bytes:
    """One event stream message."""
    head = _headers(headers)
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + head + payload
    return body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def payload_chunk(data: bytes) -> bytes:
    """A ``PayloadChunk`` event carrying ``data``."""
    return message(
        {
            ":event-type": "PayloadChunk",
            ":content-type": "application/octet-stream",
            ":message-type": "event",
        },
        data,
    )


def invoke_complete(
    error_code: str | None = None, error_details: str | None = None, log_result: str | None = None
) -> bytes:
    """The ``InvokeComplete`` event that ends the stream."""
    doc = {
        key: value
        for key, value in (
            ("ErrorCode", error_code),
            ("ErrorDetails", error_details),
            ("LogResult", log_result),
        )
        if value is not None
    }
    return message(
        {
            ":event-type": "InvokeComplete",
            ":content-type": "application/json",
            ":message-type": "event",
        },
        json.dumps(doc).encode(),
    )
