#!/usr/bin/env bash
# A tour of lambherd on the embedded sandbox (no AWS account needed):
# deploy, invoke, logs, metrics, a change with its diff, a second deploy, a rollback.
#
#   bash examples/hello/tour.sh
#
# The sandbox keeps its state in $LAMBHERD_SANDBOX_DIR (a fresh temporary folder unless set)
# and listens on 127.0.0.1:$LAMBHERD_SANDBOX_PORT (default 4566). It is stopped at the end.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export LAMBHERD_SANDBOX=1
export LAMBHERD_SANDBOX_DIR="${LAMBHERD_SANDBOX_DIR:-$(mktemp -d -t lambherd-tour.XXXXXX)}"
export LAMBHERD_SANDBOX_PORT="${LAMBHERD_SANDBOX_PORT:-4566}"
unset AWS_ENDPOINT_URL AWS_PROFILE
lh() { echo; echo "\$ lambherd $*"; lambherd -C "$here" "$@"; }

trap 'lambherd sandbox stop >/dev/null 2>&1 || true' EXIT

lh sandbox start --detach
lh deploy
lh invoke --qualifier current --payload '{"name": "Ada"}' --log-tail
lh logs --since 10m
lh metrics --since 1h --qualifier current

echo; echo "# a change: GREETING=Howdy (function.json reads it with {{ env \`GREETING\` \`Hello\` }})"
export GREETING=Howdy
set +e
lh diff --exit-code
echo "(diff exit code: $?)"
set -e
lh deploy
lh invoke --qualifier current --payload '{"name": "Ada"}'
lh versions

lh rollback
lh invoke --qualifier current --payload '{"name": "Ada"}'
lh status
lh sandbox stop
