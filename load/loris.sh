#!/usr/bin/env bash
# loris.sh: half-finished handshakes (slowloris). Sockets that send the start of a WebSocket upgrade and never finish
# it; the gateway must close each at its handshake deadline and keep answering health and real clients meanwhile.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELP="usage: load/loris.sh [options]

--connections sockets each send 'GET /ws HTTP/1.1', Host, Upgrade and never the final empty line (--send nothing:
not even that), held up to --duration, from --source-addresses and --processes (at most 19,000 per process).
Every --probe-interval (250 ms): GET /actuator/health (on --management-port) and a real WebSocket upgrade from
--probe-source-address (127.0.0.254), timed; with --server-pid PID the gateway's descriptors (/proc/PID/fd);
with --server-log FILE the lines its log gained. Per socket: when the gateway closed it and what it answered
first (nothing, 503, 408...). Verdict: every socket closed by the gateway within --handshake-timeout (10s, the
gateway's gateway.limits.handshake-timeout) + --close-slack (2s); health 200 within --answer-within (1s)
throughout; the upgrade answered 101 or 503 within it (never a hang); with --server-pid, descriptors below the
gateway's open-file limit and back to their level after. Defaults finish in about 20 s:
  --connections 2000 --duration 15s --timeout 55s
Full scale (more than one gateway process can hold, see docs/benchmarks.md section 7):
  load/loris.sh --port 18300 --management-port 18311 --connections 20000 --processes 2 \\
      --source-addresses 127.0.0.2-127.0.0.5 --duration 40s --server-pid \$PID --server-log gateway.log
Environment: LOAD_JAVA_OPTS."

if wants_help "$@"; then scenario_help loris "$HELP"; exit 0; fi
run_scenario loris --connections 2000 --duration 15s --timeout 55s -- "$@"
