"""The one deploy engine: settings in, code identity, remote state, plans, a run."""
