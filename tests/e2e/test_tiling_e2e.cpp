// The tile pipeline end to end: layers larger than the buffers are split into tiles,
// run bit-exact, and the loop order and fusion of residency change DRAM traffic.
#include "harness.h"
#include "layer_timing.h"
#include "logging.h"
#include "network_builder.h"

#include <catch2/catch.hpp>

using namespace dwvp;
using namespace dwvp::scenarios;

namespace {

network_builder tiled_net(int loop_order) {
  network_builder b("tiled", 24, 20, 48, 9);
  layer_spec s;
  s.op = DWVP_OP_POINTWISE;
  s.out_c = 96;
  int pw = b.add("pw", s);
  layer_spec dw;
  dw.op = DWVP_OP_DEPTHWISE;
  dw.kernel_h = dw.kernel_w = 3;
  dw.stride = 2;
  dw.mapping = DWVP_MAP_CHANNEL_MVM;
  dw.input = pw;
  b.add("dw", dw);
  layer_spec conv;
  conv.op = DWVP_OP_CONV2D;
  conv.kernel_h = conv.kernel_w = 3;
  conv.out_c = 40;
  conv.input = pw;
  b.add("conv", conv);
  // The builder has no loop-order field: set it in the descriptors.
  auto& net = const_cast<runtime::network&>(b.network());
  for (auto& l : net.layers)
    l.desc.loop_order = static_cast<uint8_t>(loop_order);
  return b;
}

config small_buffers() {
  config cfg;
  cfg.set("sram.input_kb", "8");  // 4 KiB halves: the 24x20x48 input is 22.5 KiB
  cfg.set("sram.weight_kb", "4"); // 2 KiB halves: 96 filters x (48 + 12) = 5.6 KiB
  cfg.set("sram.output_kb", "8");
  return cfg;
}

} // namespace

TEST_CASE("layers larger than the buffers run tiled and bit-exact", "[e2e][tiling]") {
  logging::configure("off", "");
  config cfg = small_buffers();
  auto b = tiled_net(DWVP_ORDER_ROW_MAJOR);
  network_run r = simulate_network(cfg, b.network(), "");
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  for (const auto& l : r.result.layers) {
    CHECK(l.stats.tiles > 1);
    CHECK(l.stats.total_cycles == l.stats.compute_cycles + l.stats.dma_cycles);
    CHECK(l.stats.sram_reads > 0);
    CHECK(l.stats.sram_writes > 0);
  }
  // The pointwise layer re-reads its input once per channel tile in row-major order.
  CHECK(r.result.layers[0].stats.dram_read_bytes > 24u * 20 * 48 + 96u * (48 + 12));
}

TEST_CASE("Scan order reads less DRAM than row-major on the same tiles",
          "[e2e][tiling]") {
  logging::configure("off", "");
  config cfg = small_buffers();
  auto row = tiled_net(DWVP_ORDER_ROW_MAJOR);
  auto scan = tiled_net(DWVP_ORDER_SCAN);
  // Two networks in one SoC run: append the Scan layers after the row-major ones.
  runtime::network both = row.network();
  const int offset = static_cast<int>(both.layers.size());
  for (auto l : scan.network().layers) {
    if (l.input >= 0)
      l.input += offset;
    l.name = "scan_" + l.name;
    both.layers.push_back(l);
  }
  network_run r = simulate_network(cfg, both, "");
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  // Pointwise: row-major reloads the input per channel tile; Scan loads it once per
  // spatial tile. Same tiles, same compute.
  CHECK(L[3].stats.compute_cycles == L[0].stats.compute_cycles);
  CHECK(L[3].stats.dram_read_bytes < L[0].stats.dram_read_bytes);
  CHECK(L[5].stats.dram_read_bytes < L[2].stats.dram_read_bytes);
}

network_builder wide_filter_net() {
  network_builder b("toobig", 8, 8, 64, 1);
  layer_spec s;
  s.op = DWVP_OP_CONV2D;
  s.kernel_h = s.kernel_w = 3;
  s.out_c = 8;
  b.add("conv", s);
  return b;
}

TEST_CASE("a layer that cannot fit the buffers is refused naming the tile field",
          "[e2e][tiling]") {
  logging::configure("off", "");
  config cfg;
  cfg.set("sram.weight_kb", "1"); // 512-byte halves; one 3x3x64 filter is 576 + 12 B
  auto b = wide_filter_net();
  // tile_k = in_c: every tile sums all 64 input channels, so no K tiling.
  const_cast<runtime::network&>(b.network()).layers[0].desc.tile_k = 64;
  network_run r = simulate_network(cfg, b.network(), "");
  CHECK(r.result.driver_status == DWVP_E_DEVICE);
  CHECK(r.result.device.error_code == DWVP_ERR_BUFFER_FIT);
  CHECK(r.result.device.error_field == DWVP_FIELD_TILE_C);
  CHECK_THAT(r.result.error, Catch::Contains("does_not_fit_buffers"));
}

TEST_CASE("K tiling: a filter wider than the weight half runs in input-channel slices, "
          "bit-exact",
          "[e2e][tiling]") {
  logging::configure("off", "");
  config cfg;
  cfg.set("sram.weight_kb", "1"); // 512-byte halves; one 3x3x64 filter is 576 + 12 B
  auto b = wide_filter_net();
  network_run r = simulate_network(cfg, b.network(), "");
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  const auto& s = r.result.layers[0].stats;
  // Slices of 32 channels: 3x3x32 + 12 = 300 B per output channel, so one channel per
  // tile: 8 output tiles x 2 slices. Each slice loads the whole 8x8x32 input slice
  // (2,048 B) and its 288 weight bytes; bias and requantisation data (12 B per
  // channel) come once; plus the descriptor.
  CHECK(s.tiles == 16);
  CHECK(s.dram_read_bytes == 16u * 2048 + 8u * 576 + 8u * 12 + 128);
  CHECK(s.dram_write_bytes == 8u * 8 * 8);
}

TEST_CASE("one narrow SRAM bank makes compute bandwidth bound", "[e2e][tiling]") {
  // 4x4x16 -> 8 pointwise: the array needs 2*16 + 8 + 16 - 2 = 54 cycles, but one
  // 1-byte bank feeds 1 B per cycle: input 256 B + weights 8 x (16 + 12) = 224 B
  // -> 480 cycles.
  logging::configure("off", "");
  config cfg;
  cfg.set("sram.banks", "1");
  cfg.set("sram.port_bytes", "1");
  network_builder b("narrow", 4, 4, 16, 2);
  layer_spec s;
  s.op = DWVP_OP_POINTWISE;
  s.out_c = 8;
  b.add("pw", s);
  network_run r = simulate_network(cfg, b.network(), "");
  REQUIRE(r.bit_exact);
  CHECK(r.result.layers[0].stats.compute_cycles == 480);
}

TEST_CASE("a fused depthwise + pointwise pair keeps the intermediate on chip",
          "[e2e][fusion]") {
  logging::configure("off", "");
  config cfg;
  network_builder b("fused", 12, 10, 24, 4);
  layer_spec dw;
  dw.op = DWVP_OP_DEPTHWISE;
  dw.kernel_h = dw.kernel_w = 3;
  dw.mapping = DWVP_MAP_CHANNEL_MVM;
  int d = b.add("dw", dw);
  layer_spec pw;
  pw.op = DWVP_OP_POINTWISE;
  pw.out_c = 32;
  pw.input = d;
  b.add("pw", pw);
  simulate_options so;
  so.fuse = true;
  network_run r = simulate_network(cfg, b.network(), so);
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  // The depthwise output (12 x 10 x 24 B) never goes to DRAM and the pointwise layer
  // does not read it back: only the descriptor and the constants move.
  CHECK(L[0].stats.dram_write_bytes == 0);
  CHECK(L[1].stats.dram_read_bytes == 128u + 32 * (24 + 12));
  CHECK(L[1].stats.dram_write_bytes == 12u * 10 * 32);
}

TEST_CASE("the runtime fuses only single-consumer pairs that fit", "[fusion]") {
  network_builder b("pairs", 8, 8, 16, 4);
  layer_spec dw;
  dw.op = DWVP_OP_DEPTHWISE;
  dw.kernel_h = dw.kernel_w = 3;
  int d0 = b.add("dw0", dw);
  layer_spec pw;
  pw.op = DWVP_OP_POINTWISE;
  pw.out_c = 16;
  pw.input = d0;
  int p0 = b.add("pw0", pw); // fusable: dw0 feeds only pw0
  dw.input = p0;
  int d1 = b.add("dw1", dw);
  pw.input = d1;
  b.add("pw1", pw);
  layer_spec add;
  add.op = DWVP_OP_ADD;
  add.input = d1; // dw1 has a second consumer: not fusable
  add.aux_input = d1;
  b.add("add", add);
  runtime::options opt;
  opt.fuse = true;
  opt.fuse_limit = 8 * 8 * 16;
  auto fused = runtime::fusable_pairs(b.network(), opt);
  CHECK(fused == std::vector<bool>{true, false, false, false, false});
  opt.fuse_limit = 8 * 8 * 16 - 1; // the intermediate no longer fits
  CHECK(runtime::fusable_pairs(b.network(), opt) == std::vector<bool>(5, false));
  opt.fuse = false;
  CHECK(runtime::fusable_pairs(b.network(), opt) == std::vector<bool>(5, false));
}
