"""The deployed code streamed to disk (size-capped, checked against CodeSha256, the presigned URL
never shown), and files written atomically (a temporary file in the same folder, then a rename).
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from lambherd.errors import ArchiveError, AwsError

#: Largest code package downloaded: Lambda's own limit on the unzipped package bounds the zip.
MAX_DOWNLOAD_BYTES = 250 * 1024 * 1024
_CHUNK = 1024 * 1024


# ----------------------------------------------------------------------------------------
# Files and downloads
# ----------------------------------------------------------------------------------------
def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        publish(Path(tmp_name), path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def publish(tmp: Path, final: Path) -> None:
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, final)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def download_code(
    url: str,
    dest: Path,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    expected_sha256: str | None = None,
    timeout: float = 60.0,
) -> int:
    """Stream ``url`` into ``dest`` (at most ``max_bytes``); check Lambda's CodeSha256 if given.

    Returns the number of bytes written. On any failure ``dest`` is removed.
    """
    shown = _redact(url)
    if urlsplit(url).scheme not in ("http", "https"):
        raise AwsError(f"download code: unsupported Code.Location {shown!r} (http(s) only)")
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise ArchiveError(
                    f"code package at {shown} is {int(declared)} bytes, "
                    f"over the {max_bytes}-byte download limit"
                )
            with dest.open("wb") as out:
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    size += len(chunk)
                    if size > max_bytes:
                        raise ArchiveError(
                            f"code package at {shown} exceeds the {max_bytes}-byte download limit"
                        )
                    digest.update(chunk)
                    out.write(chunk)
    except urllib.error.HTTPError as exc:
        dest.unlink(missing_ok=True)
        raise AwsError(f"download code from {shown}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        dest.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise AwsError(f"download code from {shown}: {reason}") from exc
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    if expected_sha256:
        actual = base64.b64encode(digest.digest()).decode("ascii")
        if actual != expected_sha256:
            dest.unlink(missing_ok=True)
            raise ArchiveError(
                f"downloaded code from {shown} does not match CodeSha256 "
                f"(got {actual}, expected {expected_sha256})"
            )
    return size


def _redact(url: str) -> str:
    """The URL without its query string (a presigned URL's query carries a signature)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
