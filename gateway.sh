#!/usr/bin/env bash
# Builds the gateway if needed and runs it with the embedded in-memory hub. Needs only a JDK 17.
# Arguments are passed to the gateway, e.g. ./gateway.sh --server.port=9090 --gateway.api.key=secret
# JVM options: JAVA_OPTS (none by default). For the most connections per GiB of RSS, at some cost in fan-out
# latency: JAVA_OPTS="-XX:MaxHeapFreeRatio=30 -XX:MinHeapFreeRatio=10" (docs/benchmarks.md, section 1).
set -euo pipefail
cd "$(dirname "$0")"
jar=$(ls gateway/target/gateway-*-exec.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ -n "$(find gateway/src gateway/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B -pl gateway -am -DskipTests package
  jar=$(ls gateway/target/gateway-*-exec.jar | head -n 1)
fi
# shellcheck disable=SC2086 # a list of JVM options
exec java ${JAVA_OPTS:-} -jar "$jar" "$@"
