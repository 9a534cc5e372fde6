// Register block of the accelerator, seen from the host firmware through the HAL on the
// full SoC: reset values, read/write behaviour, soft reset, interrupt status/mask/clear,
// performance counters (values, LO/HI latching, clear) and the ring head.
//
// Expected values come from include/dwvp/regs.h and hand reasoning about the layers run.
#include "platform_helpers.h"

#include "dwvp_driver.h"
#include "hal.h"
#include "runtime.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <string>
#include <vector>

using namespace dwvp::testing;

namespace {

uint32_t reg(uint32_t off) {
  return hal_mmio_read32(k_regs + off);
}
void set_reg(uint32_t off, uint32_t v) {
  hal_mmio_write32(k_regs + off, v);
}

struct named_reg {
  const char* name;
  uint32_t offset;
  uint32_t reset;
};

// Every readable register and its reset value.
std::vector<named_reg> readable_registers() {
  std::vector<named_reg> r = {
      {"ID", DWVP_REG_ID, DWVP_ID_VALUE},
      {"VERSION", DWVP_REG_VERSION, DWVP_VERSION_VALUE},
      {"CTRL", DWVP_REG_CTRL, 0},
      {"STATUS", DWVP_REG_STATUS, 0},
      {"ERR_LAYER", DWVP_REG_ERR_LAYER, 0},
      {"ERR_FIELD", DWVP_REG_ERR_FIELD, 0},
      {"ERR_INDEX", DWVP_REG_ERR_INDEX, 0},
      {"IRQ_STATUS", DWVP_REG_IRQ_STATUS, 0},
      {"IRQ_MASK", DWVP_REG_IRQ_MASK, 0},
      {"RING_BASE", DWVP_REG_RING_BASE, 0},
      {"RING_SIZE", DWVP_REG_RING_SIZE, 0},
      {"RING_HEAD", DWVP_REG_RING_HEAD, 0},
      {"RING_TAIL", DWVP_REG_RING_TAIL, 0},
  };
  static const char* const win_names[] = {"DMA_WIN0", "DMA_WIN1", "DMA_WIN2", "DMA_WIN3"};
  for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
    r.push_back({win_names[i], DWVP_REG_DMA_WIN_BASE(i), 0});
    r.push_back({win_names[i], DWVP_REG_DMA_WIN_SIZE(i), 0});
  }
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n) {
    r.push_back({"PERF_LO", DWVP_REG_PERF_LO(n), 0});
    r.push_back({"PERF_HI", DWVP_REG_PERF_HI(n), 0});
  }
  return r;
}

std::array<uint64_t, DWVP_PERF_COUNT> read_perf() {
  std::array<uint64_t, DWVP_PERF_COUNT> c{};
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n) {
    uint64_t lo = reg(DWVP_REG_PERF_LO(n));
    uint64_t hi = reg(DWVP_REG_PERF_HI(n));
    c[n] = hi << 32 | lo;
  }
  return c;
}

// Writes descriptors into ring slots [0, n) over the bus, sets TAIL = n and rings.
void kick(const std::vector<dwvp_desc>& descs) {
  for (size_t i = 0; i < descs.size(); ++i)
    hal_mem_write(k_ring + static_cast<uint32_t>(i) * DWVP_DESC_SIZE, &descs[i],
                  DWVP_DESC_SIZE);
  set_reg(DWVP_REG_RING_TAIL, static_cast<uint32_t>(descs.size()));
  set_reg(DWVP_REG_DOORBELL, 1);
}

dwvp::runtime::options runtime_options() {
  dwvp::runtime::options opt;
  opt.timeout_ns = 10'000'000; // 10 ms of simulated time per interrupt
  return opt;
}

} // namespace

TEST_CASE("registers: every register has its reset value", "[platform][registers]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const auto regs = readable_registers();
  std::vector<uint32_t> values;
  uint32_t errors = 0;
  top.host.set_program([&] {
    for (const auto& r : regs)
      values.push_back(reg(r.offset));
    errors = hal_bus_errors();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(errors == 0);
  REQUIRE(values.size() == regs.size());
  for (size_t i = 0; i < regs.size(); ++i) {
    INFO(regs[i].name << " at 0x" << std::hex << regs[i].offset);
    CHECK(values[i] == regs[i].reset);
  }
  CHECK(values[0] == 0x44575650u); // "DWVP"
  CHECK(values[1] == 0x00010000u); // version 1.0
}

TEST_CASE("registers: read/write registers read back what was written",
          "[platform][registers]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  struct rw {
    uint32_t offset, written, expected;
  };
  // Distinct values everywhere, written first and read back afterwards, so that an
  // aliased register (two offsets sharing storage) shows up too.
  std::vector<rw> cases = {
      {DWVP_REG_IRQ_MASK, 0xFFFFFFFFu, DWVP_IRQ_ALL}, // only the defined bits stick
      {DWVP_REG_RING_BASE, 0x80001040u, 0x80001040u},
      {DWVP_REG_RING_SIZE, 17, 17},
      {DWVP_REG_RING_TAIL, 5, 5},
  };
  for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
    cases.push_back({DWVP_REG_DMA_WIN_BASE(i), 0x81000000u + 0x100000u * i,
                     0x81000000u + 0x100000u * i});
    cases.push_back({DWVP_REG_DMA_WIN_SIZE(i), 0x1000u * (i + 1), 0x1000u * (i + 1)});
  }
  std::vector<uint32_t> got;
  uint32_t ctrl_enable = 0, ctrl_other_bits = 0, ctrl_after_disable = 0;
  uint32_t mask_partial = 0, mask_zero = 0;
  uint32_t errors = 0;
  top.host.set_program([&] {
    for (const auto& c : cases)
      set_reg(c.offset, c.written);
    for (const auto& c : cases)
      got.push_back(reg(c.offset));
    // CTRL: only ENABLE reads back; SOFT_RESET is an action (tested separately).
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_ENABLE);
    ctrl_enable = reg(DWVP_REG_CTRL);
    set_reg(DWVP_REG_CTRL, ~(DWVP_CTRL_ENABLE | DWVP_CTRL_SOFT_RESET));
    ctrl_other_bits = reg(DWVP_REG_CTRL);
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_ENABLE);
    set_reg(DWVP_REG_CTRL, 0);
    ctrl_after_disable = reg(DWVP_REG_CTRL);
    set_reg(DWVP_REG_IRQ_MASK, DWVP_IRQ_ERROR | (1u << 7));
    mask_partial = reg(DWVP_REG_IRQ_MASK);
    set_reg(DWVP_REG_IRQ_MASK, 0);
    mask_zero = reg(DWVP_REG_IRQ_MASK);
    errors = hal_bus_errors();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(errors == 0);
  REQUIRE(got.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("offset 0x" << std::hex << cases[i].offset);
    CHECK(got[i] == cases[i].expected);
  }
  CHECK(ctrl_enable == DWVP_CTRL_ENABLE);
  CHECK(ctrl_other_bits == 0);
  CHECK(ctrl_after_disable == 0);
  CHECK(mask_partial == DWVP_IRQ_ERROR);
  CHECK(mask_zero == 0);
}

TEST_CASE("registers: soft reset restores the reset values of written registers",
          "[platform][registers]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const auto regs = readable_registers();
  std::vector<uint32_t> before, after;
  uint32_t errors = 0;
  top.host.set_program([&] {
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_ENABLE);
    set_reg(DWVP_REG_IRQ_MASK, DWVP_IRQ_ALL);
    set_reg(DWVP_REG_RING_BASE, 0x80000040u);
    set_reg(DWVP_REG_RING_SIZE, 8);
    set_reg(DWVP_REG_RING_TAIL, 0); // head == tail: no work
    for (uint32_t i = 0; i < DWVP_DMA_WINDOWS; ++i) {
      set_reg(DWVP_REG_DMA_WIN_BASE(i), 0x80000000u + 0x1000u * i);
      set_reg(DWVP_REG_DMA_WIN_SIZE(i), 0x1000u);
    }
    for (const auto& r : regs)
      before.push_back(reg(r.offset));
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_SOFT_RESET);
    for (const auto& r : regs)
      after.push_back(reg(r.offset));
    errors = hal_bus_errors();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(errors == 0);
  REQUIRE(after.size() == regs.size());
  // The writes took effect (so the reset had something to undo)...
  CHECK(before[2] == DWVP_CTRL_ENABLE);
  CHECK(before[8] == DWVP_IRQ_ALL);
  CHECK(before[10] == 8);
  // ... and the reset undid them; SOFT_RESET itself reads back 0.
  for (size_t i = 0; i < regs.size(); ++i) {
    INFO(regs[i].name << " at 0x" << std::hex << regs[i].offset);
    CHECK(after[i] == regs[i].reset);
  }
}

TEST_CASE("registers: soft reset after a run and an error clears status, head, IRQ and "
          "counters",
          "[platform][registers]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const pw_layer good = make_pw(2, 2, 8, 8, 11, k_dram + 0x100000);
  upload(top, good);
  dwvp_desc bad = describe(good, 9);
  bad.act_min = 100; // act_min > act_max: refused
  bad.act_max = 50;
  const auto regs = readable_registers();
  uint32_t status_before = 0, head_before = 0, irq_before = 0, layers_before = 0;
  int irq_wait = -2;
  std::vector<uint32_t> after;
  uint32_t errors = 0;
  top.host.set_program([&] {
    dwvp_dev dev;
    dwvp_init(&dev, k_regs, k_ring, 8, 0);
    dwvp_set_window(&dev, 0, k_dram, k_dram_size);
    kick({describe(good, 1), bad});
    irq_wait = hal_wait_irq(10'000'000);
    status_before = reg(DWVP_REG_STATUS);
    head_before = reg(DWVP_REG_RING_HEAD);
    irq_before = reg(DWVP_REG_IRQ_STATUS);
    layers_before = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_SOFT_RESET);
    for (const auto& r : regs)
      after.push_back(reg(r.offset));
    errors = hal_bus_errors();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(errors == 0);
  REQUIRE(irq_wait == 0);
  CHECK(status_before ==
        (DWVP_STATUS_ERROR | DWVP_ERR_BAD_FIELD << DWVP_STATUS_ERR_CODE_SHIFT));
  CHECK(head_before == 1);
  CHECK(irq_before == DWVP_IRQ_ERROR);
  CHECK(layers_before == 1);
  REQUIRE(after.size() == regs.size());
  for (size_t i = 0; i < regs.size(); ++i) {
    INFO(regs[i].name << " at 0x" << std::hex << regs[i].offset);
    CHECK(after[i] == regs[i].reset);
  }
  CHECK(top.irq.read() == false);
}

TEST_CASE("registers: IRQ_CLEAR is write-1-to-clear and IRQ_MASK gates the line",
          "[platform][registers]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const pw_layer layer = make_pw(2, 2, 8, 8, 12, k_dram + 0x100000);
  upload(top, layer);
  int woke = -2;
  uint32_t st_done_layer = 0, st_after_zero = 0, st_after_layer_clear = 0, st_final = 0;
  int line_done_masked_in = -2, line_only_layer_masked = -2, line_all_masked = -2,
      line_after_clear = -2, line_unmasked_none = -2;
  uint32_t errors = 0;
  top.host.set_program([&] {
    dwvp_dev dev;
    dwvp_init(&dev, k_regs, k_ring, 8, 0); // mask = DONE | ERROR
    dwvp_set_window(&dev, 0, k_dram, k_dram_size);
    kick({describe(layer, 3, DWVP_FLAG_IRQ)});
    woke = hal_wait_irq(10'000'000);
    st_done_layer = reg(DWVP_REG_IRQ_STATUS); // DONE and LAYER
    line_done_masked_in = hal_wait_irq(10);
    set_reg(DWVP_REG_IRQ_CLEAR, 0); // writing 0 clears nothing
    st_after_zero = reg(DWVP_REG_IRQ_STATUS);
    set_reg(DWVP_REG_IRQ_CLEAR, DWVP_IRQ_LAYER | DWVP_IRQ_ERROR); // ERROR is not set
    st_after_layer_clear = reg(DWVP_REG_IRQ_STATUS);
    set_reg(DWVP_REG_IRQ_MASK, DWVP_IRQ_LAYER); // DONE pending but masked
    line_only_layer_masked = hal_wait_irq(10);
    set_reg(DWVP_REG_IRQ_MASK, DWVP_IRQ_ALL);
    line_all_masked = hal_wait_irq(10);
    set_reg(DWVP_REG_IRQ_CLEAR, DWVP_IRQ_DONE);
    st_final = reg(DWVP_REG_IRQ_STATUS);
    line_after_clear = hal_wait_irq(10);
    set_reg(DWVP_REG_IRQ_MASK, 0);
    line_unmasked_none = hal_wait_irq(10);
    errors = hal_bus_errors();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(errors == 0);
  REQUIRE(woke == 0);
  CHECK(st_done_layer == (DWVP_IRQ_DONE | DWVP_IRQ_LAYER));
  CHECK(line_done_masked_in == 0);
  CHECK(st_after_zero == (DWVP_IRQ_DONE | DWVP_IRQ_LAYER));
  CHECK(st_after_layer_clear == DWVP_IRQ_DONE);
  CHECK(line_only_layer_masked == -1);
  CHECK(line_all_masked == 0);
  CHECK(st_final == 0);
  CHECK(line_after_clear == -1);
  CHECK(line_unmasked_none == -1);
}

TEST_CASE("registers: performance counters after a one-layer pointwise network",
          "[platform][registers][perf]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  // 4x4 pixels, 16 -> 8 channels.
  const auto net = dwvp::scenarios::make_pointwise_chain({{4, 4, 16, 8}}, 21);
  dwvp::runtime::run_result result;
  std::array<uint64_t, DWVP_PERF_COUNT> perf{}, after_ctrl_zero{}, after_clear{};
  uint32_t head = 0, tail = 0, errors = 0;
  top.host.set_program([&] {
    result = dwvp::runtime::run_network(net, runtime_options());
    perf = read_perf();
    head = reg(DWVP_REG_RING_HEAD);
    tail = reg(DWVP_REG_RING_TAIL);
    set_reg(DWVP_REG_PERF_CTRL, 0); // no CLEAR bit: nothing happens
    after_ctrl_zero = read_perf();
    set_reg(DWVP_REG_PERF_CTRL, DWVP_PERF_CTRL_CLEAR);
    after_clear = read_perf();
    errors = hal_bus_errors();
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(top.host.failure().empty());
  REQUIRE(errors == 0);
  REQUIRE(result.driver_status == DWVP_OK);
  REQUIRE(result.layers.size() == 1);
  CHECK(result.layers[0].output == dwvp::scenarios::golden_outputs(net)[0]);

  const uint64_t macs = 4 * 4 * 16 * 8;
  // Descriptor 128 + weights 8*16 + bias 4*8 + quant 8*8 + input 4*4*16.
  const uint64_t rd_bytes = 128 + 128 + 32 + 64 + 256;
  // Output 4*4*8 + the 96-byte stats record.
  const uint64_t wr_bytes = 128 + 96;
  const uint64_t sim_cycles =
      sc_core::sc_time_stamp().value() / top.clock_period().value();
  CHECK(perf[DWVP_PERF_MACS] == macs);
  CHECK(perf[DWVP_PERF_DRAM_RD_BYTES] == rd_bytes);
  CHECK(perf[DWVP_PERF_DRAM_WR_BYTES] == wr_bytes);
  CHECK(perf[DWVP_PERF_LAYERS_DONE] == 1);
  CHECK(perf[DWVP_PERF_BUSY_CYCLES] > 0);
  CHECK(perf[DWVP_PERF_GEMM_BUSY] > 0);
  CHECK(perf[DWVP_PERF_DMA_STALL] > 0);
  CHECK(perf[DWVP_PERF_PPU_BUSY] > 0);
  CHECK(perf[DWVP_PERF_VECTOR_BUSY] == 0); // pointwise runs on the GEMM core
  CHECK(perf[DWVP_PERF_BUSY_CYCLES] >= perf[DWVP_PERF_GEMM_BUSY]);
  CHECK(perf[DWVP_PERF_BUSY_CYCLES] <= sim_cycles);
  CHECK(perf[DWVP_PERF_GEMM_BUSY] + perf[DWVP_PERF_DMA_STALL] <=
        perf[DWVP_PERF_BUSY_CYCLES]);
  // The runtime's own read of the counters agrees, and so does the stats record.
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n)
    CHECK(result.perf[n] == perf[n]);
  const dwvp_layer_stats& s = result.layers[0].stats;
  CHECK(s.macs == macs);
  CHECK(s.status == 0);
  CHECK(s.layer_id == 0);
  CHECK(s.total_cycles > 0);
  CHECK(s.total_cycles <= perf[DWVP_PERF_BUSY_CYCLES]);
  CHECK(s.dram_read_bytes == rd_bytes);
  CHECK(head == 1);
  CHECK(tail == 1);
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n) {
    INFO("counter " << n);
    CHECK(after_ctrl_zero[n] == perf[n]);
    CHECK(after_clear[n] == 0);
  }
}

TEST_CASE("registers: RING_HEAD advances to the number of descriptors run",
          "[platform][registers][ring]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const auto net = dwvp::scenarios::make_pointwise_chain(
      {{2, 2, 8, 8}, {2, 2, 8, 16}, {2, 2, 16, 8}}, 5);
  dwvp::runtime::run_result result;
  uint32_t head = 0, layers = 0;
  top.host.set_program([&] {
    result = dwvp::runtime::run_network(net, runtime_options()); // 64-entry ring
    head = reg(DWVP_REG_RING_HEAD);
    layers = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(result.driver_status == DWVP_OK);
  CHECK(head == 3);
  CHECK(layers == 3);
  CHECK(result.layers.back().output == dwvp::scenarios::golden_outputs(net).back());
}

TEST_CASE("registers: RING_HEAD wraps modulo RING_SIZE", "[platform][registers][ring]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  std::vector<dwvp::scenarios::pointwise_shape> shapes(5, {2, 2, 8, 8});
  const auto net = dwvp::scenarios::make_pointwise_chain(shapes, 6);
  dwvp::runtime::run_result result;
  uint32_t head = 0, tail = 0, layers = 0;
  top.host.set_program([&] {
    auto opt = runtime_options();
    opt.ring_entries = 4; // the driver runs batches of 3 then 2
    result = dwvp::runtime::run_network(net, opt);
    head = reg(DWVP_REG_RING_HEAD);
    tail = reg(DWVP_REG_RING_TAIL);
    layers = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(result.driver_status == DWVP_OK);
  CHECK(layers == 5);
  CHECK(head == 5 % 4);
  CHECK(tail == 5 % 4);
  CHECK(result.layers.back().output == dwvp::scenarios::golden_outputs(net).back());
}

TEST_CASE("registers: reading a counter's LO latches its HI",
          "[platform][registers][perf]") {
  quiet_logs();
  // The slowest DRAM the configuration allows (1 byte per us, one burst in flight) and
  // the fastest clock make one layer's DMA of 590 KB take more than 2^32 accelerator
  // cycles of simulated time (no host time), so the HI words become non-zero.
  dwvp::config cfg;
  cfg.set("dram.model", "fixed");
  cfg.set("dram.bandwidth_gbps", "0.001");
  cfg.set("dma.outstanding", "1");
  cfg.set("clock.accel_mhz", "10000");
  cfg.set("accel.watchdog_cycles", "0");
  dwvp::soc top("soc", cfg);
  const pw_layer a = make_pw(96, 96, 64, 8, 31, k_dram + 0x1000000);
  const pw_layer b = make_pw(96, 96, 64, 8, 32, k_dram + 0x2000000);
  upload(top, a);
  upload(top, b);
  dwvp_desc da = describe(a, 1), db = describe(b, 2);
  da.stats_addr = db.stats_addr = 0;
  std::memcpy(backdoor(top, k_ring), &da, sizeof da);
  std::memcpy(backdoor(top, k_ring + DWVP_DESC_SIZE), &db, sizeof db);

  const dwvp_perf_counter n = DWVP_PERF_DMA_STALL;
  uint64_t full1 = 0, full2 = 0;
  uint32_t lo1 = 0, hi_latched = 0, lo2 = 0, hi2 = 0, hi_again = 0;
  int w1 = -2, w2 = -2;
  top.host.set_program([&] {
    dwvp_dev dev;
    dwvp_init(&dev, k_regs, k_ring, 8, 0);
    dwvp_set_window(&dev, 0, k_dram, k_dram_size);
    set_reg(DWVP_REG_RING_TAIL, 1);
    set_reg(DWVP_REG_DOORBELL, 1);
    w1 = hal_wait_irq(0);
    set_reg(DWVP_REG_IRQ_CLEAR, DWVP_IRQ_ALL);
    full1 = top.accelerator.perf_counter(n); // backdoor; the accelerator is idle
    lo1 = reg(DWVP_REG_PERF_LO(n));          // latches HI of full1
    set_reg(DWVP_REG_RING_TAIL, 2);
    set_reg(DWVP_REG_DOORBELL, 1);
    w2 = hal_wait_irq(0);
    full2 = top.accelerator.perf_counter(n);
    hi_latched = reg(DWVP_REG_PERF_HI(n)); // still the HI latched with lo1
    lo2 = reg(DWVP_REG_PERF_LO(n));
    hi2 = reg(DWVP_REG_PERF_HI(n));
    hi_again = reg(DWVP_REG_PERF_HI(n)); // HI reads do not re-latch
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(w1 == 0);
  REQUIRE(w2 == 0);
  // Preconditions of the scenario: HI is non-zero and changed between the layers.
  REQUIRE((full1 >> 32) >= 1);
  REQUIRE((full2 >> 32) > (full1 >> 32));
  CHECK(lo1 == static_cast<uint32_t>(full1));
  CHECK(hi_latched == static_cast<uint32_t>(full1 >> 32));
  CHECK(lo2 == static_cast<uint32_t>(full2));
  CHECK(hi2 == static_cast<uint32_t>(full2 >> 32));
  CHECK(hi_again == hi2);
}
