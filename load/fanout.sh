#!/usr/bin/env bash
# fanout.sh: N subscribers of one channel, publish R msg/s; deliveries/s, delivery ratio, latency percentiles.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELP="usage: load/fanout.sh [options]

--connections subscribers on one channel (--channel); publishes --publish-rate messages per second through
POST /api/publish for --duration after a warm-up, each carrying its send time, and measures every delivery.
Defaults finish in about 20 s:
  --connections 200 --publish-rate 200 --duration 10s --warmup 2s --timeout 55s
Give --api-key K when the gateway has one. Environment: LOAD_JAVA_OPTS."

if wants_help "$@"; then scenario_help fanout "$HELP"; exit 0; fi
run_scenario fanout --connections 200 --publish-rate 200 --duration 10s --warmup 2s --timeout 55s -- "$@"
