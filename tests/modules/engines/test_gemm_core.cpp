// gemm_core on its own: conv2d (OS and WS), pointwise with an activation table, fully
// connected and gemm_naive depthwise tiles computed from the buffers' bytes as the
// golden reference says, in the timing model's cycles; strided operand regions; the
// requantisation handed to the PPU; feed-bound timing on one-byte-wide buffers.
#include "engine_bench.h"

using namespace dwvp::test;

TEST_CASE("engines: gemm_core tiles equal golden in the timing model's cycles",
          "[modules][engines][gemm]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  const std::vector<std::pair<std::string, layer_case>> layers = {
      {"conv2d 3x3 SAME os",
       weighted_layer(1, DWVP_OP_CONV2D, {6, 5, 3, 3, 1, 1, 1, 1, 1, 1}, 3, 4)},
      {"conv2d 3x3 s2 ws",
       weighted_layer(2, DWVP_OP_CONV2D, {7, 7, 3, 3, 2, 2, 1, 1, 1, 1}, 5, 6,
                      DWVP_MAP_DEFAULT, DWVP_DF_WS)},
      {"pointwise LUT", weighted_layer(3, DWVP_OP_POINTWISE, {4, 4}, 16, 8,
                                       DWVP_MAP_DEFAULT, DWVP_DF_OS, DWVP_ACT_LUT)},
      {"fc", weighted_layer(4, DWVP_OP_FC, {1, 1}, 40, 10)},
      {"depthwise gemm_naive",
       weighted_layer(5, DWVP_OP_DEPTHWISE, {5, 5, 3, 3, 1, 1, 1, 1, 1, 1}, 6, 0,
                      DWVP_MAP_GEMM_NAIVE)},
  };
  std::vector<outcome> outcomes;
  b.stim.set_body([&](stimulus& s) {
    // The first with an annotated delay: the engine starts the tile after it.
    for (size_t i = 0; i < layers.size(); ++i)
      outcomes.push_back(execute(s, to_gemm, layers[i].first, layers[i].second, {},
                                 i == 0 ? ns(7) : SC_ZERO_TIME));
  });
  run(b.stim);

  REQUIRE(outcomes.size() == layers.size());
  uint64_t cycles = 0, ppu = 0, macs = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    check_outcome(outcomes[i], layers[i].second, ep, 512, false);
    cycles += outcomes[i].c.cycles;
    ppu += outcomes[i].c.ppu_cycles;
    macs += outcomes[i].c.macs;
  }
  // The first tile started after its annotated 7 ns; its outputs were complete
  // `cycles` later (the engine took the next tile when its last drain began).
  CHECK(outcomes[0].done_after == ns(7) + ns(1) * double(outcomes[0].c.cycles));
  CHECK(b.gemm.tiles() == layers.size());
  CHECK(b.gemm.busy_cycles() == cycles);
  CHECK(b.gemm.macs() == macs);
  // Requantisation went to the PPU, one occupancy message per tile.
  CHECK(b.pp.requant_cycles() == ppu);
  CHECK(ppu > 0);
  CHECK(b.pp.tiles() == 0);
  CHECK(b.gemm.lent_cycles() == 0);
}

TEST_CASE("engines: gemm_core reads and writes strided operand regions",
          "[modules][engines][gemm]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  const layer_case L = weighted_layer(6, DWVP_OP_POINTWISE, {3, 5}, 12, 7);
  // Input pixels 20 bytes apart (a channel slice of a wider tensor), outputs 11 apart.
  placement at;
  at.input = local_map::input_buffer + 4;
  at.in_pixel_stride = 20;
  at.output = local_map::output_buffer + 2;
  at.out_pixel_stride = 11;
  outcome o;
  std::vector<uint8_t> whole_output;
  b.stim.set_body([&](stimulus& s) {
    std::vector<uint8_t> sentinel(256, 0xa5);
    s.poke(to_mem, local_map::output_buffer, sentinel.data(), 256);
    o = execute(s, to_gemm, "strided pointwise", L, at);
    whole_output = s.peek(to_mem, local_map::output_buffer, 256);
  });
  run(b.stim);
  check_outcome(o, L, ep, 512, false);
  // Only out_c bytes of each 11-byte pixel were written.
  size_t changed = 0;
  for (size_t i = 0; i < whole_output.size(); ++i) {
    const bool inside = i >= 2 && i < 2 + 15 * 11 && (i - 2) % 11 < 7;
    if (!inside)
      CHECK(whole_output[i] == 0xa5);
    else
      ++changed;
  }
  CHECK(changed == 15 * 7);
}

TEST_CASE("engines: on one-byte-wide buffers the engines are feed-bound",
          "[modules][engines][gemm][vector][ppu]") {
  engine_params ep;
  ep.clock_period = ns(2);
  engine_bench b(narrow_sram(ns(2)), ep);
  const layer_case pw = weighted_layer(7, DWVP_OP_POINTWISE, {4, 4}, 16, 8);
  const layer_case conv =
      weighted_layer(8, DWVP_OP_CONV2D, {4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 4);
  const layer_case vdw = weighted_layer(
      9, DWVP_OP_DEPTHWISE, {6, 6, 3, 3, 2, 2, 1, 1, 0, 0}, 4, 0, DWVP_MAP_VECTOR);
  const layer_case mvm = weighted_layer(
      10, DWVP_OP_DEPTHWISE, {5, 5, 3, 3, 1, 1, 1, 1, 1, 1}, 3, 0, DWVP_MAP_CHANNEL_MVM);
  const layer_case add = add_layer(11, 2, 3, 4);
  std::vector<outcome> o;
  b.stim.set_body([&](stimulus& s) {
    o.push_back(execute(s, to_gemm, "pointwise", pw));
    o.push_back(execute(s, to_gemm, "conv2d", conv));
    o.push_back(execute(s, to_vector, "vector depthwise", vdw, in_vector_memory()));
    o.push_back(execute(s, to_dwc, "channel_mvm depthwise", mvm));
    o.push_back(execute(s, to_ppu, "add", add));
  });
  run(b.stim);
  REQUIRE(o.size() == 5);
  // One byte per cycle: the cycles are the operand bytes.
  check_outcome(o[0], pw, ep, 1, true);
  CHECK(o[0].c.cycles == 16 * 16 + 8 * 16 + 12 * 8);
  check_outcome(o[1], conv, ep, 1, true);
  check_outcome(o[2], vdw, ep, 1, true);
  check_outcome(o[3], mvm, ep, 1, true);
  check_outcome(o[4], add, ep, 1, true);
  CHECK(o[4].c.cycles == 2 * 24);
  CHECK(b.gemm.lent_cycles() == o[3].c.cycles);
}

// The feed bound is the operand bytes over the read port's width, however the
// operands are read. As of f9f70a3 tile_engine.cpp derived it from the summed SRAM
// access times rounded up with a 1e-6-cycle tolerance, while sram_buffer rounds each
// access to whole picoseconds: 33 strided 8-byte reads at 333.33 ps per byte came to
// 109 cycles instead of 108. Passes once the engine counts bytes
// (engine_params::feed_bytes_per_cycle).
TEST_CASE("engines: feed-bound cycles are the operand bytes over the width with strided "
          "reads",
          "[modules][engines][gemm]") {
  const engine_params ep; // 1 ns clock
  // Three bytes per cycle: 333.33 ps per byte, not a whole number of picoseconds.
  engine_bench b({4096, 3, 1, ns(1)}, ep);
  // 33 input pixels of 8 bytes, each read on its own (pixels 10 bytes apart): 264 bytes;
  // weights 24, bias 12, quantisation 24: 324 bytes = exactly 108 cycles.
  const layer_case L = weighted_layer(12, DWVP_OP_POINTWISE, {3, 11}, 8, 3);
  placement at;
  at.in_pixel_stride = 10;
  outcome o;
  b.stim.set_body(
      [&](stimulus& s) { o = execute(s, to_gemm, "strided pointwise", L, at); });
  run(b.stim);
  REQUIRE(feed_bytes(L) == 324);
  check_outcome(o, L, ep, 3, true);
  CHECK(o.c.cycles == 108);
}
