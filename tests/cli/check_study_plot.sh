#!/usr/bin/env bash
# check_study_plot.sh LOCALITY_STUDY: plot scripts use plain-text labels (names with
# underscores stay as they are) and tick every buffer size, the last one included.
set -euo pipefail
study=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$study" --out "$dir" --resolution 64 --jobs 1 --buffers-kb 32 256 > "$dir/out.txt"
gp="$dir/energy_reduction.gp"
grep -q "noenhanced font" "$gp" || { echo "terminal is not noenhanced"; exit 1; }
grep -q "^set xtics (32, 256)$" "$gp" || { echo "xtics miss a buffer size"; cat "$gp"; exit 1; }
grep -q "^set xrange \[25.6.*:320" "$gp" || { echo "no margin around the sizes"; exit 1; }
if [ -f "$dir/energy_reduction.svg" ]; then
  grep -q "> 256<" "$dir/energy_reduction.svg" || { echo "SVG lacks the 256 tick"; exit 1; }
  grep -q ">mobilenet_v2: DRAM" "$dir/energy_reduction.svg" || { echo "title mangled"; exit 1; }
fi
echo "ok: plain-text labels, every buffer size ticked"
