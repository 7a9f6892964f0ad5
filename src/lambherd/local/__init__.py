"""The local Lambda emulator: Runtime API server, execution environments, Invoke API.

Public surface: ``LocalRuntime`` (register / invoke / close), ``FunctionSpec``, ``InvokeResult``.
"""

from lambherd.local.runtime import LocalRuntime
from lambherd.local.spec import FunctionSpec, InvokeResult

__all__ = ["FunctionSpec", "InvokeResult", "LocalRuntime"]
