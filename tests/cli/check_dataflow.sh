#!/usr/bin/env bash
# check_dataflow.sh DWVP DATA_DIR: the run's gemm.dataflow and a topology CSV's per-layer
# Dataflow column reach the descriptors: bit-exact either way, the GEMM-core layers'
# compute cycles change (to hand-derived closed forms where a layer is one tile), the
# layers that do not take it keep theirs, and the reports say which dataflow ran.
set -u
dwvp=$1
data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# run NAME ARGS...: a functional run that must finish bit-exact; CSV in $dir/NAME.csv.
run() {
  local name=$1; shift
  "$dwvp" run "$@" --csv "$dir/$name.csv" > "$dir/$name.out" 2>&1 ||
    { cat "$dir/$name.out"; fail "$name: exit $?"; }
  grep -Eq "golden check +bit-exact" "$dir/$name.out" || { cat "$dir/$name.out"; fail "$name: not bit-exact"; }
}
# col NAME LAYER FIELD: one field of a layer's CSV row (no field has a comma in it).
col() {
  local i
  i=$(head -1 "$dir/$1.csv" | tr ',' '\n' | grep -nx "$3" | cut -d: -f1)
  [ -n "$i" ] || fail "$1.csv has no column $3"
  awk -F, -v l="$2" -v i="$i" '$1 == l { print $i }' "$dir/$1.csv"
}
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# 1. MobileNet-v1 (gemm_dwc) output stationary, then weight stationary.
run os --network mobilenet_v1 --resolution 96
run ws --network mobilenet_v1 --resolution 96 --set gemm.dataflow=ws --report "$dir/ws.json"
grep -q "gemm dataflow ws" "$dir/ws.out" || fail "the run's header does not name the dataflow"
grep -Eq '"gemm.dataflow": "ws"' "$dir/ws.json" || fail "JSON config lacks gemm.dataflow ws"
grep -Eq '"dataflow": "ws"' "$dir/ws.json" || fail "JSON layers lack dataflow ws"
gemm_layers=0
while IFS=, read -r name type mapping _; do
  case "$type" in
  conv2d | pointwise | fc)
    expect "$name dataflow (os run)" "$(col os "$name" dataflow)" os
    expect "$name dataflow (ws run)" "$(col ws "$name" dataflow)" ws
    [ "$(col os "$name" compute_cycles)" != "$(col ws "$name" compute_cycles)" ] ||
      fail "$name: same compute cycles under os and ws"
    gemm_layers=$((gemm_layers + 1))
    ;;
  depthwise) # channel_mvm: weight stationary by construction, untouched by the key
    expect "$name mapping" "$mapping" channel_mvm
    expect "$name dataflow (os run)" "$(col os "$name" dataflow)" ws
    expect "$name compute (ws run)" "$(col ws "$name" compute_cycles)" \
      "$(col os "$name" compute_cycles)"
    ;;
  avg_pool) expect "$name dataflow" "$(col ws "$name" dataflow)" none ;;
  esac
done < <(tail -n +2 "$dir/ws.csv")
expect "GEMM layers" "$gemm_layers" 15 # conv1, 13 pointwise, fc
# b4_pw: 12x12x128 -> 256, one tile (the CSV's tiles column), on the 32x32 array,
# pipelined schedule (docs/timing.md). GEMM M = 144 pixels, N = 256, K = 128.
#   OS: rows <- M (4 folds of 32 + 1 of 16), columns <- N (8 of 32), T = K = 128; a
#       fold computes r + c + T - 2 then drains r, the drain hidden under the next
#       fold: 32 folds of 32 + 32 + 126 = 190, 8 of 16 + 32 + 126 = 174, last drain 16:
#       32 * 190 + 8 * 174 + 16 = 7488.
#   WS: rows <- K (4 folds of 32), columns <- N (8 of 32), T = M = 144; a fold loads
#       r weights then streams r + c + T - 2 = 206, the next fold's load hidden under
#       it: 32 + 32 * 206 = 6624.
expect "b4_pw tiles" "$(col ws b4_pw tiles)" 1
expect "b4_pw compute (os)" "$(col os b4_pw compute_cycles)" 7488
expect "b4_pw compute (ws)" "$(col ws b4_pw compute_cycles)" 6624

# 2. gemm_naive depthwise takes the run's dataflow; FuSe 1xK / Kx1 stay on ST-OS.
run naive --network mobilenet_v1_fuse_half_50 --resolution 96 --policy gemm_naive \
  --set gemm.dataflow=ws
expect "b13_dw mapping" "$(col naive b13_dw mapping)" gemm_naive
expect "b13_dw dataflow" "$(col naive b13_dw dataflow)" ws
[ "$(awk -F, '$2 == "dw_1xk" || $2 == "dw_kx1"' "$dir/naive.csv" | wc -l)" -gt 0 ] ||
  fail "no FuSe layers in mobilenet_v1_fuse_half_50"
awk -F, 'NR > 1 && ($2 == "dw_1xk" || $2 == "dw_kx1") && $4 != "st_os" { exit 1 }' \
  "$dir/naive.csv" || fail "a FuSe layer left ST-OS"
# Vector-unit depthwise has no array dataflow.
run conv --network mobilenet_v1 --resolution 96 --policy conventional --set gemm.dataflow=ws
expect "b1_dw dataflow (conventional)" "$(col conv b1_dw dataflow)" none

# 3. Topology CSV with a Dataflow column: conv1 ws and pw1 os always, pw2 and dw1 the
# run's, row on ST-OS.
csv=(--topology "$data/dataflow.csv" --policy gemm_naive)
run t_os "${csv[@]}"
run t_ws "${csv[@]}" --set gemm.dataflow=ws
for l in conv1:ws:ws dw1:os:ws pw1:os:os pw2:os:ws row:st_os:st_os; do
  IFS=: read -r name want_os want_ws <<<"$l"
  expect "$name dataflow (os run)" "$(col t_os "$name" dataflow)" "$want_os"
  expect "$name dataflow (ws run)" "$(col t_ws "$name" dataflow)" "$want_ws"
done
# pw2: 16x16x32 -> 32, one tile. M = 256, N = 32, K = 32.
#   OS: 8 row folds of r = 32 (M), 1 column fold, T = 32: 8 * (32 + 32 + 30) + 32 = 784.
#   WS: 1 fold, r = 32 (K), c = 32, T = 256: 32 + (32 + 32 + 254) = 350.
expect "pw2 compute (os)" "$(col t_os pw2 compute_cycles)" 784
expect "pw2 compute (ws)" "$(col t_ws pw2 compute_cycles)" 350
for name in conv1 pw1 row; do
  expect "$name compute, explicit dataflow" "$(col t_ws "$name" compute_cycles)" \
    "$(col t_os "$name" compute_cycles)"
done
echo "ok: $gemm_layers GEMM layers of MobileNet-v1 change with gemm.dataflow, bit-exact;" \
  "the CSV's Dataflow column overrides it per layer"
