// The engines' activity on a VCD read back with tests/support/vcd_reader: busy high
// for exactly each tile's cycles, the GEMM array busy while the DwC datapath borrows
// it, and the PPU's requantisation level at its own (posted) times.
#include "engine_bench.h"
#include "vcd_reader.h"

#include <cstdio>

using namespace dwvp::test;

TEST_CASE("engines: busy signals on the VCD span each tile's cycles",
          "[modules][engines][vcd]") {
  const engine_params ep;
  engine_bench b(wide_sram(), ep);
  b.events.enable();
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file("module_engines_busy");
  b.gemm.trace(tf);
  b.dwc.trace(tf);
  b.pp.trace(tf);
  const layer_case pw = weighted_layer(71, DWVP_OP_POINTWISE, {4, 4}, 16, 8);
  const layer_case mvm = weighted_layer(
      72, DWVP_OP_DEPTHWISE, {5, 6, 3, 3, 1, 1, 1, 1, 1, 1}, 8, 0, DWVP_MAP_CHANNEL_MVM);
  outcome o1, o2;
  sc_time t1;
  b.stim.set_body([&](stimulus& s) {
    o1 = execute(s, to_gemm, "pointwise", pw);
    // 10 ns after its outputs are complete (its drain may outlast the call).
    sc_core::wait(o1.c.done - sc_core::sc_time_stamp() + ns(10));
    t1 = sc_core::sc_time_stamp();
    o2 = execute(s, to_dwc, "channel_mvm", mvm);
    sc_core::wait(ns(100));
  });
  run(b.stim);
  sc_core::sc_close_vcd_trace_file(tf);
  check_outcome(o1, pw, ep, 512, false);
  check_outcome(o2, mvm, ep, 512, false);

  const vcd_file vcd = parse_vcd_file("module_engines_busy.vcd");
  REQUIRE(vcd.timescale_fs > 0);
  const double per_ns = 1e6 / double(vcd.timescale_fs);
  auto at = [&](const char* name, double t_ns) {
    const auto v = vcd.value_at(name, static_cast<uint64_t>(t_ns * per_ns));
    return v ? vcd_file::value_as_uint(*v) : 0;
  };
  const double c1 = double(o1.c.cycles), c2 = double(o2.c.cycles);
  const double s2 = t1.to_seconds() * 1e9;
  REQUIRE(o1.c.ppu_cycles < o1.c.cycles);
  REQUIRE(o2.c.ppu_cycles < o2.c.cycles);
  // GEMM core: its own tile, then nothing.
  CHECK(at("gemm_core.busy", 0.5) == 1);
  CHECK(at("gemm_core.busy", c1 - 0.5) == 1);
  CHECK(at("gemm_core.busy", c1 + 0.5) == 0);
  CHECK(at("gemm_core.busy", s2 + 1) == 0);
  // Its array: busy for its own tile and while lent to the DwC datapath.
  CHECK(at("gemm_core.array_busy", 0.5) == 1);
  CHECK(at("gemm_core.array_busy", c1 + 0.5) == 0);
  CHECK(at("gemm_core.array_busy", s2 + 0.5) == 1);
  CHECK(at("gemm_core.array_busy", s2 + c2 - 0.5) == 1);
  CHECK(at("gemm_core.array_busy", s2 + c2 + 0.5) == 0);
  // DwC datapath: its tile only.
  CHECK(at("dwc.busy", c1 - 0.5) == 0);
  CHECK(at("dwc.busy", s2 + 0.5) == 1);
  CHECK(at("dwc.busy", s2 + c2 - 0.5) == 1);
  CHECK(at("dwc.busy", s2 + c2 + 0.5) == 0);
  // PPU: requantising for ppu_cycles from each tile's start; its own engine idle.
  CHECK(at("ppu.requant_busy", 0.5) == 1);
  CHECK(at("ppu.requant_busy", double(o1.c.ppu_cycles) - 0.5) == 1);
  CHECK(at("ppu.requant_busy", double(o1.c.ppu_cycles) + 0.5) == 0);
  CHECK(at("ppu.requant_busy", s2 + 0.5) == 1);
  CHECK(at("ppu.requant_busy", s2 + double(o2.c.ppu_cycles) + 0.5) == 0);
  CHECK(vcd.changes_of("ppu.busy").size() <= 1); // never raised
  std::remove("module_engines_busy.vcd");
}
