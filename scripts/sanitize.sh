#!/usr/bin/env bash
# Builds the project with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DDWVP_SANITIZE=ON) in build-asan/ and runs the whole test suite there. Any report
# fails: UBSan halts on the first error, ASan on any error, LeakSanitizer on leaks
# (allocations SystemC keeps for the process lifetime are suppressed:
# scripts/lsan.supp).
# Usage: scripts/sanitize.sh [jobs]      (default 2)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
jobs=${1:-2}
build="$here/build-asan"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDWVP_SANITIZE=ON > /dev/null
cmake --build "$build" -j "$jobs"
# No fake stacks for use-after-return: SystemC threads run on coroutine stacks of
# their own, which ASan's fake stack frames do not follow (every object then looks
# zeroed to UBSan's vptr check).
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$here/scripts/lsan.supp:print_suppressions=0"
# Sanitized code runs 2-5x slower: the sanitized build gives every test four times its
# timeout (tests/CMakeLists.txt).
ctest --test-dir "$build" -j "$jobs" --output-on-failure "${@:2}"
