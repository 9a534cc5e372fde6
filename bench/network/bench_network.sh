#!/usr/bin/env bash
# Host seconds of one network (224x224) end to end under each policy, functional and
# timing-only (--no-data), best of N runs.
# Usage: bench/network/bench_network.sh [build-dir] [runs] [network]
set -euo pipefail
build=${1:-build}
runs=${2:-3}
network=${3:-mobilenet_v1}
dwvp="$build/dwvp"
[ -x "$dwvp" ] || { echo "no $dwvp: build first" >&2; exit 2; }
echo "network $network, best of $runs"
printf "%-14s %-10s %12s %14s %22s\n" policy mode "wall s" "sim host s" "sim cycles/host s"
for policy in conventional gemm_naive gemm_dwc; do
  for mode in functional timing-only; do
    extra=()
    [ "$mode" = timing-only ] && extra=(--no-data)
    best=""
    for _ in $(seq "$runs"); do
      start=$(date +%s.%N)
      out=$("$dwvp" run --network "$network" --policy "$policy" "${extra[@]}")
      end=$(date +%s.%N)
      wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
      if [ -z "$best" ] || awk -v w="$wall" -v b="$best" 'BEGIN { exit !(w < b) }'; then
        best=$wall
        host=$(sed -n 's/^host wall time *\([0-9.]*\) s/\1/p' <<<"$out")
        speed=$(sed -n 's/^simulation speed *\([0-9]*\) .*/\1/p' <<<"$out")
      fi
    done
    printf "%-14s %-10s %12.3f %14s %22s\n" "$policy" "$mode" "$best" "$host" "$speed"
  done
done
