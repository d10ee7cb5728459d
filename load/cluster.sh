#!/usr/bin/env bash
# cluster.sh: GATEWAYS gateway processes sharing REDIS redis-server instances on this machine (the Redis broker),
# one generator scenario spread over all of them. It starts the Redis instances and the gateways itself (loopback,
# ports of their own, pid files in the run's directory), waits until every one answers, runs the scenario with
# --port = the first gateway (publishes and scrapes) and --connect-ports = all of them (connection i to gateway
# i mod GATEWAYS), samples every second each gateway's and each Redis's CPU (/proc/PID/stat), descriptors and RSS,
# the generator processes' descriptors and the machine's load, and writes one JSON report. Everything it started
# is stopped by pid on exit, whatever happened; the run is bounded by RUN_TIMEOUT.
#
#   load/cluster.sh --connections 45000 --rate 1000 --publish-rate 1 --duration 30s --warmup 10s
#   REDIS=2 load/cluster.sh channels --connections 45000 --channels 6 --publish-rate 6 ...
#
# The first argument may name the scenario (fanout, the default, or channels); the rest go to the generator
# (load/README.md). Environment: GATEWAYS (3), REDIS (1), GATEWAY_BASE_PORT (18801: gateway k on +k),
# REDIS_BASE_PORT (6421), GATEWAY_JAVA_OPTS (-Xmx1g), GATEWAY_ARGS (more --gateway.* options), LOAD_JAVA_OPTS,
# QUIET_WAIT (seconds to wait for a machine >= 85% idle before the run, 120; 0 = don't), RUN_TIMEOUT (seconds,
# 900), OUT_DIR (default load/results/cluster-<time>). The report is OUT_DIR/cluster.json; the generator's own
# report, the gateways' and Redis's logs and the per-second samples are beside it.
# Exit status: the generator's (0 pass, 1 verdict failed, 2 usage, 3 broken); 4 when a server did not start.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if wants_help "$@"; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
scenario=fanout
if [[ $# -gt 0 && "$1" != -* ]]; then
  scenario=$1
  shift
fi
[[ "$scenario" == fanout || "$scenario" == channels ]] || { echo "error: scenario must be fanout or channels" >&2; exit 2; }

gateways=${GATEWAYS:-3}
redises=${REDIS:-1}
gw_base=${GATEWAY_BASE_PORT:-18801}
redis_base=${REDIS_BASE_PORT:-6421}
run_timeout=${RUN_TIMEOUT:-900}
((gateways >= 1 && gateways <= 8 && redises >= 1 && redises <= 4)) || { echo "error: 1-8 gateways, 1-4 Redis" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "error: redis-server is not installed" >&2; exit 4; }

ensure_jar
cd "$ROOT_DIR"
gw_jar=$(ls gateway/target/gateway-*-exec.jar 2>/dev/null | head -n 1 || true)
if [[ -z "$gw_jar" ]]; then
  ./mvnw -q -B -pl gateway -am -DskipTests package
  gw_jar=$(ls gateway/target/gateway-*-exec.jar | head -n 1)
fi
dir=${OUT_DIR:-$LOAD_DIR/results/cluster-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
gw_ports=(); redis_ports=(); uris=()
for ((k = 0; k < gateways; k++)); do gw_ports+=($((gw_base + k))); done
for ((k = 0; k < redises; k++)); do redis_ports+=($((redis_base + k))); uris+=("redis://127.0.0.1:$((redis_base + k))"); done
for p in "${gw_ports[@]}" "${redis_ports[@]}"; do
  if port_busy "$p"; then echo "error: port $p is in use (GATEWAY_BASE_PORT / REDIS_BASE_PORT)" >&2; exit 4; fi
done

sampler=
gen=
stop_all() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
  [[ -n "$gen" ]] && kill -TERM "$gen" 2>/dev/null || true
  local f pid
  for f in "$dir"/gateway-*.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$dir"/gateway-*.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  for f in "$dir"/redis-*.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}
trap stop_all EXIT INT TERM

for ((k = 0; k < redises; k++)); do
  redis-server --port "${redis_ports[k]}" --bind 127.0.0.1 --daemonize yes --pidfile "$dir/redis-$k.pid" \
    --dir "$dir" --logfile "$dir/redis-$k.log" --save "" --appendonly no
done
for ((k = 0; k < redises; k++)); do
  for _ in $(seq 40); do [[ "$(redis-cli -p "${redis_ports[k]}" ping 2>/dev/null)" == PONG && -s "$dir/redis-$k.pid" ]] && break; sleep 0.25; done
  [[ "$(redis-cli -p "${redis_ports[k]}" ping 2>/dev/null)" == PONG ]] || { echo "error: redis on ${redis_ports[k]} did not start" >&2; exit 4; }
done
uri_list=$(IFS=,; echo "${uris[*]}")
for ((k = 0; k < gateways; k++)); do
  # shellcheck disable=SC2086 # lists of options
  java ${GATEWAY_JAVA_OPTS:--Xmx1g} -jar "$gw_jar" --server.port="${gw_ports[k]}" --gateway.broker.type=redis \
    --gateway.broker.redis.uris="$uri_list" ${GATEWAY_ARGS:-} >"$dir/gateway-$k.log" 2>&1 &
  echo $! >"$dir/gateway-$k.pid"
done
health() { curl -s -m 5 "http://127.0.0.1:$1/actuator/health" 2>/dev/null | grep -o '"status":"[A-Z]*"' | head -1 || true; }
for ((k = 0; k < gateways; k++)); do
  for _ in $(seq 480); do   # up to 240 s: starts and warm-ups (gateway.warmup.*) on shared cores
    [[ "$(health "${gw_ports[k]}")" == '"status":"UP"' ]] && break
    kill -0 "$(cat "$dir/gateway-$k.pid")" 2>/dev/null || { echo "error: gateway $k exited; see $dir/gateway-$k.log" >&2; exit 4; }
    sleep 0.5
  done
  [[ "$(health "${gw_ports[k]}")" == '"status":"UP"' ]] || { echo "error: gateway $k is not UP after 240 s" >&2; exit 4; }
done
gw_pids=(); redis_pids=()
for ((k = 0; k < gateways; k++)); do gw_pids+=("$(cat "$dir/gateway-$k.pid")"); done
for ((k = 0; k < redises; k++)); do redis_pids+=("$(cat "$dir/redis-$k.pid")"); done
echo "cluster: gateways ${gw_ports[*]} (pids ${gw_pids[*]}), Redis ${redis_ports[*]} (pids ${redis_pids[*]}), $dir"

machine() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }
quiet_wait=${QUIET_WAIT:-120}
waited=0
while ((quiet_wait > 0 && waited < quiet_wait)); do
  read -r b0 t0 < <(machine); sleep 5; read -r b1 t1 < <(machine)
  idle=$(( 100 - 100 * (b1 - b0) / (t1 - t0 + 1) ))
  ((idle >= 85)) && break
  waited=$((waited + 5))
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) before the run (waited $waited s for quiet)"
for p in "${redis_ports[@]}"; do redis-cli -p "$p" config resetstat >/dev/null; done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
descendants() { local c; for c in $(pgrep -P "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done; }
gen_out="$dir/generator.out"
: >"$gen_out"
# One line a second: time, generator phase, machine busy/total jiffies, load, then per gateway ticks/fds/rss,
# per Redis ticks, and the largest descriptor count of any generator process.
(
  set +e +o pipefail
  fd=()
  for ((i = 0; i < run_timeout + 60; i++)); do
    phase=$(tail -c 400 "$gen_out" 2>/dev/null | tr '\r' '\n' | grep -o '^\[ *[0-9]*s\] [a-z0-9]*' | tail -1 | awk '{print $NF}')
    line="$(date +%s.%N) ${phase:-none} $(machine) $(cut -d' ' -f1 /proc/loadavg)"
    # Descriptors every 5 s only: listing 15,000 of them per process is work taken from the run.
    k=0
    for pid in "${gw_pids[@]}"; do
      ((i % 5 == 0)) && fd[k]=$(fds "$pid")
      line+=" $(ticks "$pid") ${fd[k]:-0} $(rss "$pid")"
      k=$((k + 1))
    done
    for pid in "${redis_pids[@]}"; do line+=" $(ticks "$pid")"; done
    if ((i % 5 == 0)); then
      gmax=0
      if [[ -n "$gen" ]] || gen=$(cat "$dir/generator.pid" 2>/dev/null); then
        for pid in $(descendants "$gen"); do f=$(fds "$pid"); ((f > gmax)) && gmax=$f; done
      fi
    fi
    echo "$line ${gmax:-0}"
    sleep 1
  done
) >"$dir/samples.txt" 2>/dev/null &
sampler=$!

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
# shellcheck disable=SC2086 # LOAD_JAVA_OPTS is a list of JVM options
timeout --kill-after=30 "$run_timeout" java ${LOAD_JAVA_OPTS:-} -jar "$JAR" "$scenario" --port "${gw_ports[0]}" \
  --connect-ports "$(IFS=,; echo "${gw_ports[*]}")" --out "$dir/generator.json" --timeout "$((run_timeout - 30))s" "$@" \
  >"$gen_out" 2>&1 &
gen=$!
echo "$gen" >"$dir/generator.pid"
tail -f --pid="$gen" "$gen_out" | grep --line-buffered -v '^\[' || true &
wait "$gen" || rc=$?
gen=
sleep 1.5
kill "$sampler" 2>/dev/null || true
sampler=
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

redis_stats=()
for p in "${redis_ports[@]}"; do
  calls=$(redis-cli -p "$p" info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_evalsha/ {print $3}')
  usec=$(redis-cli -p "$p" info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_evalsha/ {print $7}')
  redis_stats+=("${calls:-0} ${usec:-0}")
done

hz=$(getconf CLK_TCK)
# Per process: CPU over the "measure" phase (first to last sample in it), and over the whole run.
summary=$(awk -v g="$gateways" -v r="$redises" -v hz="$hz" -v cores="$(nproc)" '
  { n++; t[n] = $1; ph[n] = $2; mb[n] = $3; mt[n] = $4; la[n] = $5
    for (i = 0; i < g; i++) { gt[n, i] = $(6 + 3 * i); gf = $(7 + 3 * i); gr = $(8 + 3 * i)
      if (gf > gfmax[i]) gfmax[i] = gf; if (gr > grmax[i]) grmax[i] = gr }
    for (j = 0; j < r; j++) rt[n, j] = $(6 + 3 * g + j)
    gen = $(6 + 3 * g + r); if (gen > genmax) genmax = gen
    if ($2 == "measure") { if (!m0) m0 = n; m1 = n; if (la[n] > lamax) lamax = la[n] } }
  END {
    a = m0 ? m0 : 1; b = m0 ? m1 : n; secs = t[b] - t[a]; if (secs <= 0) secs = 1
    printf "{\"cores\":%d,\"measureSeconds\":%.1f,\"measurePhaseFound\":%s,\"loadAverage1mMaxDuringMeasure\":%.2f,", cores, secs, m0 ? "true" : "false", lamax
    printf "\"machineBusyCoresDuringMeasure\":%.2f,\"generatorMaxOpenFilesPerProcess\":%d,\"gateways\":[", (mb[b] - mb[a]) / (mt[b] - mt[a] + 1e-9) * cores, genmax
    for (i = 0; i < g; i++) printf "%s{\"cpuCoresDuringMeasure\":%.3f,\"cpuSecondsWholeRun\":%.2f,\"maxOpenFiles\":%d,\"maxRssKiB\":%d}", i ? "," : "", (gt[b, i] - gt[a, i]) / hz / secs, (gt[n, i] - gt[1, i]) / hz, gfmax[i], grmax[i]
    printf "],\"redis\":["
    for (j = 0; j < r; j++) printf "%s{\"cpuCoresDuringMeasure\":%.3f,\"cpuSecondsWholeRun\":%.2f}", j ? "," : "", (rt[b, j] - rt[a, j]) / hz / secs, (rt[n, j] - rt[1, j]) / hz
    printf "]}"
  }' "$dir/samples.txt")

gen_json="$dir/generator.json"
[[ -s "$gen_json" ]] || echo '{}' >"$gen_json"
redis_json=$(for s in "${redis_stats[@]}"; do echo "$s"; done | jq -R -s 'split("\n") | map(select(length > 0) | split(" ") | {evalshaCalls: (.[0] | tonumber), evalshaUsecPerCall: (.[1] | tonumber)})')
# The generator's report goes in as a file: at 45,000 connections it is too long for an argument.
jq -n --argjson s "$summary" --slurpfile gs "$gen_json" --argjson rs "$redis_json" \
  --arg scenario "$scenario" --arg args "$*" --arg lb "$load_before" --arg la "$load_after" --arg dir "$dir" \
  --argjson gp "$(printf '%s\n' "${gw_ports[@]}" | jq -s .)" --argjson rp "$(printf '%s\n' "${redis_ports[@]}" | jq -s .)" \
  --arg gopts "${GATEWAY_JAVA_OPTS:--Xmx1g}" --arg gargs "${GATEWAY_ARGS:-}" --argjson rc "$rc" '
  $gs[0] as $g |
  {scenario: $scenario, generatorArguments: $args, exitStatus: $rc, directory: $dir,
   gatewayJavaOptions: $gopts, gatewayArguments: $gargs,
   machine: {cores: $s.cores, loadAverageBefore: $lb, loadAverageAfter: $la,
             loadAverage1mMaxDuringMeasure: $s.loadAverage1mMaxDuringMeasure,
             busyCoresDuringMeasure: $s.machineBusyCoresDuringMeasure, measureSeconds: $s.measureSeconds,
             measurePhaseFound: $s.measurePhaseFound},
   result: {verdict: $g.verdict, connections: $g.connections.established, wanted: $g.connections.wanted,
            failures: $g.connections.failuresByCause, closedByServer: $g.connections.closedByServerDuringRun,
            published: $g.publish.ok, publishFailed: $g.publish.failed, publishRatePerSec: $g.publish.ratePerSec,
            deliveryRatio: $g.delivery.deliveryRatio, expected: $g.delivery.expected, received: $g.delivery.received,
            deliveriesPerSec: $g.delivery.deliveriesPerSec,
            publishToReceiveMs: ($g.latencies["Publish-to-receive"].measured // {} | {p50Ms, p99Ms, p999Ms, maxMs, count}),
            publishRoundTripMs: ($g.publish.roundTrip // {} | {p50Ms, p99Ms}),
            generatorCpuCores: $g.generator.avgCores, generatorProcesses: $g.generator.processes,
            generatorMaxOpenFilesPerProcess: $s.generatorMaxOpenFilesPerProcess},
   gateways: [range(0; $gp | length) as $i | {port: $gp[$i]} + $s.gateways[$i]],
   redis: [range(0; $rp | length) as $i | {port: $rp[$i]} + $s.redis[$i] + $rs[$i]
           + {cpuUsPerPublishWholeRun: (if ($rs[$i].evalshaCalls // 0) > 0
                then ($s.redis[$i].cpuSecondsWholeRun * 1e6 / $rs[$i].evalshaCalls | floor) else null end)}]}
  ' >"$dir/cluster.json"
jq -c '.result | {pass: .verdict.pass, connections, deliveryRatio, publishToReceiveMs, generatorCpuCores}' "$dir/cluster.json"
jq -c '{gateways: [.gateways[] | {port, cpuCoresDuringMeasure, maxOpenFiles}], redis: [.redis[] | {port, cpuCoresDuringMeasure, evalshaCalls, cpuUsPerPublishWholeRun}], machine}' "$dir/cluster.json"
echo "wrote $dir/cluster.json"
exit "$rc"
