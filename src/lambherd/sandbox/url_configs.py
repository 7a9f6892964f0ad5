"""Function URL configs: stable ids, the addresses the sandbox serves them on, their times.

moto keeps URL configs but serves nothing and makes up a random ``*.on.aws`` address on each
replay. The sandbox gives each URL a stable id derived from (account, region, function,
qualifier), reports the address it serves it on (see ``function_url``) and stamps CreationTime /
LastModifiedTime with the request's time. ListFunctionUrlConfigs, which moto lacks, is answered
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from lambherd.local import function_urls
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import Route, error, json_doc, lambda_time, ok, replace_json, with_field

PATH_PREFIX = "/_lambda_url/"


@dataclass(frozen=True)
class UrlTarget:
    """The function (and qualifier) a URL id stands for."""

    key: FunctionKey
    qualifier: str | None


def url_id(key: FunctionKey, qualifier: str | None) -> str:
    """The stable 32-character id of a function's URL (the same after every restart)."""
    return function_urls.url_id(key.account, key.region, key.name, qualifier)


def public_url(host: str, uid: str) -> str:
    """The FunctionUrl the sandbox reports: the path form on the host the client used."""
    return f"http://{host}{PATH_PREFIX}{uid}/"


class UrlConfigs:
    """Which URL ids exist and what they stand for."""

    def __init__(self, facade: MotoFacade, endpoint: str) -> None:
        self._facade = facade
        self._endpoint = endpoint
        self._targets: dict[str, UrlTarget] = {}

    def reset(self) -> None:
        """Forget every URL (``sandbox reset``)."""
        with self._facade.transaction():
            self._targets.clear()

    def snapshot(self) -> dict[str, Any]:
        """The URLs that exist (a stateful room: they survive restarts)."""
        with self._facade.transaction():
            return {"urls": [[*t.key, t.qualifier] for t in self._targets.values()]}

    def restore(self, doc: dict[str, Any]) -> None:
        """The URLs as they were."""
        with self._facade.transaction():
            self._targets = {
                url_id(key, q): UrlTarget(key, q)
                for key, q in ((FunctionKey(a, r, n), q) for a, r, n, q in doc.get("urls", []))
            }

    def target(self, uid: str) -> UrlTarget | None:
        """The function a URL id stands for, if that URL exists."""
        with self._facade.transaction():
            return self._targets.get(uid)

    def auth_type(self, target: UrlTarget) -> str | None:
        """The AuthType of the URL's config (None when it has none any more)."""
        return self._facade.url_auth_type(target.key)

    def config(self, target: UrlTarget) -> dict[str, Any]:
        """The URL's config as moto keeps it (Cors, InvokeMode...); {} when it has none."""
        return self._facade.url_config(target.key) or {}

    def invoke_mode(self, target: UrlTarget) -> str:
        """The URL's InvokeMode (``BUFFERED`` unless it says ``RESPONSE_STREAM``)."""
        return str(self.config(target).get("InvokeMode") or "BUFFERED").upper()

    def remember(self, key: FunctionKey, qualifier: str | None) -> None:
        """A URL config was created or updated."""
        with self._facade.transaction():
            self._targets[url_id(key, qualifier)] = UrlTarget(key, qualifier)

    def forget(self, key: FunctionKey, qualifier: str | None) -> None:
        """A URL config was deleted."""
        with self._facade.transaction():
            self._targets.pop(url_id(key, qualifier), None)

    def forget_function(self, key: FunctionKey) -> None:
        """The function was deleted: all its URLs go."""
        with self._facade.transaction():
            for uid in [u for u, t in self._targets.items() if t.key == key]:
                del self._targets[uid]

    def stamp(self, key: FunctionKey, resp: Response, at: datetime, *, created: bool) -> Response:
        """CreationTime / LastModifiedTime of a URL config: the request's time, Lambda's format."""
        stamp = lambda_time(at)
        creation = self._facade.stamp_url(key, stamp, created=created)
        if creation is None:
            return resp
        resp = with_field(resp, "LastModifiedTime", stamp)
        return with_field(resp, "CreationTime", creation)

    def fix(
        self, resp: Response, environ: dict[str, Any], route: Route, key: FunctionKey
    ) -> Response:
        """Replace moto's made-up ``*.on.aws`` FunctionUrl with the one the sandbox serves."""
        doc = json_doc(resp.get_data())
        if not doc:
            return resp
        host = environ.get("HTTP_HOST") or self._endpoint.split("://", 1)[-1]
        configs = doc.get("FunctionUrlConfigs") or ([doc] if "FunctionUrl" in doc else [])
        for config in configs:
            qualifier = route.qualifier
            if route.sub == "urls" or qualifier is None:
                with self._facade.transaction():
                    known = [t for t in self._targets.values() if t.key == key]
                qualifier = known[0].qualifier if known else qualifier
            config["FunctionUrl"] = public_url(host, url_id(key, qualifier))
        return replace_json(resp, doc)

    def list(self, route: Route, environ: dict[str, Any], key: FunctionKey) -> Response:
        """ListFunctionUrlConfigs (moto lacks it)."""
        if self._facade.function_arn(key) is None:
            return error(404, "ResourceNotFoundException", f"Function not found: {key.name}")
        config = self._facade.url_config(key)
        doc = {"FunctionUrlConfigs": [config] if config is not None else []}
        return self.fix(ok(doc), environ, route, key)
