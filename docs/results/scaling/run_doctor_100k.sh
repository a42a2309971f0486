#!/bin/sh
# augwise doctor on the 100k-file tree: the default (local process pool) against
# --scheduler local:2; wall time and peak client RSS from /usr/bin/time -v.
#   sh docs/results/scaling/run_doctor_100k.sh /tmp/tree100k docs/results/scaling
set -e
TREE=$1; OUT=$2
for mode in default dask; do
  if [ $mode = dask ]; then extra="--scheduler local:2"; else extra=""; fi
  /usr/bin/time -v .venv/bin/augwise doctor "$TREE" $extra --fail-on never \
      --out "/tmp/scaling-$mode" > "$OUT/doctor100k-$mode.stdout" 2> "$OUT/doctor100k-$mode.time"
  .venv/bin/python docs/results/scaling/compare_reports.py "/tmp/scaling-$mode/report.json" >> "$OUT/reports.jsonl"
done
