"""What each command does, one module per command; services return data and never print."""
