"""Function configurations as Lambda reports them: moto's, plus what it drops or lacks.

Merged into every configuration moto returns (GetFunction, ListFunctions, ListVersions...):
the RevisionId, the fields moto drops (``LoggingConfig``, with Lambda's default log group), and a
``Code.Location`` this sandbox serves (``/_lambherd/code/...``). Alias documents get their
RevisionId.
"""

from __future__ import annotations

import base64
from typing import Any

from werkzeug.wrappers import Response

from lambherd.defaults import DEFAULT_REGION
from lambherd.sandbox.guard import presign_code
from lambherd.sandbox.moto_facade import MotoFacade
from lambherd.sandbox.state import FunctionKey
from lambherd.sandbox.wire import as_lambda_time, json_doc, replace_json, split_name

#: Configuration fields moto drops; kept here and merged into every configuration it returns.
KEPT_FIELDS = ("LoggingConfig",)
CODE_PATH_PREFIX = "/_lambherd/code/"


class Configurations:
    """The fields moto drops, per function version, and the fixing of moto's answers."""

    def __init__(self, facade: MotoFacade, endpoint: str) -> None:
        self._facade = facade
        self._endpoint = endpoint

    def keep_fields(self, key: FunctionKey, doc: dict[str, Any]) -> None:
        """Remember the fields moto drops from a CreateFunction / UpdateFunctionConfiguration."""
        kept = self._facade.extra(key).kept.setdefault("$LATEST", {})
        for name in KEPT_FIELDS:
            if name in doc:
                kept[name] = doc[name]

    def forget_latest(self, key: FunctionKey) -> None:
        """A new function of this name starts with nothing kept."""
        self._facade.extra(key).kept.pop("$LATEST", None)

    def forget_version(self, key: FunctionKey, version: str) -> None:
        """A deleted version's fields and RevisionId."""
        state = self._facade.extra_if_any(key)
        if state is not None:
            state.revisions.pop(version, None)
            state.kept.pop(version, None)

    def log_group(self, key: FunctionKey, version: str) -> str:
        """The CloudWatch log group a function version's invocations write to."""
        state = self._facade.extra_if_any(key)
        kept = (state.kept.get(version) or state.kept.get("$LATEST") or {}) if state else {}
        return (kept.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{key.name}"

    def fix_configuration(self, account: str, region: str, config: dict[str, Any]) -> None:
        """Add RevisionId and the fields moto drops to one FunctionConfiguration."""
        name = config.get("FunctionName")
        if not name:
            return
        version = str(config.get("Version") or "$LATEST")
        state = self._facade.extra_if_any(FunctionKey(account, region, name))
        kept = (state.kept.get(version) or {}) if state else {}
        logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
        logging.update(kept.get("LoggingConfig") or {})
        config["LoggingConfig"] = logging
        for field, value in kept.items():
            if field != "LoggingConfig":
                config[field] = value
        revision = state.revisions.get(version) if state else None
        if revision:
            config["RevisionId"] = revision
        if isinstance(config.get("LastModified"), str):  # Lambda's format, not moto's
            config["LastModified"] = as_lambda_time(config["LastModified"])

    def fix_alias(self, account: str, region: str, alias: dict[str, Any]) -> None:
        """An alias document's RevisionId."""
        name, qualifier = split_name(alias.get("AliasArn", ""))
        state = self._facade.extra_if_any(FunctionKey(account, region, name))
        revision = state.alias_revisions.get(qualifier or "") if state else None
        if revision:
            alias["RevisionId"] = revision

    def code_location(self, environ: dict[str, Any], region: str, config: dict[str, Any]) -> str:
        """A URL of this sandbox that serves the configuration's code zip."""
        name = config["FunctionName"]
        version = str(config.get("Version") or "$LATEST")
        host = environ.get("HTTP_HOST") or self._endpoint.split("://", 1)[-1]
        sha = base64.b64decode(config.get("CodeSha256", "")).hex()
        where = "" if region == DEFAULT_REGION else f"region={region}"
        path = f"{CODE_PATH_PREFIX}{name}/{version}/{sha}.zip"
        return f"http://{host}{path}?{presign_code(path, where)}"  # presigned, as S3's is

    def fix(self, resp: Response, environ: dict[str, Any], account: str, region: str) -> Response:
        """A moto answer about one function, version or alias, or a listing, fixed up."""
        if resp.status_code >= 400:
            return resp
        doc = json_doc(resp.get_data())
        if not doc:
            return resp
        if "Configuration" in doc:  # GetFunction
            self.fix_configuration(account, region, doc["Configuration"])
            code = doc.get("Code") or {}
            if code.get("RepositoryType", "S3") == "S3" and doc["Configuration"].get("CodeSize"):
                doc["Code"] = {
                    "RepositoryType": "S3",
                    "Location": self.code_location(environ, region, doc["Configuration"]),
                }
        elif "FunctionArn" in doc:
            self.fix_configuration(account, region, doc)
        elif "AliasArn" in doc:
            self.fix_alias(account, region, doc)
        else:
            return self.fix_listing(resp, account, region)
        return replace_json(resp, doc)

    def fix_listing(self, resp: Response, account: str, region: str) -> Response:
        """ListFunctions / ListVersionsByFunction / ListAliases, fixed up."""
        if resp.status_code >= 400:
            return resp
        doc = json_doc(resp.get_data())
        if not doc:
            return resp
        for config in doc.get("Functions") or doc.get("Versions") or []:
            self.fix_configuration(account, region, config)
        for alias in doc.get("Aliases") or []:
            self.fix_alias(account, region, alias)
        return replace_json(resp, doc)
