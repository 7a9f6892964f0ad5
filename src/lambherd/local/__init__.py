"""The local Lambda emulator: Runtime API server, execution environments, Invoke API."""
