// Device protection on the full SoC (issue 13), through the HAL and the driver: a DMA
// window may cover only DRAM (so the DMA never reaches the register block), window and
// ring registers are locked while a layer runs (bus errors the HAL counts), a layer
// may not overwrite pending ring entries, a corrupted entry stops the runtime with the
// true count of layers run, the device watchdog, and the host's report of a firmware
// that never finishes (waiting forever, or spinning until sim.max_time_ms).
#include "platform_helpers.h"

#include "dwvp_driver.h"
#include "hal.h"
#include "runtime.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace dwvp::testing;
using Catch::Matchers::Contains;

namespace {

constexpr uint64_t k_timeout_ns = 10'000'000; // 10 ms simulated per interrupt wait
constexpr uint32_t k_region_a = k_dram + 0x100000;
constexpr uint32_t k_region_b = k_dram + 0x200000;
constexpr uint32_t k_region_c = k_dram + 0x300000;

uint32_t reg(uint32_t off) {
  return hal_mmio_read32(k_regs + off);
}
void set_reg(uint32_t off, uint32_t v) {
  hal_mmio_write32(k_regs + off, v);
}

// Runs in the firmware thread: CHECK, not REQUIRE (Catch's exception would escape the
// SC_THREAD).
void init(dwvp_dev& dev, uint32_t ring_entries = 8) {
  CHECK(dwvp_init(&dev, k_regs, k_ring, ring_entries, k_timeout_ns) == DWVP_OK);
  CHECK(dwvp_set_window(&dev, 0, k_dram, k_dram_size) == DWVP_OK);
}

// What one dwvp_run on a freshly initialised device saw. Runs in the firmware thread.
struct run_outcome {
  int rc = 99;
  dwvp_status st{};
  uint32_t layers_done = 99;
};
run_outcome init_and_run(const std::vector<dwvp_desc>& descs, uint32_t ring_entries = 8) {
  run_outcome r;
  dwvp_dev dev;
  init(dev, ring_entries);
  r.rc = dwvp_run(&dev, descs.data(), static_cast<uint32_t>(descs.size()), &r.st);
  r.layers_done = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
  return r;
}

std::vector<uint32_t> window_registers() {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
    v.push_back(reg(DWVP_REG_DMA_WIN_BASE(i)));
    v.push_back(reg(DWVP_REG_DMA_WIN_SIZE(i)));
  }
  return v;
}

} // namespace

TEST_CASE("device protection: a window over the register block is refused, so the DMA "
          "cannot write registers",
          "[platform][protection]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  // A 4-byte output, the size of a register write, aimed at window 2's SIZE register:
  // had the DMA reached the register block it would have opened a window.
  const pw_layer p = make_pw(1, 1, 4, 4, 61, k_region_a, DWVP_ACT_NONE);
  upload(top, p);
  dwvp_desc d = describe(p, 5);
  d.output_addr = k_regs + DWVP_REG_DMA_WIN_SIZE(2);
  d.stats_addr = 0;
  int window_rc = 99, rc = 99;
  uint32_t errors = 99;
  dwvp_status st{};
  std::vector<uint32_t> windows;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev);
    window_rc = dwvp_set_window(&dev, 1, k_regs, DWVP_ACCEL_REGS_SIZE);
    errors = hal_bus_errors();
    rc = dwvp_run(&dev, &d, 1, &st);
    windows = window_registers();
    return 0;
  });
  REQUIRE(top.run());
  CHECK(window_rc == DWVP_E_BUS);
  CHECK(errors == 1); // the SIZE write; the base alone (window disabled) is harmless
  CHECK(rc == DWVP_E_DEVICE);
  CHECK(st.error_code == DWVP_ERR_ADDR_WINDOW);
  CHECK(st.error_field == DWVP_FIELD_OUTPUT_ADDR);
  CHECK(st.error_layer == 5);
  const std::vector<uint32_t> want = {k_dram, k_dram_size, k_regs, 0, 0, 0, 0, 0};
  CHECK(windows == want);
  CHECK(top.host.bus_errors() == 1);
}

TEST_CASE("device protection: window and ring registers give bus errors while a layer "
          "runs",
          "[platform][protection]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const pw_layer p = make_pw(28, 28, 64, 64, 62, k_region_a); // a few thousand cycles
  upload(top, p);
  const dwvp_desc d = describe(p, 9);
  uint32_t busy = 0, errors_before = 0, errors_during = 0, errors_after = 0;
  std::vector<uint32_t> windows_during, ring_during;
  int woke = 99, window_after = 99;
  uint32_t irq_status = 0, head = 99;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev);
    hal_mem_write(k_ring, &d, sizeof d);
    set_reg(DWVP_REG_RING_TAIL, 1);
    set_reg(DWVP_REG_DOORBELL, 1);
    errors_before = hal_bus_errors();
    busy = reg(DWVP_REG_STATUS) & DWVP_STATUS_BUSY;
    // Each a bus error; values the device would take when idle.
    set_reg(DWVP_REG_DMA_WIN_SIZE(0), 0x1000);
    set_reg(DWVP_REG_DMA_WIN_BASE(1), k_region_b);
    set_reg(DWVP_REG_DMA_WIN_SIZE(1), 0x1000);
    set_reg(DWVP_REG_RING_BASE, k_region_c);
    set_reg(DWVP_REG_RING_SIZE, 4);
    errors_during = hal_bus_errors();
    windows_during = window_registers();
    ring_during = {reg(DWVP_REG_RING_BASE), reg(DWVP_REG_RING_SIZE)};
    woke = hal_wait_irq(k_timeout_ns);
    irq_status = reg(DWVP_REG_IRQ_STATUS);
    head = reg(DWVP_REG_RING_HEAD);
    window_after = dwvp_set_window(&dev, 1, k_region_b, 0x1000);
    errors_after = hal_bus_errors();
    return 0;
  });
  REQUIRE(top.run());
  CHECK(busy == DWVP_STATUS_BUSY);
  CHECK(errors_before == 0);
  CHECK(errors_during == 5);
  CHECK(windows_during == std::vector<uint32_t>{k_dram, k_dram_size, 0, 0, 0, 0, 0, 0});
  CHECK(ring_during == std::vector<uint32_t>{k_ring, 8});
  // The layer ran on what it was checked against, and finished.
  CHECK(woke == 0);
  CHECK(irq_status == DWVP_IRQ_DONE);
  CHECK(head == 1);
  CHECK(read_back(top, p.output_addr(), p.output_bytes()) == p.expected);
  // Idle again: the same kind of write is taken.
  CHECK(window_after == DWVP_OK);
  CHECK(errors_after == 5);
}

TEST_CASE("device protection: a layer whose output would overwrite pending ring entries "
          "is refused",
          "[platform][protection]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const pw_layer a = make_pw(4, 4, 16, 8, 63, k_region_a);
  const pw_layer b = make_pw(4, 4, 16, 8, 64, k_region_b);
  const pw_layer c = make_pw(4, 4, 16, 8, 65, k_region_c);
  for (const pw_layer* p : {&a, &b, &c})
    upload(top, *p);
  std::vector<dwvp_desc> descs = {describe(a, 20), describe(b, 21), describe(c, 22)};
  descs[1].output_addr = k_ring + 2 * DWVP_DESC_SIZE; // onto c's pending entry
  run_outcome r;
  top.host.set_program([&] {
    r = init_and_run(descs);
    return 0;
  });
  REQUIRE(top.run());
  const dwvp_status& st = r.st;
  CHECK(r.rc == DWVP_E_DEVICE);
  CHECK(st.error_code == DWVP_ERR_RING_OVERLAP);
  CHECK(st.error_field == DWVP_FIELD_OUTPUT_ADDR);
  CHECK(st.error_layer == 21);
  CHECK(st.error_index == 1);
  CHECK(st.completed == 1);
  CHECK(r.layers_done == 1);
  // c's entry is intact: the device never wrote into the ring.
  CHECK(std::memcmp(backdoor(top, k_ring + 2 * DWVP_DESC_SIZE), &descs[2],
                    DWVP_DESC_SIZE) == 0);
  CHECK(read_back(top, a.output_addr(), a.output_bytes()) == a.expected);
  CHECK(untouched(top, b.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

TEST_CASE("device protection: the driver counts layers from the ring index across "
          "batches",
          "[platform][protection]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  // Ring of 4: batches of 3 (slots 0-2, then 3, 0, 1). The fifth descriptor, in slot 0
  // of the second batch, has a bad magic and a garbage layer_id.
  const pw_layer p = make_pw(4, 4, 16, 8, 66, k_region_a);
  upload(top, p);
  std::vector<dwvp_desc> descs;
  for (uint16_t i = 0; i < 6; ++i)
    descs.push_back(describe(p, static_cast<uint16_t>(100 + i)));
  descs[4].magic = 0xBAD0;
  descs[4].layer_id = 0x7777;
  run_outcome r;
  top.host.set_program([&] {
    r = init_and_run(descs, 4);
    return 0;
  });
  REQUIRE(top.run());
  CHECK(r.rc == DWVP_E_DEVICE);
  CHECK(r.st.error_code == DWVP_ERR_BAD_MAGIC);
  CHECK(r.st.error_layer == DWVP_ERR_LAYER_UNKNOWN);
  CHECK(r.st.error_index == 0);
  CHECK(r.st.completed == 4);
}

TEST_CASE("device protection: a corrupted ring entry stops the runtime with the true "
          "count of layers run",
          "[platform][protection]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const dwvp::runtime::network net = dwvp::scenarios::make_pointwise_chain(
      {{4, 4, 16, 16}, {4, 4, 16, 16}, {4, 4, 16, 16}, {4, 4, 16, 16}}, 67);
  // Another master scribbles over ring entry 2 (layer 2's descriptor) while layer 0
  // runs: the runtime's ring is at the start of DRAM.
  int starts = 0;
  top.accelerator.on_layer_start([&] {
    if (starts++ == 0) {
      dwvp_desc garbage{};
      std::memset(&garbage, 0x77, sizeof garbage);
      std::memcpy(backdoor(top, k_dram + 2 * DWVP_DESC_SIZE), &garbage, sizeof garbage);
    }
  });
  dwvp::runtime::run_result result;
  top.host.set_program([&] {
    result = dwvp::runtime::run_network(net, dwvp::runtime::options{});
    return 0;
  });
  REQUIRE(top.run());
  CHECK(result.driver_status == DWVP_E_DEVICE);
  CHECK(result.device.error_code == DWVP_ERR_BAD_MAGIC);
  CHECK(result.device.error_layer == DWVP_ERR_LAYER_UNKNOWN); // not 0x7777
  CHECK(result.device.completed == 2);
  CHECK(result.layers.size() == 2); // layers 0 and 1 ran and were read back
  CHECK_THAT(result.error, Contains("bad_magic in field magic of layer 2"));
  const auto golden = dwvp::scenarios::golden_outputs(net);
  REQUIRE(result.layers.size() == 2);
  CHECK(result.layers[1].output == golden[1]);
}

TEST_CASE("device protection: the watchdog stops a descriptor over its cycle budget",
          "[platform][protection]") {
  quiet_logs();
  dwvp::config cfg;
  cfg.set("accel.watchdog_cycles", "5000", "test");
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer small = make_pw(4, 4, 16, 8, 68, k_region_a);
  const pw_layer big = make_pw(28, 28, 128, 128, 69, k_region_b); // ~12,500 cycles
  upload(top, small);
  upload(top, big);
  const std::vector<dwvp_desc> descs = {describe(small, 1), describe(big, 2)};
  std::vector<sc_core::sc_time> starts;
  top.accelerator.on_layer_start([&] { starts.push_back(sc_core::sc_time_stamp()); });
  int rc = 99, rc_again = 99;
  dwvp_status st{};
  uint32_t head = 99, layers_done = 99;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev);
    rc = dwvp_run(&dev, descs.data(), 2, &st);
    head = reg(DWVP_REG_RING_HEAD);
    layers_done = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
    // As after any device error: re-initialise, and the device works again.
    init(dev);
    rc_again = dwvp_run(&dev, descs.data(), 1, nullptr);
    return 0;
  });
  REQUIRE(top.run());
  CHECK(rc == DWVP_E_DEVICE);
  CHECK(st.error_code == DWVP_ERR_TIMEOUT);
  CHECK(st.error_layer == 2);
  CHECK(st.error_field == DWVP_FIELD_NONE);
  CHECK(st.error_index == 1);
  CHECK(st.completed == 1);
  CHECK(head == 1);
  CHECK(layers_done == 1);
  // The interrupt came at the budget's end, counted from the big layer's fetch (1 GHz).
  REQUIRE(starts.size() >= 2);
  CHECK(mon.first_rise - starts[1] == sc_core::sc_time(5000, sc_core::SC_NS));
  CHECK(untouched(top, big.stats_addr(), DWVP_LAYER_STATS_SIZE));
  CHECK(read_back(top, small.output_addr(), small.output_bytes()) == small.expected);
  CHECK(rc_again == DWVP_OK);
}

TEST_CASE("host: a firmware waiting forever is reported as not finished",
          "[platform][protection][host]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev);
    hal_wait_irq(0); // no doorbell: nothing will ever raise the line
    return 0;
  });
  CHECK_FALSE(top.run());
  CHECK_FALSE(top.host.finished());
  CHECK(top.host.exit_code() == -1);
  CHECK_THAT(top.host.failure(),
             Contains("firmware did not finish: waiting for the interrupt since") &&
                 Contains("(no timeout)") && Contains("no event was left to simulate"));
}

TEST_CASE("host: a firmware spinning on a register ends at sim.max_time_ms",
          "[platform][protection][host]") {
  quiet_logs();
  dwvp::config cfg;
  cfg.set("sim.max_time_ms", "1", "test");
  dwvp::soc top("soc", cfg);
  top.host.set_program([&] {
    hal_set_phase(2);
    for (;;)
      if (reg(DWVP_REG_STATUS) & DWVP_STATUS_ERROR)
        return 1; // never: nothing was started
  });
  CHECK_FALSE(top.run());
  CHECK_FALSE(top.host.finished());
  // Stopped at the limit: the last event before 1 ms ran, none after it.
  CHECK(sc_core::sc_time_stamp() <= sc_core::sc_time(1, sc_core::SC_MS));
  CHECK(sc_core::sc_time_stamp() > sc_core::sc_time(999, sc_core::SC_US));
  CHECK_THAT(top.host.failure(),
             Contains("firmware did not finish: still running (last bus access at") &&
                 Contains("phase 2") &&
                 Contains("the run reached its time limit (sim.max_time_ms = 1 ms)"));
}
