#!/usr/bin/env bash
# check_hostile_weights.sh DWVP TOPOLOGY DATA: --weights folders broken the ways issue
# 13 lists (an 18-byte .npy declaring a 4 GiB header, an index without layers, values of
# the wrong type or outside their descriptor field, a file name leaving the folder, an
# index that never ends) are each refused with exit 2 naming the file, in bounded
# memory and time (expect_bounded.sh); the untouched dump loads and runs bit-exact.
set -u
dwvp=$1; topology=$2; data=$3
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$dwvp" run --topology "$topology" --dump-tensors "$dir/good" > /dev/null 2>&1 \
  || { echo "dump failed"; exit 1; }
failed=0
# case NAME CODE REGEX: runs --weights $dir/NAME (prepared by the caller).
case_() {
  local name=$1 code=$2 regex=$3
  if ! out=$("$here/expect_bounded.sh" "$code" "$regex" -- "$dwvp" run --topology "$topology" \
      --weights "$dir/$name" 2>&1); then
    echo "FAILED $name: $out"; failed=1
  else
    echo "$name: $out"
  fi
}
copy() { cp -r "$dir/good" "$dir/$1"; }

case_ good 0 "golden check +bit-exact"
copy huge_header; cp "$data/npy_huge_header.npy" "$dir/huge_header/0_conv1_weights.npy"
case_ huge_header 2 "0_conv1_weights.npy: header of 4294967295 bytes, more than the 65536 allowed"
copy no_layers; printf '{"network": "tiny"}' > "$dir/no_layers/index.json"
case_ no_layers 2 "no_layers/index.json: no 'layers' array"
copy wrong_type; sed -i '0,/"output_zp": [-0-9]*/s//"output_zp": "x"/' "$dir/wrong_type/index.json"
case_ wrong_type 2 "wrong_type/index.json: layer conv1: 'output_zp' must be an integer"
copy narrow; sed -i '0,/"add_left_shift": [-0-9]*/s//"add_left_shift": 276/' "$dir/narrow/index.json"
case_ narrow 2 "narrow/index.json: layer conv1: 'add_left_shift' must be an integer 0..255, got 276"
copy escape; sed -i '0,/"weights": "[^"]*"/s//"weights": "..\/..\/etc\/passwd"/' "$dir/escape/index.json"
case_ escape 2 "escape/index.json: layer conv1: 'weights' file '../../etc/passwd' must be a file name inside"
copy endless; rm "$dir/endless/index.json"; ln -s /dev/zero "$dir/endless/index.json"
case_ endless 2 "endless/index.json: the tensor index is larger than 8 MiB"
copy truncated; head -c 200 "$dir/good/0_conv1_weights.npy" > "$dir/truncated/0_conv1_weights.npy"
case_ truncated 2 "0_conv1_weights.npy: [0-9]+ bytes of data, the shape needs 432"
exit $failed
