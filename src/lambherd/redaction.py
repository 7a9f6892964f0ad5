"""Credentials masked in every log record: ours, botocore's and urllib3's.

botocore's debug log shows each request it signs — the headers (``Authorization``,
``X-Amz-Security-Token``), the canonical request (``x-amz-security-token:<token>``), the
signature — and response bodies (an STS answer carries a whole key pair); urllib3 logs request
lines, presigned queries included. ``RedactingFilter`` on a handler rewrites each record that
reaches it, whichever logger made it:

    access key ids            kept to their first 4 characters (``ASIA****``): keys stay apart
    secrets, session tokens   replaced by ``****`` (XML, JSON, ini, headers, queries)
    signatures                ``Signature=****`` (Authorization, presigned ``X-Amz-Signature``)
    known values              the environment's AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
                              wherever they appear (plain or URL-encoded)

``install_redaction(logger)`` puts one on each of the logger's handlers (``cli/main.py`` does it
for the root logger when it sets logging up; the sandbox server for its own).
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import quote

MASK = "****"
#: Environment variables whose values are masked wherever they show up.
SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
#: Shorter values are not masked by value (``sandbox``, ``testing``: not secrets, and common
#: words); the patterns still mask them where credentials travel.
_MIN_VALUE_LENGTH = 8
_KEEP = 4  # characters of an access key id left visible

_VALUE_END = r"[^'\"\s&,;}<>\\]"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Credential=AKID/date/region/service/aws4_request (header) and X-Amz-Credential=AKID%2F...
    (re.compile(r"((?:X-Amz-)?Credential=)([^/%\s,&'\"]{0,4})[^/%\s,&'\"]*", re.I), rf"\1\2{MASK}"),
    # Signature=<hex> (Authorization header, presigned query) and botocore's "Signature:\n<hex>"
    (re.compile(r"((?:X-Amz-)?Signature\s*[=:]\s*)[0-9a-fA-F]{16,}", re.I), rf"\1{MASK}"),
    # x-amz-security-token:<t> (canonical request), 'X-Amz-Security-Token': b'<t>', ...=<t>
    (
        re.compile(rf"(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?){_VALUE_END}+", re.I),
        rf"\1{MASK}",
    ),
    # <SecretAccessKey>..</SecretAccessKey>, <SessionToken>, <Token> (STS, IMDS answers)
    (
        re.compile(r"(<(SecretAccessKey|SessionToken|SecurityToken|Token)>)[^<]*(</\2>)", re.I),
        rf"\1{MASK}\3",
    ),
    (re.compile(r"(<AccessKeyId>[^<]{0,4})[^<]*(</AccessKeyId>)", re.I), rf"\1{MASK}\2"),
    # "SecretAccessKey": "..." and friends (JSON), aws_secret_access_key = ... (ini)
    (
        re.compile(
            r"([\"']?(?:SecretAccessKey|SessionToken|SecurityToken|secret_access_key|"
            r"session_token|security_token|aws_secret_access_key|aws_session_token)[\"']?"
            r"\s*[:=]\s*[\"']?)[^\"'\s,}]+",
            re.I,
        ),
        rf"\1{MASK}",
    ),
    (
        re.compile(r"([\"']?AccessKeyId[\"']?\s*[:=]\s*[\"']?[^\"'\s,}]{0,4})[^\"'\s,}]*", re.I),
        rf"\1{MASK}",
    ),
    # an AWS access key id anywhere else (AKIA..., ASIA...)
    (re.compile(r"\b((?:AKIA|ASIA|AIDA|AROA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{12,})\b"), ""),
)


def _key_id(match: re.Match[str]) -> str:
    return match.group(1)[:_KEEP] + MASK


class RedactingFilter(logging.Filter):
    """Masks credentials in each record it sees (the record is rewritten, never dropped)."""

    def __init__(self, values: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._values: list[str] = []
        for value in (*values, *(os.environ.get(name, "") for name in SECRET_ENV)):
            self.remember(value)
        key_id = os.environ.get("AWS_ACCESS_KEY_ID", "")
        self._key_id = key_id if len(key_id) >= _MIN_VALUE_LENGTH else ""

    def remember(self, value: str) -> None:
        """Mask ``value`` (and its URL-encoded form) wherever it appears from now on."""
        if len(value) < _MIN_VALUE_LENGTH:
            return
        for form in (value, quote(value, safe="")):
            if form not in self._values:
                self._values.append(form)
        self._values.sort(key=len, reverse=True)  # a longer form first

    def redact(self, text: str) -> str:
        """``text`` with every credential masked."""
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        if self._key_id and self._key_id in text:
            text = text.replace(self._key_id, self._key_id[:_KEEP] + MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement or _key_id, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format: logging reports it; mask what there is
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put a ``RedactingFilter`` on every handler of ``logger`` (default: the root logger)
    that has none yet."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
