// Driver interrupt handling on the full SoC: dwvp_run returns DWVP_OK only once the
// ring is drained (DONE seen and RING_HEAD at the tail), whatever IRQ_MASK firmware
// set, even when every descriptor raises the per-layer interrupt; a failing
// descriptor is DWVP_E_DEVICE with its ring index; a device that never finishes is
// DWVP_E_TIMEOUT. One test case per mask combination of {DONE, ERROR, LAYER}: each
// case elaborates its own SoC, so each runs in its own process.
#include "platform_helpers.h"

#include "dwvp_driver.h"
#include "hal.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

using namespace dwvp::testing;

namespace {

constexpr uint64_t k_timeout_ns = 10'000'000; // 10 ms simulated per interrupt wait
constexpr uint32_t k_regions[3] = {k_dram + 0x100000, k_dram + 0x200000,
                                   k_dram + 0x300000};
constexpr uint16_t k_first_id = 30;

uint32_t reg(uint32_t off) {
  return hal_mmio_read32(k_regs + off);
}
void set_reg(uint32_t off, uint32_t v) {
  hal_mmio_write32(k_regs + off, v);
}

// Three pointwise layers, each in its own region, uploaded with sentinel outputs.
std::vector<pw_layer> three_layers(dwvp::soc& top) {
  std::vector<pw_layer> layers;
  for (uint32_t i = 0; i < 3; ++i) {
    layers.push_back(make_pw(8, 8, 32, 16, 70 + i, k_regions[i]));
    upload(top, layers.back());
  }
  return layers;
}

// Every descriptor asks for the per-layer interrupt.
std::vector<dwvp_desc> describe_all(const std::vector<pw_layer>& layers) {
  std::vector<dwvp_desc> descs;
  for (size_t i = 0; i < layers.size(); ++i)
    descs.push_back(
        describe(layers[i], static_cast<uint16_t>(k_first_id + i), DWVP_FLAG_IRQ));
  return descs;
}

// What the firmware saw around one dwvp_run.
struct irq_run {
  int init_rc = 99;
  int rc = 99;
  dwvp_status st{};
  uint32_t tail = 99, head = 99, status = 99, mask_after = 99, irq_status = 99;
  uint32_t layers_done = 99, errors = 99, irqs_taken = 0;
  uint64_t start_ns = 0, end_ns = 0;
};

// Initialises with a ring of ring_entries, sets IRQ_MASK to mask, optionally disables
// the command processor, then runs descs and records what the registers say.
void run_with_mask(const std::vector<dwvp_desc>& descs, uint32_t mask, irq_run& r,
                   uint32_t ring_entries = 8, uint64_t timeout_ns = k_timeout_ns,
                   bool disable = false) {
  dwvp_dev dev;
  r.init_rc = dwvp_init(&dev, k_regs, k_ring, ring_entries, timeout_ns);
  if (r.init_rc == DWVP_OK)
    r.init_rc = dwvp_set_window(&dev, 0, k_dram, k_dram_size);
  set_reg(DWVP_REG_IRQ_MASK, mask);
  if (disable)
    set_reg(DWVP_REG_CTRL, 0);
  r.start_ns = hal_time_ns();
  r.rc = dwvp_run(&dev, descs.data(), static_cast<uint32_t>(descs.size()), &r.st);
  r.end_ns = hal_time_ns();
  r.tail = dev.tail;
  r.irqs_taken = dev.irqs_taken;
  r.head = reg(DWVP_REG_RING_HEAD);
  r.status = reg(DWVP_REG_STATUS);
  r.mask_after = reg(DWVP_REG_IRQ_MASK);
  r.irq_status = reg(DWVP_REG_IRQ_STATUS);
  r.layers_done = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
  r.errors = hal_bus_errors();
}

dwvp_layer_stats stats_of(dwvp::soc& top, const pw_layer& p) {
  dwvp_layer_stats s;
  std::memcpy(&s, backdoor(top, p.stats_addr()), sizeof s);
  return s;
}

// All three layers with DWVP_FLAG_IRQ under IRQ_MASK = mask: DWVP_OK only with the
// ring drained, the device idle and every output written.
void completion_case(uint32_t mask, uint32_t ring_entries = 8) {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const std::vector<pw_layer> layers = three_layers(top);
  const std::vector<dwvp_desc> descs = describe_all(layers);
  irq_run r;
  top.host.set_program([&] {
    run_with_mask(descs, mask, r, ring_entries);
    return 0;
  });
  sc_core::sc_start();
  INFO("IRQ_MASK = " << mask << ", ring of " << ring_entries);
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.errors == 0);
  REQUIRE(r.rc == DWVP_OK);
  CHECK(r.tail == 3 % ring_entries);
  CHECK(r.head == r.tail); // the ring is drained
  CHECK((r.status & DWVP_STATUS_BUSY) == 0);
  CHECK(r.status == 0);
  CHECK(r.layers_done == 3);
  CHECK(r.mask_after == mask); // the firmware's mask is restored
  CHECK(r.irq_status == 0);    // everything acknowledged
  CHECK(top.irq.read() == false);
  CHECK((r.st.irq_status & DWVP_IRQ_DONE) != 0);
  CHECK((r.st.irq_status & DWVP_IRQ_LAYER) != 0);
  CHECK((r.st.irq_status & DWVP_IRQ_ERROR) == 0);
  CHECK(r.st.status == 0);
  // The per-layer interrupt woke the driver before the ring was drained; it waited on.
  if (mask & DWVP_IRQ_LAYER)
    CHECK(mon.rises >= 2);
  CHECK(r.irqs_taken == static_cast<uint32_t>(mon.rises));
  // dwvp_run returned after the last layer had finished.
  const uint64_t period_ps =
      top.clock_period().value() / sc_core::sc_time(1, sc_core::SC_PS).value();
  for (size_t i = 0; i < layers.size(); ++i) {
    INFO("layer " << i);
    const dwvp_layer_stats s = stats_of(top, layers[i]);
    CHECK(s.layer_id == k_first_id + i);
    CHECK(s.status == 0);
    CHECK(s.macs == uint64_t{8} * 8 * 32 * 16);
    CHECK((s.start_cycle + s.total_cycles) * period_ps <= r.end_ns * 1000);
    CHECK(read_back(top, layers[i].output_addr(), layers[i].output_bytes()) ==
          layers[i].expected);
    CHECK(untouched(top, layers[i].output_addr() + layers[i].output_bytes(), 64));
  }
}

// The second of three descriptors has a bad magic: DWVP_E_DEVICE naming ring index 1,
// the first layer written, the other two not, under IRQ_MASK = mask.
void error_case(uint32_t mask) {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const std::vector<pw_layer> layers = three_layers(top);
  std::vector<dwvp_desc> descs = describe_all(layers);
  descs[1].magic = 0;
  irq_run r;
  top.host.set_program([&] {
    run_with_mask(descs, mask, r);
    return 0;
  });
  sc_core::sc_start();
  INFO("IRQ_MASK = " << mask);
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.errors == 0);
  REQUIRE(r.rc == DWVP_E_DEVICE);
  CHECK(r.st.error_code == DWVP_ERR_BAD_MAGIC);
  CHECK(r.st.error_field == DWVP_FIELD_MAGIC);
  // A bad magic: the entry's layer_id is not trusted; the ring index and the driver's
  // count still place it.
  CHECK(r.st.error_layer == DWVP_ERR_LAYER_UNKNOWN);
  CHECK(r.st.error_index == 1);
  CHECK(r.st.completed == 1);
  CHECK(r.st.status ==
        (DWVP_STATUS_ERROR | uint32_t{DWVP_ERR_BAD_MAGIC} << DWVP_STATUS_ERR_CODE_SHIFT));
  CHECK((r.st.irq_status & DWVP_IRQ_ERROR) != 0);
  CHECK((r.st.irq_status & DWVP_IRQ_DONE) == 0); // stopped: no DONE
  CHECK(r.head == 1);                            // stopped at the failing entry
  CHECK(r.layers_done == 1);
  CHECK(r.mask_after == mask);
  CHECK(r.irq_status == 0);
  CHECK(top.irq.read() == false);
  CHECK(read_back(top, layers[0].output_addr(), layers[0].output_bytes()) ==
        layers[0].expected);
  for (size_t i = 1; i < layers.size(); ++i) {
    INFO("layer " << i);
    CHECK(untouched(top, layers[i].output_addr(), layers[i].output_bytes() + 64));
    CHECK(untouched(top, layers[i].stats_addr(), DWVP_LAYER_STATS_SIZE));
  }
}

// A doorbell that has no effect (CTRL.ENABLE cleared after init): DWVP_E_TIMEOUT after
// about one timeout, not a hang, with the firmware's mask restored.
void disabled_timeout_case(uint32_t mask) {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const std::vector<pw_layer> layers = three_layers(top);
  const std::vector<dwvp_desc> descs = describe_all(layers);
  constexpr uint64_t timeout = 50'000;
  irq_run r;
  top.host.set_program([&] {
    run_with_mask(descs, mask, r, 8, timeout, /*disable=*/true);
    return 0;
  });
  sc_core::sc_start();
  INFO("IRQ_MASK = " << mask);
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.rc == DWVP_E_TIMEOUT);
  CHECK(r.end_ns - r.start_ns >= timeout);
  CHECK(r.end_ns - r.start_ns < 2 * timeout);
  CHECK(r.head == 0);
  CHECK(r.layers_done == 0);
  CHECK(r.irqs_taken == 0);
  CHECK(r.mask_after == mask);
  CHECK(r.errors == 0);
  for (const pw_layer& p : layers)
    CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
}

} // namespace

#define DWVP_COMPLETION_CASE(mask, name)                                                 \
  TEST_CASE("driver irq: three IRQ layers complete with IRQ_MASK = " name,               \
            "[platform][driver_irq][completion]") {                                      \
    completion_case(mask);                                                               \
  }
DWVP_COMPLETION_CASE(0, "none")
DWVP_COMPLETION_CASE(DWVP_IRQ_DONE, "DONE")
DWVP_COMPLETION_CASE(DWVP_IRQ_ERROR, "ERROR")
DWVP_COMPLETION_CASE(DWVP_IRQ_LAYER, "LAYER")
DWVP_COMPLETION_CASE(DWVP_IRQ_DONE | DWVP_IRQ_ERROR, "DONE|ERROR")
DWVP_COMPLETION_CASE(DWVP_IRQ_DONE | DWVP_IRQ_LAYER, "DONE|LAYER")
DWVP_COMPLETION_CASE(DWVP_IRQ_ERROR | DWVP_IRQ_LAYER, "ERROR|LAYER")
DWVP_COMPLETION_CASE(DWVP_IRQ_ALL, "DONE|ERROR|LAYER")

#define DWVP_ERROR_CASE(mask, name)                                                      \
  TEST_CASE("driver irq: a bad second descriptor is DWVP_E_DEVICE at index 1 with "      \
            "IRQ_MASK = " name,                                                          \
            "[platform][driver_irq][error]") {                                           \
    error_case(mask);                                                                    \
  }
DWVP_ERROR_CASE(0, "none")
DWVP_ERROR_CASE(DWVP_IRQ_DONE, "DONE")
DWVP_ERROR_CASE(DWVP_IRQ_ERROR, "ERROR")
DWVP_ERROR_CASE(DWVP_IRQ_LAYER, "LAYER")
DWVP_ERROR_CASE(DWVP_IRQ_DONE | DWVP_IRQ_ERROR, "DONE|ERROR")
DWVP_ERROR_CASE(DWVP_IRQ_DONE | DWVP_IRQ_LAYER, "DONE|LAYER")
DWVP_ERROR_CASE(DWVP_IRQ_ERROR | DWVP_IRQ_LAYER, "ERROR|LAYER")
DWVP_ERROR_CASE(DWVP_IRQ_ALL, "DONE|ERROR|LAYER")

TEST_CASE("driver irq: a ring of two entries refills between per-layer interrupts",
          "[platform][driver_irq][completion]") {
  completion_case(DWVP_IRQ_LAYER, 2); // three batches of one, DONE masked
}

TEST_CASE("driver irq: a doorbell without effect times out with IRQ_MASK = DONE|ERROR",
          "[platform][driver_irq][timeout]") {
  disabled_timeout_case(DWVP_IRQ_DONE | DWVP_IRQ_ERROR);
}

TEST_CASE("driver irq: a doorbell without effect times out with IRQ_MASK = LAYER",
          "[platform][driver_irq][timeout]") {
  disabled_timeout_case(DWVP_IRQ_LAYER);
}

TEST_CASE("driver irq: a device slower than the timeout gives DWVP_E_TIMEOUT",
          "[platform][driver_irq][timeout]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  // Large enough that the operand reads alone take microseconds.
  const pw_layer p = make_pw(32, 32, 64, 64, 80, k_regions[0]);
  upload(top, p);
  const std::vector<dwvp_desc> descs = {describe(p, 40, DWVP_FLAG_IRQ)};
  constexpr uint64_t timeout = 500;
  irq_run r;
  uint32_t busy_at_return = 0;
  top.host.set_program([&] {
    run_with_mask(descs, DWVP_IRQ_ALL, r, 8, timeout);
    busy_at_return = r.status & DWVP_STATUS_BUSY;
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.rc == DWVP_E_TIMEOUT);
  CHECK(r.end_ns - r.start_ns >= timeout);
  CHECK(r.end_ns - r.start_ns < 2 * timeout + 1000);
  CHECK(busy_at_return != 0); // the layer was still running
  CHECK(r.head == 0);
  CHECK(r.mask_after == DWVP_IRQ_ALL);
}

TEST_CASE("driver irq: a run on a device holding an error is DWVP_E_DEVICE at once",
          "[platform][driver_irq][error]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const std::vector<pw_layer> layers = three_layers(top);
  std::vector<dwvp_desc> descs = describe_all(layers);
  descs[1].magic = 0;
  irq_run first;
  int second_rc = 99;
  dwvp_status second_st{};
  uint64_t second_ns = 0;
  uint32_t head_after = 99;
  top.host.set_program([&] {
    run_with_mask(descs, DWVP_IRQ_DONE | DWVP_IRQ_ERROR, first);
    // Without dwvp_init (soft reset) the device ignores doorbells; the driver says so
    // instead of waiting for an interrupt that cannot come.
    dwvp_dev dev;
    dev.regs = k_regs;
    dev.ring_base = k_ring;
    dev.ring_entries = 8;
    dev.tail = 3;
    dev.timeout_ns = k_timeout_ns;
    dev.irqs_taken = 0;
    const uint64_t t0 = hal_time_ns();
    second_rc = dwvp_run(&dev, &descs[2], 1, &second_st);
    second_ns = hal_time_ns() - t0;
    head_after = reg(DWVP_REG_RING_HEAD);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(first.rc == DWVP_E_DEVICE);
  CHECK(second_rc == DWVP_E_DEVICE);
  CHECK(second_st.error_code == DWVP_ERR_BAD_MAGIC);
  CHECK(second_st.error_index == 1);
  CHECK(second_st.error_layer == DWVP_ERR_LAYER_UNKNOWN); // the bad-magic entry's
  CHECK(second_st.completed == 0);
  CHECK(second_ns < 1000);
  CHECK(head_after == 1);
}
