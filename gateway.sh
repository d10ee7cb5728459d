#!/usr/bin/env bash
# Builds the gateway if needed and runs it with the embedded in-memory hub. Needs only a JDK 17.
# Arguments are passed to the gateway, e.g. ./gateway.sh --server.port=9090 --gateway.api.key=secret
# JVM options: JAVA_OPTS (none by default). For the most connections per GiB of RSS, at some cost in fan-out
# latency: JAVA_OPTS="-XX:MaxHeapFreeRatio=30 -XX:MinHeapFreeRatio=10" (docs/benchmarks.md, section 1).
# The JDK: $JAVA_HOME/bin/java when JAVA_HOME is set, else the java on the PATH.
# Faster cold start (JDK 25+): after load/aot-train.sh has made an AOT cache (gateway/target/aot/), this script
# runs the gateway from it, but only with the very JDK that made it and only while the exec jar is the one it was
# made from; otherwise (another JDK, a rebuilt jar, GATEWAY_AOT=off) it runs the jar as before and says why on
# stderr. A cache the JVM itself rejects is never fatal: it logs a warning and starts without it.
# GATEWAY_BUILD_ONLY=1: build if needed, print the exec jar's path, and exit. (GATEWAY_AOT_STAMP=1: for
# load/aot-train.sh, records which JDK and jar the cache belongs to.)
set -euo pipefail
cd "$(dirname "$0")"
jar=$(ls gateway/target/gateway-*-exec.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ -n "$(find gateway/src gateway/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B -pl gateway -am -DskipTests package
  jar=$(ls gateway/target/gateway-*-exec.jar | head -n 1)
fi
if [ -n "${GATEWAY_BUILD_ONLY:-}" ]; then
  echo "$jar"
  exit 0
fi
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
aot=gateway/target/aot
# Which JDK a java is, cheaply (no JVM started): its home and the runtime version in its release file.
jdk_id() {
  local home
  home=$(dirname "$(dirname "$(readlink -f "$(command -v "$1")")")")
  echo "$home $(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$home/release" 2>/dev/null)"
}
# The exec jar the cache was made from: size and modification time (the JVM checks the same of its copy).
jar_id() { stat -c '%s %Y' "$1"; }
if [ -n "${GATEWAY_AOT_STAMP:-}" ]; then
  # load/aot-train.sh, once its cache is written: which JDK and which jar it belongs to.
  jdk_id "$java" >"$aot/jdk"
  jar_id "$jar" >"$aot/jar"
  exit 0
fi
if [ "${GATEWAY_AOT:-auto}" != off ] && [ -f "$aot/gateway.aot" ]; then
  why=
  if [ "$(cat "$aot/jdk" 2>/dev/null)" != "$(jdk_id "$java")" ]; then
    why="it was made by $(cat "$aot/jdk" 2>/dev/null), this is $(jdk_id "$java")"
  elif [ "$(cat "$aot/jar" 2>/dev/null)" != "$(jar_id "$jar")" ]; then
    why="$jar was rebuilt since; run load/aot-train.sh again"
  fi
  if [ -z "$why" ]; then
    # shellcheck disable=SC2086 # a list of JVM options
    # Module options must match the training run's (the JVM drops a cache made under others): none in either.
    exec "$java" -XX:AOTCache="$aot/gateway.aot" ${JAVA_OPTS:-} -jar "$aot/app/$(basename "$jar")" "$@"
  fi
  echo "gateway.sh: not using the AOT cache $aot/gateway.aot: $why" >&2
fi
# shellcheck disable=SC2086 # a list of JVM options
exec "$java" ${JAVA_OPTS:-} -jar "$jar" "$@"
