#!/usr/bin/env bash
# recovery.sh: recovery benchmarks against real gateways that it starts itself (loopback, own ports, pid files in
# the run's directory, stopped by pid on exit, every wait bounded).
#
#   load/recovery.sh single      # one client leaves, MISSED (300) messages are published, it subscribes again
#                                # with since: time from that subscribe to the last recovered message (median of
#                                # REPEATS, 9, after 3 warm-up repeats), each on a fresh channel
#   load/recovery.sh mass        # CLIENTS (10,000) on CHANNELS (100) channels on node A; A is killed (-9);
#                                # MISSED (100) messages per channel are published through node B; A is started
#                                # again and every client reconnects to it at once with since: time until all
#                                # recovered, how many recovered:true, per-client p50/p99, A's and Redis's CPU
#
# Environment: BROKER (redis, the default: one redis-server and nodes A and B; memory: node A only, single mode
# only, and there the client recovers from A's own history), MISSED, REPEATS, CLIENTS, CHANNELS, CROSS (single:
# 1 = publish through B and subscribe again on B), GATEWAY_JAVA_OPTS (-Xmx1g), GATEWAY_ARGS, GATEWAY_BASE_PORT
# (18851: A, B = +1), REDIS_PORT (6451), RUN_TIMEOUT (seconds, 600), OUT_DIR (default
# load/results/recovery-<mode>-<time>). More options of the Java side (org.pushgate.load.cluster.RecoveryBench,
# its --help) may follow the mode. The report is OUT_DIR/recovery.json, with the logs beside it.
# Exit status: 0 every recovery complete, 1 not, 2 usage, 3 broken, 4 a server did not start.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -lt 1 ]] || wants_help "$@"; then
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
mode=$1
shift
[[ "$mode" == single || "$mode" == mass ]] || { echo "error: mode must be single or mass" >&2; exit 2; }
broker=${BROKER:-redis}
[[ "$broker" == redis || "$broker" == memory ]] || { echo "error: BROKER must be redis or memory" >&2; exit 2; }
[[ "$broker" == memory && "$mode" == mass ]] && { echo "error: mass needs BROKER=redis (a restarted memory node has a new epoch)" >&2; exit 2; }
run_timeout=${RUN_TIMEOUT:-600}
base=${GATEWAY_BASE_PORT:-18851}
port_a=$base
port_b=$((base + 1))
redis_port=${REDIS_PORT:-6451}

ensure_jar
cd "$ROOT_DIR"
gw_jar=$(ls gateway/target/gateway-*-exec.jar 2>/dev/null | head -n 1 || true)
[[ -n "$gw_jar" ]] || { ./mvnw -q -B -pl gateway -am -DskipTests package; gw_jar=$(ls gateway/target/gateway-*-exec.jar | head -n 1); }
dir=${OUT_DIR:-$LOAD_DIR/results/recovery-$mode-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port_a" "$port_b" "$redis_port"; do
  if port_busy "$p"; then echo "error: port $p is in use (GATEWAY_BASE_PORT / REDIS_PORT)" >&2; exit 4; fi
done

bench=
stop_pidfile() {
  local f=$1 pid
  [[ -f "$f" ]] || return 0
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}
stop_all() {
  [[ -n "$bench" ]] && kill -TERM "$bench" 2>/dev/null || true
  stop_pidfile "$dir/gateway-a.pid"
  stop_pidfile "$dir/gateway-b.pid"
  stop_pidfile "$dir/redis.pid"
}
trap stop_all EXIT INT TERM

args=(--gateway.history.size=1000 --gateway.history.max-recovered=1000)
if [[ "$broker" == redis ]]; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" \
    --logfile "$dir/redis.log" --save "" --appendonly no
  for _ in $(seq 40); do [[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" == PONG && -s "$dir/redis.pid" ]] && break; sleep 0.25; done
  [[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" == PONG ]] || { echo "error: redis did not start" >&2; exit 4; }
  args+=(--gateway.broker.type=redis --gateway.broker.redis.uris="redis://127.0.0.1:$redis_port")
fi
start_gateway() { # NAME PORT
  # shellcheck disable=SC2086 # lists of options
  java ${GATEWAY_JAVA_OPTS:--Xmx1g} -jar "$gw_jar" --server.port="$2" "${args[@]}" ${GATEWAY_ARGS:-} \
    >>"$dir/gateway-$1.log" 2>&1 &
  echo $! >"$dir/gateway-$1.pid"
}
health() { curl -s -m 5 "http://127.0.0.1:$1/actuator/health" 2>/dev/null | grep -o '"status":"[A-Z]*"' | head -1 || true; }
await_up() { # NAME PORT
  for _ in $(seq 480); do   # up to 240 s: starts and warm-ups (gateway.warmup.*) on shared cores
    [[ "$(health "$2")" == '"status":"UP"' ]] && return 0
    kill -0 "$(cat "$dir/gateway-$1.pid")" 2>/dev/null || { echo "error: gateway $1 exited; see $dir/gateway-$1.log" >&2; exit 4; }
    sleep 0.5
  done
  echo "error: gateway $1 is not UP after 240 s" >&2
  exit 4
}
start_gateway a "$port_a"
[[ "$broker" == redis ]] && start_gateway b "$port_b"
await_up a "$port_a"
[[ "$broker" == redis ]] && await_up b "$port_b"
nodes="node A :$port_a"
[[ "$broker" == redis ]] && nodes+=", node B :$port_b, Redis :$redis_port"
echo "recovery $mode: broker $broker, $nodes, $dir"
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"

java_args=("$mode" --port "$port_a" --out "$dir/recovery.json")
if [[ "$mode" == single ]]; then
  java_args+=(--missed "${MISSED:-300}" --repeats "${REPEATS:-9}")
  if [[ "${CROSS:-0}" == 1 && "$broker" == redis ]]; then java_args+=(--publish-port "$port_b" --resubscribe-port "$port_b"); fi
else
  java_args+=(--missed "${MISSED:-100}" --clients "${CLIENTS:-10000}" --channels "${CHANNELS:-100}"
    --publish-port "$port_b" --cpu-pidfile "gatewayA=$dir/gateway-a.pid" --cpu-pidfile "redis=$dir/redis.pid"
    --cpu-pidfile "gatewayB=$dir/gateway-b.pid")
fi
out="$dir/bench.out"
: >"$out"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck disable=SC2086 # LOAD_JAVA_OPTS is a list of JVM options
timeout --kill-after=30 "$run_timeout" java ${LOAD_JAVA_OPTS:-} -cp "$JAR" org.pushgate.load.cluster.RecoveryBench \
  "${java_args[@]}" "$@" >"$out" 2>&1 &
bench=$!
tail -f --pid="$bench" "$out" &
if [[ "$mode" == mass ]]; then
  for _ in $(seq $((run_timeout * 5))); do grep -q '^ACTION kill' "$out" && break; kill -0 "$bench" 2>/dev/null || break; sleep 0.2; done
  if grep -q '^ACTION kill' "$out"; then
    kill -KILL "$(cat "$dir/gateway-a.pid")"
    echo "killed node A (-9) at $(date +%T.%N)"
    for _ in $(seq $((run_timeout * 5))); do grep -q '^ACTION restart' "$out" && break; kill -0 "$bench" 2>/dev/null || break; sleep 0.2; done
    if grep -q '^ACTION restart' "$out"; then
      start_gateway a "$port_a"
      echo "started node A again (pid $(cat "$dir/gateway-a.pid")) at $(date +%T.%N)"
    fi
  fi
fi
rc=0
wait "$bench" || rc=$?
bench=
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ -s "$dir/recovery.json" ]]; then
  jq --arg lb "$load_before" --arg la "$load_after" --arg broker "$broker" --arg gopts "${GATEWAY_JAVA_OPTS:--Xmx1g}" \
    '. + {broker: $broker, gatewayJavaOptions: $gopts, loadAverageBefore: $lb, loadAverageAfter: $la}' \
    "$dir/recovery.json" >"$dir/recovery.tmp" && mv "$dir/recovery.tmp" "$dir/recovery.json"
  echo "wrote $dir/recovery.json (load average before $load_before, after $load_after)"
fi
exit "$rc"
