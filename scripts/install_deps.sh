#!/usr/bin/env bash
# Installs the Debian packages dwvp needs, skipping those already present.
# Safe to run any number of times.
set -euo pipefail
packages=(build-essential cmake pkg-config libsystemc-dev libspdlog-dev catch2
          libyaml-cpp-dev nlohmann-json3-dev libcli11-dev gnuplot-nox parallel
          gcc-riscv64-unknown-elf
          libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
