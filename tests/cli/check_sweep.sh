#!/usr/bin/env bash
# check_sweep.sh DWVP: `dwvp sweep` over 3 array sizes x 3 policies x 2 networks runs
# through GNU parallel in one command, and `dwvp collect`'s CSVs equal the individual
# `dwvp run` reports; `--engine slurm` writes a job array of the right size whose lines
# are the points' commands; bad grids fail before anything runs; failed points are
# reported.
set -euo pipefail
dwvp=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
grid=(--network mobilenet_v1,mobilenet_v2 --policy conventional,gemm_naive,gemm_dwc
      --set gemm.rows=16,32,64 --resolution 64 --no-data)

"$dwvp" sweep "${grid[@]}" --out "$dir/s" --jobs 2 > "$dir/sweep.out"
[ "$(($(wc -l < "$dir/s/sweep.csv") - 1))" = 18 ] || { echo "sweep.csv: not 18 points"; exit 1; }
grep -q "18 points, 0 without a good report" "$dir/sweep.out" || { cat "$dir/sweep.out"; exit 1; }

# Point 5 is mobilenet_v1, gemm_naive, gemm.rows=32: run it alone and compare.
sed -n 6p "$dir/s/sweep.csv" | grep -q "^p0005,mobilenet_v1,no,gemm_naive,32," ||
  { echo "point 5 is not the expected one"; sed -n 6p "$dir/s/sweep.csv"; exit 1; }
"$dwvp" run --network mobilenet_v1 --resolution 64 --policy gemm_naive --no-data \
  --set gemm.rows=32 --report "$dir/one.json" --csv "$dir/one.csv" > /dev/null
diff <(tail -n +2 "$dir/one.csv") \
     <(grep "^p0005," "$dir/s/layers.csv" | cut -d, -f6-) ||
  { echo "layers.csv rows of point 5 differ from its own run"; exit 1; }
cycles=$(sed -n 's/^    "cycles": \([0-9]*\),$/\1/p' "$dir/one.json" | tail -1)
[ -n "$cycles" ] && sed -n 6p "$dir/s/sweep.csv" | grep -q "^p0005,[^,]*,[^,]*,[^,]*,32,$cycles," ||
  { echo "sweep.csv cycles of point 5 differ from its own run ($cycles)"; exit 1; }

# Slurm: only scripts, one array task per point, task i runs line i.
"$dwvp" sweep "${grid[@]}" --out "$dir/slurm" --engine slurm > "$dir/slurm.out"
grep -q "^#SBATCH --array=1-18$" "$dir/slurm/sweep.slurm" || { echo "array size"; exit 1; }
grep -q 'sed -n "${SLURM_ARRAY_TASK_ID}p"' "$dir/slurm/sweep.slurm" || { echo "task line"; exit 1; }
[ "$(wc -l < "$dir/slurm/commands.txt")" = 18 ] || { echo "commands.txt lines"; exit 1; }
sed -n 18p "$dir/slurm/commands.txt" | grep -q \
  "run --network 'mobilenet_v2' --resolution 64 --policy 'gemm_dwc' --no-data --set 'gemm.rows=64' --report '$dir/slurm/points/p0018.json'" ||
  { echo "line 18 is not point 18"; sed -n 18p "$dir/slurm/commands.txt"; exit 1; }
[ -z "$(ls "$dir/slurm/points")" ] || { echo "--engine slurm ran points"; exit 1; }
grep -q "parallel --sshloginfile" "$dir/slurm/run_parallel_ssh.sh" || { echo "ssh script"; exit 1; }

# A bad grid fails before anything runs (exit 2, the key or name in the message).
expect_error() {
  local want=$1; shift
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ "$rc" = 2 ] || { echo "exit $rc for: $*"; echo "$out"; exit 1; }
  grep -q -- "$want" <<<"$out" || { echo "no '$want' in: $out"; exit 1; }
}
expect_error "gemm.rowz" "$dwvp" sweep --network mobilenet_v1 --set gemm.rowz=16 --out "$dir/x"
expect_error "gemm.rows" "$dwvp" sweep --network mobilenet_v1 --set gemm.rows=16,0 --out "$dir/x"
expect_error "unknown network 'nope'" "$dwvp" sweep --network nope --out "$dir/x"
expect_error "an empty value" "$dwvp" sweep --network mobilenet_v1 --set gemm.rows=16,,32 --out "$dir/x"
expect_error "not a sweep folder" "$dwvp" collect "$dir"
[ ! -e "$dir/x" ] || { echo "a refused sweep wrote its folder"; exit 1; }

# A failing point: collected with its error, exit 1.
set +e
"$dwvp" sweep --network mobilenet_v1 --resolution 64 --no-data \
  --set accel.watchdog_cycles=100,1000000000 --out "$dir/f" > "$dir/f.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { echo "a failing point: exit $rc"; cat "$dir/f.out"; exit 1; }
grep -q "2 points, 1 without a good report" "$dir/f.out" || { cat "$dir/f.out"; exit 1; }
grep -q "^p0001,.*watchdog_timeout" "$dir/f/sweep.csv" || { echo "error not in sweep.csv"; exit 1; }
echo "ok: 18-point sweep through GNU parallel equals single runs; Slurm array; errors"
