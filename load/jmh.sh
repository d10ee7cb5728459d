#!/usr/bin/env bash
# jmh.sh: builds load/target/load-gen.jar (it holds the JMH benchmarks of package org.pushgate.load.bench) and runs
# them. Short defaults (one fork, 3 x 1 s warm-up, 5 x 1 s measurement: -f 1 -wi 3 -i 5 -w 1s -r 1s), good for a
# comparison on a quiet machine, not for publication; each default applies only when you do not give that option
# (JMH refuses an option given twice). The forks also get -jvmArgsAppend "-Xms1g -Xmx1g -XX:+AlwaysPreTouch" unless
# you give -jvmArgsAppend: on this VM the first touch of a fresh heap page is so slow (tens of us) that an
# allocating benchmark otherwise measures page faults until its heap has been used once (bimodal, 100x).
#   load/jmh.sh                              # every benchmark
#   load/jmh.sh HubPublish -p subscribers=10000
#   load/jmh.sh -l                           # list them;  load/jmh.sh -h  JMH's own options
#   JMH_SKIP_BUILD=1 load/jmh.sh ...         # use the jar as built
# Environment: JMH_JAVA_OPTS (options of the launching JVM; the forks take JMH's -jvmArgs).
set -euo pipefail
LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOAD_DIR/.." && pwd)"
JAR="$LOAD_DIR/target/load-gen.jar"

if [[ -z "${JMH_SKIP_BUILD:-}" || ! -f "$JAR" ]]; then
  echo "building $JAR (./mvnw -q -B -pl load -am -DskipTests package) ..." >&2
  (cd "$ROOT_DIR" && ./mvnw -q -B -pl load -am -DskipTests package) || { echo "error: the build failed" >&2; exit 3; }
fi
if command -v unzip >/dev/null && ! unzip -l "$JAR" META-INF/BenchmarkList >/dev/null 2>&1; then
  echo "error: $JAR has no META-INF/BenchmarkList (was JMH's annotation processor skipped?)" >&2
  exit 3
fi
cd "$ROOT_DIR"
defaults=()
for pair in "-f 1" "-wi 3" "-i 5" "-w 1s" "-r 1s"; do
  opt=${pair%% *}
  given=0
  for a in "$@"; do [[ "$a" == "$opt" ]] && given=1; done
  ((given)) || defaults+=("$opt" "${pair#* }")
done
given=0
for a in "$@"; do [[ "$a" == -jvmArgsAppend ]] && given=1; done
((given)) || defaults+=(-jvmArgsAppend "-Xms1g -Xmx1g -XX:+AlwaysPreTouch")
# shellcheck disable=SC2086 # JMH_JAVA_OPTS is a list of JVM options
exec java ${JMH_JAVA_OPTS:-} -cp "$JAR" org.openjdk.jmh.Main "${defaults[@]}" "$@"
