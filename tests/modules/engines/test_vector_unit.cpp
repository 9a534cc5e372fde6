// vector_unit on its own, out of the vector memory: vector-mapped depthwise tiles
// (KxK, 1xK, more channels than lanes) equal golden in the timing model's cycles.
#include "engine_bench.h"

using namespace dwvp::test;

TEST_CASE("engines: vector_unit depthwise tiles equal golden", "[modules][engines][vector]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  const std::vector<std::pair<std::string, layer_case>> layers = {
      {"vector depthwise 3x3 s2",
       weighted_layer(31, DWVP_OP_DEPTHWISE, {7, 7, 3, 3, 2, 2, 1, 1, 1, 1}, 10, 0,
                      DWVP_MAP_VECTOR)},
      {"vector 1x3, 40 channels",
       weighted_layer(32, DWVP_OP_DW_1XK, {3, 8, 1, 3, 1, 1, 0, 1, 0, 1}, 40, 0,
                      DWVP_MAP_VECTOR)},
      {"vector 5x1 LUT",
       weighted_layer(33, DWVP_OP_DW_KX1, {6, 3, 5, 1, 1, 1, 2, 0, 2, 0}, 7, 0,
                      DWVP_MAP_VECTOR, DWVP_DF_WS, DWVP_ACT_LUT)},
  };
  std::vector<outcome> outcomes;
  b.stim.set_body([&](stimulus& s) {
    for (const auto& l : layers)
      outcomes.push_back(execute(s, to_vector, l.first, l.second, in_vector_memory()));
  });
  run(b.stim);

  REQUIRE(outcomes.size() == layers.size());
  uint64_t cycles = 0, ppu = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    check_outcome(outcomes[i], layers[i].second, ep, 512, false);
    cycles += outcomes[i].c.cycles;
    ppu += outcomes[i].c.ppu_cycles;
  }
  // ceil(10 / 32) lane passes x 16 pixels x 9 taps + 4 pipeline stages.
  CHECK(outcomes[0].c.cycles == 1 * 16 * 9 + 4);
  CHECK(b.vec.busy_cycles() == cycles);
  CHECK(b.pp.requant_cycles() == ppu);
  CHECK(b.gemm.lent_cycles() == 0);
  // Operands came out of the vector memory only.
  CHECK(b.input.reads() == 0);
  CHECK(b.weight.reads() == 0);
  CHECK(b.vmem.reads() > 0);
}
