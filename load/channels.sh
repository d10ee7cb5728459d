#!/usr/bin/env bash
# channels.sh: N connections over K channels (one channel each when K = N), publish round-robin over the channels.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELP="usage: load/channels.sh [options]

--connections over --channels (connection i subscribes to channel i mod K); publishes --publish-rate
messages per second round-robin over the channels. Defaults finish in about 20 s:
  --connections 300 --channels 300 --publish-rate 600 --duration 10s --warmup 2s --timeout 55s
Environment: LOAD_JAVA_OPTS."

if wants_help "$@"; then scenario_help channels "$HELP"; exit 0; fi
run_scenario channels --connections 300 --channels 300 --publish-rate 600 --duration 10s --warmup 2s --timeout 55s -- "$@"
