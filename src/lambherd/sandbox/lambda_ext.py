"""What lambherd adds in front of moto's Lambda.

moto keeps functions, versions, aliases, code, URL configs and tags; this layer adds what a user of
the real service relies on and moto lacks: invokes that run the invoked version's code in the local
emulator (alias routing weights, ``X-Amz-Executed-Version``, ``LogType=Tail``, ``FunctionError``,
throttling), ``Code.Location`` URLs served by the sandbox, enforced ``RevisionId``\\ s, provisioned
concurrency configs, ``GetAccountSettings`` with the unreserved-concurrency floor, fields moto
drops (``LoggingConfig``), and refusal of requests moto would accept wrongly (deleting
``$LATEST`` by qualifier).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from lambherd.defaults import SANDBOX_ACCESS_KEY, SANDBOX_ACCOUNT_ID
from lambherd.sandbox.function_url import UrlTarget, public_url, url_id
from lambherd.sandbox.persistence import request_time

MotoCall = Callable[[dict[str, Any], bytes], Response]

DEFAULT_ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
_REVISION_NS = uuid.UUID("6f1f2a3e-8a39-4b8e-9d0e-4c1a9b0d5e77")
#: Configuration fields moto drops; kept here and merged into every configuration it returns.
_KEPT_FIELDS = ("LoggingConfig",)
_ROUTE = re.compile(
    r"^/(?P<api>\d{4}-\d{2}-\d{2})/(?P<kind>functions|account-settings)/?"
    r"(?P<fn>[^/]+)?/?(?P<sub>[^/]+)?/?(?P<rest>.+)?$"
)
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")
_LAYER_VERSIONS = re.compile(r"^/\d{4}-\d{2}-\d{2}/layers/[^/]+/versions/?$")


@dataclass(frozen=True)
class Route:
    """A parsed Lambda REST path."""

    method: str
    kind: str
    function: str | None
    qualifier: str | None
    sub: str | None
    rest: str | None
    query: dict[str, str]


def parse_route(environ: dict[str, Any]) -> Route | None:
    """The Lambda route of a request, or None when the path is not a Lambda one."""
    m = _ROUTE.match(environ.get("PATH_INFO", ""))
    if not m:
        return None
    query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    name, qualifier = split_name(unquote(m["fn"])) if m["fn"] else (None, None)
    return Route(
        method=environ.get("REQUEST_METHOD", "GET"),
        kind=m["kind"],
        function=name,
        qualifier=qualifier or query.get("Qualifier"),
        sub=m["sub"],
        rest=unquote(m["rest"]) if m["rest"] else None,
        query=query,
    )


def split_name(name_or_arn: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier`` or a function ARN -> (name, qualifier)."""
    if name_or_arn.startswith("arn:"):
        name_or_arn = name_or_arn.split(":function:", 1)[-1]
    name, _, qualifier = name_or_arn.partition(":")
    return name, qualifier or None


def error(status: int, code: str, message: str, **extra: Any) -> Response:
    """A Lambda-shaped error response (botocore reads the type from the header)."""
    body = {"Type": "User", "message": message, "__type": code, **extra}
    return Response(
        json.dumps(body),
        status=status,
        headers={"x-amzn-ErrorType": code, "Content-Type": "application/json"},
    )


def ok(doc: Any, status: int = 200) -> Response:
    """A JSON response."""
    return Response(json.dumps(doc), status=status, content_type="application/json")


def now_iso(at: datetime | None = None) -> str:
    """Lambda's timestamp format, of ``at`` (default: now)."""
    return (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def moto_stamp(at: datetime) -> str:
    """``at`` in the format moto keeps a function's ``last_modified`` in."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


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
    ) -> None:
        self.call_moto = call_moto
        self.state_dir = state_dir
        self.endpoint = endpoint
        self.account_concurrency = account_concurrency
        self.telemetry = telemetry
        self._lock = threading.RLock()
        self._seq = 0
        self.revisions: dict[tuple[str, str], str] = {}  # (function, "$LATEST"|version)
        self.alias_revisions: dict[tuple[str, str], str] = {}  # (function, alias)
        self.kept: dict[tuple[str, str], dict[str, Any]] = {}  # fields moto drops
        self.provisioned: dict[tuple[str, str], dict[str, Any]] = {}  # (function, qualifier)
        self.urls: dict[str, UrlTarget] = {}  # function URL id -> function
        #: (region, function) -> the highest version number ever published (never reused)
        self.last_version: dict[tuple[str, str], int] = {}
        self._invoker: Any = None

    # -- state ------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything (``sandbox reset``)."""
        with self._lock:
            self._seq = 0
            self.revisions.clear()
            self.alias_revisions.clear()
            self.kept.clear()
            self.provisioned.clear()
            self.urls.clear()
            self.last_version.clear()
        if self._invoker is not None:
            self._invoker.close()
            self._invoker = None

    def warnings(self) -> list[str]:
        """What the local emulator warned about (e.g. a runtime run by another Python)."""
        return list(self._invoker.runtime.warnings) if self._invoker is not None else []

    def close(self) -> None:
        """Stop every execution environment."""
        if self._invoker is not None:
            self._invoker.close()

    def _new_revision(self, *parts: str) -> str:
        # Deterministic, so that replaying the journal reproduces the same ids.
        self._seq += 1
        return str(uuid.uuid5(_REVISION_NS, ":".join((*parts, str(self._seq)))))

    def _bump(self, name: str) -> None:
        self.revisions[(name, "$LATEST")] = self._new_revision(name, "$LATEST")

    def backend(self, region: str) -> Any:
        """moto's Lambda backend for the sandbox account and ``region``."""
        from moto.awslambda.models import lambda_backends

        return lambda_backends[SANDBOX_ACCOUNT_ID][region]

    # -- dispatch -----------------------------------------------------------------------
    def is_invoke(self, route: Route) -> bool:
        """True for the Invoke API (served outside the write lock, never journaled)."""
        return route.kind == "functions" and route.sub == "invocations" and route.method == "POST"

    def invoke(self, route: Route, environ: dict[str, Any], body: bytes, region: str) -> Response:
        """Run the function through the local emulator."""
        return self.invoker().invoke(route, environ, body, region)

    def invoker(self) -> Any:
        """The Invoker (made on first use)."""
        with self._lock:
            if self._invoker is None:
                from lambherd.sandbox.invoker import Invoker

                self._invoker = Invoker(self)
            return self._invoker

    def handle(self, route: Route, environ: dict[str, Any], body: bytes, region: str) -> Response:
        """Serve one (non-invoke) Lambda request."""
        with self._lock:
            return self._handle(route, environ, body, region)

    def _handle(self, route: Route, environ: dict[str, Any], body: bytes, region: str) -> Response:
        if route.kind == "account-settings":
            return self._account_settings(region)
        name, sub, method = route.function, route.sub, route.method
        if name is None:
            if method == "POST":  # CreateFunction
                return self.create(environ, body, region)
            return self._fix_listing(self.call_moto(environ, body), environ)
        doc = _json(body)
        if sub == "provisioned-concurrency":
            return self._provisioned(route, doc, region, request_time(environ))
        if sub == "urls" and method == "GET":  # ListFunctionUrlConfigs: moto lacks it
            return self._list_urls(route, environ, region)
        stale = self._stale_revision(route, doc)
        if stale is not None:
            return stale
        if sub is None and method == "DELETE":
            return self._delete(route, environ, body, region)
        if sub == "concurrency" and method == "PUT":
            refused = self._check_reserved(name, doc, region)
            if refused is not None:
                return refused
        if sub == "policy" and method in {"POST", "DELETE"}:
            environ, body = _without_revision(environ, body)
        publishes = (sub, method) == ("versions", "POST") or (
            (sub, method) == ("code", "PUT") and bool(doc.get("Publish"))
        )
        published_before = len(self._versions(name, region)) if publishes else 0
        resp = self.call_moto(environ, body)
        if resp.status_code >= 400:
            return resp
        if publishes:
            resp = self._number_new_version(name, region, published_before, resp)
            resp = self._stamp_new_version(name, region, published_before, resp, environ)
        if sub == "policy" and method == "GET":
            return self._fix_policy(route, resp)
        if sub == "configuration" and method == "PUT":
            self._keep_fields(name, doc)
        if sub in {"configuration", "code"} and method == "PUT":
            resp = self._touch(name, resp, region, environ)
        if sub == "url" and method in {"POST", "PUT"}:
            resp = self._stamp_url(name, resp, region, environ, created=method == "POST")
        if method != "GET":
            self._after_change(route, doc, resp, region)
        if sub in {"url", "urls"}:
            return self._fix_urls(resp, environ, route, region)
        return self._fix(resp, environ)

    def _touch(self, name: str, resp: Response, region: str, environ: dict[str, Any]) -> Response:
        """Update ``LastModified`` of ``$LATEST`` as Lambda does (moto keeps the creation time).

        The time is the request's (its recorded one on replay), so a restart keeps it.
        """
        try:
            fn = self.backend(region).get_function(name)
        except Exception:  # moto answered the update; never fail it for a timestamp
            return resp
        fn.last_modified = moto_stamp(request_time(environ))
        return _with_field(resp, "LastModified", fn.last_modified)

    def _stamp_new_version(
        self, name: str, region: str, count_before: int, resp: Response, environ: dict[str, Any]
    ) -> Response:
        """Give a version just published the request's time (moto stamps the clock's)."""
        versions = self._versions(name, region)
        if len(versions) <= count_before:
            return resp
        versions[-1].last_modified = moto_stamp(request_time(environ))
        return _with_field(resp, "LastModified", versions[-1].last_modified)

    def _stamp_url(
        self, name: str, resp: Response, region: str, environ: dict[str, Any], *, created: bool
    ) -> Response:
        """CreationTime / LastModifiedTime of a URL config: the request's time, Lambda's format."""
        try:
            config = self.backend(region).get_function(name).url_config
        except Exception:  # moto answered the request; never fail it for a timestamp
            return resp
        if config is None:
            return resp
        stamp = now_iso(request_time(environ))
        config.last_modified = stamp
        if created:
            config.created = stamp
        resp = _with_field(resp, "LastModifiedTime", stamp)
        return _with_field(resp, "CreationTime", config.created)

    def stamp_moto_write(self, environ: dict[str, Any], resp: Response, region: str) -> Response:
        """Stamp what moto made at a write the layer does not route (PublishLayerVersion)."""
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not _LAYER_VERSIONS.match(path):
            return resp
        if resp.status_code >= 400:
            return resp
        arn = _json(resp.get_data()).get("LayerVersionArn")
        with self._lock:
            layer = self.backend(region).layers_versions_by_arn(arn) if arn else None
            if layer is None:
                return resp
            layer.created_date = now_iso(request_time(environ))
            return _with_field(resp, "CreatedDate", layer.created_date)

    # -- RevisionId -----------------------------------------------------------------------
    def _stale_revision(self, route: Route, doc: dict[str, Any]) -> Response | None:
        name, sub, method = route.function, route.sub, route.method
        assert name is not None
        given = route.query.get("RevisionId") if method == "DELETE" else doc.get("RevisionId")
        if not given:
            return None
        if sub == "aliases" and route.rest and method == "PUT":
            current = self.alias_revisions.get((name, route.rest))
            what = "GetAlias"
        elif sub == "policy" and method in {"POST", "DELETE"}:
            current = self.policy_revision(name, route.qualifier)
            on_alias = route.qualifier not in (None, "$LATEST") and not route.qualifier.isdigit()
            what = "GetAlias" if on_alias else "GetFunction"
        elif (sub, method) in {
            ("code", "PUT"),
            ("configuration", "PUT"),
            ("versions", "POST"),
        }:
            current = self.revisions.get((name, "$LATEST"))
            what = "GetFunction"
        else:
            return None
        if current is not None and given != current:
            return error(
                412,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. "
                f"Call the {what} API to retrieve the latest Revision Id",
            )
        return None

    def _after_change(self, route: Route, doc: dict[str, Any], resp: Response, region: str) -> None:
        name, sub, method = route.function, route.sub, route.method
        assert name is not None
        if sub == "versions" and method == "POST":
            self._register_version(name, _json(resp.get_data()))
            return
        if sub == "policy" and route.qualifier and route.qualifier != "$LATEST":
            self._bump_qualifier(name, route.qualifier)
            return
        if sub == "aliases":
            alias = route.rest if method == "PUT" else doc.get("Name")
            if alias and method in {"POST", "PUT"}:
                self.alias_revisions[(name, alias)] = self._new_revision(name, "alias", alias)
            elif route.rest and method == "DELETE":
                self.alias_revisions.pop((name, route.rest), None)
                self.provisioned.pop((name, route.rest), None)
            return
        if sub == "url":
            uid = url_id(region, name, route.qualifier)
            if method == "DELETE":
                self.urls.pop(uid, None)
            else:
                self.urls[uid] = UrlTarget(region, name, route.qualifier)
        if sub in {"code", "configuration", "policy", "concurrency", "url"}:
            self._bump(name)
            if sub == "code" and doc.get("Publish"):
                self._register_version(name, _json(resp.get_data()))
            self._refresh(name, region)

    def _register_version(self, name: str, config: dict[str, Any]) -> None:
        """Give a newly published version its RevisionId and the fields moto drops."""
        version = str(config.get("Version", ""))
        if version and version != "$LATEST" and (name, version) not in self.revisions:
            self.revisions[(name, version)] = self._new_revision(name, version)
            self.kept[(name, version)] = copy.deepcopy(self.kept.get((name, "$LATEST"), {}))

    def _bump_qualifier(self, name: str, qualifier: str) -> None:
        if qualifier.isdigit():
            self.revisions[(name, qualifier)] = self._new_revision(name, qualifier)
        elif (name, qualifier) in self.alias_revisions:
            self.alias_revisions[(name, qualifier)] = self._new_revision(name, "alias", qualifier)

    def policy_revision(self, name: str, qualifier: str | None) -> str | None:
        """The RevisionId guarding a resource policy: that of the function, version or alias."""
        if not qualifier or qualifier == "$LATEST":
            return self.revisions.get((name, "$LATEST"))
        if qualifier.isdigit():
            return self.revisions.get((name, qualifier))
        return self.alias_revisions.get((name, qualifier))

    def _fix_policy(self, route: Route, resp: Response) -> Response:
        """GetPolicy's RevisionId is the function's (or alias's), as on Lambda, not moto's own."""
        doc = _json(resp.get_data())
        revision = self.policy_revision(route.function or "", route.qualifier)
        if not doc or not revision:
            return resp
        doc["RevisionId"] = revision
        return _replace_json(resp, doc)

    # -- version numbers ----------------------------------------------------------------
    def _versions(self, name: str, region: str) -> list[Any]:
        """moto's published versions of ``name``, oldest first (none for an unknown function)."""
        return (self.backend(region)._lambdas._functions.get(name) or {}).get("versions") or []

    def _number_new_version(
        self, name: str, region: str, count_before: int, resp: Response
    ) -> Response:
        """Number a version moto just published after the highest ever published.

        moto numbers a new version ``len(versions) + 1``, so a number freed by DeleteFunction
        of a version would be handed out again; Lambda never reuses one.
        """
        storage = self.backend(region)._lambdas
        versions = self._versions(name, region)
        if len(versions) <= count_before:  # nothing new (moto returned the latest unchanged)
            return resp
        fn = versions[-1]
        key = (region, name)
        highest = max((int(v.version) for v in versions[:-1]), default=0)
        wanted = max(self.last_version.get(key, 0), highest) + 1
        self.last_version[key] = wanted
        if int(fn.version) == wanted:
            return resp
        if storage._arns.get(fn.function_arn) is fn:
            del storage._arns[fn.function_arn]
        fn.set_version(wanted)
        for version in versions:  # moto's number may have taken over a live version's ARN
            storage._arns[version.function_arn] = version
        out = _json(resp.get_data())
        if out.get("Version") not in (None, "$LATEST"):
            out["Version"] = str(wanted)
            out["FunctionArn"] = fn.function_arn
            return _replace_json(resp, out)
        return resp

    # -- create / delete ----------------------------------------------------------------
    def create(self, environ: dict[str, Any], body: bytes, region: str) -> Response:
        """CreateFunction: make the execution role exist, remember what moto drops."""
        doc = _json(body)
        self._ensure_role(doc.get("Role", ""), region)
        resp = self.call_moto(environ, body)
        if resp.status_code >= 400:
            return resp
        name = doc.get("FunctionName", "")
        name = split_name(name)[0]
        resp = self._stamp_created(name, region, resp, environ)
        self.kept.pop((name, "$LATEST"), None)
        self.last_version.pop((region, name), None)
        self._keep_fields(name, doc)
        self._bump(name)
        if doc.get("Publish"):
            self.last_version[(region, name)] = 1
            out = _json(resp.get_data())
            version = str(out.get("Version", ""))
            if version and version != "$LATEST":
                self.revisions[(name, version)] = self._new_revision(name, version)
                self.kept[(name, version)] = copy.deepcopy(self.kept[(name, "$LATEST")])
        return self._fix(resp, environ)

    def _stamp_created(
        self, name: str, region: str, resp: Response, environ: dict[str, Any]
    ) -> Response:
        """A new function (and the version ``Publish`` made): the request's time."""
        stamp = moto_stamp(request_time(environ))
        group = self.backend(region)._lambdas._functions.get(name) or {}
        for fn in [group.get("latest"), *(group.get("versions") or [])]:
            if fn is not None:
                fn.last_modified = stamp
        return _with_field(resp, "LastModified", stamp)

    def _ensure_role(self, role_arn: str, region: str) -> None:
        """Lambda needs the role to exist; the sandbox creates a missing one in its own account."""
        m = _ROLE_ARN.match(role_arn)
        if not m or m.group(1) != SANDBOX_ACCOUNT_ID:
            return
        from moto.iam.exceptions import NotFoundException
        from moto.iam.models import iam_backends

        iam = iam_backends[SANDBOX_ACCOUNT_ID]["aws"]
        try:
            iam.get_role_by_arn(role_arn)
            return
        except NotFoundException:
            pass
        path = "/" + role_arn.split(":role/", 1)[1].rsplit("/", 1)[0] + "/"
        if path == f"/{m.group(2)}/":
            path = "/"
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        form = {
            "Action": "CreateRole",
            "Version": "2010-05-08",
            "RoleName": m.group(2),
            "Path": path,
            "AssumeRolePolicyDocument": json.dumps(trust),
            "Description": "created by the lambherd sandbox for a function that named it",
        }
        self.call_moto(*internal_request("POST", "/", "iam", region, form=form))

    def _delete(self, route: Route, environ: dict[str, Any], body: bytes, region: str) -> Response:
        name, qualifier = route.function, route.qualifier
        assert name is not None
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
            self.revisions.pop((name, qualifier), None)
            self.kept.pop((name, qualifier), None)
            self.provisioned.pop((name, qualifier), None)
        else:
            for table in (self.revisions, self.alias_revisions, self.kept, self.provisioned):
                for key in [k for k in table if k[0] == name]:
                    del table[key]
            for uid in [
                u for u, t in self.urls.items() if (t.region, t.function) == (region, name)
            ]:
                del self.urls[uid]
            self.last_version.pop((region, name), None)
        if self._invoker is not None:
            self._invoker.forget(name, qualifier)
        return resp

    # -- fields moto drops ----------------------------------------------------------------
    def _keep_fields(self, name: str, doc: dict[str, Any]) -> None:
        kept = self.kept.setdefault((name, "$LATEST"), {})
        for key in _KEPT_FIELDS:
            if key in doc:
                kept[key] = doc[key]

    def fix_configuration(self, config: dict[str, Any]) -> dict[str, Any]:
        """Add RevisionId and the fields moto drops to one FunctionConfiguration."""
        name = config.get("FunctionName")
        if not name:
            return config
        version = str(config.get("Version") or "$LATEST")
        kept = self.kept.get((name, version)) or {}
        logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
        logging.update(kept.get("LoggingConfig") or {})
        config["LoggingConfig"] = logging
        for key, value in kept.items():
            if key != "LoggingConfig":
                config[key] = value
        revision = self.revisions.get((name, version))
        if revision:
            config["RevisionId"] = revision
        return config

    def log_group(self, name: str, version: str) -> str:
        """The CloudWatch log group a function's invocations write to."""
        kept = self.kept.get((name, version)) or self.kept.get((name, "$LATEST")) or {}
        return (kept.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"

    def _fix(self, resp: Response, environ: dict[str, Any]) -> Response:
        if resp.status_code >= 400:
            return resp
        doc = _json(resp.get_data())
        if not doc:
            return resp
        if "Configuration" in doc:  # GetFunction
            self.fix_configuration(doc["Configuration"])
            code = doc.get("Code") or {}
            if code.get("RepositoryType", "S3") == "S3" and doc["Configuration"].get("CodeSize"):
                doc["Code"] = {
                    "RepositoryType": "S3",
                    "Location": self.code_location(environ, doc["Configuration"]),
                }
        elif "FunctionArn" in doc:
            self.fix_configuration(doc)
        elif "AliasArn" in doc:
            self._fix_alias(doc)
        else:
            return self._fix_listing(resp, environ)
        return _replace_json(resp, doc)

    def _fix_alias(self, alias: dict[str, Any]) -> None:
        name, qualifier = split_name(alias.get("AliasArn", ""))
        revision = self.alias_revisions.get((name, qualifier or ""))
        if revision:
            alias["RevisionId"] = revision

    def _fix_listing(self, resp: Response, environ: dict[str, Any]) -> Response:
        if resp.status_code >= 400:
            return resp
        doc = _json(resp.get_data())
        if not doc:
            return resp
        for config in doc.get("Functions") or doc.get("Versions") or []:
            self.fix_configuration(config)
        for alias in doc.get("Aliases") or []:
            self._fix_alias(alias)
        return _replace_json(resp, doc)

    # -- function URLs ----------------------------------------------------------------------
    def _fix_urls(
        self, resp: Response, environ: dict[str, Any], route: Route, region: str
    ) -> Response:
        """Replace moto's made-up ``*.on.aws`` FunctionUrl with the one the sandbox serves."""
        doc = _json(resp.get_data())
        if not doc:
            return resp
        host = environ.get("HTTP_HOST") or self.endpoint.split("://", 1)[-1]
        name = route.function or ""
        configs = doc.get("FunctionUrlConfigs") or ([doc] if "FunctionUrl" in doc else [])
        for config in configs:
            qualifier = route.qualifier
            if route.sub == "urls" or qualifier is None:
                known = [t for t in self.urls.values() if (t.region, t.function) == (region, name)]
                qualifier = known[0].qualifier if known else qualifier
            config["FunctionUrl"] = public_url(host, url_id(region, name, qualifier))
        return _replace_json(resp, doc)

    def _list_urls(self, route: Route, environ: dict[str, Any], region: str) -> Response:
        name = route.function or ""
        try:
            fn = self.backend(region).get_function(name)
        except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
            return error(404, "ResourceNotFoundException", f"Function not found: {name}")
        config = getattr(fn, "url_config", None)
        doc = {"FunctionUrlConfigs": [config.to_dict()] if config is not None else []}
        return self._fix_urls(ok(doc), environ, route, region)

    def url_target(self, uid: str) -> UrlTarget | None:
        """The function a URL id stands for, if that URL exists."""
        with self._lock:
            return self.urls.get(uid)

    def url_auth_type(self, target: UrlTarget) -> str | None:
        """The AuthType of a function's URL config (None when it has none any more)."""
        with self._lock:
            try:
                fn = self.backend(target.region).get_function(target.function)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None
            config = getattr(fn, "url_config", None)
            return str(config.config.get("AuthType") or "NONE") if config is not None else None

    # -- code download ----------------------------------------------------------------------
    def code_location(self, environ: dict[str, Any], config: dict[str, Any]) -> str:
        """A URL of this sandbox that serves the configuration's code zip."""
        name = config["FunctionName"]
        version = str(config.get("Version") or "$LATEST")
        host = environ.get("HTTP_HOST") or self.endpoint.split("://", 1)[-1]
        sha = base64.b64decode(config.get("CodeSha256", "")).hex()
        return f"http://{host}/_lambherd/code/{name}/{version}/{sha}.zip"

    def code_bytes(self, name: str, version: str, region: str) -> bytes | None:
        """The zip of a function version, or None when it does not exist."""
        with self._lock:
            try:
                fn = self.backend(region).get_function(name, version)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None
            return getattr(fn, "code_bytes", None)

    # -- concurrency --------------------------------------------------------------------------
    def _reserved_total(self, region: str, excluding: str | None = None) -> int:
        total = 0
        for fn in self.backend(region)._lambdas.latest():
            if fn.function_name != excluding and fn.reserved_concurrency is not None:
                total += int(fn.reserved_concurrency)
        return total

    def _check_reserved(self, name: str, doc: dict[str, Any], region: str) -> Response | None:
        wanted = int(doc.get("ReservedConcurrentExecutions") or 0)
        others = self._reserved_total(region, excluding=name)
        if self.account_concurrency - others - wanted < MIN_UNRESERVED:
            return error(
                400,
                "InvalidParameterValueException",
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].",
            )
        return None

    def _account_settings(self, region: str) -> Response:
        functions = list(self.backend(region)._lambdas.latest())
        code_size = sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions)
        return ok(
            {
                "AccountLimit": {
                    "TotalCodeSize": 80530636800,
                    "CodeSizeUnzipped": 262144000,
                    "CodeSizeZipped": 52428800,
                    "ConcurrentExecutions": self.account_concurrency,
                    "UnreservedConcurrentExecutions": self.account_concurrency
                    - self._reserved_total(region),
                },
                "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
            }
        )

    def _provisioned(
        self, route: Route, doc: dict[str, Any], region: str, at: datetime
    ) -> Response:
        name, qualifier, method = route.function, route.qualifier, route.method
        assert name is not None
        backend = self.backend(region)
        try:
            fn = backend.get_function(name)
        except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
            return error(404, "ResourceNotFoundException", f"Function not found: {name}")
        if method == "GET" and route.query.get("List") == "ALL":
            items = [
                self._provisioned_doc(fn.function_arn, q, cfg)
                for (n, q), cfg in sorted(self.provisioned.items())
                if n == name
            ]
            return ok({"ProvisionedConcurrencyConfigs": items})
        if not qualifier:
            return error(400, "InvalidParameterValueException", "Qualifier is required")
        if qualifier == "$LATEST":
            return error(
                400,
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions.",
            )
        version = self.resolve_qualifier(name, qualifier, region)
        if version is None:
            return error(
                404,
                "ResourceNotFoundException",
                f"Function not found: {fn.function_arn}:{qualifier}",
            )
        key = (name, qualifier)
        if method == "GET":
            cfg = self.provisioned.get(key)
            if cfg is None:
                return error(
                    404,
                    "ProvisionedConcurrencyConfigNotFoundException",
                    f"No Provisioned Concurrency Config found for this function: {qualifier}",
                )
            out = self._provisioned_doc(fn.function_arn, qualifier, cfg)
            out.pop("FunctionArn")
            return ok(out)
        if method == "DELETE":
            if self.provisioned.pop(key, None) is None:
                return error(
                    404,
                    "ProvisionedConcurrencyConfigNotFoundException",
                    f"No Provisioned Concurrency Config found for this function: {qualifier}",
                )
            self._refresh(name, region)
            return Response(status=204)
        wanted = doc.get("ProvisionedConcurrentExecutions")
        if not isinstance(wanted, int) or wanted < 1:
            return error(
                400,
                "InvalidParameterValueException",
                "ProvisionedConcurrentExecutions must be an integer of at least 1",
            )
        limit = fn.reserved_concurrency
        others = sum(
            c["Requested"] for (n, q), c in self.provisioned.items() if n == name and q != qualifier
        )
        if limit is not None and others + wanted > int(limit):
            return error(
                400,
                "InvalidParameterValueException",
                f"Requested Provisioned Concurrency should not be greater than the "
                f"reservedConcurrentExecution for function: {limit}",
            )
        self.provisioned[key] = {"Requested": wanted, "LastModified": now_iso(at)}
        self._refresh(name, region)
        out = self._provisioned_doc(fn.function_arn, qualifier, self.provisioned[key])
        out.pop("FunctionArn")
        return ok(out, status=202)

    @staticmethod
    def _provisioned_doc(arn: str, qualifier: str, cfg: dict[str, Any]) -> dict[str, Any]:
        n = cfg["Requested"]
        return {
            "FunctionArn": f"{arn}:{qualifier}",
            "RequestedProvisionedConcurrentExecutions": n,
            "AvailableProvisionedConcurrentExecutions": n,
            "AllocatedProvisionedConcurrentExecutions": n,
            "Status": "READY",
            "LastModified": cfg["LastModified"],
        }

    def provisioned_by_version(self, name: str, region: str) -> dict[str, int]:
        """Provisioned environments per version number (aliases resolved)."""
        out: dict[str, int] = {}
        for (n, qualifier), cfg in self.provisioned.items():
            if n != name:
                continue
            version = self.resolve_qualifier(name, qualifier, region)
            if version:
                out[version] = out.get(version, 0) + int(cfg["Requested"])
        return out

    def _refresh(self, name: str, region: str) -> None:
        if self._invoker is not None:
            self._invoker.refresh_concurrency(name, region)

    # -- qualifiers ---------------------------------------------------------------------------
    def resolve_qualifier(self, name: str, qualifier: str, region: str) -> str | None:
        """A version number or ``$LATEST`` for a version/alias qualifier (primary version)."""
        storage = self.backend(region)._lambdas
        if qualifier == "$LATEST" or qualifier.isdigit():
            try:
                storage.get_function_by_name_with_qualifier(name, qualifier)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None
            return qualifier
        try:
            return str(storage.get_alias(qualifier, name).function_version)
        except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
            return None

    def pick_version(self, name: str, qualifier: str, region: str) -> str | None:
        """The version an invoke of ``qualifier`` runs, following alias routing weights."""
        with self._lock:
            if qualifier == "$LATEST" or qualifier.isdigit():
                return self.resolve_qualifier(name, qualifier, region)
            try:
                alias = self.backend(region)._lambdas.get_alias(qualifier, name)
            except HTTPException:  # moto reports "not found" as a werkzeug HTTPException
                return None
            weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
            draw = random.random()
            for version, weight in weights.items():
                if draw < float(weight):
                    return str(version)
                draw -= float(weight)
            return str(alias.function_version)


def internal_request(
    method: str,
    path: str,
    service: str,
    region: str,
    *,
    form: dict[str, str] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bytes]:
    """A WSGI environ (and body) for a request the sandbox makes to moto itself."""
    from urllib.parse import urlencode

    from werkzeug.test import EnvironBuilder

    data = urlencode(form).encode() if form is not None else body
    hdrs = {
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={SANDBOX_ACCESS_KEY}/20240101/{region}/{service}/"
            "aws4_request, SignedHeaders=host, Signature=0"
        ),
        **(headers or {}),
    }
    builder = EnvironBuilder(
        path=path,
        base_url="http://127.0.0.1",
        method=method,
        headers=hdrs,
        data=data,
        content_type="application/x-www-form-urlencoded" if form is not None else None,
    )
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    return env, data


def _without_revision(environ: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    """The request without its RevisionId (checked by the layer; moto would check its own).

    moto compares AddPermission's RevisionId with a policy revision of its own that no API
    reports, and RemovePermission's (a list, from its query parsing) with a string, so no value
    passes there: the layer checks the function's RevisionId and moto gets none.
    """
    from urllib.parse import parse_qsl, urlencode

    query = environ.get("QUERY_STRING", "")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "RevisionId"]
    doc = _json(body)
    if "RevisionId" not in doc and len(kept) == len(parse_qsl(query, keep_blank_values=True)):
        return environ, body
    environ = dict(environ)
    environ["QUERY_STRING"] = urlencode(kept)
    if "RevisionId" in doc:
        doc.pop("RevisionId")
        body = json.dumps(doc).encode()
    return environ, body


def _json(data: bytes | str) -> dict[str, Any]:
    if not data:
        return {}
    try:
        doc = json.loads(data)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _with_field(resp: Response, key: str, value: Any) -> Response:
    """The JSON response with ``key`` set to ``value``, when it has that key."""
    out = _json(resp.get_data())
    if key not in out:
        return resp
    out[key] = value
    return _replace_json(resp, out)


def _replace_json(resp: Response, doc: dict[str, Any]) -> Response:
    resp.set_data(json.dumps(doc))
    resp.content_type = "application/json"
    return resp
