"""Named process exit codes, applied in one place (``lambherd.cli.main``)."""

SUCCESS = 0
FAILURE = 1  # an error: bad input, AWS refused, a function error, a failed test
DIFFERENCES = 2  # `diff --exit-code` / `plan --exit-code` found changes
USAGE = 2  # click's own code for a malformed command line
INTERRUPTED = 130
