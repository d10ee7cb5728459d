#!/usr/bin/env bash
# memory.sh: the gateway's memory per idle connection, in steps, on one warm gateway.
#
# Starts the gateway (GATEWAY_JAVA_OPTS, GATEWAY_ARGS, GATEWAY_PORT as in with-gateway.sh), warms it up with one
# short connect run (JIT, class loading, Netty pools: that growth is not per connection), then measures idle and
# each step of STEPS (default "10000 19000") idle WebSocket connections (no subscription) opened by connect-scenario
# generators that stay connected until the end. At each point, after jcmd GC.run: VmRSS, heap used after the GC
# (GC.heap_info), committed heap, NMT's committed total when the gateway runs with -XX:NativeMemoryTracking=summary,
# and a class histogram (GC.class_histogram, kept for diffs). Prints per connection over idle and per
# connection between steps (the marginal cost, the figure that projects). Then lets the connections go and
# measures once more: back to idle, or a leak. Also the machine's kernel slab (/proc/meminfo; socket structures
# are there, not in any process's RSS; on loopback it holds both ends of each connection) and /proc/net/sockstat.
# The gateway and the generators are stopped at the end.
#
#   load/memory.sh
#   STEPS="3000 10000 19000" GATEWAY_JAVA_OPTS="-XX:NativeMemoryTracking=summary" load/memory.sh
#
# Environment also: WARMUP (connections of the warm-up run, default 2000), RATE (connects/s, default 1000),
# SETTLE (seconds to wait after a step is reached, default 10), OUT (directory, default load/results/memory-<time>).
set -euo pipefail
LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOAD_DIR/.." && pwd)"
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$ROOT_DIR"

read -ra steps <<< "${STEPS:-10000 19000}"
warmup=${WARMUP:-2000}
rate=${RATE:-1000}
settle=${SETTLE:-10}
port=${GATEWAY_PORT:-18080}
out=${OUT:-$LOAD_DIR/results/memory-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
jar=$(ls gateway/target/gateway-*-exec.jar 2>/dev/null | head -n 1 || true)
[[ -n "$jar" ]] || { ./mvnw -q -B -pl gateway -am -DskipTests package; jar=$(ls gateway/target/gateway-*-exec.jar | head -n 1); }
gen="$LOAD_DIR/target/load-gen.jar"
[[ -f "$gen" ]] || (./mvnw -q -B -pl load -am -DskipTests package)

# shellcheck disable=SC2086
java ${GATEWAY_JAVA_OPTS:-} -jar "$jar" --server.port="$port" ${GATEWAY_ARGS:-} >"$out/gateway.log" 2>&1 &
gw=$!
gens=()
cleanup() {
  for g in "${gens[@]}"; do kill -TERM "$g" 2>/dev/null || true; done
  for g in "${gens[@]}"; do wait "$g" 2>/dev/null || true; done
  if kill -0 "$gw" 2>/dev/null; then
    kill -TERM "$gw" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$gw" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$gw" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

metric() { curl -s -m 10 "http://127.0.0.1:$port/actuator/prometheus" | awk -v m="$1" '$1 == m {print int($2)}'; }
for _ in $(seq 360); do   # up to 180 s: the start and the warm-up before readiness (gateway.warmup.*)
  curl -s -m 2 "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"UP"' && break
  kill -0 "$gw" 2>/dev/null || { echo "error: the gateway exited; see $out/gateway.log" >&2; exit 4; }
  sleep 0.5
done
echo "gateway pid $gw, JVM options: ${GATEWAY_JAVA_OPTS:-(none)}, args: ${GATEWAY_ARGS:-(none)}; machine load $(cut -d' ' -f1-3 /proc/loadavg)"

nmt=0
# jcmd exits 0 even when NMT is off ("Native memory tracking is not enabled"): look for its total.
jcmd "$gw" VM.native_memory summary 2>/dev/null | grep -q 'Total: reserved=' && nmt=1

# measure LABEL CONNECTIONS: one line of figures, after a full GC.
printf '%-8s %7s %10s %12s %12s %12s %10s %10s\n' point conns rss_kib heap_used_kib heap_comm_kib nmt_comm_kib slab_kib load1 | tee "$out/table.txt"
measure() {
  local label=$1 conns=$2 info used committed rss nmtc=-
  jcmd "$gw" GC.run >/dev/null
  sleep 2
  info=$(jcmd "$gw" GC.heap_info)
  # G1 and ZGC print one heap line; Serial and Parallel one per generation: sum them (not Metaspace/class space).
  used=$(echo "$info" | awk '!/Metaspace|class space/ && match($0, /used [0-9]+K/) {s += substr($0, RSTART + 5, RLENGTH - 6)} END {print s + 0}')
  committed=$(echo "$info" | awk '!/Metaspace|class space/ && match($0, /total [0-9]+K/) {s += substr($0, RSTART + 6, RLENGTH - 7)} END {print s + 0}')
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$gw/status")
  if ((nmt)); then
    nmtc=$(jcmd "$gw" VM.native_memory summary | grep -m1 -oE 'Total: reserved=[0-9]+KB, committed=[0-9]+KB' | grep -oE 'committed=[0-9]+' | grep -oE '[0-9]+')
    jcmd "$gw" VM.native_memory summary >"$out/nmt-$label.txt"
  fi
  jcmd "$gw" GC.class_histogram >"$out/histogram-$label.txt"
  # Kernel memory (not in any RSS): slab of the whole machine, so both ends of each loopback connection.
  slab=$(awk '/^Slab:/ {print $2}' /proc/meminfo)
  printf '%-8s %7s %10s %12s %12s %12s %10s %10s\n' "$label" "$conns" "$rss" "$used" "$committed" "$nmtc" "$slab" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/table.txt"
  echo "$label $conns $rss $used $committed $nmtc $slab" >>"$out/points.txt"
  cat /proc/net/sockstat >"$out/sockstat-$label.txt"
}

echo "warm-up: $warmup connections, opened and closed"
java -jar "$gen" connect --port "$port" --connections "$warmup" --rate "$rate" --duration 5s --quiet --no-html \
  --out "$out/warmup.json" >"$out/warmup.txt" 2>&1 || echo "warning: the warm-up run failed (see $out/warmup.txt)"
sleep 5
measure idle 0

prev=0
total_steps=${#steps[@]}
for i in "${!steps[@]}"; do
  n=${steps[$i]}
  add=$((n - prev))
  # Each generator holds its share until the end; it is told to stop (SIGTERM) after the last measurement.
  hold=$(( (total_steps - i) * (add / 200 + settle + 60) + 120 ))
  a=$((2 * i + 1)); b=$((2 * i + 2))
  java -jar "$gen" connect --port "$port" --connections "$add" --rate "$rate" --duration "${hold}s" \
    --timeout "$((hold + 120))s" --source-addresses "127.0.0.$a-127.0.0.$b" --quiet --no-html \
    --out "$out/step-$n.json" >"$out/step-$n.txt" 2>&1 &
  gens+=($!)
  deadline=$((SECONDS + add / 100 + 120))
  while :; do
    active=$(metric gateway_connections_active || echo 0)
    [[ "${active:-0}" -ge "$n" ]] && break
    ((SECONDS < deadline)) || { echo "error: only ${active:-0} of $n connections after the deadline" >&2; exit 1; }
    sleep 2
  done
  sleep "$settle"
  measure "c$n" "$n"
  prev=$n
done

for g in "${gens[@]}"; do kill -TERM "$g" 2>/dev/null || true; done
for g in "${gens[@]}"; do wait "$g" 2>/dev/null || true; done
gens=()
deadline=$((SECONDS + 120))
while [[ "$(metric gateway_connections_active || echo 1)" != 0 ]] && ((SECONDS < deadline)); do sleep 2; done
sleep "$settle"
measure after "$(metric gateway_connections_active)"

echo
echo "per connection (bytes; KiB = 1024 bytes):"
awk 'NR == 1 {idle_rss = $3; idle_heap = $4; idle_nmt = $6; idle_slab = $7; prc = 0; prss = $3; pheap = $4; pnmt = $6; next}
     $1 == "after" {printf "  after the connections closed: RSS %+d KiB, heap after GC %+d KiB over idle\n", $3 - idle_rss, $4 - idle_heap; next}
     { c = $2;
       printf "  %6d conns: over idle RSS %6.0f heap %6.0f", c, ($3 - idle_rss) * 1024 / c, ($4 - idle_heap) * 1024 / c;
       if ($6 != "-") printf " NMT %6.0f", ($6 - idle_nmt) * 1024 / c;
       printf " kernel slab (both ends) %6.0f", ($7 - idle_slab) * 1024 / c;
       if (prc > 0) { printf " | marginal (%d..%d) RSS %6.0f heap %6.0f", prc, c, ($3 - prss) * 1024 / (c - prc), ($4 - pheap) * 1024 / (c - prc);
                      if ($6 != "-") printf " NMT %6.0f", ($6 - pnmt) * 1024 / (c - prc) }
       printf "\n"; prc = c; prss = $3; pheap = $4; pnmt = $6 }' "$out/points.txt" | tee "$out/per-connection.txt"
echo "histograms, NMT summaries and generator outputs: $out"
