#!/usr/bin/env bash
# Cross-builds the firmware (HAL interface, driver, layer runtime: firmware/, and the
# example firmware/examples/two_layer) for
# bare-metal RISC-V with Debian's gcc-riscv64-unknown-elf, freestanding (no C library),
# for RV64 and RV32, warnings as errors, and checks what a target must provide:
#   - every symbol the libraries leave undefined is a HAL function (hal_*), one of the
#     four a freestanding C environment supplies (memcpy, memset, memmove, memcmp) or
#     in the compiler's own libgcc (64-bit division on RV32);
#   - the code of driver + runtime fits DWVP_FW_TEXT_LIMIT bytes (default 16384).
# Prints the sizes. docs/firmware.md, "Cross-building". CI runs it (tests/firmware).
# Usage: scripts/cross_build_firmware.sh [build folder]   (default build-fw)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build-fw}
limit=${DWVP_FW_TEXT_LIMIT:-16384}
command -v riscv64-unknown-elf-gcc > /dev/null ||
  { echo "cross_build_firmware: riscv64-unknown-elf-gcc not found (apt install gcc-riscv64-unknown-elf; scripts/install_deps.sh)" >&2; exit 2; }
status=0
for target in rv64imac:lp64 rv32imac:ilp32; do
  arch=${target%%:*} abi=${target##*:}
  dir="$out/$arch"
  mkdir -p "$dir"
  cmake -S "$here/firmware" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$here/cmake/riscv64-freestanding.cmake" \
    -DDWVP_FW_ARCH="$arch" -DDWVP_FW_ABI="$abi" -DDWVP_FW_WERROR=ON > "$dir.log" 2>&1 ||
    { cat "$dir.log"; exit 1; }
  cmake --build "$dir" >> "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
  libs=("$dir/driver/libdwvp_driver.a" "$dir/runtime/libdwvp_fw_runtime.a")
  example="$dir/libdwvp_example_two_layer.a"
  defined=$(riscv64-unknown-elf-nm -g --defined-only "${libs[@]}" | awk 'NF == 3 {print $3}' | sort -u)
  undefined=$(riscv64-unknown-elf-nm -u "${libs[@]}" "$example" | awk 'NF == 2 {print $2}' | sort -u)
  libgcc=$(riscv64-unknown-elf-gcc -march="$arch" -mabi="$abi" -print-libgcc-file-name)
  defined=$( (echo "$defined"; riscv64-unknown-elf-nm -g --defined-only "$libgcc" 2> /dev/null |
             awk 'NF == 3 {print $3}') | sort -u)
  missing=$(comm -23 <(echo "$undefined") <(echo "$defined") |
            grep -vE '^(hal_[a-z0-9_]+|memcpy|memset|memmove|memcmp)$' || true)
  text=$(riscv64-unknown-elf-size -t "${libs[@]}" | awk '/TOTALS/ {print $1}')
  needs=$(comm -23 <(echo "$undefined") <(echo "$defined") | tr '\n' ' ')
  helpers=$(comm -12 <(echo "$undefined") <(riscv64-unknown-elf-nm -g --defined-only "$libgcc" \
            2> /dev/null | awk 'NF == 3 {print $3}' | sort -u) | tr '\n' ' ')
  [[ -n "${helpers// /}" ]] && needs+="(libgcc: $helpers)"
  printf '%-9s text %6s B (limit %s)  data+bss %s B  needs: %s\n' "$arch" "$text" "$limit" \
    "$(riscv64-unknown-elf-size -t "${libs[@]}" | awk '/TOTALS/ {print $2 + $3}')" "$needs"
  if [[ -n "$missing" ]]; then
    echo "cross_build_firmware: $arch: symbols a bare-metal target does not have: $missing" >&2
    status=1
  fi
  if (( text > limit )); then
    echo "cross_build_firmware: $arch: $text bytes of code exceed the limit of $limit" >&2
    status=1
  fi
done
exit $status
