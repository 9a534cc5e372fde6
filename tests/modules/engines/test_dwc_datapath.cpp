// dwc_datapath on its own (borrowing the GEMM core's array through array_socket):
// channel-parallel MVM depthwise and ST-OS 1xK / Kx1 tiles equal golden, in the
// timing model's cycles; the array is lent for exactly those cycles.
#include "engine_bench.h"

using namespace dwvp::test;

TEST_CASE("engines: dwc_datapath channel_mvm and ST-OS tiles equal golden",
          "[modules][engines][dwc]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  const std::vector<std::pair<std::string, layer_case>> layers = {
      {"channel_mvm depthwise 3x3",
       weighted_layer(21, DWVP_OP_DEPTHWISE, {5, 6, 3, 3, 1, 1, 1, 1, 1, 1}, 8, 0,
                      DWVP_MAP_CHANNEL_MVM)},
      {"channel_mvm depthwise 5x5 s2, 40 channels",
       weighted_layer(22, DWVP_OP_DEPTHWISE, {7, 6, 5, 5, 2, 2, 2, 2, 2, 2}, 40, 0,
                      DWVP_MAP_CHANNEL_MVM, DWVP_DF_WS)},
      {"ST-OS 1x5",
       weighted_layer(23, DWVP_OP_DW_1XK, {4, 9, 1, 5, 1, 1, 0, 2, 0, 2}, 6, 0,
                      DWVP_MAP_DEFAULT, DWVP_DF_ST_OS)},
      {"ST-OS 3x1 s2",
       weighted_layer(24, DWVP_OP_DW_KX1, {9, 4, 3, 1, 2, 2, 1, 0, 1, 0}, 5, 0,
                      DWVP_MAP_DEFAULT, DWVP_DF_ST_OS)},
      {"channel_mvm 1x3",
       weighted_layer(25, DWVP_OP_DW_1XK, {3, 7, 1, 3, 1, 1, 0, 1, 0, 1}, 9, 0,
                      DWVP_MAP_CHANNEL_MVM)},
  };
  std::vector<outcome> outcomes;
  b.stim.set_body([&](stimulus& s) {
    for (const auto& l : layers)
      outcomes.push_back(execute(s, to_dwc, l.first, l.second));
  });
  run(b.stim);

  REQUIRE(outcomes.size() == layers.size());
  uint64_t cycles = 0, ppu = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    check_outcome(outcomes[i], layers[i].second, ep, 512, false);
    cycles += outcomes[i].c.cycles;
    ppu += outcomes[i].c.ppu_cycles;
  }
  CHECK(b.dwc.tiles() == layers.size());
  CHECK(b.dwc.busy_cycles() == cycles);
  // The array was lent for every DwC tile, and the GEMM core ran nothing itself.
  CHECK(b.gemm.lent_cycles() == cycles);
  CHECK(b.gemm.tiles() == 0);
  CHECK(b.pp.requant_cycles() == ppu);
}
