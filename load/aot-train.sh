#!/usr/bin/env bash
# aot-train.sh: makes the gateway's AOT cache (JEP 483/514/515: classes loaded and linked, method profiles) from a
# training run driven by the load kit, for ./gateway.sh to start from (docs/benchmarks.md, section 10).
#
#   load/aot-train.sh                    # JDK 25 at /usr/lib/jvm/temurin-25-jdk-amd64, or JAVA_HOME if set
#   JAVA_HOME=/path/to/jdk25 load/aot-train.sh
#
# Steps: build the exec jar if needed (gateway.sh), extract it (-Djarmode=tools extract: the JVM caches classes of
# plain jars on the class path only, not of jars nested in a Boot jar) into gateway/target/aot/app/, start the
# gateway from there with -XX:AOTCacheOutput on TRAIN_PORT (18970), run the load kit against it (connect with a
# channel, fanout, channels: the upgrade, subscribe, publish and fan-out paths, the scrape), stop it with SIGTERM
# (the JVM writes the cache as it exits), and record which JDK and which exec jar the cache belongs to. Everything
# it writes is under gateway/target/aot/ (build output, never committed). Bounded: each step has a time limit;
# about 2-4 minutes on 2 shared cores. Exit status: 0 done, 1 a step failed (nothing half-made is left behind).
# Environment: TRAIN_PORT, TRAIN_JAVA_OPTS (JVM options of the training run; use the ones you will run with).
set -euo pipefail
LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOAD_DIR/.." && pwd)"
# shellcheck source=lib.sh
source "$LOAD_DIR/lib.sh"
if wants_help "$@"; then sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$ROOT_DIR"

export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java="$JAVA_HOME/bin/java"
[[ -x "$java" ]] || { echo "error: no java at $java (set JAVA_HOME to a JDK 25 or later)" >&2; exit 1; }
feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release")
(( ${feature:-0} >= 25 )) || { echo "error: $JAVA_HOME is JDK ${feature:-?}: -XX:AOTCacheOutput needs 25 or later" >&2; exit 1; }
port=${TRAIN_PORT:-18970}
aot=gateway/target/aot
jar=$(GATEWAY_BUILD_ONLY=1 ./gateway.sh)
ensure_jar

rm -rf "$aot"
mkdir -p "$aot"
work=$(mktemp -d "$aot/.train.XXXXXX")
log="$work/train.log"
gw=
cleanup() {
  if [[ -n "$gw" ]] && kill -0 "$gw" 2>/dev/null; then kill -KILL "$gw" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "error: $*" >&2; rm -rf "$aot/app" "$aot/gateway.aot" "$aot/jdk" "$aot/jar"; exit 1; }

echo "== extracting $jar into $aot/app"
timeout 120 "$java" -Djarmode=tools -jar "$jar" extract --destination "$aot/app" >/dev/null || fail "extract failed"

echo "== training run: $java -XX:AOTCacheOutput=... on port $port"
# shellcheck disable=SC2086 # a list of JVM options
"$java" -XX:AOTCacheOutput="$work/gateway.aot" ${TRAIN_JAVA_OPTS:-} -jar "$aot/app/$(basename "$jar")" \
  --server.port="$port" >"$log" 2>&1 &
gw=$!
up=
for _ in $(seq 1800); do   # at most ~180 s (a cold start on a busy 2-core machine takes up to a minute)
  if curl -fs -m 2 "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$gw" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$up" ]] || { tail -20 "$log" >&2; fail "the training gateway did not come up (log above)"; }

common=(--port "$port" --quiet --no-html --allow-rejections --min-delivery-ratio 0 --timeout 90s)
train() { echo "   $*"; java -jar "$JAR" "$@" "${common[@]}" --out "$work/$1.json" >/dev/null || true; }
# The verdicts do not matter here (a cold gateway may miss a schedule); what it ran is what the cache learns.
train connect --connections 2000 --rate 0 --channel train-connect --duration 2s
train fanout --connections 1000 --publish-rate 150 --duration 8s --warmup 0 --channel train-fanout
train channels --connections 2000 --channels 2000 --publish-rate 1000 --duration 8s --warmup 0 --channel train-ch
train connect --connections 2000 --rate 0 --duration 2s

echo "== stopping the training run; the JVM writes the cache as it exits"
kill -TERM "$gw"
for _ in $(seq 600); do kill -0 "$gw" 2>/dev/null || break; sleep 0.5; done   # at most 300 s
if kill -0 "$gw" 2>/dev/null; then fail "the training gateway did not exit within 300 s"; fi
wait "$gw" 2>/dev/null || true
gw=
[[ -s "$work/gateway.aot" ]] || { tail -20 "$log" >&2; fail "no cache was written (log above)"; }
mv "$work/gateway.aot" "$aot/gateway.aot"
# What gateway.sh compares before it uses the cache, written by gateway.sh itself.
GATEWAY_AOT_STAMP=1 ./gateway.sh
echo "AOT cache: $aot/gateway.aot ($(( $(stat -c %s "$aot/gateway.aot") / 1048576 )) MiB) for $(cat "$aot/jdk")"
echo "run it: JAVA_HOME=$JAVA_HOME ./gateway.sh   (GATEWAY_AOT=off to run without it)"
