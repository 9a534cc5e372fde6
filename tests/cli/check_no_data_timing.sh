#!/usr/bin/env bash
# check_no_data_timing.sh DWVP: --no-data makes the same transactions at the same times
# as a functional run although it generates, uploads and reads back no values: every
# per-layer column of the CSV report but bit_exact agrees, and so do the whole run's
# simulated time, traffic and DRAM figures (firmware uploads and read-backs included).
set -euo pipefail
dwvp=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
# The last variant runs the inverted-residual blocks as stripe chains (block fusion).
for variant in conventional gemm_dwc "gemm_dwc --fuse-blocks --order auto"; do
  read -r policy extra <<< "$variant"
  # shellcheck disable=SC2086 # extra holds separate options
  "$dwvp" run --network mobilenet_v2 --resolution 96 --policy "$policy" $extra \
    --csv "$dir/f.csv" > "$dir/f.out"
  # shellcheck disable=SC2086
  "$dwvp" run --network mobilenet_v2 --resolution 96 --policy "$policy" $extra --no-data \
    --csv "$dir/t.csv" > "$dir/t.out"
  grep -q "calibration [0-9.]* s (none)" "$dir/t.out" ||
    { echo "$policy: --no-data calibrated"; exit 1; }
  whole() { grep -E "^(simulated time|layers|layer energy|device counters|DRAM)" "$1"; }
  [ "$(whole "$dir/f.out" | wc -l)" -ge 7 ] || { echo "summary lines missing"; exit 1; }
  diff <(whole "$dir/f.out") <(whole "$dir/t.out") ||
    { echo "$policy: --no-data changes the whole run's figures"; exit 1; }
  # bit_exact is the last column: functional runs say yes, timing-only runs leave it empty.
  diff <(sed 's/,[^,]*$//' "$dir/f.csv") <(sed 's/,[^,]*$//' "$dir/t.csv") ||
    { echo "$policy: --no-data differs from the functional run"; exit 1; }
  echo "ok: $variant: $(($(wc -l < "$dir/f.csv") - 1)) layers, identical timing and traffic"
done
