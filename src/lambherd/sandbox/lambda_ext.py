"""What lambherd adds in front of moto's Lambda: the dispatch of a Lambda request to its rooms.

moto keeps functions, versions, aliases, code, URL configs and tags. This layer routes each
request through the checks before moto (RevisionIds, the reserved-concurrency floor, refusing
``DeleteFunction`` of ``$LATEST`` by qualifier) and the fixes after it (version numbers, times,
RevisionIds, fields moto drops, URLs), each in its own module: ``revisions``, ``versions``,
``concurrency``, ``url_configs``, ``policy``, ``roles``, ``configurations``. Invokes go to
``invoker``. State lives in ``moto_facade`` (moto's and ours), keyed by (account, region, name).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

from lambherd.function_names import create_name_problem
from lambherd.sandbox import policy
from lambherd.sandbox.concurrency import DEFAULT_ACCOUNT_CONCURRENCY, Concurrency
from lambherd.sandbox.configurations import Configurations
from lambherd.sandbox.invoker import Invoker, RunConfig
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.persistence import REPLAY_ENVIRON_KEY, request_time
from lambherd.sandbox.revisions import Revisions
from lambherd.sandbox.roles import ensure_role
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.url_configs import UrlConfigs
from lambherd.sandbox.versions import Versions
from lambherd.sandbox.wire import (
    Route,
    error,
    json_doc,
    lambda_time,
    moto_stamp,
    split_name,
    with_field,
)

MotoCall = Callable[[dict[str, Any], bytes], Response]
_LAYER_VERSIONS = re.compile(r"^/\d{4}-\d{2}-\d{2}/layers/[^/]+/versions/?$")


class LambdaLayer:
    """Handles Lambda requests: our own APIs, checks before moto, and fixes to moto's answers."""

    def __init__(
        self,
        call_moto: MotoCall,
        state_dir: Path,
        endpoint: str,
        *,
        account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY,
        telemetry: Any = None,
        facade: MotoFacade | None = None,
    ) -> None:
        self.call_moto = call_moto
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.telemetry = telemetry
        self.facade = facade or MotoFacade()
        self.revisions = Revisions(self.facade)
        self.versions = Versions(self.facade)
        self.concurrency = Concurrency(
            self.facade, self.versions, account_concurrency=account_concurrency
        )
        #: provisioned configs and their allocation (``lambherd.sandbox.provisioned``)
        self.provisioned = self.concurrency.provisioned_room
        self.provisioned.allocator = self._allocate
        self.urls = UrlConfigs(self.facade, endpoint)
        self.configurations = Configurations(self.facade, endpoint)
        self._invoker: Invoker | None = None
        #: the asynchronous queue (sandbox.async_invokes), when the sandbox has one
        self.async_invokes: Any = None

    # -- state ------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything (``sandbox reset``)."""
        with self.facade.transaction():
            self.revisions.reset()
            self.facade.forget()
            self.urls.reset()
            invoker, self._invoker = self._invoker, None
        if invoker is not None:
            invoker.close()

    def warnings(self) -> list[str]:
        """What the local emulator warned about (e.g. a runtime run by another Python)."""
        return self._invoker.warnings() if self._invoker is not None else []

    def close(self) -> None:
        """Stop every execution environment."""
        if self._invoker is not None:
            self._invoker.close()

    # -- invokes ----------------------------------------------------------------------------
    def is_invoke(self, route: Route) -> bool:
        """True for the Invoke API (served outside the write lock, never journaled)."""
        return route.kind == "functions" and route.sub == "invocations" and route.method == "POST"

    def invoke(
        self, route: Route, environ: dict[str, Any], body: bytes, account: str, region: str
    ) -> Response:
        """Run the function through the local emulator."""
        return self.invoker().invoke(route, environ, body, account, region)

    def invoker(self) -> Invoker:
        """The Invoker (made on first use)."""
        with self.facade.transaction():
            if self._invoker is None:
                self._invoker = Invoker(self, self.state_dir, self.endpoint, self.telemetry)
                self._invoker.on_registered = self._refresh
            return self._invoker

    def pick_version(self, key: FunctionKey, qualifier: str) -> str | None:
        """The version an invoke of ``qualifier`` runs (alias weights followed; an alias whose
        provisioned concurrency Lambda is moving still runs its old version)."""
        serving = None if qualifier.isdigit() else self.provisioned.serving(key, qualifier)
        return serving or self.versions.pick(key, qualifier)

    def run_config(self, key: FunctionKey, version: str) -> RunConfig | None:
        """What the invoker needs to run one version, None when it does not exist."""
        with self.facade.transaction():
            config = self.facade.version_config(key, version)
            if config is None:
                return None
            return RunConfig(
                config=config,
                provisioned=0,  # allocated by the provisioned room, not at registration
                log_group=self.configurations.log_group(key, version),
            )

    def provisioned_by_version(self, key: FunctionKey) -> dict[str, int]:
        """Provisioned environments per version number."""
        return self.concurrency.by_version(key)

    def _refresh(self, key: FunctionKey) -> None:
        self.provisioned.allocate(key)

    def _allocate(self, key: FunctionKey, counts: dict[str, int], on_started: Any) -> Any:
        """The provisioned room's allocator: the counts applied by the local emulator."""
        if self.facade.function_arn(key) is None:
            return {}
        return self.invoker().apply_provisioned(key, counts, on_started)

    # -- dispatch -----------------------------------------------------------------------
    def handle(
        self, route: Route, environ: dict[str, Any], body: bytes, account: str, region: str
    ) -> Response:
        """Serve one (non-invoke) Lambda request."""
        with self.facade.transaction():
            return self._handle(route, environ, body, account, region)

    def _handle(
        self, route: Route, environ: dict[str, Any], body: bytes, account: str, region: str
    ) -> Response:
        if route.kind == "account-settings":
            return self.concurrency.account_settings(account, region)
        name, sub, method = route.function, route.sub, route.method
        if name is None:
            if method == "POST":  # CreateFunction
                return self.create(environ, body, account, region)
            return self.configurations.fix_listing(self.call_moto(environ, body), account, region)
        key = FunctionKey(account, region, name)
        doc = json_doc(body)
        if sub == "provisioned-concurrency":
            replaying = bool(environ.get(REPLAY_ENVIRON_KEY))
            return self.concurrency.provisioned(
                route, key, doc, request_time(environ), replaying=replaying
            )
        if sub == "urls" and method == "GET":  # ListFunctionUrlConfigs: moto lacks it
            return self.urls.list(route, environ, key)
        if (sub, method) == ("versions", "GET") and self.facade.function_arn(key) is None:
            arn = f"arn:aws:lambda:{region}:{account}:function:{name}"  # moto lists nothing
            return error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        stale = self.revisions.stale(route, key, doc)
        if stale is not None:
            return stale
        if sub is None and method == "DELETE":
            return self._delete(route, key, environ, body)
        if sub == "concurrency" and method == "PUT":
            refused = self.concurrency.check_reserved(key, doc)
            if refused is not None:
                return refused
        if sub == "policy" and method in {"POST", "DELETE"}:
            environ, body = policy.without_revision(environ, body)
        publishes = (sub, method) == ("versions", "POST") or (
            (sub, method) == ("code", "PUT") and bool(doc.get("Publish"))
        )
        published_before = self.versions.count(key) if publishes else 0
        moving = sub == "aliases" and method == "PUT" and route.rest
        was = self.facade.resolve(key, route.rest) if moving else None
        resp = self.call_moto(environ, body)
        if resp.status_code >= 400:
            return resp
        if moving:  # Lambda moves the alias's provisioned concurrency with it
            now = self.facade.resolve(key, route.rest)
            self.provisioned.alias_moved(key, route.rest, was, now)
        if sub == "aliases" and method == "GET":
            resp = self._moving_weights(key, resp)
        at = request_time(environ)
        if publishes:
            resp = self.versions.number_new(key, published_before, resp)
            resp = self.versions.stamp_new(key, published_before, resp, at)
        if sub == "policy" and method == "GET":
            return policy.fix_policy(self.revisions, key, route.qualifier, resp)
        if sub == "configuration" and method == "PUT":
            self.configurations.keep_fields(key, doc)
        if sub in {"configuration", "code"} and method == "PUT":
            resp = self._touch(key, resp, at)
        if sub == "url" and method in {"POST", "PUT"}:
            resp = self.urls.stamp(key, resp, at, created=method == "POST")
        if method != "GET":
            self._after_change(route, key, doc, resp)
        if sub in {"url", "urls"}:
            return self.urls.fix(resp, environ, route, key)
        return self.configurations.fix(resp, environ, account, region)

    def _moving_weights(self, key: FunctionKey, resp: Response) -> Response:
        """GetAlias/ListAliases of an alias in a provisioned move show Lambda's transient
        routing weight (all traffic still on the old version)."""
        doc = json_doc(resp.get_data())
        entries = doc.get("Aliases") if "Aliases" in doc else [doc]
        changed = False
        for entry in entries or []:
            serving = self.provisioned.serving(key, str(entry.get("Name")))
            if serving:
                entry["RoutingConfig"] = {"AdditionalVersionWeights": {serving: 1.0}}
                changed = True
        if not changed:
            return resp
        resp.set_data(json.dumps(doc))
        return resp

    def _touch(self, key: FunctionKey, resp: Response, at: Any) -> Response:
        """Update ``LastModified`` of ``$LATEST`` as Lambda does (moto keeps the creation time).

        The time is the request's (its recorded one on replay), so a restart keeps it.
        """
        stamp = moto_stamp(at)
        if not self.facade.stamp_last_modified(key, stamp):  # never fail an update for a timestamp
            return resp
        return with_field(resp, "LastModified", stamp)

    def stamp_moto_write(
        self, environ: dict[str, Any], resp: Response, account: str, region: str
    ) -> Response:
        """Stamp what moto made at a write the layer does not route (PublishLayerVersion)."""
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not _LAYER_VERSIONS.match(path):
            return resp
        if resp.status_code >= 400:
            return resp
        arn = json_doc(resp.get_data()).get("LayerVersionArn")
        stamp = lambda_time(request_time(environ))
        if not arn or not self.facade.stamp_layer(account, region, arn, stamp):
            return resp
        return with_field(resp, "CreatedDate", stamp)

    def _after_change(
        self, route: Route, key: FunctionKey, doc: dict[str, Any], resp: Response
    ) -> None:
        sub, method = route.sub, route.method
        if sub == "versions" and method == "POST":
            self.revisions.register_version(key, str(json_doc(resp.get_data()).get("Version", "")))
            return
        if sub == "policy" and route.qualifier and route.qualifier != "$LATEST":
            self.revisions.bump_qualifier(key, route.qualifier)
            return
        if sub == "aliases":
            alias = route.rest if method == "PUT" else doc.get("Name")
            if alias and method in {"POST", "PUT"}:
                self.revisions.bump_alias(key, alias)
            elif route.rest and method == "DELETE":
                self.revisions.drop_alias(key, route.rest)
                self.concurrency.drop(key, route.rest)
                self._refresh(key)
            return
        if sub == "url":
            if method == "DELETE":
                self.urls.forget(key, route.qualifier)
            else:
                self.urls.remember(key, route.qualifier)
        if sub in {"code", "configuration", "policy", "concurrency", "url"}:
            self.revisions.bump_latest(key)
            if sub == "code" and doc.get("Publish"):
                version = str(json_doc(resp.get_data()).get("Version", ""))
                self.revisions.register_version(key, version)
            self._refresh(key)

    # -- create / delete ----------------------------------------------------------------
    def create(self, environ: dict[str, Any], body: bytes, account: str, region: str) -> Response:
        """CreateFunction: make the execution role exist, remember what moto drops."""
        doc = json_doc(body)
        bad_name = create_name_problem(str(doc.get("FunctionName", "")))
        if bad_name is not None:  # what Lambda refuses (moto takes any name)
            return error(400, "ValidationException", bad_name)
        ensure_role(self.facade, self.call_moto, account, region, doc.get("Role", ""))
        resp = self.call_moto(environ, body)
        if resp.status_code >= 400:
            return resp
        key = FunctionKey(account, region, split_name(doc.get("FunctionName", ""))[0])
        stamp = moto_stamp(request_time(environ))
        self.facade.stamp_last_modified(key, stamp, "all")
        resp = with_field(resp, "LastModified", stamp)
        self.configurations.forget_latest(key)
        self.versions.started(key, published=False)
        self.configurations.keep_fields(key, doc)
        self.revisions.bump_latest(key)
        if doc.get("Publish"):
            self.versions.started(key, published=True)
            self.revisions.register_version(key, str(json_doc(resp.get_data()).get("Version", "")))
        return self.configurations.fix(resp, environ, account, region)

    def _delete(
        self, route: Route, key: FunctionKey, environ: dict[str, Any], body: bytes
    ) -> Response:
        qualifier = route.qualifier
        if qualifier == "$LATEST":
            return error(
                400,
                "InvalidParameterValueException",
                "$LATEST version cannot be deleted without deleting the function.",
            )
        if qualifier and not qualifier.isdigit():
            return error(
                400,
                "InvalidParameterValueException",
                f"Deletion of aliases is not supported by DeleteFunction: {qualifier}",
            )
        resp = self.call_moto(environ, body)
        if resp.status_code >= 400:
            return resp
        if qualifier:
            self.configurations.forget_version(key, qualifier)
            self.concurrency.drop(key, qualifier)
        else:
            self.facade.forget(key)
            self.urls.forget_function(key)
        if self._invoker is not None:
            self._invoker.forget(key, qualifier)
        return resp

    # -- code download ----------------------------------------------------------------------
    def code_bytes(self, key: FunctionKey, version: str) -> bytes | None:
        """The zip of a function version, or None when it does not exist."""
        return self.facade.code_zip(key, version)
