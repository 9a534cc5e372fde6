#!/usr/bin/env bash
# check_scalesim_report.sh DWVP TOPOLOGY: a plain SCALE-Sim topology runs unchanged
# (functional, bit-exact) and --scalesim-report writes SCALE-Sim's report files, one
# row per layer, with SCALE-Sim's column names, the cycles of the JSON report and
# SCALE-Sim's mapping efficiency.
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
# Layer 0 (Conv1: 224x224, 3x3, stride 2, VALID: 111x111 = 12,321 outputs, 32 filters),
# output stationary on the 32x32 array: ceil(12321 / 32) = 386 row folds, one column
# fold, SCALE-Sim's mapping efficiency 12321 x 32 / (386 x 32 x 32) = 99.7490 %.
eff=$(sed -n 2p "$dir/ss/COMPUTE_REPORT.csv" | cut -d, -f5 | tr -d ' ')
awk -v e="$eff" 'BEGIN { exit !(e > 99.7485 && e < 99.7495) }' ||
  { echo "layer 0 mapping efficiency '$eff', expected 99.7490"; exit 1; }
echo "ok: $rows layers, SCALE-Sim reports written"
