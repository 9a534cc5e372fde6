#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang, -DDWVP_FUZZ=ON) in build-fuzz/ and runs
# each on a copy of its seed corpus (build-fuzz/fuzz-work/<name>/corpus: the tree's
# fuzz/corpus is never written) with its dictionary. Prints executions, speed, coverage
# and findings per harness; a crash, timeout, OOM or leak is copied into
# fuzz/regressions/<name>/ (tests/fuzz/test_fuzz_replay.cpp replays it in CI once fixed)
# and makes the script exit 1. docs/testing.md, "Fuzzing".
# Usage: scripts/fuzz.sh [runs] [names...]   (default 1000000 runs, every harness)
# Environment: FUZZ_JOBS (build jobs, 1), FUZZ_MAX_TIME (seconds per harness, 0 = none).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1000000}
shift || true
all=(config_yaml config_set topology_csv npy index_json descriptor registers)
names=("${@:-${all[@]}}")
build="$here/build-fuzz"

# Longest input per harness: a few times the largest seed (index.json of tiny.csv is
# 16 KiB, the ResNet-50 topology 4.5 KiB).
declare -A max_len=([config_yaml]=4096 [config_set]=1024 [topology_csv]=8192 [npy]=4096
                    [index_json]=24576 [descriptor]=512 [registers]=2048)

targets=()
for name in "${names[@]}"; do
  [[ -n "${max_len[$name]:-}" ]] || { echo "unknown harness '$name' (${all[*]})" >&2; exit 2; }
  targets+=("fuzz_$name")
done
CC=clang CXX=clang++ cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DDWVP_FUZZ=ON -DDWVP_BUILD_TESTS=OFF > /dev/null
make -C "$build" -j "${FUZZ_JOBS:-1}" "${targets[@]}" > "$build/fuzz-build.log" 2>&1 ||
  { tail -30 "$build/fuzz-build.log"; exit 2; }

export ASAN_OPTIONS="strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$here/scripts/lsan.supp:print_suppressions=0"
status=0
printf '%-13s %12s %9s %6s %7s %8s %8s %5s %6s\n' harness executions exec/s cov features \
  crashes timeouts ooms leaks
for name in "${names[@]}"; do
  work="$build/fuzz-work/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$here/fuzz/corpus/$name/"* "$work/corpus/"
  # SystemC switches its threads' stacks without telling LeakSanitizer, which then
  # reports libFuzzer's own allocations as leaked at exit: no leak check there.
  leak_check=1
  [[ $name == registers ]] && leak_check=0
  ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=$leak_check" "$build/fuzz/fuzz_$name" \
    -runs="$runs" -max_len="${max_len[$name]}" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="${FUZZ_MAX_TIME:-0}" -print_final_stats=1 \
    -dict="$here/fuzz/dict/$name.dict" -artifact_prefix="$work/artifacts/" \
    "$work/corpus" > "$work/log" 2>&1 || true
  stat() { sed -n "s/^stat::$1: *//p" "$work/log" | tail -1; }
  count() { find "$work/artifacts" -name "$1-*" | wc -l; }
  last=$(grep -E '^#[0-9]+' "$work/log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  crashes=$(count crash) timeouts=$(count timeout) ooms=$(count oom) leaks=$(count leak)
  printf '%-13s %12s %9s %6s %7s %8s %8s %5s %6s\n' "$name" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$crashes" "$timeouts" "$ooms" \
    "$leaks"
  if ((crashes + timeouts + ooms + leaks)); then
    status=1
    mkdir -p "$here/fuzz/regressions/$name"
    for f in "$work/artifacts"/{crash,timeout,oom,leak}-*; do
      [[ -e "$f" ]] && cp "$f" "$here/fuzz/regressions/$name/"
    done
    echo "  $name: findings copied to fuzz/regressions/$name/, log $work/log" >&2
  elif ! grep -q '^stat::number_of_executed_units' "$work/log"; then
    status=1
    echo "  $name: no final statistics (the harness died?), log $work/log" >&2
  fi
done
exit $status
