#!/usr/bin/env bash
# with-gateway.sh: one benchmark run against a fresh gateway. Starts the gateway's exec jar on a free port with
# GATEWAY_JAVA_OPTS, waits until /actuator/health is UP, runs one scenario script against it (adding --port and
# --server-pid), polls /actuator/health every 5 s during the run, then prints the gateway's CPU, RSS and health
# and stops it (SIGTERM, then SIGKILL after 30 s). The gateway is always stopped, whatever happens.
#
#   load/with-gateway.sh connect --connections 10000 --rate 1000 --duration 30s
#   GATEWAY_JAVA_OPTS="-Xmx1g" GATEWAY_ARGS="--gateway.outbound.buffer-size=256" load/with-gateway.sh fanout ...
#
# Environment: GATEWAY_JAVA_OPTS (gateway JVM options), GATEWAY_ARGS (gateway --key=value options),
# GATEWAY_PORT (default 18080), LOAD_JAVA_OPTS (generator JVM), ROUNDS (default 1: run the scenario this many
# times in a row against the same gateway, e.g. churn rounds whose heap baselines must stay flat; the exit status
# is the worst round's), QUIET_WAIT (seconds, default 300: before the
# scenario starts, wait at most this long for the machine to be quiet, >= 85% idle over 5 s; 0 = don't wait).
# Besides the gateway's CPU it prints the whole machine's busy cores during the run: what neither the gateway nor
# the generator (its own CPU is in the scenario's report) used was taken by other processes of the shared machine.
# The gateway's log goes to load/results/.
# Exit status: the scenario's (0 pass, 1 verdict failed, 2 usage, 3 broken); 4 when the gateway did not start.
set -euo pipefail
LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOAD_DIR/.." && pwd)"

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
scenario=$1
shift
script="$LOAD_DIR/$scenario.sh"
[[ -x "$script" ]] || { echo "error: no scenario script $script" >&2; exit 2; }

cd "$ROOT_DIR"
jar=$(ls gateway/target/gateway-*-exec.jar 2>/dev/null | head -n 1 || true)
if [[ -z "$jar" ]]; then
  ./mvnw -q -B -pl gateway -am -DskipTests package
  jar=$(ls gateway/target/gateway-*-exec.jar | head -n 1)
fi
port=${GATEWAY_PORT:-18080}
mkdir -p "$LOAD_DIR/results"
stamp=$(date +%Y%m%d-%H%M%S)
log="$LOAD_DIR/results/gateway-$scenario-$stamp.log"
health_log="$LOAD_DIR/results/gateway-$scenario-$stamp.health"

# shellcheck disable=SC2086 # lists of options
java ${GATEWAY_JAVA_OPTS:-} -jar "$jar" --server.port="$port" ${GATEWAY_ARGS:-} >"$log" 2>&1 &
gw=$!
poller=
stop_gateway() {
  [[ -n "$poller" ]] && kill "$poller" 2>/dev/null || true
  if kill -0 "$gw" 2>/dev/null; then
    kill -TERM "$gw" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$gw" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$gw" 2>/dev/null || true
  fi
}
trap stop_gateway EXIT INT TERM

health() { curl -s -m 5 "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -o '"status":"[A-Z]*"' | head -1 || true; }
for _ in $(seq 360); do   # up to 180 s: the start and the warm-up before readiness (gateway.warmup.*)
  [[ "$(health)" == '"status":"UP"' ]] && break
  kill -0 "$gw" 2>/dev/null || { echo "error: the gateway exited; see $log" >&2; exit 4; }
  sleep 0.5
done
[[ "$(health)" == '"status":"UP"' ]] || { echo "error: the gateway is not UP after 180 s; see $log" >&2; exit 4; }

ticks() { awk '{print $14 + $15}' "/proc/$gw/stat"; }
# Busy and total jiffies of the whole machine (all cores) from /proc/stat.
machine() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total}' /proc/stat; }
idle_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(machine); sleep 5; read -r b1 t1 < <(machine)
  echo $(( 100 - 100 * (b1 - b0) / (t1 - t0 + 1) ))
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$gw/status"; }
hz=$(getconf CLK_TCK)
echo "gateway pid $gw port $port, JVM options: ${GATEWAY_JAVA_OPTS:-(none)}, args: ${GATEWAY_ARGS:-(none)}"
echo "gateway idle: RSS $(rss_kib) KiB, open files limit $(awk '/Max open files/ {print $4}' "/proc/$gw/limits")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

( while kill -0 "$gw" 2>/dev/null; do echo "$(date +%T) $(health) rss_kib=$(rss_kib 2>/dev/null) cpu_ticks=$(ticks 2>/dev/null) utime_stime=$(awk '{print $14 "/" $15}' "/proc/$gw/stat" 2>/dev/null)"; sleep 5; done ) >"$health_log" 2>&1 &
poller=$!

quiet_wait=${QUIET_WAIT:-300}
if ((quiet_wait > 0)); then
  waited=0
  while idle=$(idle_pct); ((idle < 85 && waited < quiet_wait)); do
    ((waited == 0)) && echo "waiting for a quiet machine (idle $idle%; other processes: $(ps -eo pcpu=,comm= --sort=-pcpu | head -3 | tr -s ' ' | paste -sd,))"
    waited=$((waited + 5))
  done
  echo "machine idle $idle% before the run (waited $waited s)"
fi
t0=$(ticks); s0=$(date +%s.%N); read -r mb0 mt0 < <(machine)
rc=0
rounds=${ROUNDS:-1}
for ((round = 1; round <= rounds; round++)); do
  ((rounds > 1)) && echo "== round $round of $rounds (gateway RSS $(rss_kib) KiB)"
  r=0
  "$script" --port "$port" --server-pid "$gw" "$@" || r=$?
  ((r > rc)) && rc=$r
  kill -0 "$gw" 2>/dev/null || { echo "error: the gateway died; see $log" >&2; break; }
done
t1=$(ticks); s1=$(date +%s.%N); read -r mb1 mt1 < <(machine)

kill "$poller" 2>/dev/null || true; poller=
cpu_s=$(echo "($t1 - $t0) / $hz" | bc -l)
wall_s=$(echo "$s1 - $s0" | bc -l)
polls=$(wc -l <"$health_log"); up=$(grep -c '"status":"UP"' "$health_log" || true)
printf 'gateway CPU during the run: %.1f s over %.1f s = %.2f cores (machine load average now %s)\n' \
  "$cpu_s" "$wall_s" "$(echo "$cpu_s / $wall_s" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'machine CPU during the run: %.2f of %d cores busy (gateway + generator + everything else)\n' \
  "$(echo "($mb1 - $mb0) / ($mt1 - $mt0) * $(nproc)" | bc -l)" "$(nproc)"
echo "gateway after the run: health $(health), RSS $(rss_kib) KiB, health UP in $up of $polls polls during the run ($health_log)"
echo "gateway log: $log ($(grep -c ' ERROR ' "$log" || true) ERROR lines, $(grep -c ' WARN ' "$log" || true) WARN lines)"
exit "$rc"
