#!/usr/bin/env bash
# check_outputs.sh DWVP: a run writes the JSON and CSV reports and the tensor dump with
# the documented fields, and two runs with the same arguments give byte-identical
# reports (host timing fields aside) and VCDs, the first calibrating the network and
# the second taking the calibration from the cache.
set -u
dwvp=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export DWVP_CALIBRATION_CACHE="$dir/cache"
args=(run --network mobilenet_v3_small --resolution 96 --policy gemm_dwc)
"$dwvp" "${args[@]}" --report "$dir/a.json" --csv "$dir/a.csv" --vcd "$dir/a.vcd" \
  --dump-tensors "$dir/t" > "$dir/a.out" 2>&1 || { echo "run 1 failed"; cat "$dir/a.out"; exit 1; }
"$dwvp" "${args[@]}" --report "$dir/b.json" --csv "$dir/b.csv" --vcd "$dir/b.vcd" \
  > "$dir/b.out" 2>&1 || { echo "run 2 failed"; exit 1; }
grep -q "calibration [0-9.]* s (computed)" "$dir/a.out" || { echo "run 1 did not calibrate"; exit 1; }
grep -q "calibration [0-9.]* s (cached)" "$dir/b.out" || { echo "run 2 missed the cache"; exit 1; }
for key in '"network"' '"policy"' '"config"' '"layers"' '"total"' '"name"' '"type"' \
           '"mapping"' '"dataflow"' '"macs"' '"cycles"' '"compute_cycles"' \
           '"dma_stall_cycles"' '"utilization"' '"dram_read_bytes"' '"dram_write_bytes"' \
           '"row_hit_rate"' '"sram_reads"' '"sram_writes"' '"energy_pj"' \
           '"seconds_simulated"' '"host_seconds"' '"simulated_cycles_per_host_second"' \
           '"host_phase_seconds"' \
           '"bit_exact": true'; do
  grep -q -- "$key" "$dir/a.json" || { echo "JSON lacks $key"; exit 1; }
done
head -1 "$dir/a.csv" | grep -q '^name,type,mapping,dataflow' || { echo "bad CSV header"; exit 1; }
[ "$(wc -l < "$dir/a.csv")" -gt 20 ] || { echo "CSV too short"; exit 1; }
[ -f "$dir/t/index.json" ] || { echo "no tensor index"; exit 1; }
for key in '"op": "conv2d"' '"activation": "lut"' '"output_tensor"' '"owner_layer"' \
           '"requantisation"'; do
  grep -q -- "$key" "$dir/t/index.json" || { echo "index.json lacks $key"; exit 1; }
done
npy=$(ls "$dir"/t/*_output.npy | head -1)
[ "$(head -c 6 "$npy" | tail -c 5)" = "NUMPY" ] || { echo "not an npy file: $npy"; exit 1; }
grep -q "'descr': '|i1'" "$npy" || { echo "npy header lacks int8 dtype"; exit 1; }
# Determinism: reports equal but for host timing; VCDs byte-identical.
strip() {
  sed '/"host_phase_seconds": {/,/}/d' "$1" | grep -v -e host_seconds -e simulated_cycles_per_host_second
}
diff <(strip "$dir/a.json") <(strip "$dir/b.json") > /dev/null || { echo "reports differ"; exit 1; }
cmp -s "$dir/a.csv" "$dir/b.csv" || { echo "CSVs differ"; exit 1; }
cmp -s "$dir/a.vcd" "$dir/b.vcd" || { echo "VCDs differ"; exit 1; }
echo "ok: reports, CSV, tensors written; two runs identical"
