"""One home for lambherd's defaults (values a user never sets, or gets when setting none).

Modules low in the tree (``sandbox/``, ``local/``) import from here instead of from ``aws.py``,
so that neither imports the other's package.
"""

from __future__ import annotations

#: The region when neither the command line, the profile nor the environment names one.
DEFAULT_REGION = "us-east-1"
#: The sandbox's port on 127.0.0.1 when ``$LAMBHERD_SANDBOX_PORT`` is not set.
SANDBOX_PORT = 4566
#: Credentials used against the sandbox: obviously fake, never a real key.
SANDBOX_ACCESS_KEY = "sandbox"
SANDBOX_SECRET_KEY = "sandbox"
#: The one account the sandbox serves.
SANDBOX_ACCOUNT_ID = "123456789012"
