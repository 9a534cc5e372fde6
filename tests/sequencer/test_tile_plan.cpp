// Tiling for the on-chip buffers: tile counts, input halos, residency under the two
// loop orders, and the fit errors. Expected values are worked out by hand.
#include "tile_plan.h"

#include <catch2/catch.hpp>

using namespace dwvp::sequencer;

namespace {

dwvp_desc pointwise(int h, int w, int in_c, int out_c) {
  dwvp_desc d{};
  d.opcode = DWVP_OP_POINTWISE;
  d.in_h = d.out_h = static_cast<uint16_t>(h);
  d.in_w = d.out_w = static_cast<uint16_t>(w);
  d.in_c = static_cast<uint16_t>(in_c);
  d.out_c = static_cast<uint16_t>(out_c);
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  return d;
}

int loads(const plan& p, bool input) {
  int n = 0;
  for (const auto& t : p.tiles)
    n += input ? t.load_input : t.load_weights;
  return n;
}

} // namespace

TEST_CASE("a layer that fits is one tile", "[tile_plan]") {
  const plan p = plan_layer(pointwise(8, 8, 32, 16), buffer_sizes{});
  REQUIRE(p.ok());
  REQUIRE(p.tiles.size() == 1);
  const tile& t = p.tiles[0];
  CHECK(t.input_bytes == 8 * 8 * 32);
  CHECK(t.weight_bytes == 16 * (32 + 12)); // weights + bias + multiplier + shift
  CHECK(t.output_bytes == 8 * 8 * 16);
  CHECK(t.load_input);
  CHECK(t.load_weights);
}

TEST_CASE("rows shrink first when the input does not fit", "[tile_plan]") {
  // 16x16x64 input = 16 KiB; a 4 KiB input half holds 4 rows (4 x 16 x 64).
  buffer_sizes b{4096, 1 << 20, 1 << 20};
  const plan p = plan_layer(pointwise(16, 16, 64, 32), b);
  REQUIRE(p.ok());
  CHECK(p.tile_h == 4);
  CHECK(p.tile_w == 16);
  CHECK(p.tile_c == 32);
  CHECK(p.tiles.size() == 4);
  CHECK(p.tiles[1].oy0 == 4);
  CHECK(p.tiles[1].oy1 == 8);
}

TEST_CASE("channels shrink when the weights do not fit", "[tile_plan]") {
  // 64 filters x (128 + 12) = 8960 B; a 3000 B weight half holds 16 (2240 B).
  buffer_sizes b{1 << 20, 3000, 1 << 20};
  const plan p = plan_layer(pointwise(4, 4, 128, 64), b);
  REQUIRE(p.ok());
  CHECK(p.tile_c == 16);
  CHECK(p.tiles.size() == 4);
}

TEST_CASE("a 3x3 stride-2 tile reads its input halo", "[tile_plan]") {
  dwvp_desc d{};
  d.opcode = DWVP_OP_DEPTHWISE;
  d.in_h = d.in_w = 16;
  d.in_c = d.out_c = 8;
  d.kernel_h = d.kernel_w = 3;
  d.stride_h = d.stride_w = 2;
  d.pad_top = d.pad_left = 0; // TF SAME for 16 -> 8 pads bottom/right by 1
  d.pad_bottom = d.pad_right = 1;
  d.out_h = d.out_w = 8;
  d.tile_h = 3;
  const plan p = plan_layer(d, buffer_sizes{});
  REQUIRE(p.ok());
  REQUIRE(p.tiles.size() == 3); // output rows 0-2, 3-5, 6-7
  // Output rows 3..5 read input rows 6 .. 5*2 + 3 = 13, i.e. [6, 13).
  CHECK(p.tiles[1].iy0 == 6);
  CHECK(p.tiles[1].iy1 == 13);
  // The last tile's window runs into the bottom padding: clipped at 16.
  CHECK(p.tiles[2].iy0 == 12);
  CHECK(p.tiles[2].iy1 == 16);
  // Depthwise reads only its tile's channels.
  CHECK(p.tiles[0].ic1 - p.tiles[0].ic0 == 8);
}

TEST_CASE("Scan keeps the input resident across channel tiles", "[tile_plan]") {
  // 4 row tiles x 4 channel tiles.
  dwvp_desc d = pointwise(16, 16, 64, 64);
  d.tile_h = 4;
  d.tile_c = 16;
  const plan row_major = plan_layer(d, buffer_sizes{});
  d.loop_order = DWVP_ORDER_SCAN;
  const plan scan = plan_layer(d, buffer_sizes{});
  REQUIRE(row_major.tiles.size() == 16);
  REQUIRE(scan.tiles.size() == 16);
  // Row-major: channel tiles outer, so every tile loads its input (16 loads) and each
  // channel tile's weights once (4 loads).
  CHECK(loads(row_major, true) == 16);
  CHECK(loads(row_major, false) == 4);
  // Scan: the input is loaded once per spatial tile (4 loads); channel tiles run
  // 0,1,2,3 then 3,2,1,0 ..., so the slice at each turn is reused: 16 - 3 = 13 loads.
  CHECK(loads(scan, true) == 4);
  CHECK(loads(scan, false) == 13);
  CHECK(scan.tiles[3].c0 == 48);
  CHECK(scan.tiles[4].c0 == 48); // the turn
  CHECK_FALSE(scan.tiles[4].load_weights);
}

TEST_CASE("explicit tile sizes that do not fit name the tile field", "[tile_plan]") {
  dwvp_desc d = pointwise(16, 16, 64, 32);
  d.tile_h = 16;
  d.tile_w = 16;
  d.tile_k = 64; // all input channels: no K tiling to fall back on
  buffer_sizes b{4096, 1 << 20, 1 << 20};
  const plan p = plan_layer(d, b);
  CHECK(p.error == DWVP_ERR_BUFFER_FIT);
  CHECK(p.field == DWVP_FIELD_TILE_H);
  CHECK_THAT(p.message, Catch::Contains("buffer halves hold 4096"));
}

TEST_CASE("weights too large for any tile name tile_c", "[tile_plan]") {
  // A depthwise layer cannot be K tiled: one 3x3 channel's 9 + 12 bytes do not fit a
  // 20-byte weight half.
  dwvp_desc d = pointwise(4, 4, 8, 8);
  d.opcode = DWVP_OP_DEPTHWISE;
  d.kernel_h = d.kernel_w = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  const plan p = plan_layer(d, buffer_sizes{1 << 20, 20, 1 << 20});
  CHECK(p.error == DWVP_ERR_BUFFER_FIT);
  CHECK(p.field == DWVP_FIELD_TILE_C);
}

TEST_CASE("K tiling: a filter too wide for the weight half is cut into input-channel "
          "slices",
          "[tile_plan]") {
  // One filter of 1024 inputs + 12 bytes does not fit a 1000-byte weight half; two
  // slices of 512 do, one output channel at a time (4 x 524 and 2 x 524 do not):
  // 4 output tiles x 2 slices, K innermost.
  const plan p =
      plan_layer(pointwise(2, 2, 1024, 4), buffer_sizes{1 << 20, 1000, 1 << 20});
  REQUIRE(p.ok());
  CHECK(p.tile_k == 512);
  CHECK(p.tile_c == 1);
  REQUIRE(p.tiles.size() == 8);
  for (size_t i = 0; i < 8; ++i) {
    const tile& t = p.tiles[i];
    INFO("tile " << i);
    CHECK(t.c0 == int(i / 2));
    CHECK(t.ic0 == (i % 2 ? 512 : 0));
    CHECK(t.ic1 == t.ic0 + 512);
    CHECK(t.k_first == (i % 2 == 0));
    CHECK(t.k_last == (i % 2 == 1));
    CHECK(t.input_bytes == 2u * 2 * 512);
    CHECK(t.weight_bytes == (t.k_last ? 512u + 12 : 512u)); // bias and quant last
    CHECK(t.load_input);
    CHECK(t.load_weights);
  }
  // Partial sums take 4 bytes per output: a 15-byte output half holds 3, so a tile is
  // one row of 2 pixels of one channel (the whole 2x2 would need 16 bytes).
  const plan narrow =
      plan_layer(pointwise(2, 2, 1024, 4), buffer_sizes{1 << 20, 1000, 15});
  REQUIRE(narrow.ok());
  CHECK(narrow.tiles.front().output_bytes == 2);
  // An explicit tile_k slices even a layer that fits.
  dwvp_desc d = pointwise(2, 2, 64, 4);
  d.tile_k = 24;
  const plan sliced = plan_layer(d, buffer_sizes{});
  CHECK(sliced.tile_k == 24);
  REQUIRE(sliced.tiles.size() == 3); // [0,24), [24,48), [48,64)
  CHECK(sliced.tiles[2].ic1 == 64);
}

TEST_CASE("every output element is covered exactly once", "[tile_plan]") {
  dwvp_desc d = pointwise(13, 11, 40, 37);
  d.tile_h = 4;
  d.tile_w = 5;
  d.tile_c = 10;
  for (uint8_t order : {DWVP_ORDER_ROW_MAJOR, DWVP_ORDER_SCAN}) {
    d.loop_order = order;
    const plan p = plan_layer(d, buffer_sizes{});
    REQUIRE(p.ok());
    std::vector<int> covered(13 * 11 * 37, 0);
    for (const auto& t : p.tiles)
      for (int y = t.oy0; y < t.oy1; ++y)
        for (int x = t.ox0; x < t.ox1; ++x)
          for (int c = t.c0; c < t.c1; ++c)
            covered[(y * 11 + x) * 37 + c]++;
    for (int v : covered)
      REQUIRE(v == 1);
    CHECK(p.tiles.size() == 4 * 3 * 4);
  }
}

TEST_CASE("tiles cut by the buffers are aligned to the array", "[tile_plan]") {
  // MobileNet-v1's first pointwise layer at 224: 112x112x32 -> 64, default halves
  // (input 128 KiB, weights 128 KiB, output 64 KiB). Unaligned: the output half takes
  // 64 KiB / (112 x 64) = 9.1 rows, halving from 112 gives 7 rows = 784 pixels, 24.5
  // folds of 32. Aligned to 32 array rows: 112 = 16 x 7, so rows come in steps of 2;
  // 7 -> 6, grown to 8 (8 x 112 x 64 = 57,344 B fits, 10 rows = 71,680 B does not):
  // 896 pixels = 28 whole folds.
  const buffer_sizes b{128 * 1024, 128 * 1024, 64 * 1024};
  const dwvp_desc d = pointwise(112, 112, 32, 64);
  CHECK(plan_layer(d, b).tile_h == 7);
  const plan p = plan_layer(d, b, tile_alignment{32, 32});
  REQUIRE(p.ok());
  CHECK(p.tile_h == 8);
  CHECK(p.tiles.size() == 14);
  // On 128 rows: 112 = 16 x 7 needs steps of 8 rows; 7 is below the step, so one
  // step (8 rows, 896 pixels = 7 folds of 128) is tried, and fits.
  CHECK(plan_layer(d, b, tile_alignment{128, 128}).tile_h == 8);
  // On 256 rows the step is 16 rows, 114,688 B of output: it does not fit, so the tile
  // grows as far as the buffers allow: 9 rows (64,512 B; 10 rows are 71,680 B).
  CHECK(plan_layer(d, b, tile_alignment{256, 256}).tile_h == 9);

  // Channels: 7x7x1024 -> 1000 with a 48 KiB weight half: a filter is 1024 + 12 B, so
  // 47 fit; halving gives 1000 -> 500 -> 250 -> 125 -> 63 -> 32. Aligned to 16
  // columns, 32 cannot grow: 48 filters are 49,728 B > 49,152 B. Aligned to 8 columns
  // it grows to 40 (41,440 B); 48 does not fit.
  const buffer_sizes w{1 << 20, 48 * 1024, 1 << 20};
  const dwvp_desc fc = pointwise(7, 7, 1024, 1000);
  CHECK(plan_layer(fc, w).tile_c == 32);
  CHECK(plan_layer(fc, w, tile_alignment{1, 16}).tile_c == 32);
  CHECK(plan_layer(fc, w, tile_alignment{1, 8}).tile_c == 40);
  const plan q = plan_layer(fc, w, tile_alignment{1, 8});
  REQUIRE(q.ok());
  CHECK(q.tiles.size() == 25); // 1000 / 40
  // Aligned to 64 columns, one width (64 filters) does not fit: halving cut 47 fitting
  // filters down to 32, so the tile grows back to 47 (48,692 B), 22 tiles.
  const plan r = plan_layer(fc, w, tile_alignment{1, 64});
  REQUIRE(r.ok());
  CHECK(r.tile_c == 47);
  CHECK(r.tiles.size() == 22);
  // A preset tile size is kept as given.
  dwvp_desc preset = fc;
  preset.tile_c = 20;
  CHECK(plan_layer(preset, w, tile_alignment{1, 8}).tile_c == 20);
  // A layer that fits is one tile whatever the alignment.
  CHECK(plan_layer(pointwise(8, 8, 32, 45), buffer_sizes{}, tile_alignment{32, 32})
            .tiles.size() == 1);
}

TEST_CASE("the auto loop order takes the walk that moves fewer DRAM bytes",
          "[tile_plan]") {
  // 4 row tiles x 4 channel tiles of a 16x16x64 -> 64 pointwise layer. Input tile
  // 4 x 16 x 64 = 4096 B, weight slice 16 x (64 + 12) = 1216 B, output 16,384 B.
  // Row-major: 16 x 4096 + 4 x 1216 + 16384 = 86,784; Scan: 4 x 4096 + 13 x 1216 +
  // 16384 = 48,576.
  dwvp_desc d = pointwise(16, 16, 64, 64);
  d.tile_h = 4;
  d.tile_c = 16;
  d.loop_order = DWVP_ORDER_AUTO;
  const plan chosen = plan_layer(d, buffer_sizes{});
  CHECK(dram_bytes(chosen) == 48576);
  CHECK(loads(chosen, true) == 4); // Scan's walk
  // 16x16x8 -> 256 in tiles of 4 rows x 64 channels: input tile 512 B, weight slice
  // 64 x 20 = 1280 B, output 65,536 B. Row-major: 16 x 512 + 4 x 1280 + 65536 =
  // 78,848; Scan: 4 x 512 + 13 x 1280 + 65536 = 84,224.
  dwvp_desc wide = pointwise(16, 16, 8, 256);
  wide.tile_h = 4;
  wide.tile_c = 64;
  wide.loop_order = DWVP_ORDER_AUTO;
  const plan kept = plan_layer(wide, buffer_sizes{});
  CHECK(dram_bytes(kept) == 78848);
  CHECK(loads(kept, false) == 4); // row-major's walk
  // A layer in one tile: both walks are the same; auto keeps row-major's plan.
  dwvp_desc one = pointwise(4, 4, 8, 8);
  one.loop_order = DWVP_ORDER_AUTO;
  CHECK(plan_layer(one, buffer_sizes{}).tiles.size() == 1);
}
