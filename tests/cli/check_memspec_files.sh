#!/usr/bin/env bash
# check_memspec_files.sh REPLAY CONFIG_DIR: the shipped preset memspec files describe
# exactly their preset: a mixed request stream replayed with --standard NAME, with
# --spec configs/dram/NAME.json and with --spec of a file `--write-memspec` writes now
# gives identical statistics (mapping, every count, time and energy).
set -euo pipefail
replay=$1; configs=$2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
gen=(--generate mixed --count 20000 --span 67108864)
for name in ddr4_2400_x64 lpddr4_3200; do
  "$replay" --standard "$name" --write-memspec "$dir/written.json"
  "$replay" --standard "$name" "${gen[@]}" --json "$dir/preset.json" > /dev/null
  "$replay" --spec "$configs/dram/$name.json" "${gen[@]}" --json "$dir/shipped.json" > /dev/null
  "$replay" --spec "$dir/written.json" "${gen[@]}" --json "$dir/written_stats.json" > /dev/null
  diff "$dir/preset.json" "$dir/shipped.json" ||
    { echo "configs/dram/$name.json does not describe the preset; regenerate it"; exit 1; }
  diff "$dir/preset.json" "$dir/written_stats.json" ||
    { echo "--write-memspec of $name does not read back as the preset"; exit 1; }
  echo "ok: configs/dram/$name.json and --write-memspec replay as the preset $name"
done
