// The VCD written by --vcd says what happened: parsed with the project's own reader,
// its signals change at the simulated times the run reports.
#include "harness.h"
#include "logging.h"
#include "networks.h"
#include "soc.h"
#include "vcd_reader.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace dwvp;
using namespace dwvp::scenarios;

namespace {

struct edge {
  uint64_t rise, fall;
};

// High intervals of a 1-bit signal.
std::vector<edge> high_intervals(const test::vcd_file& vcd, const std::string& name) {
  std::vector<edge> out;
  bool high = false;
  uint64_t since = 0;
  for (const auto& ch : vcd.changes_of(name)) {
    if (ch.value == "1" && !high) {
      high = true;
      since = ch.time;
    } else if (ch.value == "0" && high) {
      high = false;
      out.push_back({since, ch.time});
    }
  }
  return out;
}

} // namespace

TEST_CASE("VCD signals change at the simulated times the run reports", "[vcd][e2e]") {
  logging::configure("off", "");
  const auto path =
      (std::filesystem::temp_directory_path() / "dwvp_test_vcd_trace.vcd").string();
  std::remove(path.c_str());
  config cfg;
  const std::vector<pointwise_shape> shapes = {
      {6, 6, 40, 24}, {6, 6, 24, 9}, {6, 6, 9, 50}};
  auto net = make_pointwise_chain(shapes, 2, DWVP_DF_OS);
  network_run run = simulate_network(cfg, net, path);
  REQUIRE(run.bit_exact);

  test::vcd_file vcd = test::parse_vcd_file(path);
  CHECK(vcd.timescale_fs == 1000); // 1 ps
  for (const char* name :
       {"soc.irq", "soc.accel.busy", "soc.accel.gemm_busy", "soc.accel.dma_busy",
        "soc.accel.layer_id", "soc.accel.doorbell_count", "soc.accel.ring_head",
        "soc.host.fw_phase"})
    CHECK(vcd.find(std::string("SystemC.") + name) != nullptr);
  // The header's date is fixed so identical runs give identical files.
  CHECK(vcd.date == "(fixed for reproducible output)");
  // SystemC writes the final time at close: the end of the simulation.
  CHECK(vcd.end_time ==
        static_cast<uint64_t>(std::llround(run.simulated_seconds * 1e12)));

  const uint64_t ps_per_cycle = 1000; // 1 GHz
  const auto& layers = run.result.layers;

  // The doorbell is rung once; the clocked command processor starts fetching at the
  // first clock edge after it.
  const auto& doorbells = vcd.changes_of("soc.accel.doorbell_count");
  REQUIRE(doorbells.size() == 2); // initial 0, then 1
  CHECK(test::vcd_file::value_as_uint(doorbells[1].value) == 1);
  CHECK(layers[0].stats.start_cycle * ps_per_cycle ==
        (doorbells[1].time + ps_per_cycle - 1) / ps_per_cycle * ps_per_cycle);

  // One GEMM busy interval per layer, as long as its compute cycles, inside the layer.
  const auto gemm = high_intervals(vcd, "soc.accel.gemm_busy");
  REQUIRE(gemm.size() == shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    INFO("layer " << i);
    const auto& st = layers[i].stats;
    const uint64_t start = st.start_cycle * ps_per_cycle;
    const uint64_t end = (st.start_cycle + st.total_cycles) * ps_per_cycle;
    CHECK(gemm[i].fall - gemm[i].rise == st.compute_cycles * ps_per_cycle);
    CHECK(gemm[i].rise >= start);
    CHECK(gemm[i].fall <= end);
    auto id = vcd.value_at("soc.accel.layer_id", gemm[i].rise);
    REQUIRE(id.has_value());
    CHECK(test::vcd_file::value_as_uint(*id) == i);
  }

  // Busy covers the whole batch; the done interrupt rises as busy falls and is
  // cleared by the firmware before it returns.
  const auto busy = high_intervals(vcd, "soc.accel.busy");
  REQUIRE(busy.size() == 1);
  CHECK(busy[0].rise == layers[0].stats.start_cycle * ps_per_cycle);
  const auto irq = high_intervals(vcd, "soc.irq");
  REQUIRE(irq.size() == 1);
  CHECK(irq[0].rise == busy[0].fall);
  CHECK(irq[0].fall <= run.result.end_ns * 1000);
  CHECK(busy[0].fall >=
        (layers.back().stats.start_cycle + layers.back().stats.total_cycles) *
            ps_per_cycle);

  // DRAM rows opened while the run moved data: some bank's open row left -1 (closed).
  bool opened = false;
  for (int bank = 0; bank < 16; ++bank)
    for (const auto& ch : vcd.changes_of("soc.dram.open_row_bank" + std::to_string(bank)))
      opened = opened || ch.value.find('0') != std::string::npos ||
               (ch.value != "11111111111111111111111111111111");
  CHECK(opened);

  // The firmware phases go load (1) -> run (2) -> read back (3); the run phase begins
  // before the doorbell and read-back after the interrupt was serviced.
  std::vector<uint64_t> phases;
  for (const auto& ch : vcd.changes_of("soc.host.fw_phase"))
    phases.push_back(test::vcd_file::value_as_uint(ch.value));
  CHECK(phases == std::vector<uint64_t>{1, 2, 3});
  const auto& phase_changes = vcd.changes_of("soc.host.fw_phase");
  CHECK(phase_changes[1].time <= doorbells[1].time);
  CHECK(phase_changes[2].time >= irq[0].fall);
  std::remove(path.c_str());
}

TEST_CASE("an unwritable VCD path is a clear error", "[vcd]") {
  logging::configure("off", "");
  config cfg;
  auto net = make_pointwise_chain({{2, 2, 4, 4}}, 1);
  CHECK_THROWS_WITH(simulate_network(cfg, net, "/nonexistent-dir/x.vcd"),
                    Catch::Contains("/nonexistent-dir/x.vcd") &&
                        Catch::Contains("cannot create"));
}
