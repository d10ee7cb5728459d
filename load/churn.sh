#!/usr/bin/env bash
# churn.sh: the leak gate. Connect, subscribe, abrupt disconnect, many times; the gateway's gauges must return to
# baseline (and heap after GC stay flat with --server-pid). Exit status 1 when not.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELP="usage: load/churn.sh [options]

--cycles of: connect, subscribe (waiting for the ack), disconnect without a close frame (--abort rst|fin|mixed).
Then gateway_connections_active, gateway_subscriptions_active and gateway_channels_active must be back to
their baseline within --settle-timeout, and with --server-pid PID the heap after a full GC (jcmd PID GC.run)
must not grow by more than --heap-tolerance-mib. Exit status: 0 pass, 1 leak or failure (usable in CI).
Defaults finish in about 15 s:
  --cycles 2000 --concurrency 32 --channels 10 --warmup-cycles 100 --duration 40s --timeout 55s
Environment: LOAD_JAVA_OPTS."

if wants_help "$@"; then scenario_help churn "$HELP"; exit 0; fi
run_scenario churn --cycles 2000 --concurrency 32 --channels 10 --warmup-cycles 100 --duration 40s --timeout 55s -- "$@"
