"""The log of a command run: no credential in any record (``lambherd.redaction``), whoever
logs it — lambherd, botocore (its debug log shows headers, canonical requests, signatures) or
urllib3."""

from __future__ import annotations


def redact_credentials() -> None:
    """Mask credentials in every record the root logger's handlers write (call it once the
    handlers are set up)."""
    from lambherd.redaction import install_redaction

    install_redaction()
