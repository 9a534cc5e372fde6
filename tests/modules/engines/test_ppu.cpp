// The PPU as a tile engine: residual add, average pools (strided, padded, global) and
// channel multiply equal golden in ceil(elements / lanes) cycles.
#include "engine_bench.h"

using namespace dwvp::test;

TEST_CASE("engines: ppu add average pool and channel multiply tiles equal golden", "[modules][engines][ppu]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  const std::vector<std::pair<std::string, layer_case>> layers = {
      {"add 3x5x7", add_layer(41, 3, 5, 7)},
      {"avg pool 2x2 s2", pool_layer(42, {6, 6, 2, 2, 2, 2}, 5)},
      {"avg pool 3x3 s1 padded", pool_layer(43, {4, 5, 3, 3, 1, 1, 1, 1, 1, 1}, 3)},
      {"global avg pool 5x5", pool_layer(44, {5, 5, 5, 5, 1, 1}, 9)},
      {"channel multiply 4x3x13", mul_layer(45, 4, 3, 13)},
  };
  std::vector<outcome> outcomes;
  b.stim.set_body([&](stimulus& s) {
    for (const auto& l : layers)
      outcomes.push_back(execute(s, to_ppu, l.first, l.second));
  });
  run(b.stim);

  REQUIRE(outcomes.size() == layers.size());
  uint64_t cycles = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    check_outcome(outcomes[i], layers[i].second, ep, 512, false);
    cycles += outcomes[i].c.cycles;
  }
  // Hand-worked: add 105 elements over 32 lanes; the 2x2 pool 3x3x5 outputs x 4 taps.
  CHECK(outcomes[0].c.cycles == 4);
  CHECK(outcomes[1].c.cycles == (45 * 4 + 31) / 32);
  CHECK(b.pp.busy_cycles() == cycles);
  CHECK(b.pp.tiles() == layers.size());
  CHECK(b.pp.requant_cycles() == 0);
}
