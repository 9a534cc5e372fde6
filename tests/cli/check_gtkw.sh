#!/usr/bin/env bash
# check_gtkw.sh DWVP SHIPPED: the GTKWave save file a run writes beside its VCD for the
# default configuration is the one shipped in configs/ (so the shipped file stays true).
set -euo pipefail
dwvp=$1; shipped=$2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cd "$dir"
"$dwvp" run --network mobilenet_v1 --resolution 96 --no-data --vcd run.vcd > /dev/null
[ -s run.gtkw ] || { echo "no run.gtkw beside run.vcd"; exit 1; }
diff -u "$shipped" run.gtkw && echo "ok: run.gtkw equals $shipped"
