"""Command-line interface: thin click commands, loaded lazily.

``COMMANDS`` maps a command name to the module that defines it and a one-line summary, so
``lambherd --help`` lists every command without importing any of them (pip's trick).
"""

from lambherd.cli.main import main

__all__ = ["main"]
