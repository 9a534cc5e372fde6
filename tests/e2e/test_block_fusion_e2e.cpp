// Block fusion end to end (dwvp run --fuse-blocks): the runtime chains layers, the
// accelerator runs them stripe by stripe, the values stay bit-exact against the golden
// reference (which computes each layer whole), and the intermediates never reach DRAM.
// Byte counts are worked out by hand from the layer shapes.
#include "harness.h"
#include "logging.h"
#include "network_builder.h"

#include <catch2/catch.hpp>

using namespace dwvp;
using namespace dwvp::scenarios;

namespace {

// An inverted-residual block: 24x20x16 -> expand 96 -> depthwise 3x3 -> project 24.
network_builder block(int dw_stride = 1) {
  network_builder b("block", 24, 20, 16, 5);
  layer_spec expand;
  expand.op = DWVP_OP_POINTWISE;
  expand.out_c = 96;
  int e = b.add("expand", expand);
  layer_spec dw;
  dw.op = DWVP_OP_DEPTHWISE;
  dw.kernel_h = dw.kernel_w = 3;
  dw.stride = dw_stride;
  dw.mapping = DWVP_MAP_CHANNEL_MVM;
  dw.input = e;
  int d = b.add("dw", dw);
  layer_spec project;
  project.op = DWVP_OP_POINTWISE;
  project.out_c = 24;
  project.activation = DWVP_ACT_NONE;
  project.input = d;
  b.add("project", project);
  return b;
}

simulate_options fused() {
  simulate_options o;
  o.fuse_blocks = true;
  return o;
}

} // namespace

TEST_CASE("block fusion: an inverted-residual block runs as one chain, bit-exact, with "
          "no intermediate in DRAM",
          "[e2e][block_fusion]") {
  logging::configure("off", "");
  config cfg;
  auto b = block();
  network_run r = simulate_network(cfg, b.network(), fused());
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  REQUIRE(L.size() == 3);
  // Default buffers: a quarter of the 24 rows per stripe, 4 stripes, each layer
  // computing in each.
  for (const auto& l : L) {
    CHECK(l.stats.tiles == 4);
    CHECK(l.stats.total_cycles == l.stats.compute_cycles + l.stats.dma_cycles);
  }
  // expand reads the input (24 x 20 x 16) and its constants (96 x (16 + 12)) and its
  // descriptor (128); the depthwise layer its constants (96 x (9 + 12)) and
  // descriptor; project its constants (24 x (96 + 12)) and descriptor, and writes the
  // block's output 24 x 20 x 24. Nothing else moves.
  CHECK(L[0].stats.dram_read_bytes == 7680 + 2688 + 128);
  CHECK(L[0].stats.dram_write_bytes == 0);
  CHECK(L[1].stats.dram_read_bytes == 2016 + 128);
  CHECK(L[1].stats.dram_write_bytes == 0);
  CHECK(L[2].stats.dram_read_bytes == 2592 + 128);
  CHECK(L[2].stats.dram_write_bytes == 11520);
  // The non-last layers' records carry their own compute; the last the chain's rest.
  CHECK(L[0].stats.dma_cycles == 0);
  CHECK(L[1].stats.dma_cycles == 0);
  CHECK(L[2].stats.dma_cycles > 0);
}

TEST_CASE("block fusion: many one-row stripes through small buffers, a strided "
          "depthwise layer, bit-exact",
          "[e2e][block_fusion]") {
  logging::configure("off", "");
  config cfg;
  // One output row per stripe: the expand rows of the first stripe, 3 x 20 x 16 =
  // 960 B, fit a 1 KiB input half; two rows would need 5 (1,600 B). The output buffer
  // (16 KiB) holds two 10 x 24 stripes, an expand line buffer of 3 rows x 20 x 96 and a
  // depthwise one of 10 x 96: 7,200 B.
  cfg.set("sram.output_kb", "16");
  cfg.set("sram.input_kb", "2");
  auto b = block(2);
  network_run r = simulate_network(cfg, b.network(), fused());
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  // 12 output rows of the strided block, one per stripe.
  CHECK(L[2].stats.tiles == 12);
  CHECK(L[0].stats.dram_write_bytes == 0);
  CHECK(L[1].stats.dram_write_bytes == 0);
  CHECK(L[2].stats.dram_write_bytes == 12u * 10 * 24);
}

TEST_CASE("block fusion: a chain that fits nowhere is not formed and the layers run "
          "alone",
          "[e2e][block_fusion]") {
  logging::configure("off", "");
  config cfg;
  // A chain keeps all its layers' constants in the weight buffer: expand 96 x (16 + 12)
  // = 2,688 B, depthwise 96 x (9 + 12) = 2,016 B, project 24 x (96 + 12) = 2,592 B. No
  // two of them fit a 2 KiB weight buffer (the layers alone tile by channels).
  cfg.set("sram.weight_kb", "2");
  auto b = block();
  network_run r = simulate_network(cfg, b.network(), fused());
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  // Unchained: every intermediate is written to DRAM.
  CHECK(L[0].stats.dram_write_bytes == 24u * 20 * 96);
  CHECK(L[1].stats.dram_write_bytes == 24u * 20 * 96);
}

TEST_CASE("block fusion: MobileNet-style depthwise/pointwise pairs and a residual add",
          "[e2e][block_fusion]") {
  logging::configure("off", "");
  config cfg;
  network_builder b("pairs", 16, 16, 8, 6);
  layer_spec conv;
  conv.op = DWVP_OP_CONV2D;
  conv.kernel_h = conv.kernel_w = 3;
  conv.stride = 2;
  conv.out_c = 16;
  int c = b.add("conv", conv);
  layer_spec dw;
  dw.op = DWVP_OP_DEPTHWISE;
  dw.kernel_h = dw.kernel_w = 3;
  dw.mapping = DWVP_MAP_CHANNEL_MVM;
  dw.input = c;
  int d = b.add("dw", dw);
  layer_spec pw;
  pw.op = DWVP_OP_POINTWISE;
  pw.out_c = 16;
  pw.input = d;
  int p = b.add("pw", pw);
  layer_spec add;
  add.op = DWVP_OP_ADD;
  add.input = p;
  add.aux_input = c; // the residual: conv's output has two readers, so it ends a chain
  b.add("add", add);
  network_run r = simulate_network(cfg, b.network(), fused());
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  CHECK(L[0].stats.dram_write_bytes == 8u * 8 * 16); // conv alone: read twice later
  CHECK(L[1].stats.dram_write_bytes == 0);           // dw -> pw chained
  CHECK(L[2].stats.dram_write_bytes == 8u * 8 * 16);
}

TEST_CASE("block fusion: column strips where a whole-width stripe does not fit, "
          "bit-exact",
          "[e2e][block_fusion]") {
  logging::configure("off", "");
  config cfg;
  // 4 KiB of output buffer. One whole-width row of the block needs two 20 x 24 output
  // stripes (960 B), an expand line buffer of 3 rows x 20 x 96 (5,760 B) and a
  // depthwise row of 20 x 96 (1,920 B): 8,640 B. Strips of 10 columns read 11 expand
  // columns: 480 + 3 x 11 x 96 + 10 x 96 = 4,608 B. Strips of 5 read at most 7: one row
  // needs 240 + 3 x 7 x 96 + 5 x 96 = 2,736 B, which fits; two rows 480 + 4 x 7 x 96 +
  // 2 x 5 x 96 = 4,128 B do not.
  cfg.set("sram.output_kb", "4");
  auto b = block();
  network_run r = simulate_network(cfg, b.network(), fused());
  INFO(r.result.error << " " << r.first_mismatch);
  REQUIRE(r.bit_exact);
  const auto& L = r.result.layers;
  // 4 strips of 5 columns x 24 one-row stripes, each computing the project layer.
  CHECK(L[2].stats.tiles == 96);
  CHECK(L[0].stats.dram_write_bytes == 0);
  CHECK(L[1].stats.dram_write_bytes == 0);
  CHECK(L[2].stats.dram_write_bytes == 11520);
  // The input is read once per strip with its halo columns: strips [0,5), [5,10),
  // [10,15), [15,20) of the output read expand columns [0,6), [4,11), [9,16), [14,20):
  // 6 + 7 + 7 + 6 = 26 of 20 columns, each 24 rows x 16 channels.
  CHECK(L[0].stats.dram_read_bytes == 26u * 24 * 16 + 2688 + 128);
}
