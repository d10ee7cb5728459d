#!/usr/bin/env bash
# slow.sh: some subscribers stop reading while messages flow; the gateway must stay bounded, cut or drop for the
# slow ones, and keep the fast ones fast.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELP="usage: load/slow.sh [options]

--slow-fraction of the --connections subscribers stop reading (auto-read off over a small receive buffer)
while --publish-rate messages of --payload-bytes flow. Three phases of --duration: baseline, slow ones
stalled, baseline again. Verdict: gateway memory bounded (--mem-tolerance-mib; precise with --server-pid),
the overflow policy acts on the slow ones (close 4xxx, or the drop/disconnect counters), fast subscribers'
p99 within --p99-factor of the worse baseline (or + --p99-slack-ms), and no loss (and no reordering) for fast
subscribers. --stalled N puts N stalled subscribers on a channel each, beside --fast-per-channel fast ones, and
reports the gateway's RSS over idle against N x --queue-bytes-per-subscriber (1 MiB); large messages with
--message-bytes (= --payload-bytes). Defaults finish in about 45 s:
  --connections 8 --slow-fraction 0.25 --publish-rate 300 --payload-bytes 12288 --duration 6s --warmup 4s --timeout 58s
Environment: LOAD_JAVA_OPTS."

if wants_help "$@"; then scenario_help slow "$HELP"; exit 0; fi
run_scenario slow --connections 8 --slow-fraction 0.25 --publish-rate 300 --payload-bytes 12288 --duration 6s \
  --warmup 4s --timeout 58s -- "$@"
