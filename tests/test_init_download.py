"""``lambherd init --download --unzip``: the deployed code, fetched and extracted safely (behind
the ``code_proxy`` fixture: moto with a Code.Location that can be fetched).
"""

from __future__ import annotations

import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_testkit import CodeProxy, make_zip
from lambherd.errors import ArchiveError, AwsError
from lambherd.importing.download import download_code


@pytest.fixture
def deploy_zip(boto, lambda_role, code_proxy: CodeProxy):
    """Create function ``name`` with ``package`` on moto and serve it at its Location."""

    def make(name: str, package: bytes) -> None:
        boto("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=lambda_role,
            Handler="app.handler",
            Code={"ZipFile": package},
        )
        code_proxy.code[name] = package

    return make


CODE = {"app.py": b"def handler(event, context):\n    return 'hi'\n", "lib/util.py": b"X = 1\n"}


def test_download_and_unzip(lh, deploy_zip, code_proxy, tmp_path: Path) -> None:
    package = make_zip(CODE)
    deploy_zip("orders", package)
    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--download", "--unzip")
    assert result.code == 0, result.err
    assert "wrote function.zip" in result.err and "wrote function.json" in result.err
    assert (tmp_path / "function.zip").read_bytes() == package
    assert (tmp_path / "app.py").read_bytes() == CODE["app.py"]
    assert (tmp_path / "lib" / "util.py").read_bytes() == CODE["lib/util.py"]
    assert len(code_proxy.downloads) == 1
    assert "not-a-secret" not in result.err + result.out


def test_unzip_into_src_folder(lh, deploy_zip, tmp_path: Path) -> None:
    deploy_zip("orders", make_zip(CODE))
    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--unzip", "--src", "src")
    assert result.code == 0, result.err
    assert (tmp_path / "src" / "app.py").read_bytes() == CODE["app.py"]
    assert not (tmp_path / "app.py").exists()
    assert (tmp_path / "function.zip").is_file()
    # the code is where --src says, at deploy time too (lambroll's rule), and it is unchanged
    assert "run deploy and diff with --src src" in result.err, result.err
    diff = lh("-C", tmp_path, "diff", "--code", "--src", "src", "--exit-code")
    assert diff.code == 0, diff.out + diff.err
    planned = lh("-C", tmp_path, "--output", "json", "deploy", "--src", "src", "--dry-run")
    assert planned.code == 0, planned.err
    assert json.loads(planned.out)["steps"] == [], planned.out


@pytest.mark.slow
def test_download_only_keeps_the_zip(lh, deploy_zip, tmp_path: Path) -> None:
    deploy_zip("orders", make_zip(CODE))
    result = lh("-C", tmp_path, "init", "--function-name", "orders", "--download")
    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".lambdaignore",
        "function.json",
        "function.zip",
        "lambherd-import.json",
    ]


def test_zip_slip_is_refused_and_nothing_written(lh, deploy_zip, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    deploy_zip("evil", make_zip({"app.py": b"x", "../escaped.py": b"owned"}))
    result = lh("-C", work, "init", "--function-name", "evil", "--unzip")
    assert result.code == 1
    assert result.err.startswith("error: ") and "Traceback" not in result.err
    assert not (tmp_path / "escaped.py").exists()
    assert not (work / "function.json").exists()
    assert not (work / "function.zip").exists()
    assert [p.name for p in work.iterdir() if p.name.startswith(".function")] == []


def test_symlink_out_of_the_target_is_refused(lh, deploy_zip, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    deploy_zip("link", make_zip({"app.py": b"x"}, symlinks={"passwd": "../../../etc/passwd"}))
    result = lh("-C", work, "init", "--function-name", "link", "--unzip")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert not (work / "passwd").is_symlink()
    assert not (work / "function.json").exists()


@pytest.mark.slow
def test_zip_bomb_is_refused(lh, deploy_zip, tmp_path: Path) -> None:
    # 300 MB of zeros compress to ~300 KB: over Lambda's 250 MB unzipped limit.
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("zeros.bin", "w", force_zip64=True) as out,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(300):
            out.write(chunk)
    deploy_zip("bomb", bomb.getvalue())
    result = lh("-C", tmp_path, "init", "--function-name", "bomb", "--unzip")
    assert result.code == 1
    assert "Traceback" not in result.err
    extracted = tmp_path / "zeros.bin"
    assert not extracted.exists() or extracted.stat().st_size < 300 * 1024 * 1024
    assert not (tmp_path / "function.json").exists()


def test_existing_source_files_are_not_overwritten(lh, deploy_zip, tmp_path: Path) -> None:
    deploy_zip("orders", make_zip(CODE))
    (tmp_path / "app.py").write_text("# my local edits\n")
    refused = lh("-C", tmp_path, "init", "--function-name", "orders", "--unzip")
    assert refused.code == 1
    assert "app.py" in refused.err and "--force" in refused.err
    assert (tmp_path / "app.py").read_text() == "# my local edits\n"
    assert not (tmp_path / "function.json").exists()

    forced = lh("-C", tmp_path, "init", "--function-name", "orders", "--unzip", "--force")
    assert forced.code == 0, forced.err
    assert (tmp_path / "app.py").read_bytes() == CODE["app.py"]


@pytest.mark.slow
def test_image_functions_are_not_downloaded(lh, boto, lambda_role, code_proxy, tmp_path) -> None:
    boto("lambda").create_function(
        FunctionName="img",
        Role=lambda_role,
        PackageType="Image",
        Code={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:latest"},
    )
    result = lh("-C", tmp_path, "init", "--function-name", "img", "--download")
    assert result.code == 0, result.err
    assert "PackageType Image" in result.err and "nothing downloaded" in result.err
    assert not (tmp_path / "function.zip").exists()
    assert json.loads((tmp_path / "function.json").read_text())["PackageType"] == "Image"


def test_moto_location_unreachable_is_one_line(lh, boto, lambda_role, aws, tmp_path) -> None:
    boto("lambda").create_function(
        FunctionName="far",
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        Code={"ZipFile": make_zip(CODE)},
    )
    # moto's own Location (amazonaws.com) cannot be resolved from the test machine.
    result = lh("-C", tmp_path, "init", "--function-name", "far", "--download")
    assert result.code == 1
    assert result.err.startswith("error: download code from https://")
    assert len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "function.json").exists()


# ---------------------------------------------------------------------------------------
# download_code on its own, against a local file server
# ---------------------------------------------------------------------------------------
class _FileServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    body = b""
    send_length = True


class _FileHandler(http.server.BaseHTTPRequestHandler):
    server: _FileServer

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        if self.path.startswith("/missing"):
            self.send_error(404)
            return
        self.send_response(200)
        if self.server.send_length:
            self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        try:
            self.wfile.write(self.server.body)
        except ConnectionResetError:
            return  # the size-capped client hung up on purpose


@pytest.fixture
def file_server() -> Iterator[_FileServer]:
    server = _FileServer(("127.0.0.1", 0), _FileHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: _FileServer, path: str = "/code.zip") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_download_checks_code_sha256(file_server, tmp_path: Path) -> None:
    import base64
    import hashlib

    file_server.body = b"zip bytes"
    good = base64.b64encode(hashlib.sha256(b"zip bytes").digest()).decode()
    dest = tmp_path / "f.zip"
    assert download_code(_url(file_server), dest, expected_sha256=good) == 9
    assert dest.read_bytes() == b"zip bytes"
    with pytest.raises(ArchiveError, match="does not match CodeSha256"):
        download_code(_url(file_server), dest, expected_sha256="AAAA")
    assert not dest.exists()


@pytest.mark.parametrize("send_length", [True, False])
def test_download_is_capped(file_server, tmp_path: Path, send_length: bool) -> None:
    file_server.body = b"x" * (3 * 1024 * 1024)
    file_server.send_length = send_length
    dest = tmp_path / "f.zip"
    with pytest.raises(ArchiveError, match="download limit"):
        download_code(_url(file_server), dest, max_bytes=1024 * 1024)
    assert not dest.exists()


def test_download_errors_name_the_url_without_its_query(file_server, tmp_path: Path) -> None:
    with pytest.raises(AwsError, match=r"HTTP 404") as info:
        download_code(_url(file_server, "/missing?X-Amz-Signature=s3cr3t"), tmp_path / "f.zip")
    assert "s3cr3t" not in str(info.value)
    with pytest.raises(AwsError, match="http"):
        download_code("file:///etc/passwd", tmp_path / "f.zip")
    assert not (tmp_path / "f.zip").exists()
