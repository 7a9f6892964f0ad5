"""``lambherd list``: every function of the account and region, those managed here marked."""

from __future__ import annotations

import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(e, c):\n    return 1\n")
    return buf.getvalue()


@pytest.fixture
def sixty(boto, lambda_role) -> list[str]:
    """60 functions (more than one ListFunctions page on AWS): api-00..api-29, job-00..job-29."""
    lam = boto("lambda")
    code = _zip()
    names = [f"{kind}-{i:02d}" for kind in ("api", "job") for i in range(30)]
    for i, name in enumerate(names):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=lambda_role,
            Handler="app.handler",
            Code={"ZipFile": code},
            MemorySize=128 + 64 * (i % 3),
            Timeout=3 + i % 5,
        )
    return names


@pytest.mark.slow
def test_list_all_functions_as_json(lh, sixty, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "--output", "json", "list")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["name"] for r in rows] == sorted(sixty)
    first = rows[0]
    assert first["runtime"] == "python3.12"
    assert first["memory"] == 128 and first["timeout"] == 3
    assert first["last_modified"]
    assert not any(r["managed"] for r in rows)


def test_prefix_filter(lh, sixty, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "--output", "json", "list", "--prefix", "job-")
    assert result.code == 0, result.err
    assert [r["name"] for r in json.loads(result.out)] == [f"job-{i:02d}" for i in range(30)]


@pytest.mark.slow
def test_table_marks_the_function_defined_here(lh, sixty, tmp_path: Path) -> None:
    (tmp_path / "function.json").write_text(json.dumps({"FunctionName": "api-07"}))
    result = lh("-C", tmp_path, "--no-color", "list", "--prefix", "api-0")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["name", "runtime", "memory", "timeout", "last", "modified"]
    marked = [line for line in lines if line.lstrip().startswith("*")]
    assert len(marked) == 1 and "api-07" in marked[0]
    row = next(line for line in lines if "api-01" in line)
    assert "python3.12" in row and "192 MB" in row and "4 s" in row
    assert "10 functions, 1 managed here (*)" in result.out


@pytest.mark.slow
def test_unrenderable_definition_is_a_warning(lh, sixty, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    (tmp_path / "function.json").write_text('{"FunctionName": "{{ must_env `NOT_SET_ANYWHERE` }}"}')
    result = lh("-C", tmp_path, "--output", "json", "list", "--prefix", "api-00")
    assert result.code == 0, result.err
    assert "warning: cannot tell which function is managed here" in result.err
    assert [r["name"] for r in json.loads(result.out)] == ["api-00"]


def test_empty_account(lh, aws, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "--no-color", "list")
    assert result.code == 0, result.err
    assert "0 functions" in result.out


# ---------------------------------------------------------------------------------------
# Paging: moto answers ListFunctions in one page, so a small server that pages like AWS
# (50 per page, NextMarker / Marker) checks that every page is read.
# ---------------------------------------------------------------------------------------
class _PagingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    total = 120
    page_size = 50
    markers: list[str | None]


class _PagingHandler(http.server.BaseHTTPRequestHandler):
    server: _PagingServer

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        assert parts.path.rstrip("/") == "/2015-03-31/functions"
        marker = parse_qs(parts.query).get("Marker", [None])[0]
        self.server.markers.append(marker)
        start = int(marker) if marker else 0
        end = min(start + self.server.page_size, self.server.total)
        body: dict = {
            "Functions": [
                {
                    "FunctionName": f"fn-{i:03d}",
                    "Runtime": "python3.12",
                    "MemorySize": 128,
                    "Timeout": 3,
                    "LastModified": "2025-01-01T00:00:00.000+0000",
                    "PackageType": "Zip",
                }
                for i in range(start, end)
            ]
        }
        if end < self.server.total:
            body["NextMarker"] = str(end)
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def paging_server(aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[_PagingServer]:
    server = _PagingServer(("127.0.0.1", 0), _PagingHandler)
    server.markers = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_every_page_is_read(lh, paging_server, tmp_path: Path) -> None:
    result = lh("-C", tmp_path, "--output", "json", "list")
    assert result.code == 0, result.err
    names = [r["name"] for r in json.loads(result.out)]
    assert names == [f"fn-{i:03d}" for i in range(120)]
    assert paging_server.markers == [None, "50", "100"]
