"""The functions definitions can call, for templates and as Jsonnet native functions.

Each is the one lambroll registers, with its library's semantics:

    env, must_env, json_escape        kayac/go-config (DefaultFuncMap)
    ssm                               fujiwara/ssm-lookup (Jsonnet: ssm, ssm_list)
    tfstate, tfstatef                 fujiwara/tfstate-lookup, with --tfstate
    <prefix>tfstate, <prefix>tfstatef the same per --prefixed-tfstate prefix=PATH
    caller_identity                   lambroll (STS GetCallerIdentity)
    layer_arn                         lambroll (Lambda ListLayerVersions / GetLayerVersion)
    cfn_output, cfn_export            fujiwara/cfn-lookup (CloudFormation DescribeStacks /
                                      ListExports)

plus Go's predefined template functions (``printf``, ``eq``...). AWS is reached only when a
function that needs it is called: rendering a definition without such calls never creates a
client.

With ``aws=False`` no AWS call is made at all: AWS-backed calls answer ``AWS_PLACEHOLDER``
(``caller_identity`` a record of them) and ``placeholders_used`` becomes True. Commands that only
need fields such values never reach (``archive``: Code, Runtime) render this way, so they work
without credentials.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambherd.app import RenderOptions
from lambherd.definition.gojson import escape_string, marshal
from lambherd.definition.template import FunctionTable, TemplateFunction
from lambherd.definition.tfstate import TerraformState, read_state
from lambherd.errors import LambherdError, TemplateError, UsageError, describe_client_error

#: What an AWS-backed call answers when rendering with ``aws=False``.
AWS_PLACEHOLDER = "LAMBHERD-AWS-VALUE-NOT-LOOKED-UP"


class _AwsNotUsed(Exception):
    """Raised by ``clients()`` when rendering with ``aws=False`` (turned into a placeholder)."""


class _DefinitionTable(FunctionTable):
    """The template functions, with advice for the tfstate functions a flag would define."""

    def hint_for(self, name: str) -> str | None:
        for suffix in ("tfstatef", "tfstate"):
            if name.endswith(suffix):
                prefix = name[: -len(suffix)]
                if not prefix:
                    return f"{name} reads a Terraform state: pass --tfstate PATH_OR_S3_URL"
                return (
                    f"{name} reads a Terraform state: pass --prefixed-tfstate "
                    f"{prefix}=PATH_OR_S3_URL"
                )
        return f"the functions are: {', '.join(sorted(self))} and Go's (printf, eq, len...)"


class DefinitionFunctions:
    """One render's functions, sharing caches (SSM values, states, stacks) and the AWS clients.

    ``clients`` is an ``AwsClients``, a zero-argument callable returning one (so nothing is
    made until a function needs AWS), or None (a default ``AwsClients`` made on first use).
    """

    def __init__(
        self,
        options: RenderOptions | None = None,
        clients: Any = None,
        base_dir: Path | None = None,
        *,
        aws: bool = True,
    ) -> None:
        self.options = options or RenderOptions()
        self.base_dir = base_dir
        self.aws = aws
        #: True once an AWS-backed call answered a placeholder (only with ``aws=False``)
        self.placeholders_used = False
        self._clients_arg = clients
        self._clients: Any = None
        self._ssm_cache: dict[str, tuple[str, str]] = {}
        self._stacks: dict[str, dict[str, Any]] = {}
        self._exports: dict[str, str] | None = None
        for prefix in self.options.prefixed_tfstate:
            if not prefix:
                raise UsageError("--prefixed-tfstate: the prefix must not be empty")

    # -- AWS clients, made lazily -----------------------------------------------------------
    def clients(self) -> Any:
        """The AWS clients, created on the first call."""
        if not self.aws:
            raise _AwsNotUsed
        if self._clients is None:
            arg = self._clients_arg
            if arg is None:
                from lambherd.aws import AwsClients

                self._clients = AwsClients()
            elif hasattr(arg, "client"):
                self._clients = arg
            else:
                self._clients = arg()
        return self._clients

    # -- the function tables ----------------------------------------------------------------
    def template_functions(self) -> dict[str, TemplateFunction]:
        """Name -> function, for ``{{ ... }}`` actions (Go's predefined ones are implied)."""
        funcs = _DefinitionTable(
            {
                "env": env,
                "must_env": must_env,
                "json_escape": json_escape,
                "ssm": self._offline(self.ssm),
                "caller_identity": self._offline(self.caller_identity, identity=True),
                "layer_arn": self._offline(self.layer_arn),
                "cfn_output": self._offline(self.cfn_output),
                "cfn_export": self._offline(self.cfn_export),
            }
        )
        for prefix, location in self._tfstate_sources().items():
            funcs[f"{prefix}tfstate"] = self._offline(self._tfstate_function(location))
            funcs[f"{prefix}tfstatef"] = self._offline(self._tfstatef_function(location))
        return funcs

    def _offline(self, func: Callable[..., Any], identity: bool = False) -> Callable[..., Any]:
        """``func``, answering placeholders instead of calling AWS when ``aws`` is False."""
        if self.aws:
            return func

        @functools.wraps(func)
        def call(*args: Any) -> Any:
            try:
                return func(*args)
            except _AwsNotUsed:
                self.placeholders_used = True
                if identity:
                    return dict.fromkeys(("Account", "Arn", "UserId"), AWS_PLACEHOLDER)
                return AWS_PLACEHOLDER

        return call

    def jsonnet_natives(self) -> dict[str, tuple[tuple[str, ...], Callable[..., Any]]]:
        """Name -> (parameter names, function), for ``std.native(name)`` in Jsonnet."""

        def tfstate_native(location: str) -> Callable[[str], Any]:
            def lookup(address: str) -> Any:
                return self._state(location).lookup(address)

            return self._offline(lookup)

        natives: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {
            "env": (("name", "default"), jsonnet_env),
            "must_env": (("name",), jsonnet_must_env),
            "json_escape": (("value",), json_escape),
            "ssm": (("name",), self._offline(self.ssm)),
            "ssm_list": (
                ("name", "index"),
                self._offline(lambda name, index: self.ssm(name, int(index))),
            ),
            "caller_identity": ((), self._offline(self.caller_identity, identity=True)),
            "layer_arn": (("name", "version"), self._offline(self.layer_arn)),
            "cfn_output": (("stackName", "outputKey"), self._offline(self.cfn_output)),
            "cfn_export": (("name",), self._offline(self.cfn_export)),
        }
        for prefix, location in self._tfstate_sources().items():
            natives[f"{prefix}tfstate"] = (("address",), tfstate_native(location))
        return {name: (params, _named(name, fn)) for name, (params, fn) in natives.items()}

    # -- SSM Parameter Store ----------------------------------------------------------------
    def ssm(self, name: str, *index: int) -> str:
        """A parameter's value (SecureString decrypted); an index picks from a StringList."""
        name = _as_str("ssm", name)
        if len(index) > 1:
            raise TemplateError(f"accepts at most 2 parameters, but got {len(index) + 1}")
        if name not in self._ssm_cache:
            self._ssm_cache[name] = self._get_parameter(name)
        kind, value = self._ssm_cache[name]
        if kind == "StringList":
            if not index:
                raise TemplateError(
                    f"{name} is a StringList: give an index, e.g. {{{{ ssm `{name}` 0 }}}}"
                )
            items = value.split(",")
            if not isinstance(index[0], int) or not 0 <= index[0] < len(items):
                raise TemplateError(
                    f"index {index[0]} is out of range for {name} ({len(items)} items)"
                )
            return items[index[0]]
        if index:
            raise TemplateError(f"an index is only for StringList parameters; {name} is a {kind}")
        return value

    def _get_parameter(self, name: str) -> tuple[str, str]:
        from botocore.exceptions import ClientError

        client = self.clients().client("ssm")
        try:
            param = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ParameterNotFound":
                raise TemplateError(f"parameter {name} not found") from exc
            raise describe_client_error(exc, f"get parameter {name}") from exc
        return str(param.get("Type", "String")), str(param.get("Value", ""))

    # -- STS --------------------------------------------------------------------------------
    def caller_identity(self) -> dict[str, str]:
        """``{"Account", "Arn", "UserId"}`` of the caller (STS GetCallerIdentity)."""
        clients = self.clients()
        if hasattr(clients, "caller_identity"):
            return dict(clients.caller_identity())
        resp = clients.client("sts").get_caller_identity()
        return {k: resp[k] for k in ("Account", "Arn", "UserId")}

    # -- Lambda layers ----------------------------------------------------------------------
    def layer_arn(self, name: str, version: str) -> str:
        """The ARN of layer ``name`` at ``version`` (a number, or "latest"/"" for the newest)."""
        from botocore.exceptions import ClientError

        name = _as_str("layer_arn", name)
        version = _as_str("layer_arn", version)
        client = self.clients().client("lambda")
        if version in ("latest", ""):
            try:
                found = client.list_layer_versions(LayerName=name, MaxItems=1)["LayerVersions"]
            except ClientError as exc:
                raise describe_client_error(exc, f"list layer versions of {name}") from exc
            if not found:
                raise TemplateError(f"layer {name} not found")
            newest = max(found, key=lambda v: int(v.get("Version", 0)))
            return str(newest["LayerVersionArn"])
        if not _is_go_int(version):
            raise TemplateError(f"version must be a number or 'latest', got {version!r}")
        try:
            layer = client.get_layer_version(LayerName=name, VersionNumber=int(version))
        except ClientError as exc:
            raise describe_client_error(exc, f"get layer version {name}:{version}") from exc
        return str(layer["LayerVersionArn"])

    # -- CloudFormation -------------------------------------------------------------------
    def cfn_output(self, stack_name: str, output_key: str) -> str:
        """The value of output ``output_key`` of stack ``stack_name`` (DescribeStacks, cached)."""
        stack_name = _as_str("cfn_output", stack_name)
        output_key = _as_str("cfn_output", output_key)
        if stack_name not in self._stacks:
            from botocore.exceptions import ClientError

            client = self.clients().client("cloudformation")
            try:
                stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
            except ClientError as exc:
                raise describe_client_error(exc, f"describe stack {stack_name}") from exc
            if not stacks:
                raise TemplateError(f"stack {stack_name} is not found")
            self._stacks[stack_name] = stacks[0]
        for output in self._stacks[stack_name].get("Outputs") or []:
            if output.get("OutputKey") == output_key:
                return str(output.get("OutputValue", ""))
        raise TemplateError(f"output {output_key} is not found in stack {stack_name}")

    def cfn_export(self, name: str) -> str:
        """The value CloudFormation exports as ``name`` (ListExports, read once)."""
        name = _as_str("cfn_export", name)
        if self._exports is None:
            from botocore.exceptions import ClientError

            client = self.clients().client("cloudformation")
            exports: dict[str, str] = {}
            try:
                for page in client.get_paginator("list_exports").paginate():
                    for export in page.get("Exports") or []:
                        exports.setdefault(str(export["Name"]), str(export.get("Value", "")))
            except ClientError as exc:
                raise describe_client_error(exc, "list exports") from exc
            self._exports = exports
        if name not in self._exports:
            raise TemplateError(f"{name} is not found in the CloudFormation exports")
        return self._exports[name]

    # -- Terraform state ----------------------------------------------------------------------
    def _tfstate_sources(self) -> dict[str, str]:
        sources: dict[str, str] = {}
        if self.options.tfstate:
            sources[""] = self.options.tfstate
        sources.update(self.options.prefixed_tfstate)
        return sources

    def _state(self, location: str) -> TerraformState:
        return read_state(location, self.clients, self.base_dir)

    def _tfstate_function(self, location: str) -> TemplateFunction:
        def tfstate(addrs: str) -> str:
            return _state_text(self._state(location).lookup(addrs))

        return tfstate

    def _tfstatef_function(self, location: str) -> TemplateFunction:
        def tfstatef(fmt: str, *args: Any) -> str:
            from lambherd.definition.gotemplate.gofmt import sprintf

            return _state_text(self._state(location).lookup(sprintf(fmt, list(args))))

        return tfstatef


# --- kayac/go-config's functions ---------------------------------------------------------
def env(*keys: str) -> str:
    """``env KEY [KEY...]``: the first non-empty variable; else the last key itself.

    go-config looks every argument up as a variable name, the "default" too, and falls back
    to the last argument's text: ``{{ env "UNSET" }}`` renders ``UNSET``, and in
    ``{{ env "A" "B" }}`` an unset A with a set B gives B's value.
    """
    value = ""
    for key in keys:
        value = os.environ.get(key, "")
        if value:
            return value
        value = key
    return value


def must_env(key: str) -> str:
    """The variable's value (may be empty); an error naming it when it is not set."""
    value = os.environ.get(key)
    if value is None:
        raise TemplateError(
            f"environment variable {key} is not defined",
            hint=f"set {key}, or pass --envfile FILE with a line {key}=...",
        )
    return value


def json_escape(s: str) -> str:
    """The string as Go's json.Marshal writes it, without the quotes (go-config's)."""
    return escape_string(_as_str("json_escape", s))


# --- lambroll's Jsonnet natives ------------------------------------------------------------
def jsonnet_env(name: Any, default: Any) -> Any:
    """``std.native('env')(name, default)``: the variable if non-empty, else ``default`` as is."""
    value = os.environ.get(_as_str("env", name), "")
    return value if value else default


def jsonnet_must_env(name: Any) -> str:
    """``std.native('must_env')(name)``: the variable (may be empty); an error if unset."""
    value = os.environ.get(_as_str("must_env", name))
    if value is None:
        raise TemplateError(
            f"{name} is not set",
            hint=f"set {name}, or pass --envfile FILE with a line {name}=...",
        )
    return value


def _named(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with its name in front of its errors (templates add "error calling NAME")."""

    @functools.wraps(func)
    def call(*args: Any) -> Any:
        try:
            return func(*args)
        except LambherdError as exc:
            exc.prefix_message(name)
            raise

    return call


def _state_text(value: Any) -> str:
    """tfstate-lookup's ``Object.String()``: a string as is, anything else as Go's JSON."""
    return value if isinstance(value, str) else marshal(value)


def _is_go_int(text: str) -> bool:
    """strconv.ParseInt(text, 10, 64) accepts it."""
    body = text[1:] if text[:1] in ("+", "-") else text
    return body.isdigit() and body.isascii() and -(1 << 63) <= int(text) < (1 << 63)


def _as_str(func: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"expected a string argument, got {value!r}")
    return value
