#!/usr/bin/env bash
# expect_bounded.sh CODE REGEX -- COMMAND...: runs COMMAND, passes if it exits with
# CODE, its combined output matches REGEX (extended grep), and it stayed under 1 GiB
# of memory (maximum resident set, by /usr/bin/time) and 30 s: hostile input is
# refused cheaply, not survived.
set -u
code=$1; regex=$2; shift 3
max_kb=1048576
max_s=30
rss=$(mktemp)
trap 'rm -f "$rss"' EXIT
# A 4 GiB address-space cap stops a runaway allocation before it hurts the machine.
# Not under AddressSanitizer (scripts/sanitize.sh sets ASAN_OPTIONS): its shadow memory
# alone reserves terabytes of address space; the resident-set check below still holds.
vm_cap=4194304
[ -n "${ASAN_OPTIONS:-}" ] && vm_cap=unlimited
if [ -x /usr/bin/time ]; then
  out=$(ulimit -v "$vm_cap"; timeout "$max_s" /usr/bin/time -q -f "%M" -o "$rss" "$@" 2>&1)
else
  out=$(ulimit -v "$vm_cap"; timeout "$max_s" "$@" 2>&1)
fi
rc=$?
if [ "$rc" -eq 124 ]; then echo "timed out after $max_s s"; echo "$out"; exit 1; fi
if [ "$rc" -ne "$code" ]; then echo "exit code $rc, expected $code"; echo "$out"; exit 1; fi
if ! grep -Eq -- "$regex" <<<"$out"; then echo "output does not match /$regex/"; echo "$out"; exit 1; fi
kb=$(tail -n 1 "$rss" 2>/dev/null)
if [ -n "$kb" ] && [ "$kb" -gt "$max_kb" ]; then
  echo "used $kb KB, more than $max_kb KB"; echo "$out"; exit 1
fi
echo "ok: exit $rc, output matches /$regex/, ${kb:-?} KB"
