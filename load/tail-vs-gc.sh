#!/usr/bin/env bash
# tail-vs-gc.sh: a run's latency, second by second, next to the server's GC pauses in the same seconds.
#
# The generator's JSON has a per-second series (series[]: t seconds from seriesStartEpochMs, the p99 of what was
# received in that second); a JVM server's unified GC log, written with wall-clock time, has every pause. This puts
# the two side by side, so that a tail can be told apart: the seconds whose p99 is high, and whether the server
# stopped in them (docs/benchmarks.md, 10m).
#
#   JAVA_OPTS="-Xlog:gc:file=/tmp/gc.log:time" SERVERS=pushgate WORKLOADS=channels-5k OUT_DIR=/tmp/vn load/versus-nchan.sh
#   load/tail-vs-gc.sh /tmp/vn/pushgate-channels-5k-r1-p1.json /tmp/gc.log
#
# The GC log needs the `time` decoration (it may have others: `time,uptime`); any collector's pause lines count
# (G1's young, mixed, remark, cleanup and full pauses, Shenandoah's and ZGC's). A pause counts in the second it
# overlaps, split where it spans two. Prints: t, the series' phase, p99 ms, pauses in that second, their total and
# longest ms; then the pauses outside every second of the series (before or after it), as a count.
# Exit status: 0 printed, 2 usage, 3 an input without what is needed (no series time base: a generator older
# than session 15; no time-stamped pause line).
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
(($# == 2)) || { echo "usage: load/tail-vs-gc.sh RESULT.json GC.log (--help)" >&2; exit 2; }
json=$1 gclog=$2
command -v jq >/dev/null || { echo "error: jq is missing (apt-get install -y jq)" >&2; exit 3; }
[[ -r "$json" && -r "$gclog" ]] || { echo "error: cannot read $json or $gclog" >&2; exit 3; }
jq -e '.seriesStartEpochMs and (.series | length > 0)' "$json" >/dev/null 2>&1 || {
  echo "error: $json has no series or no seriesStartEpochMs (rerun with this load kit)" >&2; exit 3; }

# Pause lines as "end epoch ms, duration ms": [2026-12-07T07:59:44.123+0000]... Pause ... 45.229ms
pauses=$(sed -nE 's/^\[([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8})\.([0-9]{3})([+-][0-9]{2})([0-9]{2})\].* Pause .* ([0-9]+(\.[0-9]+)?)ms$/\1 \2 \3 \4 \5/p' "$gclog")
[[ -n "$pauses" ]] || { echo "error: no time-stamped pause line in $gclog (log with -Xlog:gc:file=...:time)" >&2; exit 3; }

jq -r --arg pauses "$pauses" '
  def epoch_ms($d; $ms; $oh; $om):
    (($d + "Z") | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime) * 1000 + ($ms | tonumber)
      - (($oh | tonumber) * 60 + (if ($oh | startswith("-")) then -1 else 1 end) * ($om | tonumber)) * 60000;
  ($pauses | split("\n") | map(select(length > 0) | split(" ")
    | {end: epoch_ms(.[0]; .[1]; .[2]; .[3]), ms: (.[4] | tonumber)} | .start = .end - .ms)) as $p
  | .seriesStartEpochMs as $t0
  | [.series[] | {t, phase: (.phase // ""), p99: .p99Ms}] as $s
  | [range(0; $s | length) as $i
      | $s[$i] + {from: ($t0 + (if $i == 0 then 0 else $s[$i - 1].t end) * 1000), to: ($t0 + $s[$i].t * 1000)}] as $b
  | ["t s", "phase", "p99 ms", "pauses", "pause ms", "longest ms"],
    ($b[] as $x
      | [$p[] | {ms: (([$x.to, .end] | min) - ([$x.from, .start] | max)), whole: .ms} | select(.ms > 0)] as $in
      | [$x.t, $x.phase, ($x.p99 // "-"), ($in | length), ($in | map(.ms) | add // 0 | . * 10 | round / 10),
         ($in | map(.whole) | max // 0)])
    , ["outside the series:", ([$p[] | select(.end <= $b[0].from or .start >= $b[-1].to)] | length), "pauses"]
  | @tsv' "$json" | column -t -s $'\t'
