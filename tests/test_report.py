"""CloudWatch REPORT lines (text and JSON log formats) parsed and summarised, on plain data."""

from __future__ import annotations

import json

import pytest

from lambherd.report import parse_report, summarise

TEXT_COLD = (
    "REPORT RequestId: 11111111-aaaa\tDuration: 102.25 ms\tBilled Duration: 103 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 71 MB\tInit Duration: 240.50 ms\t\n"
)


# Fields out of the usual order, plus an X-Ray field: parsing is by name.
TEXT_WARM = (
    "REPORT RequestId: 22222222-bbbb\tMax Memory Used: 80 MB\tMemory Size: 256 MB\t"
    "Billed Duration: 5 ms\tDuration: 4.10 ms\tXRAY TraceId: 1-abc\tSegmentId: 9f\tSampled: true"
)


JSON_WARM = json.dumps(
    {
        "time": "2024-05-01T12:00:00.000Z",
        "type": "platform.report",
        "record": {
            "requestId": "33333333-cccc",
            "metrics": {
                "durationMs": 20.0,
                "billedDurationMs": 21,
                "memorySizeMB": 256,
                "maxMemoryUsedMB": 90,
            },
            "status": "success",
        },
    }
)


def test_parse_report_text_and_json() -> None:
    cold = parse_report(TEXT_COLD)
    assert cold is not None and cold.cold_start
    assert (cold.request_id, cold.duration_ms, cold.billed_duration_ms) == (
        "11111111-aaaa",
        102.25,
        103.0,
    )
    assert (cold.memory_size_mb, cold.max_memory_used_mb, cold.init_duration_ms) == (
        256.0,
        71.0,
        240.5,
    )
    warm = parse_report(TEXT_WARM)
    assert warm is not None and not warm.cold_start
    assert (warm.duration_ms, warm.billed_duration_ms, warm.max_memory_used_mb) == (4.1, 5.0, 80.0)
    js = parse_report(JSON_WARM)
    assert js is not None and js.request_id == "33333333-cccc" and js.duration_ms == 20.0
    assert js.max_memory_used_mb == 90.0 and not js.cold_start


@pytest.mark.parametrize(
    "line",
    [
        "START RequestId: x Version: $LATEST",
        "END RequestId: x",
        "hello REPORT",
        '{"type": "platform.start", "record": {}}',
        '{"type": "platform.report", "record": {"metrics": {}}}',
        "REPORT RequestId: x",
    ],
)
def test_parse_report_ignores_other_lines(line: str) -> None:
    assert parse_report(line) is None


def test_summarise_known_inputs() -> None:
    lines = [
        f"REPORT RequestId: r{i}\tDuration: {d} ms\tBilled Duration: {int(d) + 1} ms\t"
        f"Memory Size: 128 MB\tMax Memory Used: {40 + i} MB"
        + ("\tInit Duration: 300 ms" if i < 2 else "")
        for i, d in enumerate([float(x) for x in range(1, 101)])
    ]
    stats = summarise(r for r in map(parse_report, lines) if r)
    assert stats.invocations == 100
    assert stats.cold_starts == 2
    assert stats.duration_p50_ms == 50.0
    assert stats.duration_p90_ms == 90.0
    assert stats.duration_p99_ms == 99.0
    assert stats.duration_max_ms == 100.0
    assert stats.billed_duration_total_ms == sum(range(2, 102))
    assert stats.max_memory_used_mb == 139.0 and stats.memory_size_mb == 128.0
    assert stats.memory_used_ratio == pytest.approx(139 / 128)
    assert summarise([]).duration_p50_ms is None
