"""The concurrency concern's remote part (read only when the definition has a concurrency.json):
reserved concurrency, every provisioned concurrency configuration, and the scalable target of
each alias or version the file names, with its scheduled actions and scaling policies.

Also what ``init --download`` / ``import --all`` write from it (``imported_document``) and the
scaling to remove before a function is deleted (``cleanup_steps``).
"""

from __future__ import annotations

from typing import Any

from lambherd.concurrency.documents import document_from_remote
from lambherd.concurrency.model import (
    SCALABLE_DIMENSION,
    SERVICE_NAMESPACE,
    resource_id,
)
from lambherd.errors import describe_client_error
from lambherd.pipeline.remote import RemotePart, RemoteReader
from lambherd.plan.concurrency_planner import (
    SIDECAR,
    ConcurrencyRemote,
    DeregisterScalableTarget,
    ProvisionedConfig,
    ScalableTarget,
)

#: DescribeScalableTargets takes at most this many ResourceIds.
_IDS_PER_CALL = 50


def read_concurrency_remote(
    reader: RemoteReader, name: str, sidecar: dict[str, Any] | None
) -> ConcurrencyRemote:
    """What the function has; scalable targets of the qualifiers ``sidecar`` names (of every
    qualifier with provisioned concurrency or an alias when ``sidecar`` is None)."""
    from lambherd.concurrency.model import read_concurrency

    lam = reader.lam
    config = read_concurrency(sidecar, []) if sidecar is not None else None
    got = reader.optional(
        lambda: lam.get_function_concurrency(FunctionName=name),
        f"read reserved concurrency of {name}",
    )
    reserved = (got or {}).get("ReservedConcurrentExecutions")
    if config is not None and not config.qualifiers():  # reserved only: nothing else is read
        return ConcurrencyRemote(reserved)
    provisioned = read_provisioned(reader, name)
    if config is not None:
        qualifiers = [q for q in config.qualifiers() if q != "$LATEST"]
    else:
        aliases = reader.paginate("list_aliases", "Aliases", FunctionName=name)
        qualifiers = list(dict.fromkeys([*provisioned, *(str(a["Name"]) for a in aliases)]))
    targets = read_targets(reader.clients, name, qualifiers) if qualifiers else {}
    return ConcurrencyRemote(reserved, provisioned, targets)


def read_provisioned(reader: RemoteReader, name: str) -> dict[str, ProvisionedConfig]:
    """qualifier -> its provisioned concurrency configuration (aliases and versions)."""
    lam = reader.lam
    return {
        _qualifier(c): _config(c)
        for c in _all(
            reader,
            lambda token: lam.list_provisioned_concurrency_configs(
                FunctionName=name, **({"Marker": token} if token else {})
            ),
            "ProvisionedConcurrencyConfigs",
            "NextMarker",
            f"list provisioned concurrency of {name}",
        )
    }


def read_targets(clients: Any, name: str, qualifiers: list[str]) -> dict[str, ScalableTarget]:
    """qualifier -> its scalable target (with actions and policies), for those that have one."""
    aas = clients.client("application-autoscaling")
    ids = {resource_id(name, q): q for q in qualifiers}
    found: dict[str, ScalableTarget] = {}
    chunks = [list(ids)[i : i + _IDS_PER_CALL] for i in range(0, len(ids), _IDS_PER_CALL)]
    for chunk in chunks:
        described = _aas(
            lambda chunk=chunk: [
                t
                for page in aas.get_paginator("describe_scalable_targets").paginate(
                    ServiceNamespace=SERVICE_NAMESPACE,
                    ResourceIds=chunk,
                    ScalableDimension=SCALABLE_DIMENSION,
                )
                for t in page.get("ScalableTargets", [])
            ],
            f"describe scalable targets of {name}",
        )
        for target in described:
            rid = str(target["ResourceId"])
            if rid not in ids:
                continue
            actions = _aas(
                lambda rid=rid: [
                    a
                    for page in aas.get_paginator("describe_scheduled_actions").paginate(
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=rid,
                        ScalableDimension=SCALABLE_DIMENSION,
                    )
                    for a in page.get("ScheduledActions", [])
                ],
                f"describe scheduled actions of {rid}",
            )
            policies = _aas(
                lambda rid=rid: [
                    p
                    for page in aas.get_paginator("describe_scaling_policies").paginate(
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=rid,
                        ScalableDimension=SCALABLE_DIMENSION,
                    )
                    for p in page.get("ScalingPolicies", [])
                ],
                f"describe scaling policies of {rid}",
            )
            found[ids[rid]] = ScalableTarget(
                int(target.get("MinCapacity") or 0),
                int(target.get("MaxCapacity") or 0),
                tuple(actions),
                tuple(policies),
            )
    return found


def _aas(fn: Any, action: str) -> Any:
    from botocore.exceptions import ClientError

    from lambherd.retry import call_with_retry

    try:
        return call_with_retry(fn)
    except ClientError as exc:
        raise describe_client_error(exc, action) from exc


def _all(reader: RemoteReader, call: Any, key: str, marker: str, action: str) -> list[Any]:
    def read_all() -> dict[str, Any]:
        items, token = [], None
        while True:
            page = call(token)
            items.extend(page.get(key, []))
            token = page.get(marker)
            if not token:
                return {"items": items}

    return reader.call(read_all, action)["items"]


def _qualifier(config: dict[str, Any]) -> str:
    return str(config.get("FunctionArn", "")).rsplit(":", 1)[-1]


def _config(config: dict[str, Any]) -> ProvisionedConfig:
    return ProvisionedConfig(
        requested=int(config.get("RequestedProvisionedConcurrentExecutions") or 0),
        available=int(config.get("AvailableProvisionedConcurrentExecutions") or 0),
        allocated=int(config.get("AllocatedProvisionedConcurrentExecutions") or 0),
        status=str(config.get("Status") or "READY"),
        reason=config.get("StatusReason"),
    )


PART = RemotePart(SIDECAR, read_concurrency_remote)


# -- import ----------------------------------------------------------------------------------
def imported_document(clients: Any, name: str) -> dict[str, Any] | None:
    """concurrency.json for what the deployed function has (None: it has none of it), so
    that the first plan after an import is empty."""
    remote = read_concurrency_remote(RemoteReader(clients), name, None)
    return document_from_remote(remote)


# -- delete / prune --------------------------------------------------------------------------
#: Application Auto Scaling refusals that leave a delete to go on without scaling cleanup.
_NO_SCALING_READ = {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "404"}


def cleanup_steps(clients: Any, name: str) -> tuple[DeregisterScalableTarget, ...]:
    """DeregisterScalableTarget of every scalable target on the function's aliases and
    versions: what a delete (or a prune) removes first, so none is left pointing at nothing.
    Credentials that may not read Application Auto Scaling get none (the delete goes on)."""
    from lambherd.errors import AwsError

    reader = RemoteReader(clients)
    aliases = reader.paginate("list_aliases", "Aliases", FunctionName=name)
    versions = reader.paginate("list_versions_by_function", "Versions", FunctionName=name)
    qualifiers = [str(a["Name"]) for a in aliases]
    qualifiers += [str(v["Version"]) for v in versions if v.get("Version") != "$LATEST"]
    try:
        targets = read_targets(clients, name, qualifiers) if qualifiers else {}
    except AwsError as exc:
        if exc.code not in _NO_SCALING_READ:
            raise
        return ()
    return tuple(DeregisterScalableTarget(q, resource_id(name, q)) for q in sorted(targets))
