"""Read Terraform state (format version 4) and look up values by address.

Addresses follow lambroll / tfstate-lookup::

    aws_iam_role.lambda.arn                    a managed resource's attribute
    data.aws_iam_role.x.arn                    a data source
    module.m.aws_x.y.id, module.a.module.b...  resources in (nested) modules
    aws_security_group.internal['a'].id        a for_each instance (quotes ' or ")
    aws_subnet.s[0].id                         a count instance
    aws_x.y.tags.Name, aws_x.y.list[1].key     paths into nested values
    output.name, output.list[0]                root outputs

A state comes from a local path (``file://`` allowed) or ``s3://bucket/key`` (read through
``clients.client("s3")``). Each state is read once: local files are cached by path and
modification time, S3 objects per clients object.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambherd.errors import TemplateError, describe_client_error

SUPPORTED_VERSION = 4
_PATH_TOKEN_RE = re.compile(r"""\.([^.\[\]]+)|\[\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+))\s*\]""")


class TerraformState:
    """One parsed state: instances indexed by their address, plus root outputs."""

    def __init__(self, document: dict[str, Any], source: str) -> None:
        self.source = source
        version = document.get("version")
        if version != SUPPORTED_VERSION:
            raise TemplateError(
                f"{source}: Terraform state version {version} is not supported "
                f"(only version {SUPPORTED_VERSION}, Terraform 0.12 and later)"
            )
        self._objects: dict[str, Any] = {}
        for name, output in (document.get("outputs") or {}).items():
            value = output.get("value") if isinstance(output, dict) else output
            self._objects[f"output.{name}"] = value
        for resource in document.get("resources") or []:
            self._index_resource(resource)

    def _index_resource(self, resource: dict[str, Any]) -> None:
        module = resource.get("module") or ""
        prefix = f"{module}." if module else ""
        if resource.get("mode") == "data":
            prefix += "data."
        elif resource.get("mode") != "managed":
            return
        base = f"{prefix}{resource.get('type')}.{resource.get('name')}"
        for instance in resource.get("instances") or []:
            attributes = instance.get("attributes")
            if attributes is None:
                attributes = instance.get("attributes_flat")
            if resource.get("type") == "terraform_remote_state" and isinstance(attributes, dict):
                outputs = attributes.get("outputs")
                if isinstance(outputs, dict) and "value" in outputs:
                    attributes = {**attributes, "outputs": outputs["value"]}
            if "index_key" in instance:
                key = json.dumps(instance["index_key"], ensure_ascii=False)
                self._objects[f"{base}[{key}]"] = attributes
            else:
                self._objects[base] = attributes

    def lookup(self, address: str) -> Any:
        """The value at ``address``; TemplateError naming the address and the state if absent."""
        normalized = _normalize_address(address)
        best = ""
        for name in self._objects:
            if len(name) > len(best) and normalized.startswith(name):
                rest = normalized[len(name) :]
                if rest == "" or rest[0] in ".[":
                    best = name
        if not best:
            raise TemplateError(f"{address} is not found in Terraform state {self.source}")
        value = self._objects[best]
        rest = normalized[len(best) :]
        try:
            value = _walk(value, rest)
        except LookupError:
            raise TemplateError(
                f"{address} is not found in Terraform state {self.source}"
            ) from None
        if value is None:
            raise TemplateError(f"{address} is null in Terraform state {self.source}")
        return value


def _normalize_address(address: str) -> str:
    """Single quotes become double quotes and ``[ "a" ]`` spacing is removed."""
    text = address.strip().replace("'", '"')
    return re.sub(r"\[\s*(\"[^\"]*\"|-?\d+)\s*\]", r"[\1]", text)


def _walk(value: Any, path: str) -> Any:
    pos = 0
    while pos < len(path):
        match = _PATH_TOKEN_RE.match(path, pos)
        if match is None:
            raise LookupError(path)
        name, quoted, index = match.groups()
        if index is not None:
            if not isinstance(value, list):
                if isinstance(value, dict) and index in value:
                    value = value[index]
                else:
                    raise LookupError(path)
            else:
                value = value[int(index)]
        else:
            key = name if name is not None else json.loads(f'"{quoted}"')
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.lstrip("-").isdigit():
                value = value[int(key)]
            else:
                raise LookupError(path)
        pos = match.end()
    return value


# --------------------------------------------------------------------------------------
# Reading, with a cache
# --------------------------------------------------------------------------------------
_lock = threading.Lock()
_local_cache: dict[tuple[str, int, int], TerraformState] = {}
_s3_cache: weakref.WeakKeyDictionary[Any, dict[str, TerraformState]] = weakref.WeakKeyDictionary()


def read_state(
    location: str, clients: Callable[[], Any], base_dir: Path | None = None
) -> TerraformState:
    """The state at ``location`` (a path, ``file://`` URL or ``s3://bucket/key``), cached.

    ``clients`` is called only for S3 locations and must return an ``AwsClients``. A relative
    path is taken from the current directory, or else from ``base_dir`` when it exists there.
    """
    if location.startswith("s3://"):
        return _read_s3(location, clients())
    path = Path(location.removeprefix("file://")).expanduser()
    if not path.is_absolute() and not path.exists() and base_dir is not None:
        path = base_dir / path
    try:
        stat = path.stat()
    except OSError as exc:
        raise TemplateError(f"{location}: cannot read Terraform state: {exc.strerror}") from exc
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _local_cache.get(key)
    if cached is not None:
        return cached
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{location}: cannot read Terraform state: {exc.strerror}") from exc
    state = TerraformState(_parse(text, location), location)
    with _lock:
        _local_cache[key] = state
    return state


def _read_s3(location: str, clients: Any) -> TerraformState:
    with _lock:
        per_clients = _s3_cache.setdefault(clients, {})
        cached = per_clients.get(location)
    if cached is not None:
        return cached
    bucket, _, key = location.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise TemplateError(f"{location}: expected s3://BUCKET/KEY for a Terraform state")
    from botocore.exceptions import ClientError

    try:
        body = clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        raise describe_client_error(exc, f"read Terraform state {location}") from exc
    state = TerraformState(_parse(body.decode("utf-8"), location), location)
    with _lock:
        per_clients[location] = state
    return state


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{source}: not a Terraform state: invalid JSON: {exc.msg}") from exc
    if not isinstance(document, dict):
        raise TemplateError(f"{source}: not a Terraform state (expected a JSON object)")
    return document
