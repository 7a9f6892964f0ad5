"""Services named after the commands: each does one command's work, returns data, never prints."""
