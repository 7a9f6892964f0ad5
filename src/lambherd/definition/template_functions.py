"""The functions definitions can call, for templates and as Jsonnet native functions.

``env``, ``must_env``, ``json_escape``, ``ssm``, ``tfstate``/``tfstatef`` (from ``--tfstate``),
``<prefix>tfstate``/``<prefix>tfstatef`` (from ``--prefixed-tfstate prefix=PATH``) and
``caller_identity``. AWS is reached only when a function that needs it is called: rendering
a definition without such calls never creates a client.

With ``aws=False`` no AWS call is made at all: AWS-backed calls answer ``AWS_PLACEHOLDER``
(``caller_identity`` a record of them) and ``placeholders_used`` becomes True. Commands that only
need fields such values never reach (``archive``: Code, Runtime) render this way, so they work
without credentials.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambherd.app import RenderOptions
from lambherd.definition.template import FunctionTable, TemplateFunction, format_value
from lambherd.definition.tfstate import TerraformState, read_state
from lambherd.errors import TemplateError, UsageError, describe_client_error

_PRINTF_RE = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([%svdqfxXt])")

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
        return f"the functions are: {', '.join(sorted(self))}"


class DefinitionFunctions:
    """One render's functions, sharing caches (SSM values, states) and the AWS clients.

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
        """Name -> function, for ``{{ ... }}`` actions."""
        funcs = _DefinitionTable(
            {
                "env": self.env,
                "must_env": self.must_env,
                "json_escape": json_escape,
                "ssm": self._offline(self.ssm),
                "caller_identity": self._offline(self.caller_identity, identity=True),
            }
        )
        for prefix, location in self._tfstate_sources().items():
            funcs[f"{prefix}tfstate"] = self._offline(self._tfstate_function(prefix, location))
            funcs[f"{prefix}tfstatef"] = self._offline(self._tfstatef_function(prefix, location))
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
            "env": (("name", "default"), self.env),
            "must_env": (("name",), self.must_env),
            "json_escape": (("value",), json_escape),
            "ssm": (("name",), self._offline(self.ssm)),
            "ssm_list": (
                ("name", "index"),
                self._offline(lambda name, index: self.ssm(name, int(index))),
            ),
            "caller_identity": ((), self._offline(self.caller_identity, identity=True)),
        }
        for prefix, location in self._tfstate_sources().items():
            natives[f"{prefix}tfstate"] = (("address",), tfstate_native(location))
        return natives

    # -- environment --------------------------------------------------------------------------
    @staticmethod
    def env(name: str, *rest: str) -> str:
        """``env NAME [NAME2...] [DEFAULT]``: the first non-empty variable, else the default."""
        names = [name, *rest[:-1]]
        default = rest[-1] if rest else ""
        for candidate in names:
            value = os.environ.get(_as_str("env", candidate))
            if value:
                return value
        return _as_str("env", default)

    @staticmethod
    def must_env(name: str) -> str:
        """The variable's value (may be empty); TemplateError naming it when it is not set."""
        value = os.environ.get(_as_str("must_env", name))
        if value is None:
            raise TemplateError(
                f"must_env: environment variable {name} is not defined",
                hint=f"set {name}, or pass --envfile FILE with a line {name}=...",
            )
        return value

    # -- SSM Parameter Store ----------------------------------------------------------------
    def ssm(self, name: str, index: int | None = None) -> str:
        """A parameter's value (SecureString decrypted); ``index`` picks from a StringList."""
        name = _as_str("ssm", name)
        if name not in self._ssm_cache:
            self._ssm_cache[name] = self._get_parameter(name)
        kind, value = self._ssm_cache[name]
        if kind == "StringList":
            if index is None:
                raise TemplateError(
                    f"ssm: {name} is a StringList: give an index, e.g. {{{{ ssm `{name}` 0 }}}}"
                )
            items = value.split(",")
            if not isinstance(index, int) or not 0 <= index < len(items):
                raise TemplateError(
                    f"ssm: index {index} is out of range for {name} ({len(items)} items)"
                )
            return items[index]
        if index is not None:
            raise TemplateError(
                f"ssm: an index is only for StringList parameters; {name} is a {kind}"
            )
        return value

    def _get_parameter(self, name: str) -> tuple[str, str]:
        from botocore.exceptions import ClientError

        client = self.clients().client("ssm")
        try:
            param = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ParameterNotFound":
                raise TemplateError(f"ssm: parameter {name} not found") from exc
            raise describe_client_error(exc, f"ssm: get parameter {name}") from exc
        return str(param.get("Type", "String")), str(param.get("Value", ""))

    # -- STS --------------------------------------------------------------------------------
    def caller_identity(self) -> dict[str, str]:
        """``{"Account", "Arn", "UserId"}`` of the caller (STS GetCallerIdentity)."""
        clients = self.clients()
        if hasattr(clients, "caller_identity"):
            return dict(clients.caller_identity())
        resp = clients.client("sts").get_caller_identity()
        return {k: resp[k] for k in ("Account", "Arn", "UserId")}

    # -- Terraform state ----------------------------------------------------------------------
    def _tfstate_sources(self) -> dict[str, str]:
        sources: dict[str, str] = {}
        if self.options.tfstate:
            sources[""] = self.options.tfstate
        sources.update(self.options.prefixed_tfstate)
        return sources

    def _state(self, location: str) -> TerraformState:
        return read_state(location, self.clients, self.base_dir)

    def _tfstate_function(self, prefix: str, location: str) -> TemplateFunction:
        def tfstate(address: str) -> str:
            value = self._state(location).lookup(_as_str(f"{prefix}tfstate", address))
            return format_value(value)

        return tfstate

    def _tfstatef_function(self, prefix: str, location: str) -> TemplateFunction:
        def tfstatef(fmt: str, *args: Any) -> str:
            address = go_sprintf(_as_str(f"{prefix}tfstatef", fmt), args)
            return format_value(self._state(location).lookup(address))

        return tfstatef


def json_escape(value: Any) -> str:
    """The value as the inside of a JSON string literal (quotes, backslashes, newlines...)."""
    return json.dumps(format_value(value), ensure_ascii=False)[1:-1]


def go_sprintf(fmt: str, args: tuple[Any, ...] | list[Any]) -> str:
    """Go's ``fmt.Sprintf`` for the verbs addresses use: %s %v %d %q %f %x %t and %%."""
    pending = list(args)
    out: list[str] = []
    pos = 0
    for match in _PRINTF_RE.finditer(fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if not pending:
            raise TemplateError(f"tfstatef: format {fmt!r} needs more arguments")
        arg = pending.pop(0)
        if verb in "sv":
            text = format_value(arg)
        elif verb == "q":
            text = json.dumps(format_value(arg), ensure_ascii=False)
        elif verb == "t":
            text = format_value(bool(arg))
        else:
            spec = f"{flags}{width or ''}{'.' + precision if precision else ''}{verb}"
            try:
                text = ("%" + spec) % arg
            except TypeError as exc:
                raise TemplateError(f"tfstatef: %{verb} cannot format {arg!r}") from exc
            out.append(text)
            continue
        out.append(f"{text:>{width}}" if width and "-" not in flags else text)
    out.append(fmt[pos:])
    if pending:
        raise TemplateError(f"tfstatef: too many arguments for format {fmt!r}")
    return "".join(out)


def _as_str(func: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"{func}: expected a string argument, got {value!r}")
    return value
