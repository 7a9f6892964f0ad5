"""One module per command, named like it (``deploy``, ``diff``, ``init``, ``import_all``...):
what the command does, for its CLI file to call (one function) and print. Services take typed
inputs and return typed results; they never print or read ``sys.argv``.
"""
