"""The moto facade's CloudWatch-metrics half (``moto_facade`` is at its size limit): moto's
metric series made to answer as CloudWatch does. With ``moto_facade``, the only module that
touches moto.

CloudWatch identifies a series by namespace, name and its *exact* set of dimensions:
GetMetricStatistics with ``FunctionName=F`` reads the series of exactly that set, not those of
``FunctionName+Resource`` too, and ListMetrics lists each series once. moto 5.2 matches any
datum holding the requested dimensions (so Lambda's three dimension sets add up three times)
and lists one entry per datum with more than one dimension. ``match_dimensions_exactly`` wraps
the two backend methods (the instance attributes, so only the backends this process serves).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.Lock()
_MARK = "_lambherd_series"


def match_dimensions_exactly(account: str, region: str) -> None:
    """Make a CloudWatch backend read and list series by exact dimension set (idempotent; call
    before each use: moto's reset rebuilds a backend's attributes)."""
    from moto.cloudwatch.models import cloudwatch_backends

    with _LOCK:
        backend = cloudwatch_backends[account][region]
        if getattr(backend, _MARK, False):
            return
        backend.get_metric_statistics = _statistics(backend.get_metric_statistics)
        backend.get_filtered_metrics = _listing(backend.get_filtered_metrics)
        setattr(backend, _MARK, True)


def _series(datum: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((d.name, d.value) for d in datum.dimensions))


def _statistics(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    def get_metric_statistics(*args: Any, **kwargs: Any) -> list[Any]:
        dims = kwargs["dimensions"] if "dimensions" in kwargs else args[6]
        wanted = tuple(sorted((d["Name"], d.get("Value")) for d in dims or []))
        out = []
        for period in original(*args, **kwargs):  # each holds the datums it is computed from
            period.metric_data = [md for md in period.metric_data if _series(md) == wanted]
            if period.metric_data:
                out.append(period)
        return out

    return get_metric_statistics


def _listing(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    def get_filtered_metrics(*args: Any, **kwargs: Any) -> list[Any]:
        seen: set[tuple[Any, ...]] = set()
        out = []
        for datum in original(*args, **kwargs):
            key = (datum.namespace, datum.name, _series(datum))
            if key not in seen:
                seen.add(key)
                out.append(datum)
        return out

    return get_filtered_metrics
