// What the engines refuse: a tile for another engine, or a payload that is not a
// tile_command, gets TLM_COMMAND_ERROR_RESPONSE; bad quantisation data, an operand on
// no buffer or a combination without timing comes back in tile_command.error with the
// field named. A refused or failed tile takes no time and writes no output.
#include "engine_bench.h"

using namespace dwvp::test;

TEST_CASE("engines: a tile for another engine gets TLM_COMMAND_ERROR_RESPONSE",
          "[modules][engines][errors]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  const layer_case pw = weighted_layer(51, DWVP_OP_POINTWISE, {2, 2}, 4, 4);
  const layer_case conv =
      weighted_layer(52, DWVP_OP_CONV2D, {3, 3, 3, 3, 1, 1, 1, 1, 1, 1}, 2, 2);
  const layer_case mvm = weighted_layer(53, DWVP_OP_DEPTHWISE,
                                        {3, 3, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 0,
                                        DWVP_MAP_CHANNEL_MVM);
  const layer_case vdw = weighted_layer(54, DWVP_OP_DEPTHWISE,
                                        {3, 3, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 0,
                                        DWVP_MAP_VECTOR);
  const layer_case naive = weighted_layer(55, DWVP_OP_DEPTHWISE,
                                          {3, 3, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 0,
                                          DWVP_MAP_GEMM_NAIVE);
  const layer_case stos = weighted_layer(56, DWVP_OP_DW_1XK, {2, 6, 1, 3, 1, 1, 0, 1, 0, 1},
                                         4, 0, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS);
  const layer_case add = add_layer(57, 2, 2, 4);
  const layer_case pool = pool_layer(58, {4, 4, 2, 2, 2, 2}, 4);
  struct wrong {
    std::string what;
    unsigned port;
    const layer_case* layer;
  };
  const std::vector<wrong> cases = {
      {"pointwise to the vector unit", to_vector, &pw},
      {"pointwise to the DwC datapath", to_dwc, &pw},
      {"pointwise to the PPU", to_ppu, &pw},
      {"conv2d to the vector unit", to_vector, &conv},
      {"channel_mvm depthwise to the GEMM core", to_gemm, &mvm},
      {"channel_mvm depthwise to the vector unit", to_vector, &mvm},
      {"vector depthwise to the GEMM core", to_gemm, &vdw},
      {"vector depthwise to the DwC datapath", to_dwc, &vdw},
      {"gemm_naive depthwise to the DwC datapath", to_dwc, &naive},
      {"gemm_naive depthwise to the vector unit", to_vector, &naive},
      {"ST-OS 1xK to the GEMM core", to_gemm, &stos},
      {"ST-OS 1xK to the vector unit", to_vector, &stos},
      {"add to the GEMM core", to_gemm, &add},
      {"add to the vector unit", to_vector, &add},
      {"average pool to the DwC datapath", to_dwc, &pool},
  };
  std::vector<outcome> outcomes;
  std::vector<tlm::tlm_response_status> not_commands;
  b.stim.set_body([&](stimulus& s) {
    for (const wrong& w : cases)
      outcomes.push_back(execute(s, w.port, w.what, *w.layer));
    // Not a tile_command: too short, or a read.
    for (unsigned port : {to_gemm, to_dwc, to_vector, to_ppu}) {
      uint64_t word = 0;
      sc_time d;
      not_commands.push_back(s.write(port, 0, &word, 8, d));
      tile_command c = place(s, pw, {});
      not_commands.push_back(s.read(port, 0, &c, sizeof c, d));
    }
  });
  run(b.stim);

  REQUIRE(outcomes.size() == cases.size());
  for (const outcome& o : outcomes) {
    INFO(o.name);
    CHECK(o.status == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(o.took == SC_ZERO_TIME);
    CHECK(o.c.cycles == 0);
    for (int8_t v : o.out)
      REQUIRE(v == 0); // nothing written
  }
  for (auto st : not_commands)
    CHECK(st == tlm::TLM_COMMAND_ERROR_RESPONSE);
  for (const dwvp::models::tile_engine* e :
       std::initializer_list<const dwvp::models::tile_engine*>{&b.gemm, &b.dwc, &b.vec,
                                                               &b.pp})
    CHECK(e->tiles() == 0);
  // No operand was read.
  CHECK(b.input.reads() == 0);
  CHECK(b.weight.reads() == 0);
  CHECK(b.vmem.reads() == 0);
  CHECK(b.output.writes() == 0);
  CHECK(sc_core::sc_time_stamp() == SC_ZERO_TIME);
}

TEST_CASE("engines: bad quantisation data and unreachable operands come back as errors",
          "[modules][engines][errors]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  layer_case conv = weighted_layer(61, DWVP_OP_CONV2D, {4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, 3, 5);
  conv.shift[2] = 40; // outside -31..30
  layer_case mult = weighted_layer(62, DWVP_OP_POINTWISE, {2, 3}, 8, 4);
  mult.multiplier[1] = 5; // neither 0 nor in [2^30, 2^31)
  layer_case mvm = weighted_layer(63, DWVP_OP_DEPTHWISE, {4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, 6,
                                  0, DWVP_MAP_CHANNEL_MVM);
  mvm.shift[0] = 40;
  layer_case vdw = weighted_layer(64, DWVP_OP_DEPTHWISE, {4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, 6,
                                  0, DWVP_MAP_VECTOR);
  vdw.shift[5] = -40;
  const layer_case good = weighted_layer(65, DWVP_OP_POINTWISE, {2, 2}, 4, 4);
  // A KxK depthwise with the ST-OS dataflow reaches the DwC datapath but has no timing.
  const layer_case kxk_stos = weighted_layer(66, DWVP_OP_DEPTHWISE,
                                             {4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, 4, 0,
                                             DWVP_MAP_DEFAULT, DWVP_DF_ST_OS);

  std::vector<outcome> quant;
  outcome bad_weights, bad_output, bad_input, no_timing, after;
  b.stim.set_body([&](stimulus& s) {
    quant.push_back(execute(s, to_gemm, "conv2d shift 40", conv));
    quant.push_back(execute(s, to_gemm, "pointwise multiplier 5", mult));
    quant.push_back(execute(s, to_dwc, "channel_mvm shift 40", mvm));
    quant.push_back(execute(s, to_vector, "vector shift -40", vdw, in_vector_memory()));
    // Operands at an address no buffer holds.
    auto unreachable = [&](const char* what, auto edit) {
      outcome o;
      o.name = what;
      o.c = place(s, good, {});
      edit(o.c);
      const sc_time t0 = sc_core::sc_time_stamp();
      o.status = s.send(to_gemm, o.c);
      o.took = sc_core::sc_time_stamp() - t0;
      return o;
    };
    bad_weights = unreachable("weights", [](tile_command& c) { c.weight_addr = 0x7000'0000; });
    bad_input = unreachable("input", [](tile_command& c) { c.input.addr = 0x6000'0000; });
    bad_output =
        unreachable("output", [](tile_command& c) { c.output.addr = 0x7000'0000; });
    no_timing = execute(s, to_dwc, "KxK depthwise on ST-OS", kxk_stos);
    // The engine still works afterwards.
    after = execute(s, to_gemm, "good", good);
  });
  run(b.stim);

  REQUIRE(quant.size() == 4);
  for (const outcome& o : quant) {
    INFO(o.name);
    CHECK(o.status == tlm::TLM_OK_RESPONSE);
    CHECK(o.c.error == DWVP_ERR_BAD_FIELD);
    CHECK(o.c.field == DWVP_FIELD_QUANT_DATA);
    CHECK_FALSE(o.c.message.empty());
    CHECK(o.c.cycles == 0);
    CHECK(o.took == SC_ZERO_TIME);
    for (int8_t v : o.out)
      REQUIRE(v == 0);
  }
  CHECK(bad_weights.status == tlm::TLM_OK_RESPONSE);
  CHECK(bad_weights.c.error == DWVP_ERR_BUS);
  CHECK(bad_weights.c.field == DWVP_FIELD_WEIGHT_ADDR);
  CHECK(bad_input.c.error == DWVP_ERR_BUS);
  CHECK(bad_input.c.field == DWVP_FIELD_INPUT_ADDR);
  CHECK(bad_output.c.error == DWVP_ERR_BUS);
  CHECK(bad_output.c.field == DWVP_FIELD_OUTPUT_ADDR);
  for (const outcome* o : {&bad_weights, &bad_input, &bad_output})
    CHECK(o->took == SC_ZERO_TIME);
  CHECK(no_timing.status == tlm::TLM_OK_RESPONSE);
  CHECK(no_timing.c.error == DWVP_ERR_UNSUPPORTED);
  CHECK(no_timing.took == SC_ZERO_TIME);
  check_outcome(after, good, ep, 512, false);
  // Only the good tile counted.
  CHECK(b.gemm.tiles() == 1);
  CHECK(b.dwc.tiles() == 0);
  CHECK(b.vec.tiles() == 0);
}
