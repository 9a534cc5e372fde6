#!/usr/bin/env bash
# check_scalesim_report.sh DWVP TOPOLOGY: a plain SCALE-Sim topology runs unchanged
# (functional, bit-exact) and --scalesim-report writes SCALE-Sim's report files, one
# row per layer, with SCALE-Sim's column names and the cycles of the JSON report.
set -eu
dwvp=$1; topo=$2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
out=$("$dwvp" run --topology "$topo" --scalesim-report "$dir/ss" --report "$dir/r.json" 2>&1) || {
  echo "$out"; exit 1; }
grep -Eq "golden check +bit-exact" <<<"$out" || { echo "$out"; echo "not bit-exact"; exit 1; }
head -1 "$dir/ss/COMPUTE_REPORT.csv" | grep -q \
  "^LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,$"
head -1 "$dir/ss/DETAILED_ACCESS_REPORT.csv" | grep -q \
  "^LayerID, SRAM Reads, SRAM Writes, DRAM Reads, DRAM Writes,$"
layers=$(grep -cv '^ *$' "$topo" | awk '{print $1 - 1}')
rows=$(($(wc -l < "$dir/ss/COMPUTE_REPORT.csv") - 1))
[ "$rows" -eq "$layers" ] || { echo "$rows report rows for $layers layers"; exit 1; }
# Layer 0's total cycles equal the JSON report's.
json=$(grep -o '"cycles": [0-9]*' "$dir/r.json" | head -1 | grep -o '[0-9]*')
csv=$(sed -n 2p "$dir/ss/COMPUTE_REPORT.csv" | cut -d, -f2 | tr -d ' ')
[ "$json" = "$csv" ] || { echo "layer 0: JSON $json cycles, COMPUTE_REPORT $csv"; exit 1; }
echo "ok: $rows layers, SCALE-Sim reports written"
