"""The layer versions a function uses, downloaded from the account into the layer cache
(``local.layers``) so local runs and tests find them without ``--layer-dir``.

On import (the ``layers`` writer: no file, a note per layer) and on a local run whose layers
are not cached yet. Each version is downloaded once (GetLayerVersionByArn's Content.Location,
checked against its CodeSha256), extracted safely, and renamed into place when complete.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from lambherd.errors import AwsError, LambherdError, LocalRuntimeError, describe_client_error
from lambherd.importing.writers import FileText, ImportContext, ImportWriter
from lambherd.local.layers import COMPLETE, cached_layer, layer_folder


def fetch_layer(clients: Any, arn: str, root: Path | None = None) -> Path:
    """The cached folder of layer version ``arn``, downloaded first when it is not cached."""
    from botocore.exceptions import ClientError

    from lambherd.archive.extract import safe_extract
    from lambherd.importing.download import download_code

    found = cached_layer(arn, root)
    if found is not None:
        return found
    try:
        content = clients.client("lambda").get_layer_version_by_arn(Arn=arn)["Content"]
    except ClientError as exc:
        raise describe_client_error(exc, f"read layer {arn}") from exc
    location = content.get("Location")
    if not location:
        raise AwsError(f"layer {arn}: GetLayerVersionByArn returned no Content.Location")
    folder = layer_folder(arn, root)
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        zipped = temp / "layer.zip"
        download_code(location, zipped, expected_sha256=content.get("CodeSha256"))
        tree = temp / "content"
        tree.mkdir()
        safe_extract(zipped, tree)
        (tree / COMPLETE).write_text(arn + "\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)  # half-made by a run that died
        tree.rename(folder)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return folder


def account_layers(clients_of: Any, arns: list[str]) -> tuple[Path, ...]:
    """The folders of ``arns`` in order: from the cache, else downloaded with ``clients_of()``."""
    out: list[Path] = []
    for arn in arns:
        try:
            found = cached_layer(arn)
        except ValueError as exc:
            raise LocalRuntimeError(f"Layers: {exc}") from exc
        if found is None:
            try:
                found = fetch_layer(clients_of(), arn)
            except LambherdError as exc:
                raise LocalRuntimeError(
                    f"layer {arn} is not in the layer cache and could not be downloaded "
                    f"({exc.message}); pass --layer-dir, or run `lambherd init --download` "
                    "with access to the account"
                ) from exc
        out.append(found)
    return tuple(out)


def _write(ctx: ImportContext) -> dict[str, FileText]:
    arns = [
        layer.get("Arn") if isinstance(layer, dict) else str(layer)
        for layer in ctx.remote.configuration.get("Layers") or []
    ]
    for arn in [a for a in arns if a]:
        if ctx.clients is None:
            continue
        try:
            folder = fetch_layer(ctx.clients, arn)
        except (LambherdError, ValueError) as exc:
            reason = exc.message if isinstance(exc, LambherdError) else str(exc)
            ctx.notes.append(f"layer {arn} not downloaded for local runs: {reason}")
            continue
        ctx.notes.append(f"layer {arn} cached for local runs in {folder}")
    return {}


WRITER = ImportWriter("layers", _write)
