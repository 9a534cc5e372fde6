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
  const std::string a = "soc.accel.";
  for (const std::string& name :
       {std::string("soc.irq"), a + "cmd_proc.busy", a + "cmd_proc.layer_id",
        a + "cmd_proc.doorbell_count", a + "cmd_proc.ring_head", a + "cmd_proc.ring_tail",
        a + "cmd_proc.irq_status", a + "sequencer.tile", a + "sequencer.input_half",
        a + "dma.busy", a + "dma.bytes_in_flight", a + "gemm_core.busy",
        a + "dwc.busy", a + "vector_unit.busy", a + "ppu.busy", a + "ppu.requant_busy",
        std::string("soc.host.fw_phase")})
    CHECK(vcd.find("SystemC." + name) != nullptr);
  // The header's date is fixed so identical runs give identical files.
  CHECK(vcd.date == "(fixed for reproducible output)");
  // SystemC writes the final time at close: the end of the simulation.
  CHECK(vcd.end_time ==
        static_cast<uint64_t>(std::llround(run.simulated_seconds * 1e12)));

  const uint64_t ps_per_cycle = 1000; // 1 GHz
  const auto& layers = run.result.layers;

  // The doorbell is rung once; the clocked command processor starts fetching at the
  // first clock edge after it. The tail was written before the doorbell.
  const auto& doorbells = vcd.changes_of(a + "cmd_proc.doorbell_count");
  REQUIRE(doorbells.size() == 2); // initial 0, then 1
  CHECK(test::vcd_file::value_as_uint(doorbells[1].value) == 1);
  CHECK(layers[0].stats.start_cycle * ps_per_cycle ==
        (doorbells[1].time + ps_per_cycle - 1) / ps_per_cycle * ps_per_cycle);
  auto tail = vcd.value_at(a + "cmd_proc.ring_tail", doorbells[1].time);
  REQUIRE(tail.has_value());
  CHECK(test::vcd_file::value_as_uint(*tail) == shapes.size());

  // GEMM core busy intervals (one per tile) add up to each layer's compute cycles and
  // lie inside the layer; the layer id on the waveform is the layer's.
  const auto gemm = high_intervals(vcd, a + "gemm_core.busy");
  REQUIRE(gemm.size() >= shapes.size());
  const auto dma_busy = high_intervals(vcd, a + "dma.busy");
  REQUIRE(!dma_busy.empty());
  for (size_t i = 0; i < shapes.size(); ++i) {
    INFO("layer " << i);
    const auto& st = layers[i].stats;
    const uint64_t start = st.start_cycle * ps_per_cycle;
    const uint64_t end = (st.start_cycle + st.total_cycles) * ps_per_cycle;
    uint64_t busy_ps = 0;
    for (const edge& e : gemm)
      if (e.rise >= start && e.fall <= end) {
        busy_ps += e.fall - e.rise;
        auto id = vcd.value_at(a + "cmd_proc.layer_id", e.rise);
        REQUIRE(id.has_value());
        CHECK(test::vcd_file::value_as_uint(*id) == i);
      }
    CHECK(busy_ps == st.compute_cycles * ps_per_cycle);
    // The descriptor fetch is the layer's first DMA burst: the DMA turns busy exactly
    // as the layer starts, and is idle again before the layer ends.
    bool fetch_seen = false;
    for (const edge& e : dma_busy)
      fetch_seen = fetch_seen || e.rise == start;
    CHECK(fetch_seen);
    // (The stats record write may begin on the layer's last cycle boundary.)
    auto idle_at_end = vcd.value_at(a + "dma.busy", end - 1);
    REQUIRE(idle_at_end.has_value());
    CHECK(*idle_at_end == "0");
  }
  // Bytes in flight are non-zero exactly while the DMA is busy, at burst times: never
  // more than the outstanding window of bursts per transfer stream allows, and back to
  // zero at the end.
  uint64_t peak = 0;
  for (const auto& ch : vcd.changes_of(a + "dma.bytes_in_flight")) {
    const uint64_t bytes = test::vcd_file::value_as_uint(ch.value);
    peak = std::max(peak, bytes);
    auto busy = vcd.value_at(a + "dma.busy", ch.time);
    REQUIRE(busy.has_value());
    CHECK((*busy == "1") == (bytes > 0));
  }
  CHECK(peak > 0);
  CHECK(test::vcd_file::value_as_uint(
            vcd.changes_of(a + "dma.bytes_in_flight").back().value) == 0);

  // Busy covers the whole batch; the done interrupt rises as busy falls and is
  // cleared by the firmware before it returns. IRQ status shows the DONE bit meanwhile.
  const auto busy = high_intervals(vcd, a + "cmd_proc.busy");
  REQUIRE(busy.size() == 1);
  CHECK(busy[0].rise == layers[0].stats.start_cycle * ps_per_cycle);
  const auto irq = high_intervals(vcd, "soc.irq");
  REQUIRE(irq.size() == 1);
  CHECK(irq[0].rise == busy[0].fall);
  CHECK(irq[0].fall <= run.result.end_ns * 1000);
  CHECK(busy[0].fall >=
        (layers.back().stats.start_cycle + layers.back().stats.total_cycles) *
            ps_per_cycle);
  auto status = vcd.value_at(a + "cmd_proc.irq_status", irq[0].rise);
  REQUIRE(status.has_value());
  CHECK((test::vcd_file::value_as_uint(*status) & DWVP_IRQ_DONE) != 0);
  auto head = vcd.value_at(a + "cmd_proc.ring_head", busy[0].fall);
  REQUIRE(head.has_value());
  CHECK(test::vcd_file::value_as_uint(*head) == shapes.size());

  // DRAM banks: closed is high impedance, an open row a number. While the accelerator
  // runs, only its DMA uses DRAM: every row opens (ACT) while a burst is in flight, at
  // the activate's own time.
  const uint64_t run_start = layers.front().stats.start_cycle * ps_per_cycle;
  const uint64_t run_end =
      (layers.back().stats.start_cycle + layers.back().stats.total_cycles) * ps_per_cycle;
  size_t opens = 0, opens_in_run = 0;
  for (int bank = 0; bank < 16; ++bank) {
    const auto& changes = vcd.changes_of("soc.dram.open_row_bank" + std::to_string(bank));
    REQUIRE(!changes.empty());
    CHECK(changes.front().time == 0);
    CHECK(changes.front().value.find_first_not_of('z') == std::string::npos);
    for (size_t k = 1; k < changes.size(); ++k) {
      if (changes[k].value.find('z') != std::string::npos)
        continue;
      ++opens; // the host's loads open rows too, before the run
      if (changes[k].time < run_start || changes[k].time >= run_end)
        continue;
      ++opens_in_run;
      auto dma = vcd.value_at(a + "dma.busy", changes[k].time);
      REQUIRE(dma.has_value());
      CHECK(*dma == "1");
    }
  }
  CHECK(opens > 0);
  INFO(opens_in_run << " rows opened while the accelerator ran");

  // The GTKWave save file beside the VCD groups the signals by module.
  const std::string gtkw = path.substr(0, path.size() - 4) + ".gtkw";
  std::ifstream gtkw_file(gtkw);
  REQUIRE(gtkw_file.good());
  std::stringstream gtkw_text;
  gtkw_text << gtkw_file.rdbuf();
  for (const char* group : {"-cmd_proc", "-dma", "-gemm_core", "-sequencer", "-dram"})
    CHECK(gtkw_text.str().find(std::string("@800200\n") + group + "\n") !=
          std::string::npos);
  CHECK(gtkw_text.str().find("SystemC.soc.accel.dma.bytes_in_flight[31:0]") !=
        std::string::npos);
  std::remove(gtkw.c_str());

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
                        Catch::Contains("cannot write the VCD trace") &&
                        Catch::Contains("folder /nonexistent-dir does not exist"));
}
