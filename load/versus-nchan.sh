#!/usr/bin/env bash
# versus-nchan.sh: the same workloads against pushgate and against nginx + Nchan, in one go, cold and warm, driven
# by the same load generator (--target pushgate|nchan|floor); prints the ratios gateway / Nchan as a table and JSON
# (docs/benchmarks.md, section 10). A third server, the JVM floor (org.pushgate.load.bench.NettyFloor: plain Netty
# speaking Nchan's API, no product in it), shows what any server on this JVM and Netty costs for the same work; its
# table gives floor / Nchan and gateway / floor.
#
#   load/versus-nchan.sh                              # every workload, the three servers, one round: ~11 min
#   WORKLOADS="fanout-1k storm-10k" ROUNDS=3 load/versus-nchan.sh
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 LABEL=jdk25-aot load/versus-nchan.sh   # gateway.sh picks its cache
#
# Workloads: fanout-1k (1,000 subscribers of one channel, 150 msg/s), fanout-10k (10,000 x 5 msg/s), channels-5k
# (5,000 channels x 1 subscriber, 2,000 publishes/s round-robin: the publish path), storm-10k (10,000 connections
# at once, each subscribing to one channel). For each workload and server: a fresh server process, pass 1 (cold:
# its first work ever) and pass 2 (warm: the same again, same process), each on channels of its own (so Nchan's
# "first message newest" never hands a subscriber an old message), with no warm-up by the generator (the gateway's
# own warm-up before readiness, gateway.warmup.*, is part of its start: JAVA_OPTS=-Dgateway.warmup.enabled=false
# turns it off). Per pass: the server's CPU
# seconds from /proc/PID/stat over the measured window (fan-out: publishing and draining; storm: the ramp), p50/p99
# (publish-to-receive; storm: the handshake), connections/s, and RSS per connection (storm: the
# server's RSS growth from idle over the open connections, after a forced GC in the JVM: heap the ramp made the JVM
# commit counts too, so it is not docs/benchmarks.md section 1's idle figure). Nchan's CPU and RSS are its one
# worker process'.
#
# Environment: WORKLOADS, SERVERS ("pushgate nchan floor"), ROUNDS (1; figures are medians over the rounds), DURATION
# (10s: each fan-out's measured window; the storm holds 5 s), GATEWAY_PORT (18980), NCHAN_PORT (18990), FLOOR_PORT
# (18995), GEN_WARMUP (5s: each generator process first warms its own JIT for that long against a stand-in server
# inside itself, --self-warmup, so that its compiler threads are not on the two cores in the measured window; the
# server under test sees none of it; 0 for a cold generator, as before session 14), FLOOR_WARMUP (1: unrecorded passes of the same workload the floor runs before its pass 1, as the
# gateway's own warm-up before readiness; 0 for a truly cold floor), JAVA_HOME and JAVA_OPTS (the gateway's JDK and JVM options, through ./gateway.sh; GATEWAY_AOT=off runs
# without an AOT cache; the floor runs on the same JDK with FLOOR_JAVA_OPTS), QUIET_WAIT (seconds, 60: before each server start, wait at most this long for the shared machine to be
# >= 80% idle; the load average and idle share are recorded with each pass either way), LABEL (a name for the run),
# OUT_DIR (load/results/versus-<time>), REPORT_ONLY=1 (no runs: the table of the passes in OUT_DIR/runs.jsonl,
# e.g. after appending another run's lines). The gateway runs with its shipped defaults. Every step is bounded (a run
# has a hard timeout, servers are stopped by pid, TERM then KILL). Loopback only.
# Exit status: 0 done (verdicts of the passes are in the table; a failed pass is marked), 2 usage, 3 broken.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if wants_help "$@"; then sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
(($# == 0)) || { echo "error: no arguments; the settings are environment variables (--help)" >&2; exit 2; }
for tool in jq curl /usr/sbin/nginx; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (apt-get install -y jq curl nginx libnginx-mod-nchan)" >&2; exit 3; }
done
[[ -f /usr/share/nginx/modules/ngx_nchan_module.so ]] || { echo "error: no Nchan module (apt-get install -y libnginx-mod-nchan)" >&2; exit 3; }

WORKLOADS=${WORKLOADS:-"fanout-1k fanout-10k channels-5k storm-10k"}
SERVERS=${SERVERS:-"pushgate nchan floor"}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-10s}
GATEWAY_PORT=${GATEWAY_PORT:-18980}
NCHAN_PORT=${NCHAN_PORT:-18990}
FLOOR_PORT=${FLOOR_PORT:-18995}
FLOOR_WARMUP=${FLOOR_WARMUP:-1}
GEN_WARMUP=${GEN_WARMUP:-5s}
QUIET_WAIT=${QUIET_WAIT:-60}
LABEL=${LABEL:-}
OUT_DIR=${OUT_DIR:-$LOAD_DIR/results/versus-$(date +%Y%m%d-%H%M%S)${LABEL:+-$LABEL}}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)   # nginx -p needs an absolute prefix
RUNS="$OUT_DIR/runs.jsonl"
[[ -n "${REPORT_ONLY:-}" ]] || : >"$RUNS"
ensure_jar
GATEWAY_BUILD_ONLY=1 "$ROOT_DIR/gateway.sh" >/dev/null

workload_args() {
  case $1 in
    fanout-1k) echo "fanout --connections 1000 --publish-rate 150 --duration $DURATION" ;;
    fanout-10k) echo "fanout --connections 10000 --publish-rate 5 --duration $DURATION" ;;
    channels-5k) echo "channels --connections 5000 --channels 5000 --publish-rate 2000 --publish-concurrency 64 --duration $DURATION" ;;
    storm-10k) echo "connect --connections 10000 --rate 0 --max-inflight 1000 --duration 5s" ;;
    *) echo "error: unknown workload $1 (fanout-1k fanout-10k channels-5k storm-10k)" >&2; exit 2 ;;
  esac
}
for w in $WORKLOADS; do workload_args "$w" >/dev/null; done
for s in $SERVERS; do [[ "$s" == pushgate || "$s" == nchan || "$s" == floor ]] || { echo "error: unknown server $s (pushgate nchan floor)" >&2; exit 2; }; done
# A server left listening on one of the ports (an earlier run, a hand-started floor) would answer the health checks
# for the one this script starts, whose bind then fails: every figure would be the wrong process's. Refuse up front.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for s in $SERVERS; do
  case $s in pushgate) p=$GATEWAY_PORT v=GATEWAY_PORT ;; nchan) p=$NCHAN_PORT v=NCHAN_PORT ;; *) p=$FLOOR_PORT v=FLOOR_PORT ;; esac
  if port_in_use "$p"; then
    echo "error: 127.0.0.1:$p ($s) is already in use by another process; stop it or set $v" >&2
    exit 3
  fi
done

# Busy and total jiffies of the whole machine; idle share over 2 s.
machine() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }
idle_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(machine); sleep 2; read -r b1 t1 < <(machine)
  echo $(( 100 - 100 * (b1 - b0) / (t1 - t0 + 1) ))
}
quiet() {
  local waited=0 idle
  while idle=$(idle_pct); ((idle < 80 && waited < QUIET_WAIT)); do waited=$((waited + 2)); done
  echo "$idle"
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

server_pid=   # the process whose CPU and RSS count (nginx: its worker)
stop_pid=     # the process to stop (nginx: its master)
started_ms=
# await_up NAME URL TRIES LOG: until URL answers 2xx (TRIES x 0.1 s), or the started process ($stop_pid) exits.
await_up() {
  local name=$1 url=$2 tries=$3 log=$4
  for _ in $(seq "$tries"); do
    # Up only while the process this script started still runs (it may exit right after a failed bind); a stale
    # server on the port is refused before any start (port_in_use above), as a health answer cannot tell them apart.
    curl -fs -m 2 "$url" >/dev/null 2>&1 && kill -0 "$stop_pid" 2>/dev/null && return 0
    kill -0 "$stop_pid" 2>/dev/null || { echo "error: the $name exited; see $log" >&2; return 1; }
    sleep 0.1
  done
  curl -fs -m 2 "$url" >/dev/null || { echo "error: the $name is not up; see $log" >&2; return 1; }
}
start_pushgate() {
  local log=$1 t0
  t0=$(date +%s%N)
  "$ROOT_DIR/gateway.sh" --server.port="$GATEWAY_PORT" >"$log" 2>&1 &
  stop_pid=$!
  server_pid=$stop_pid   # gateway.sh execs java
  await_up gateway "http://127.0.0.1:$GATEWAY_PORT/actuator/health" 1800 "$log" || return 1
  started_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
start_nchan() {
  local prefix=$1 t0
  mkdir -p "$prefix"
  sed "s#@PREFIX@#$prefix#g; s#@PORT@#$NCHAN_PORT#g" "$LOAD_DIR/nchan/nginx.conf" >"$prefix/nginx.conf"
  t0=$(date +%s%N)
  /usr/sbin/nginx -p "$prefix" -c "$prefix/nginx.conf" || { echo "error: nginx did not start; see $prefix/error.log" >&2; return 1; }
  for _ in $(seq 100); do [[ -s "$prefix/nginx.pid" ]] && break; sleep 0.1; done
  stop_pid=$(cat "$prefix/nginx.pid")
  server_pid=
  for _ in $(seq 100); do server_pid=$(pgrep -P "$stop_pid" | head -n 1 || true); [[ -n "$server_pid" ]] && break; sleep 0.1; done
  [[ -n "$server_pid" ]] || { echo "error: no nginx worker process" >&2; return 1; }
  started_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
start_floor() {
  local log=$1 t0
  t0=$(date +%s%N)
  # shellcheck disable=SC2086 # the options are words
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" ${FLOOR_JAVA_OPTS:-} -cp "$JAR" org.pushgate.load.bench.NettyFloor "$FLOOR_PORT" >"$log" 2>&1 &
  stop_pid=$!
  server_pid=$stop_pid
  await_up floor "http://127.0.0.1:$FLOOR_PORT/health" 600 "$log" || return 1
  started_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_server() {
  [[ -n "$stop_pid" ]] || return 0
  kill -TERM "$stop_pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$stop_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$stop_pid" 2>/dev/null || true
  [[ -n "$server_pid" && "$server_pid" != "$stop_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
  stop_pid=
  server_pid=
}
trap stop_server EXIT
trap 'exit 130' INT TERM   # (exit runs the EXIT trap: the server is stopped)

passes=0
run_pass() {   # server workload round pass idle_rss_kib
  local server=$1 w=$2 round=$3 pass=$4 idle_rss=$5 port file load idle source rc=0
  # A loopback source address of its own per pass: a 10,000-connection pass leaves up to 10,000 ports of
  # 127.0.0.1 in TIME_WAIT for 60 s (and other processes of the machine use its range too).
  passes=$((passes + 1))
  source=127.0.0.$((10 + passes % 200))
  case $server in pushgate) port=$GATEWAY_PORT ;; nchan) port=$NCHAN_PORT ;; *) port=$FLOOR_PORT ;; esac
  file="$OUT_DIR/$server-$w-r$round-p$pass.json"
  load=$(cut -d' ' -f1 /proc/loadavg)
  idle=$(idle_pct)
  # shellcheck disable=SC2046 # the workload's options are words
  java ${LOAD_JAVA_OPTS:-} -jar "$JAR" $(workload_args "$w") --target "$server" --port "$port" \
    --server-pid "$server_pid" --source-addresses "$source" --warmup 0 ${GEN_WARMUP:+$([[ "$GEN_WARMUP" == 0 ]] || echo "--self-warmup $GEN_WARMUP")} --channel "vs-$w-r$round-p$pass" --timeout 150s --quiet --no-html \
    --out "$file" >"${file%.json}.txt" 2>&1 || rc=$?
  if [[ ! -s "$file" ]]; then
    echo "   $server $w pass $pass: no result (exit $rc), see ${file%.json}.txt" >&2
    return 0
  fi
  if ((pass == 0)); then
    echo "   $server $w warm-up pass (not recorded): exit $rc"
    return 0
  fi
  jq -c --arg server "$server" --arg w "$w" --argjson round "$round" --argjson pass "$pass" --arg load "$load" \
    --argjson idle "$idle" --argjson started "$started_ms" --argjson idleRss "$idle_rss" --argjson rc "$rc" '
    (.latencies["Publish-to-receive"].measured // .latencies["Handshake (TCP connect + upgrade)"].handshake) as $lat |
    {server: $server, workload: $w, round: $round, pass: $pass, loadAverage: ($load | tonumber), idlePct: $idle,
     startedMs: $started, idleRssKiB: $idleRss, exit: $rc, verdict: .verdict.pass,
     failed: [.verdict.checks[] | select(.pass | not) | .name],
     cpuSeconds: .serverCpu.seconds, operations: .serverCpu.operations, operation: .serverCpu.operation,
     cpuMicrosPerOp: .serverCpu.microsPerOperation, p50Ms: $lat.p50Ms, p99Ms: $lat.p99Ms,
     connectPerSec: .connections.connectRatePerSec, established: .connections.established,
     deliveryRatio: .delivery.deliveryRatio, rssPerConnBytes: .memory.rssPerConnectionBytes,
     generatorCores: .generator.cores}' "$file" >>"$RUNS"
  tail -n 1 "$RUNS" | jq -r '"   \(.server) \(.workload) pass \(.pass): cpu \(.cpuSeconds) s, p50 \(.p50Ms) p99 \(.p99Ms) ms, "
    + "\(.connectPerSec) conn/s, load \(.loadAverage), idle \(.idlePct)%\(if .verdict then "" else ", FAILED \(.failed)" end)"'
}

if [[ -n "${REPORT_ONLY:-}" ]]; then ROUNDS=0; fi   # REPORT_ONLY=1 OUT_DIR=...: the table of the passes already there
echo "versus-nchan: $WORKLOADS; servers $SERVERS; $ROUNDS round(s); results in $OUT_DIR"
echo "gateway JDK: ${JAVA_HOME:-java on the PATH} (AOT cache: ${GATEWAY_AOT:-auto}); machine $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
t_start=$(date +%s)
for ((round = 1; round <= ROUNDS; round++)); do
  for w in $WORKLOADS; do
    for server in $SERVERS; do
      idle=$(quiet)
      echo "== round $round, $w, $server (machine idle $idle%, load $(cut -d' ' -f1 /proc/loadavg))"
      case $server in
        pushgate) start_pushgate "$OUT_DIR/pushgate-$w-r$round.log" || { stop_server; continue; } ;;
        nchan) start_nchan "$OUT_DIR/nchan-$w-r$round" || { stop_server; continue; } ;;
        floor) start_floor "$OUT_DIR/floor-$w-r$round.log" || { stop_server; continue; } ;;
      esac
      idle_rss=$(rss_kib "$server_pid")
      echo "   started in $started_ms ms, idle RSS $idle_rss KiB"
      if [[ $server == floor ]]; then
        for ((i = 0; i < FLOOR_WARMUP; i++)); do run_pass "$server" "$w" "$round" 0 "$idle_rss"; done
      fi
      run_pass "$server" "$w" "$round" 1 "$idle_rss"
      run_pass "$server" "$w" "$round" 2 "$idle_rss"
      stop_server
    done
  done
done
elapsed=$(( $(date +%s) - t_start ))

# Medians over the rounds per (workload, pass, server), then gateway / Nchan.
jq -s --arg name "$LABEL" --argjson elapsed "$elapsed" --arg cores "$(nproc)" '
  def median: map(select(. != null)) | sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def ratio(a; b): if a == null or b == null or b == 0 then null else ((a / b) * 100 | round) / 100 end;
  def fig: {operations: (map(.operations) | median), cpuSeconds: (map(.cpuSeconds) | median), cpuMicrosPerOp: (map(.cpuMicrosPerOp) | median),
            p50Ms: (map(.p50Ms) | median), p99Ms: (map(.p99Ms) | median),
            connectPerSec: (map(.connectPerSec) | median), rssPerConnBytes: (map(.rssPerConnBytes) | median),
            startedMs: (map(.startedMs) | median), loadAverage: (map(.loadAverage) | median),
            rounds: length, verdicts: map(.verdict)};
  {name: $name, cores: ($cores | tonumber), elapsedSeconds: $elapsed,
   rows: (group_by([.workload, .pass]) | map(
     (map(select(.server == "pushgate")) | fig) as $g | (map(select(.server == "nchan")) | fig) as $n |
     (map(select(.server == "floor")) | fig) as $f |
     {workload: .[0].workload, pass: (if .[0].pass == 1 then "cold" else "warm" end), pushgate: $g, nchan: $n, floor: $f,
      floorRatio: {cpuVsNchan: ratio($f.cpuSeconds; $n.cpuSeconds), cpuPerOpVsNchan: ratio($f.cpuMicrosPerOp; $n.cpuMicrosPerOp),
                   p99VsNchan: ratio($f.p99Ms; $n.p99Ms), gatewayCpuVsFloor: ratio($g.cpuSeconds; $f.cpuSeconds),
                   gatewayCpuPerOpVsFloor: ratio($g.cpuMicrosPerOp; $f.cpuMicrosPerOp), gatewayP99VsFloor: ratio($g.p99Ms; $f.p99Ms)},
      ratio: {cpu: ratio($g.cpuSeconds; $n.cpuSeconds), cpuPerOp: ratio($g.cpuMicrosPerOp; $n.cpuMicrosPerOp), p99: ratio($g.p99Ms; $n.p99Ms),
              connectPerSec: ratio($g.connectPerSec; $n.connectPerSec),
              rssPerConn: ratio($g.rssPerConnBytes; $n.rssPerConnBytes)}}))}' "$RUNS" >"$OUT_DIR/summary.json"

jq -r '
  def f: if . == null then "-" elif (. | type) == "number" and . >= 100 then (. | round | tostring) else ((. * 1000 | round) / 1000 | tostring) end;
  "| workload | pass | work done: deliveries or connections (gw / nchan) | server CPU s (gw / nchan = ratio) | CPU us per op (gw / nchan = ratio) | p50 ms (gw / nchan) | p99 ms (gw / nchan = ratio) | conn/s (gw / nchan = ratio) | RSS growth B/conn from idle (gw / nchan) | load avg |",
  "|---|---|---|---|---|---|---|---|---|---|",
  (.rows[] | "| \(.workload) | \(.pass) | \(.pushgate.operations | f) / \(.nchan.operations | f) | \(.pushgate.cpuSeconds | f) / \(.nchan.cpuSeconds | f) = \(.ratio.cpu | f)x | \(.pushgate.cpuMicrosPerOp | f) / \(.nchan.cpuMicrosPerOp | f) = \(.ratio.cpuPerOp | f)x | \(.pushgate.p50Ms | f) / \(.nchan.p50Ms | f) | \(.pushgate.p99Ms | f) / \(.nchan.p99Ms | f) = \(.ratio.p99 | f)x | \(.pushgate.connectPerSec | f) / \(.nchan.connectPerSec | f) = \(.ratio.connectPerSec | f)x | \(.pushgate.rssPerConnBytes | f) / \(.nchan.rssPerConnBytes | f) | \(.pushgate.loadAverage | f) / \(.nchan.loadAverage | f) |"),
  "",
  (if any(.rows[]; .floor.rounds > 0) then
    "The JVM floor (plain Netty, Nchan'"'"'s API): floor / Nchan, and gateway / floor",
    "",
    "| workload | pass | floor CPU s (floor / nchan = ratio) | CPU us per op: floor (floor / nchan; gw / floor) | p99 ms: floor (floor / nchan; gw / floor) | conn/s floor | RSS growth B/conn floor |",
    "|---|---|---|---|---|---|---|",
    (.rows[] | "| \(.workload) | \(.pass) | \(.floor.cpuSeconds | f) / \(.nchan.cpuSeconds | f) = \(.floorRatio.cpuVsNchan | f)x | \(.floor.cpuMicrosPerOp | f) (\(.floorRatio.cpuPerOpVsNchan | f)x; \(.floorRatio.gatewayCpuPerOpVsFloor | f)x) | \(.floor.p99Ms | f) (\(.floorRatio.p99VsNchan | f)x; \(.floorRatio.gatewayP99VsFloor | f)x) | \(.floor.connectPerSec | f) | \(.floor.rssPerConnBytes | f) |")
  else empty end),
  "",
  "\(.cores) cores; \(.elapsedSeconds) s; medians of \([.rows[0].pushgate.rounds, .rows[0].nchan.rounds] | max) round(s)\(if .name != "" then "; " + .name else "" end)"' \
  "$OUT_DIR/summary.json" | tee "$OUT_DIR/table.md"
echo "wrote $OUT_DIR/summary.json, $OUT_DIR/table.md, $RUNS"
