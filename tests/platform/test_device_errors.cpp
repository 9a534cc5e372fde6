// Device error reporting on the full SoC, through the C driver: a refused descriptor,
// bad per-channel quantisation data, an unimplemented opcode, a doorbell while
// disabled, a misconfigured ring, recovery by soft reset, and a soft reset while a
// layer is in flight. Every failing layer must leave its output (and stats record) in
// DRAM untouched; the tests fill them with a sentinel first and check the backdoor.
#include "platform_helpers.h"

#include "dwvp_driver.h"
#include "hal.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <vector>

using namespace dwvp::testing;

namespace {

constexpr uint64_t k_timeout_ns = 10'000'000; // 10 ms simulated per interrupt wait
constexpr uint32_t k_region_a = k_dram + 0x100000;
constexpr uint32_t k_region_b = k_dram + 0x200000;

uint32_t reg(uint32_t off) {
  return hal_mmio_read32(k_regs + off);
}
void set_reg(uint32_t off, uint32_t v) {
  hal_mmio_write32(k_regs + off, v);
}

uint32_t status_with(dwvp_error e) {
  return DWVP_STATUS_ERROR | static_cast<uint32_t>(e) << DWVP_STATUS_ERR_CODE_SHIFT;
}

// What the firmware saw after one dwvp_run.
struct device_run {
  int init_rc = 99;
  int rc = 99;
  dwvp_status st{};
  uint32_t status = 0, head = 0, irq_status = 0, layers_done = 0, dram_wr = 0, errors = 0;
};

void init(dwvp_dev& dev, device_run& r) {
  r.init_rc = dwvp_init(&dev, k_regs, k_ring, 8, k_timeout_ns);
  if (r.init_rc == DWVP_OK)
    r.init_rc = dwvp_set_window(&dev, 0, k_dram, k_dram_size);
}

void run(dwvp_dev& dev, const std::vector<dwvp_desc>& descs, device_run& r) {
  r.rc = dwvp_run(&dev, descs.data(), static_cast<uint32_t>(descs.size()), &r.st);
  r.status = reg(DWVP_REG_STATUS);
  r.head = reg(DWVP_REG_RING_HEAD);
  r.irq_status = reg(DWVP_REG_IRQ_STATUS);
  r.layers_done = reg(DWVP_REG_PERF_LO(DWVP_PERF_LAYERS_DONE));
  r.dram_wr = reg(DWVP_REG_PERF_LO(DWVP_PERF_DRAM_WR_BYTES));
  r.errors = hal_bus_errors();
}

} // namespace

TEST_CASE("device errors: a refused descriptor is reported and writes nothing",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer good = make_pw(4, 4, 16, 8, 51, k_region_a);
  const pw_layer bad_layer = make_pw(4, 4, 16, 8, 52, k_region_b);
  upload(top, good);
  upload(top, bad_layer);
  dwvp_desc bad = describe(bad_layer, 11);
  bad.act_min = -129; // below the int8 range
  device_run r;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    run(dev, {describe(good, 10), bad}, r);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.errors == 0);
  CHECK(r.rc == DWVP_E_DEVICE);
  CHECK(r.st.error_code == DWVP_ERR_BAD_FIELD);
  CHECK(r.st.error_field == DWVP_FIELD_ACT_MIN);
  CHECK(r.st.error_layer == 11);
  CHECK(r.st.error_index == 1); // second ring entry
  CHECK(r.st.status == status_with(DWVP_ERR_BAD_FIELD));
  CHECK(r.st.irq_status == DWVP_IRQ_ERROR); // stopped: no DONE
  CHECK(r.status == status_with(DWVP_ERR_BAD_FIELD));
  CHECK(r.head == 1); // stopped at the failing entry
  CHECK(r.layers_done == 1);
  CHECK(mon.rises == 1);
  CHECK(top.irq.read() == false); // the driver acknowledged it
  // The good layer before it ran; the bad one left DRAM alone.
  CHECK(read_back(top, good.output_addr(), good.output_bytes()) == good.expected);
  CHECK(untouched(top, bad_layer.output_addr(), bad_layer.output_bytes() + 64));
  CHECK(untouched(top, bad_layer.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

TEST_CASE("device errors: a negative per-channel multiplier is DWVP_ERR_BAD_FIELD on "
          "quant_data",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(4, 4, 16, 8, 53, k_region_a);
  upload(top, p);
  const int32_t bad_mult = -(1 << 30);
  std::memcpy(backdoor(top, p.quant_addr() + 4 * 5), &bad_mult, 4); // channel 5
  device_run r;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    run(dev, {describe(p, 12)}, r);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.rc == DWVP_E_DEVICE);
  CHECK(r.st.error_code == DWVP_ERR_BAD_FIELD);
  CHECK(r.st.error_field == DWVP_FIELD_QUANT_DATA);
  CHECK(r.st.error_layer == 12);
  CHECK(r.st.error_index == 0);
  CHECK(r.status == status_with(DWVP_ERR_BAD_FIELD));
  CHECK(r.head == 0);
  CHECK(r.layers_done == 0);
  CHECK(r.dram_wr == 0); // the accelerator wrote no byte
  CHECK(mon.rises == 1);
  CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
  CHECK(untouched(top, p.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

TEST_CASE("device errors: a per-channel shift out of range is DWVP_ERR_BAD_FIELD on "
          "quant_data",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  const pw_layer p = make_pw(4, 4, 16, 8, 54, k_region_a);
  upload(top, p);
  const int32_t bad_shift = 31;
  std::memcpy(backdoor(top, p.quant_addr() + 4 * 8 + 4 * 7), &bad_shift, 4); // shift[7]
  device_run r;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    run(dev, {describe(p, 13)}, r);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(r.rc == DWVP_E_DEVICE);
  CHECK(r.st.error_code == DWVP_ERR_BAD_FIELD);
  CHECK(r.st.error_field == DWVP_FIELD_QUANT_DATA);
  CHECK(r.st.error_layer == 13);
  CHECK(r.dram_wr == 0);
  CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
  CHECK(untouched(top, p.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

TEST_CASE("device errors: a depthwise descriptor runs and writes only its output",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(4, 4, 8, 8, 55, k_region_a); // in_c == out_c
  upload(top, p);
  // 3x3 depthwise, stride 1, pad 1: out = (4 + 2 - 3) / 1 + 1 = 4. Weights [3][3][8]
  // = 72 bytes at weight_addr (the 64 pointwise weights plus whatever follows).
  dwvp_desc d = describe(p, 14);
  d.opcode = DWVP_OP_DEPTHWISE;
  d.kernel_h = d.kernel_w = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  device_run r;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    run(dev, {d}, r);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  // Every opcode executes since the datapaths landed; UNSUPPORTED is left for
  // combinations without timing.
  CHECK(r.rc == DWVP_OK);
  CHECK(r.layers_done == 1);
  CHECK(mon.rises == 1); // the DONE interrupt
  CHECK_FALSE(untouched(top, p.output_addr(), p.output_bytes()));
  // Nothing beyond the 4x4x8 output tensor was written.
  CHECK(untouched(top, p.output_addr() + p.output_bytes(), 64));
}

TEST_CASE("device errors: a doorbell while disabled is ignored",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(4, 4, 16, 8, 56, k_region_a);
  upload(top, p);
  const dwvp_desc d = describe(p, 15);
  device_run r;
  int wait_disabled = -2, wait_enabled_only = -2, wait_rung = -2;
  uint64_t waited_ns = 0;
  uint32_t head_disabled = 99, irq_disabled = 99, status_disabled = 99;
  uint32_t head_enabled_only = 99, head_done = 99, irq_done = 0;
  bool untouched_disabled = false, untouched_enabled_only = false;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    set_reg(DWVP_REG_CTRL, 0); // disable
    hal_mem_write(k_ring, &d, DWVP_DESC_SIZE);
    set_reg(DWVP_REG_RING_TAIL, 1);
    set_reg(DWVP_REG_DOORBELL, 1);
    const uint64_t t0 = hal_time_ns();
    wait_disabled = hal_wait_irq(50'000);
    waited_ns = hal_time_ns() - t0;
    head_disabled = reg(DWVP_REG_RING_HEAD);
    irq_disabled = reg(DWVP_REG_IRQ_STATUS);
    status_disabled = reg(DWVP_REG_STATUS);
    untouched_disabled = untouched(top, p.output_addr(), p.output_bytes());
    // Enabling does not replay the ignored doorbell...
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_ENABLE);
    wait_enabled_only = hal_wait_irq(50'000);
    head_enabled_only = reg(DWVP_REG_RING_HEAD);
    untouched_enabled_only = untouched(top, p.output_addr(), p.output_bytes());
    // ... a new doorbell runs the ring (any value written rings it).
    set_reg(DWVP_REG_DOORBELL, 0);
    wait_rung = hal_wait_irq(k_timeout_ns);
    head_done = reg(DWVP_REG_RING_HEAD);
    irq_done = reg(DWVP_REG_IRQ_STATUS);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(wait_disabled == -1);
  CHECK(waited_ns >= 50'000);
  CHECK(head_disabled == 0);
  CHECK(irq_disabled == 0);
  CHECK(status_disabled == 0);
  CHECK(untouched_disabled);
  CHECK(wait_enabled_only == -1);
  CHECK(head_enabled_only == 0);
  CHECK(untouched_enabled_only);
  CHECK(wait_rung == 0);
  CHECK(head_done == 1);
  CHECK(irq_done == DWVP_IRQ_DONE);
  CHECK(mon.rises == 1);
  CHECK(read_back(top, p.output_addr(), p.output_bytes()) == p.expected);
}

namespace {

// Runs one good layer with the ring register `off` overwritten by `value` after init.
void ring_config_case(uint32_t off, uint32_t value) {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer p = make_pw(4, 4, 16, 8, 57, k_region_a);
  upload(top, p);
  device_run r;
  uint32_t err_field = 99;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    set_reg(off, value);
    run(dev, {describe(p, 16)}, r);
    err_field = reg(DWVP_REG_ERR_FIELD);
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  CHECK(r.rc == DWVP_E_DEVICE);
  CHECK(r.st.error_code == DWVP_ERR_RING_CONFIG);
  CHECK(r.st.error_field == DWVP_FIELD_NONE);
  CHECK(err_field == DWVP_FIELD_NONE);
  CHECK(r.st.error_index == 0); // HEAD when the doorbell came
  CHECK(r.st.status == status_with(DWVP_ERR_RING_CONFIG));
  CHECK(r.status == status_with(DWVP_ERR_RING_CONFIG));
  CHECK(r.head == 0);
  CHECK(r.layers_done == 0);
  CHECK(r.dram_wr == 0);
  CHECK(mon.rises == 1);
  CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
  CHECK(untouched(top, p.stats_addr(), DWVP_LAYER_STATS_SIZE));
}

} // namespace

TEST_CASE("device errors: a ring of one entry is DWVP_ERR_RING_CONFIG",
          "[platform][device_errors][ring]") {
  ring_config_case(DWVP_REG_RING_SIZE, 1);
}

TEST_CASE("device errors: a ring of zero entries is DWVP_ERR_RING_CONFIG",
          "[platform][device_errors][ring]") {
  ring_config_case(DWVP_REG_RING_SIZE, 0);
}

TEST_CASE(
    "device errors: a ring larger than DWVP_RING_MAX_ENTRIES is DWVP_ERR_RING_CONFIG",
    "[platform][device_errors][ring]") {
  ring_config_case(DWVP_REG_RING_SIZE, DWVP_RING_MAX_ENTRIES + 1);
}

TEST_CASE(
    "device errors: a ring base that is not 64-byte aligned is DWVP_ERR_RING_CONFIG",
    "[platform][device_errors][ring]") {
  ring_config_case(DWVP_REG_RING_BASE, k_ring + 32);
}

TEST_CASE("device errors: soft reset and re-init after an error let a good layer run",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  irq_monitor mon("mon");
  mon.line.bind(top.irq);
  const pw_layer failing = make_pw(4, 4, 16, 8, 58, k_region_a);
  const pw_layer good = make_pw(4, 4, 16, 8, 59, k_region_b);
  upload(top, failing);
  upload(top, good);
  dwvp_desc bad = describe(failing, 17);
  bad.magic = 0;
  device_run first, second;
  std::array<uint32_t, 4> err_regs{99, 99, 99, 99};
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, first);
    run(dev, {bad}, first);
    init(dev, second); // dwvp_init soft-resets
    run(dev, {describe(good, 18)}, second);
    err_regs = {reg(DWVP_REG_ERR_LAYER), reg(DWVP_REG_ERR_FIELD), reg(DWVP_REG_ERR_INDEX),
                reg(DWVP_REG_STATUS)};
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  CHECK(first.rc == DWVP_E_DEVICE);
  CHECK(first.st.error_code == DWVP_ERR_BAD_MAGIC);
  CHECK(first.st.error_field == DWVP_FIELD_MAGIC);
  REQUIRE(second.init_rc == DWVP_OK);
  CHECK(second.rc == DWVP_OK);
  CHECK(second.status == 0);
  CHECK(second.head == 1);
  CHECK(second.layers_done == 1);
  CHECK(err_regs == std::array<uint32_t, 4>{0, 0, 0, 0});
  CHECK(mon.rises == 2); // the error, then DONE
  CHECK(read_back(top, good.output_addr(), good.output_bytes()) == good.expected);
  CHECK(untouched(top, failing.output_addr(), failing.output_bytes() + 64));
  // The record of the good layer.
  dwvp_layer_stats s;
  std::memcpy(&s, backdoor(top, good.stats_addr()), sizeof s);
  CHECK(s.layer_id == 18);
  CHECK(s.status == 0);
  CHECK(s.macs == 4 * 4 * 16 * 8);
}

// regs.h: soft reset resets the state, and after it every DMA window is disabled, so
// "the accelerator may only touch DRAM inside an enabled window" means a layer caught
// by the reset must not write its output afterwards. The model abandons it only
// between descriptors (accel.cpp checks m_generation after the descriptor fetch, not in
// execute_pointwise), so the layer computes and writes on after the reset.
TEST_CASE("device errors: a soft reset abandons the layer in flight",
          "[platform][device_errors]") {
  quiet_logs();
  dwvp::config cfg;
  dwvp::soc top("soc", cfg);
  // Large enough that the operand reads alone take microseconds.
  const pw_layer p = make_pw(32, 32, 64, 64, 60, k_region_a);
  upload(top, p);
  const dwvp_desc d = describe(p, 19);
  int early = -2, late = -2;
  uint32_t status_in_flight = 0, status_after = 99, irq_after = 99;
  std::array<uint64_t, DWVP_PERF_COUNT> perf_after{};
  device_run r;
  top.host.set_program([&] {
    dwvp_dev dev;
    init(dev, r);
    hal_mem_write(k_ring, &d, DWVP_DESC_SIZE);
    set_reg(DWVP_REG_RING_TAIL, 1);
    set_reg(DWVP_REG_DOORBELL, 1);
    early = hal_wait_irq(500); // the layer is still reading its operands
    status_in_flight = reg(DWVP_REG_STATUS);
    set_reg(DWVP_REG_CTRL, DWVP_CTRL_SOFT_RESET);
    late = hal_wait_irq(1'000'000); // long enough for the layer to have finished
    status_after = reg(DWVP_REG_STATUS);
    irq_after = reg(DWVP_REG_IRQ_STATUS);
    for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n)
      perf_after[n] = reg(DWVP_REG_PERF_LO(n)) | uint64_t{reg(DWVP_REG_PERF_HI(n))} << 32;
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.finished());
  REQUIRE(r.init_rc == DWVP_OK);
  REQUIRE(early == -1);
  REQUIRE(status_in_flight == DWVP_STATUS_BUSY); // the reset did hit a layer in flight
  CHECK(late == -1);
  CHECK(status_after == 0);
  CHECK(irq_after == 0);
  CHECK(untouched(top, p.output_addr(), p.output_bytes() + 64));
  CHECK(untouched(top, p.stats_addr(), DWVP_LAYER_STATS_SIZE));
  for (uint32_t n = 0; n < DWVP_PERF_COUNT; ++n) {
    INFO("perf counter " << n << " after the reset");
    CHECK(perf_after[n] == 0);
  }
}
