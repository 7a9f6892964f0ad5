"""moto's host -> service lookup, cached by the sandbox: the same routing as moto's own, without
listing moto's service folders again for a host it has seen."""

from __future__ import annotations

import os
from typing import Any

import pytest

from lambherd.sandbox import moto_state

REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1", "cn-north-1", "us-gov-west-1", "xx-nope-9")


def _hosts() -> list[str | None]:
    import moto.backend_index as backend_index
    import moto.backends as backends

    services = sorted({name for name, _ in backend_index.backend_url_patterns})
    hosts: list[str | None] = [None, "moto_api", "instance_metadata", "127.0.0.1:4566"]
    hosts += [f"{s}.{r}.amazonaws.com" for s in services for r in REGIONS]
    hosts += [f"{s}.amazonaws.com" for s in services]  # global forms (iam, budgets...)
    hosts += list(backends.list_of_moto_modules())  # folder names moto accepts as hosts
    hosts += [
        "s3control",
        "dynamodb_v20111205",
        "bucket.s3.amazonaws.com",
        "bucket.s3.eu-west-1.amazonaws.com",
        "data.mediastore.eu-west-1.amazonaws.com",
        "runtime.sagemaker.us-east-1.amazonaws.com",
        "nothing.example.com",
    ]
    return hosts


def test_the_cached_lookup_routes_every_host_as_moto_does() -> None:
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    plain, cached = moto_state.wsgi_app(cached=False), moto_state.wsgi_app()
    hosts = _hosts()
    assert len(hosts) > 500
    for host in hosts:
        want = moto_state.service_for_host(host, app=plain)
        assert moto_state.service_for_host(host, app=cached) == want, host
        assert moto_state.service_for_host(host, app=cached) == want, host  # from the cache
    assert moto_state.service_for_host("lambda.eu-west-1.amazonaws.com", app=cached) == "awslambda"


def test_a_host_seen_once_is_not_looked_up_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.backends as backends

    listings: list[int] = []
    real = backends.list_of_moto_modules

    def counted() -> Any:
        listings.append(1)
        return real()

    monkeypatch.setattr(backends, "list_of_moto_modules", counted)
    cached, plain = moto_state.wsgi_app(), moto_state.wsgi_app(cached=False)
    for _ in range(3):
        cached.get_backend_for_host("lambda.eu-west-1.amazonaws.com")
    assert len(listings) == 1
    for _ in range(3):
        plain.get_backend_for_host("lambda.eu-west-1.amazonaws.com")
    assert len(listings) == 4  # moto's own lists its folders on every request
