#!/usr/bin/env bash
# A tour of lambherd on the embedded sandbox (no AWS account needed):
# deploy, invoke, logs, metrics, a change with its diff, a second deploy, a rollback.
#
#   bash examples/hello/tour.sh
#
# The sandbox keeps its state in $LAMBHERD_SANDBOX_DIR (a fresh temporary folder unless set)
# and listens on 127.0.0.1:$LAMBHERD_SANDBOX_PORT (default 4566; if that port is taken, run
# e.g. `LAMBHERD_SANDBOX_PORT=4600 bash examples/hello/tour.sh`). It is stopped at the end.
set -euo pipefail

cd "$(dirname "$0")"
export LAMBHERD_SANDBOX=1
export LAMBHERD_SANDBOX_DIR="${LAMBHERD_SANDBOX_DIR:-$(mktemp -d -t lambherd-tour.XXXXXX)}"
export LAMBHERD_SANDBOX_PORT="${LAMBHERD_SANDBOX_PORT:-4566}"
unset AWS_ENDPOINT_URL AWS_PROFILE
# Echo each command as you would type it (quoted where needed), then run it.
lh() {
  local shown="" arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@%+-]+$ ]]; then shown+=" $arg"; else shown+=" '$arg'"; fi
  done
  echo; echo "\$ lambherd$shown"
  lambherd "$@"
}

echo "# in $(pwd), with LAMBHERD_SANDBOX=1 (every command talks to the sandbox)"

trap 'lambherd sandbox stop >/dev/null 2>&1 || true' EXIT

lh sandbox start --detach
lh deploy
lh invoke --qualifier current --payload '{"name": "Ada"}' --log-tail
lh logs --since 10m
lh metrics --since 1h --qualifier current

echo; echo "# a change: function.json reads {{ env \`GREETING\` \`Hello\` }}"
echo "\$ export GREETING=Howdy"
export GREETING=Howdy
set +e
lh diff --exit-code
echo "(diff exit code: $? = differences found)"
set -e
lh deploy
lh invoke --qualifier current --payload '{"name": "Ada"}'
lh versions

lh rollback
lh invoke --qualifier current --payload '{"name": "Ada"}'
lh status
lh test --qualifier current
lh sandbox stop
