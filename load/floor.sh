#!/usr/bin/env bash
# floor.sh: the floor under any fan-out on this machine. Plain NIO in one process, no gateway: N loopback TCP
# connections; server threads write one fixed frame (send time inside) to every socket R times a second, client
# threads read and time them. Prints each side's CPU per delivery (user + system, from thread CPU time) and the
# send-to-receive latency percentiles, to set beside the gateway's and the generator's in a fan-out run.
#
#   load/floor.sh                     # 9,000 connections, 5 msg/s, 30 s, 150-byte frames, 2 + 2 threads
#   load/floor.sh 9000 3 30 150 2     # [connections<=9500] [msg/s] [seconds] [frame bytes] [threads per side]
#
# Both ends of each connection are in this process, so N stays under half the 20,000 open-file limit.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
ensure_jar
n=${1:-9000}
need=$((2 * n + 200))
if (( $(ulimit -n) < need )); then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if (( $(ulimit -n) < need )); then
    echo "error: $n connections need $need open files here (both ends); ulimit -n is $(ulimit -n)" >&2
    exit 2
  fi
fi
exec java ${LOAD_JAVA_OPTS:-} -cp "$JAR" org.pushgate.load.bench.LoopbackFloor "$@"
