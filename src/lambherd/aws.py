"""The one place that makes boto3 sessions and clients.

Profiles (including assume-role profiles with ``role_arn`` + ``source_profile`` and an MFA prompt),
region, an endpoint override (``--endpoint-url`` / ``AWS_ENDPOINT_URL``), the embedded sandbox, and
botocore's *standard* retry mode are all decided here. boto3 is imported lazily so that printing
help never pays for it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from lambherd.defaults import DEFAULT_REGION, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY
from lambherd.errors import AwsError


@dataclass(frozen=True)
class AwsSettings:
    """Where and as whom lambherd talks to AWS."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    #: Retries after the first attempt (botocore's standard mode). Kept small so that an
    #: unreachable endpoint fails in seconds; deploy steps retry throttling themselves.
    max_attempts: int = 4

    def with_overrides(self, **changes: Any) -> AwsSettings:
        """A copy with the given non-None fields replaced (used by project stages)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


class AwsClients:
    """Creates (once) and caches the boto3 session and one client per service.

    Thread-safe: project commands plan and deploy functions from several threads.
    """

    def __init__(self, settings: AwsSettings | None = None) -> None:
        self.settings = settings or AwsSettings()
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._sandbox_url: str | None = None
        self._identity: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._hooks: list[tuple[str, Any]] = []

    # -- session -------------------------------------------------------------------------
    @property
    def session(self) -> Any:
        """The boto3 session (profile + region), made on first use."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._make_session()
        return self._session

    def _make_session(self) -> Any:
        import boto3
        import botocore.exceptions

        s = self.settings
        try:
            if s.sandbox:
                session = boto3.session.Session(
                    aws_access_key_id=SANDBOX_ACCESS_KEY,
                    aws_secret_access_key=SANDBOX_SECRET_KEY,
                    region_name=s.region or DEFAULT_REGION,
                )
            else:
                session = boto3.session.Session(profile_name=s.profile, region_name=s.region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AwsError(
                f"AWS profile {s.profile!r} not found", hint="check ~/.aws/config"
            ) from exc
        share_loader(session._session)
        if not s.sandbox:
            _cache_assumed_role_credentials(session)
        if session.region_name is None:
            # Lambda needs a region; the CLI's own default would be an error instead.
            session = boto3.session.Session(
                botocore_session=session._session, region_name=DEFAULT_REGION
            )
        return session

    @property
    def region(self) -> str:
        """The region every client uses."""
        return self.session.region_name or DEFAULT_REGION

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint override, if any (sandbox, flag or ``AWS_ENDPOINT_URL``)."""
        if self.settings.endpoint_url:
            return self.settings.endpoint_url
        if self.settings.sandbox:
            return self._sandbox_endpoint()
        return None

    def _sandbox_endpoint(self) -> str:
        """The sandbox's URL, starting the sandbox in the background the first time it's needed."""
        if self._sandbox_url is None:
            # sandbox.process imports nothing from here: no import circle
            from lambherd.sandbox.process import ensure_running

            self._sandbox_url = ensure_running()
        return self._sandbox_url

    # -- clients -------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A cached client for ``service`` with standard retries and the endpoint override."""
        existing = self._clients.get(service)
        if existing is not None:
            return existing
        session = self.session  # outside the lock: it takes it itself
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make_client(session, service)
            return self._clients[service]

    def client_in(self, service: str, region: str) -> Any:
        """A cached client for ``service`` in ``region`` rather than the session's (the Price
        List API answers from us-east-1 whatever region is being priced)."""
        key = f"{service}@{region}"
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        session = self.session
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make_client(session, service, region)
            return self._clients[key]

    def _make_client(self, session: Any, service: str, region: str | None = None) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": self.settings.max_attempts},
            connect_timeout=5,
            read_timeout=960,  # a synchronous invoke can run for 900 s
            max_pool_connections=32,
            user_agent_extra="lambherd",
        )
        kwargs: dict[str, Any] = {"config": config}
        if region:
            kwargs["region_name"] = region
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        client = session.client(service, **kwargs)
        for event, handler in self._hooks:
            client.meta.events.register(event, handler)
        return client

    def register_hook(self, event: str, handler: Any) -> None:
        """Register a botocore event handler on every client, present and future."""
        with self._lock:
            self._hooks.append((event, handler))
            for client in self._clients.values():
                client.meta.events.register(event, handler)

    def unregister_hook(self, event: str, handler: Any) -> None:
        """Remove a handler ``register_hook`` added, from every client."""
        with self._lock:
            self._hooks = [(e, h) for e, h in self._hooks if (e, h) != (event, handler)]
            for client in self._clients.values():
                client.meta.events.unregister(event, handler)

    def caller_identity(self) -> dict[str, str]:
        """STS GetCallerIdentity, cached for the life of this object."""
        if self._identity is None:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                resp = self.client("sts").get_caller_identity()
            except (ClientError, BotoCoreError) as exc:
                raise AwsError(f"cannot get caller identity: {exc}") from exc
            self._identity = {k: resp[k] for k in ("Account", "Arn", "UserId")}
        return self._identity


#: The suffixes botocore reads a model file under (``botocore.loaders.JSONFileLoader``).
_MODEL_SUFFIXES = (".json", ".json.gz")


@cache
def botocore_loader() -> Any:
    """The one botocore data loader of the process: the API models and endpoint data it reads
    (Lambda's model is ~0.5 MB of JSON) are read once, not once per session — validation's and
    the clients' sessions share it. It holds data files only, no credentials. Its search path
    is botocore's (``~/.aws/models``, the package's data, ``AWS_DATA_PATH`` before both).

    It also lists the data folders once: botocore lists them again for each kind of model it
    is asked about (a deploy asks for three: the API, its endpoint rules, its paginators), some
    1,600 file-system calls each."""
    from botocore.loaders import Loader

    class DataLoader(Loader):
        _kinds: dict[str, frozenset[str]] | None = None

        def list_available_services(self, type_name: str) -> list[str]:
            kinds = self._kinds
            if kinds is None:
                kinds = self._kinds = _model_kinds(self._potential_locations())
            return sorted(name for name, found in kinds.items() if type_name in found)

    extra = os.environ.get("AWS_DATA_PATH")
    paths = (
        [os.path.expanduser(os.path.expandvars(p)) for p in extra.split(os.pathsep)]
        if extra
        else None
    )
    return DataLoader(extra_search_paths=paths)


def _model_kinds(roots: Any) -> dict[str, frozenset[str]]:
    """Service name -> the kinds of model (``service-2``, ``paginators-1``...) some API version
    of it has, under every data folder in ``roots``."""
    kinds: dict[str, set[str]] = {}
    for root in roots:
        for service in _folders(root):
            found = kinds.setdefault(service.name, set())
            for version in _folders(service.path):
                with os.scandir(version.path) as files:
                    for f in files:
                        for suffix in _MODEL_SUFFIXES:
                            if f.name.endswith(suffix) and f.is_file():
                                found.add(f.name[: -len(suffix)])
    return {name: frozenset(found) for name, found in kinds.items()}


def _folders(path: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as entries:
            return [e for e in entries if e.is_dir()]
    except OSError:
        return []


@cache
def service_model(service: str) -> Any:
    """botocore's model of ``service``'s API, read through ``botocore_loader()`` without a
    session (what validation checks definitions against): no session is built for it, and the
    clients made later find the model's data already read."""
    from botocore.model import ServiceModel

    data = botocore_loader().load_service_model(service, "service-2")
    return ServiceModel(data, service_name=service)


def share_loader(botocore_session: Any) -> Any:
    """``botocore_session`` reading its data through ``botocore_loader()``; returned."""
    botocore_session.register_component("data_loader", botocore_loader())
    return botocore_session


def _cache_assumed_role_credentials(session: Any) -> None:
    """Reuse assumed-role credentials across runs, as the AWS CLI does.

    Without this, a profile with ``mfa_serial`` would prompt for a code on every command.
    botocore prompts for the MFA code itself (``getpass``) when the profile asks for it.
    """
    try:
        from botocore.credentials import JSONFileCache

        provider = session._session.get_component("credential_provider").get_provider("assume-role")
        provider.cache = JSONFileCache(str(Path.home() / ".aws" / "cli" / "cache"))
    except Exception:
        return
