#!/usr/bin/env bash
# check_atomic_outputs.sh DWVP EXAMPLES_DIR: output files are complete or untouched.
# 1. A bad output path is refused before anything runs (exit 1, the path named, no
#    simulation output).
# 2. A run killed mid-way leaves the previous JSON, CSV, VCD and GTKWave files as they
#    were (every output is written under a temporary name and renamed when complete).
# 3. A failed run's JSON carries `error` with the text the console prints.
set -euo pipefail
dwvp=$1
examples=$2 # lib/networks/examples
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
small=(run --network mobilenet_v2 --resolution 64)

set +e
"$dwvp" "${small[@]}" --csv ok.csv --report missing/r.json > bad.out 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { echo "bad report folder: exit $rc, expected 1"; cat bad.out; exit 1; }
grep -q "missing/r.json: cannot write the JSON report: folder missing does not exist" bad.out ||
  { echo "bad report folder: message"; cat bad.out; exit 1; }
! grep -q "simulated time" bad.out || { echo "simulated before checking outputs"; exit 1; }
[ ! -e ok.csv ] || { echo "an output was written although the run was refused"; exit 1; }

"$dwvp" "${small[@]}" --report a.json --csv a.csv --vcd a.vcd > first.out 2>&1
for f in a.json a.csv a.vcd a.gtkw; do cp "$f" "$f.good"; done
# A long run with the same outputs, killed while it simulates (ResNet-50 with a VCD
# takes seconds; it is killed after 0.3 s).
set +e
timeout -s KILL 0.3 "$dwvp" run --topology "$examples/resnet50.csv" --report a.json \
  --csv a.csv --vcd a.vcd > killed.out 2>&1
rc=$?
set -e
[ "$rc" = 137 ] || { echo "the long run was not killed (exit $rc): inconclusive"; exit 1; }
for f in a.json a.csv a.vcd a.gtkw; do
  cmp -s "$f" "$f.good" || { echo "$f changed by a killed run"; exit 1; }
done

set +e
"$dwvp" "${small[@]}" --set dram.size_mb=1 --report f.json > failed.out 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { echo "firmware failure: exit $rc, expected 1"; exit 1; }
console=$(sed -n 's/^firmware failed   //p' failed.out)
[ -n "$console" ] || { echo "no firmware failure printed"; cat failed.out; exit 1; }
json=$(sed -n 's/^ *"error": "\(.*\)",\{0,1\}$/\1/p' f.json)
[ "$json" = "$console" ] || { echo "JSON error '$json' differs from '$console'"; exit 1; }
echo "ok: outputs checked first, untouched by a killed run, failure text in the JSON"
