#!/usr/bin/env bash
# Shared by the scenario scripts (connect.sh, fanout.sh, channels.sh, churn.sh, slow.sh); sourced, not run.
# Finds the repository, builds load/target/load-gen.jar when it is missing, checks the OS limits that cap a
# connection test on the generator's side, and runs one scenario with the script's defaults first and the
# caller's options after them (the generator lets later options win).

LOAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(cd "$LOAD_DIR/.." && pwd)"
JAR="$LOAD_DIR/target/load-gen.jar"

warn() { echo "warning: $*" >&2; }

ensure_jar() {
  if [[ ! -f "$JAR" ]]; then
    echo "building $JAR (./mvnw -q -B -pl load -am -DskipTests package) ..." >&2
    (cd "$ROOT_DIR" && ./mvnw -q -B -pl load -am -DskipTests package) || {
      echo "error: the build failed; if gateway/ does not compile right now, build load alone:" >&2
      echo "  ./mvnw -q -B -N install && ./mvnw -q -B -f load/pom.xml -DskipTests package" >&2
      exit 3
    }
  fi
}

# The last value of an option among the arguments: opt_value NAME DEFAULT ARGS...
opt_value() {
  local name=$1 value=$2
  shift 2
  while (($#)); do
    case "$1" in
      "--$name") value=${2:-$value}; shift ;;
      "--$name="*) value=${1#--"$name"=} ;;
    esac
    shift
  done
  echo "$value"
}

# Warn when ulimit -n or the ephemeral port range cannot hold the connections asked for.
check_limits() {
  local connections=$1 processes=$2 sources=$3
  local nofile
  nofile=$(ulimit -n)
  [[ "$processes" == auto || -z "$processes" ]] && processes=$(( (connections + 17999) / 18000 ))
  (( processes < 1 )) && processes=1
  local per_process=$(( (connections + processes - 1) / processes ))
  if [[ "$nofile" != unlimited ]] && (( per_process + 500 > nofile )); then
    warn "ulimit -n is $nofile but each generator process would hold ~$per_process sockets;" \
         "use --processes $(( (connections + nofile - 501) / (nofile - 500) )) or raise the limit (ulimit -n, LimitNOFILE)"
  fi
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    local lo hi
    read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
    local ports=$(( hi - lo + 1 ))
    local per_source=$(( (connections + sources - 1) / sources ))
    if (( per_source > ports - 500 )); then
      warn "net.ipv4.ip_local_port_range ($lo-$hi) has $ports ports but ~$per_source connections would share one" \
           "source address; pass --source-addresses 127.0.0.1-127.0.0.$(( (connections + ports - 1000) / (ports - 500) + 1 ))" \
           "(the generator picks enough 127.0.0.x by itself past 25,000 connections)"
    fi
  fi
  if [[ -r /proc/sys/net/core/somaxconn ]]; then
    local somaxconn
    somaxconn=$(cat /proc/sys/net/core/somaxconn)
    if (( somaxconn < 1024 )); then
      warn "net.core.somaxconn is $somaxconn: fast ramps may see SYN drops and connect timeouts"
    fi
  fi
}

# How many addresses a --source-addresses value names: 127.0.0.1,127.0.0.2 or 127.0.0.1-127.0.0.8 (or -8).
count_sources() {
  local n=0 part a b parts
  IFS=',' read -ra parts <<< "$1"
  for part in "${parts[@]}"; do
    if [[ "$part" == *-* ]]; then
      a=${part%%-*}; b=${part#*-}
      a=${a##*.}; b=${b##*.}
      n=$(( n + b - a + 1 ))
    elif [[ -n "$part" ]]; then
      n=$(( n + 1 ))
    fi
  done
  (( n < 1 )) && n=1
  echo "$n"
}

# run_scenario SCENARIO DEFAULT_OPTIONS... -- USER_OPTIONS...
run_scenario() {
  local scenario=$1
  shift
  local defaults=()
  while (($#)) && [[ "$1" != "--" ]]; do defaults+=("$1"); shift; done
  [[ "${1:-}" == "--" ]] && shift
  local all=("${defaults[@]}" "$@")
  ensure_jar
  local connections processes sources_opt sources=1
  connections=$(opt_value connections 0 "${all[@]}")
  processes=$(opt_value processes auto "${all[@]}")
  sources_opt=$(opt_value source-addresses "" "${all[@]}")
  if [[ -n "$sources_opt" && "$sources_opt" != auto ]]; then
    sources=$(count_sources "$sources_opt")
  else
    sources=$(( (connections + 24999) / 25000 ))
    (( sources < 1 )) && sources=1
  fi
  check_limits "$connections" "$processes" "$sources"
  cd "$ROOT_DIR"
  # shellcheck disable=SC2086 # LOAD_JAVA_OPTS is a list of JVM options
  exec java ${LOAD_JAVA_OPTS:-} -jar "$JAR" "$scenario" "${all[@]}"
}

# Prints the script's own help, then the generator's options for the scenario (when the jar is built).
scenario_help() {
  local scenario=$1 text=$2
  echo "$text"
  echo
  if [[ -f "$JAR" ]]; then
    java -jar "$JAR" "$scenario" --help
  else
    echo "(build the generator to list every option: ./mvnw -q -B -pl load -am -DskipTests package)"
  fi
}

wants_help() {
  local a
  for a in "$@"; do
    [[ "$a" == "-h" || "$a" == "--help" ]] && return 0
  done
  return 1
}
