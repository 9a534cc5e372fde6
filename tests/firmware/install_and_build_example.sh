#!/usr/bin/env bash
# Installs the built platform into a fresh prefix, builds docs/firmware.md's example
# (firmware/examples/two_layer) out of tree against it with find_package(dwvp) and
# dwvp_add_firmware_scenario, runs it (bit-exact against the firmware's own C
# reference), and checks the helper's refusals: no SOURCES, no C++ in the project.
# Usage: install_and_build_example.sh <dwvp build folder> <dwvp source folder> <work folder>
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2") work=$(realpath -m "$3")
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log" ||
  { cat "$work/install.log"; fail "cmake --install"; }
for f in include/dwvp/hal.h include/dwvp/dwvp_runtime.h include/dwvp/regs.h include/dwvp/descriptor.h \
         include/dwvp/soc.h lib/libdwvp_fw_runtime.a lib/libdwvp_firmware_host.a \
         lib/cmake/dwvp/dwvpConfig.cmake lib/cmake/dwvp/dwvp_firmware_scenario.cmake bin/dwvp; do
  [[ -e "$work/prefix/$f" ]] || fail "not installed: $f"
done

# Out of tree: only the installed prefix, not the source or build folder.
cmake -S "$src/firmware/examples/two_layer" -B "$work/example" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "configure of the example"; }
# Its include folders and libraries are the prefix's, none of the dwvp tree's.
tree_paths=()
for d in include models platform firmware/hal firmware/driver firmware/runtime lib; do
  tree_paths+=(-e "$src/$d/")
done
for d in models platform firmware lib golden; do
  tree_paths+=(-e "$build/$d/")
done
if grep -Fqs "${tree_paths[@]}" \
     "$work/example/CMakeFiles/two_layer.dir/flags.make" \
     "$work/example/CMakeFiles/two_layer.dir/link.txt"; then
  fail "the example's build refers to the dwvp source or build folder"
fi
cmake --build "$work/example" > "$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "build of the example"; }
out=$("$work/example/two_layer" --set log.modules=firmware=info 2>&1) ||
  { echo "$out"; fail "the example exited with $?"; }
echo "$out"
grep -q "pw1: 0 of 2048 values differ; pw2: 0 of 512" <<< "$out" || fail "not bit-exact"
grep -q "firmware returned 0" <<< "$out" || fail "no firmware result line"
grep -q "firmware cycles   98304 charged" <<< "$out" || fail "charged cycles not reported"

# The helper's refusals, at configure time.
mkdir -p "$work/no_cxx" "$work/no_sources"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(p C)\nfind_package(dwvp REQUIRED)\ndwvp_add_firmware_scenario(fw SOURCES fw.c)\n' \
  > "$work/no_cxx/CMakeLists.txt"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(p C CXX)\nfind_package(dwvp REQUIRED)\ndwvp_add_firmware_scenario(fw)\n' \
  > "$work/no_sources/CMakeLists.txt"
touch "$work/no_cxx/fw.c"
for case in no_cxx:"must enable C++" no_sources:"SOURCES is missing"; do
  name=${case%%:*} want=${case#*:}
  if msg=$(cmake -S "$work/$name" -B "$work/$name/build" -DCMAKE_PREFIX_PATH="$work/prefix" 2>&1); then
    fail "$name: configure succeeded"
  fi
  grep -q "$want" <<< "$msg" || { echo "$msg"; fail "$name: no '$want'"; }
done
echo "ok: installed, built out of tree, ran bit-exact; refusals named"
