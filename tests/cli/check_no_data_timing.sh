#!/usr/bin/env bash
# check_no_data_timing.sh DWVP: --no-data makes the same transactions at the same times
# as a functional run: every per-layer column of the CSV report but bit_exact agrees.
set -euo pipefail
dwvp=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
for policy in conventional gemm_dwc; do
  "$dwvp" run --network mobilenet_v2 --resolution 96 --policy "$policy" --csv "$dir/f.csv" > /dev/null
  "$dwvp" run --network mobilenet_v2 --resolution 96 --policy "$policy" --no-data \
    --csv "$dir/t.csv" > /dev/null
  # bit_exact is the last column: functional runs say yes, timing-only runs leave it empty.
  diff <(sed 's/,[^,]*$//' "$dir/f.csv") <(sed 's/,[^,]*$//' "$dir/t.csv") ||
    { echo "$policy: --no-data differs from the functional run"; exit 1; }
  echo "ok: $policy: $(($(wc -l < "$dir/f.csv") - 1)) layers, identical timing and traffic"
done
