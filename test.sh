#!/usr/bin/env bash
# Runs every test: installs what the tests need when it is missing (Debian packages; as root, or through sudo),
# then the Maven build with all unit and black-box tests. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "test.sh: '$*' needs root (or sudo)" >&2; exit 1; fi
}

apt_updated=
need_package() { # need_package <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "== installing $2 (for $1)"
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

# promtool checks docs/alerts.yml and unit-tests every alert (AlertRulesTest).
if ! command -v promtool >/dev/null 2>&1; then
  need_package promtool prometheus
  # Debian's postinst asks invoke-rc.d to start the server. Without systemd it declines (no runlevel, or
  # policy-rc.d says no); where it does start one, it must not outlive the install (it holds :9090 and a TSDB).
  if [ -d /run/systemd/system ]; then
    as_root systemctl stop prometheus 2>/dev/null || true
  elif [ -s /run/prometheus/prometheus.pid ]; then
    pid=$(cat /run/prometheus/prometheus.pid)
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = prometheus ]; then as_root kill "$pid"; fi
  fi
fi

# The Redis broker's tests start their own redis-server processes (RedisServer in gateway's test support).
need_package redis-server redis-server
# Debian's postinst may start a system instance on :6379 where a service manager runs; the tests never use it.
if [ -d /run/systemd/system ]; then
  as_root systemctl stop redis-server 2>/dev/null || true
fi

# The JavaScript-side tests (the served client, real-browser tests, Centrifugo's SDK) run under Node.js, in Debian's
# headless Chromium (never a browser a test tool downloads), with the npm packages pinned in gateway-tests/js.
need_package node nodejs
need_package npm npm
need_package chromium chromium
need_package chromedriver chromium-driver
(cd gateway-tests/js && npm ci --no-audit --no-fund --loglevel=error)

exec ./mvnw -B verify "$@"
