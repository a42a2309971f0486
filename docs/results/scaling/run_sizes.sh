#!/bin/sh
# augwise doctor (default executor) at several tree sizes: wall time and peak RSS, for the
# growth of the client's memory and of the stages that run on the client.
#   sh docs/results/scaling/run_sizes.sh docs/results/scaling 10000 30000
set -e
OUT=$1; shift
for n in "$@"; do
  [ -d /tmp/tree$n ] || .venv/bin/python docs/results/scaling/make_tree.py /tmp/tree$n $n
  /usr/bin/time -v .venv/bin/augwise doctor /tmp/tree$n --fail-on never --out /tmp/scaling-$n \
      > /dev/null 2> "$OUT/doctor$n.time"
  .venv/bin/python docs/results/scaling/compare_reports.py /tmp/scaling-$n/report.json >> "$OUT/reports.jsonl"
done
