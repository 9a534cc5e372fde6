#!/usr/bin/env bash
# compare_runs.sh EXECUTABLE: the pointwise chain (working set 100s of KiB) is slower with
# 16 KiB buffers than with the defaults, and slower on LPDDR4-3200 / a fixed 2 GB/s
# memory than on DDR4-2400; every run bit-exact.
set -u
exe=$1
busy() { # prints the layers' cycles of one run, fails if not bit-exact
  local out
  out=$("$exe" "$@" 2>&1) || { echo "run failed: $*" >&2; echo "$out" >&2; return 1; }
  grep -q "bit-exact" <<<"$out" || { echo "not bit-exact: $*" >&2; return 1; }
  sed -n 's/^layers *\([0-9]*\) cycles.*/\1/p' <<<"$out"
}
shift
base=$(busy) || exit 1
small=$(busy --set sram.input_kb=16 --set sram.weight_kb=16 --set sram.output_kb=16) || exit 1
slow=$(busy --set dram.model=fixed --set dram.bandwidth_gbps=2) || exit 1
echo "default buffers: $base cycles; 16 KiB buffers: $small; 2 GB/s memory: $slow"
[ "$small" -gt "$base" ] || { echo "smaller buffers were not slower"; exit 1; }
[ "$slow" -gt "$base" ] || { echo "lower bandwidth was not slower"; exit 1; }
echo ok
