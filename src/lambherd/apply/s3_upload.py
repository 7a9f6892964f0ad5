"""The S3 upload of a function's zip (issue #20 item 5): streamed from the file, never read
into memory.

One PutObject with the file as its body: botocore reads it in chunks (for the SigV4 payload
hash over plain HTTP, for the checksum, for the socket), so the deploy's memory does not grow
with the zip. One PUT and not a multipart upload: a Lambda zip is at most 250 MiB unzipped,
far under S3's 5 GB single-PUT limit, and only a single PUT gives the object a *full-object*
SHA-256 checksum (a multipart upload's is a checksum of checksums) — the CodeSha256 that
``deploy --skip-archive`` compares with HeadObject.
"""

from __future__ import annotations

from typing import Any

from lambherd.plan.steps import CodeSource


def upload_zip(run: Any, code: CodeSource) -> tuple[str | None, int]:
    """PutObject ``code.zip_path`` to ``code.s3_bucket``/``code.s3_key``, streamed; returns the
    object's VersionId (None without versioning) and the bytes sent."""
    assert code.zip_path is not None
    with open(code.zip_path, "rb") as body:
        size = body.seek(0, 2)
        body.seek(0)
        resp = run.call(
            f"upload code to s3://{code.s3_bucket}/{code.s3_key}",
            "put_object",
            service="s3",
            Bucket=code.s3_bucket,
            Key=code.s3_key,
            Body=body,
            ContentLength=size,
            ChecksumAlgorithm="SHA256",  # = CodeSha256: lets --skip-archive compare
        )
    return resp.get("VersionId"), size
