#!/usr/bin/env bash
# connect.sh: ramp to N WebSocket connections, hold them, close them; connect rate, handshake latency,
# failures by cause (rejected_503 apart), gateway memory per connection.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELP="usage: load/connect.sh [options]

Ramps to --connections at --rate per second (0 = as fast as --max-inflight allows), holds them for
--duration, then closes them. Defaults finish in about 15 s:
  --connections 500 --rate 250 --duration 5s --timeout 55s
Give --server-pid \$(pgrep -f gateway-.*-exec.jar) for RSS and heap-after-GC per connection.
Past ~18,000 connections the generator uses several processes (--processes) and, past ~25,000,
several loopback source addresses (--source-addresses 127.0.0.1-127.0.0.4): see load/README.md.
Environment: LOAD_JAVA_OPTS (JVM options of the generator)."

if wants_help "$@"; then scenario_help connect "$HELP"; exit 0; fi
run_scenario connect --connections 500 --rate 250 --duration 5s --timeout 55s -- "$@"
