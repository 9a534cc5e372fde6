#!/usr/bin/env bash
# check_study_engines.sh STUDY DWVP: a study run through the `dwvp sweep` mechanism
# gives the same tables as its fork-based runner: --engine parallel (one dwvp run per
# point through GNU parallel), and --engine slurm (commands and job array written,
# nothing run) followed by running the commands and --engine collect. Collect refuses a
# folder of other points, a folder without points, and a point without a report; the
# study's sweep folder is one `dwvp collect` reads.
set -euo pipefail
study=$1 dwvp=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
args=(--arrays 16,32 --networks mobilenet_v1 --resolution 64 --dwvp "$dwvp")
tables=(speedups.csv compute_speedup_by_array.csv)

"$study" "${args[@]}" --out "$dir/fork" > "$dir/fork.out"
"$study" "${args[@]}" --out "$dir/par" --engine parallel > "$dir/par.out" 2> "$dir/par.err"
grep -q "20 points through GNU parallel" "$dir/par.err" || { cat "$dir/par.err"; fail "no parallel line"; }
for t in "${tables[@]}"; do
  cmp "$dir/fork/$t" "$dir/par/$t" || fail "parallel engine: $t differs from the fork runner's"
done
[ "$(wc -l < "$dir/par/sweep/commands.txt")" = 20 ] || fail "parallel engine: not 20 commands"

"$study" "${args[@]}" --out "$dir/sl" --engine slurm > "$dir/sl.out"
grep -q "20 points in $dir/sl/sweep: nothing run" "$dir/sl.out" || { cat "$dir/sl.out"; fail "slurm message"; }
grep -q "^#SBATCH --array=1-20$" "$dir/sl/sweep/sweep.slurm" || fail "slurm array size"
[ -z "$(ls "$dir/sl/sweep/points")" ] || fail "slurm engine ran something"
[ ! -e "$dir/sl/speedups.csv" ] || fail "slurm engine wrote tables"
bash "$dir/sl/sweep/commands.txt" # what the array tasks do, one line each
"$study" "${args[@]}" --out "$dir/sl" --engine collect > "$dir/collect.out"
for t in "${tables[@]}"; do
  cmp "$dir/fork/$t" "$dir/sl/$t" || fail "slurm + collect: $t differs from the fork runner's"
done

# Refusals: other points, no sweep folder, a missing report.
set +e
out=$("$study" --arrays 64,128 --networks mobilenet_v1 --resolution 64 --out "$dir/sl" --engine collect 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] && grep -q "commands.txt:1: not this study's point 1" <<< "$out" ||
  { echo "$out"; fail "collect took another grid's reports"; }
set +e
out=$("$study" "${args[@]}" --out "$dir/none" --engine collect 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && grep -q "not a sweep folder" <<< "$out" || { echo "$out"; fail "empty folder"; }
rm "$dir/sl/sweep/points/p0003.json"
set +e
out=$("$study" "${args[@]}" --out "$dir/sl" --engine collect 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && grep -q "no report (see $dir/sl/sweep/points/p0003.log)" <<< "$out" ||
  { echo "$out"; fail "missing report"; }

"$dwvp" collect "$dir/par/sweep" > "$dir/dwvp_collect.out"
grep -q "20 points, 0 without a good report" "$dir/dwvp_collect.out" || fail "dwvp collect"
echo "ok: fork, parallel and slurm + collect agree; refusals named"
