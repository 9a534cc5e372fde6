// The host CPU's HAL accesses are timed: register accesses cost host.mmio_latency_ns +
// bus.latency_ns and synchronise at the accelerator; copies cost len / copy speed plus
// the memory's time, and run ahead of the kernel within the quantum.
#include "dwvp_driver.h"
#include "hal.h"
#include "logging.h"
#include "soc.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace dwvp;

TEST_CASE("register accesses cost mmio latency plus bus latency", "[timing][host]") {
  logging::configure("off", "");
  config cfg; // mmio 10 ns, bus 2 ns
  soc top("soc", cfg);
  std::vector<uint64_t> t;
  sc_core::sc_time kernel_after_read;
  top.host.set_program([&] {
    t.push_back(hal_time_ns());
    hal_mmio_write32(DWVP_ACCEL_REGS_BASE + DWVP_REG_IRQ_MASK, 1);
    t.push_back(hal_time_ns());
    (void)hal_mmio_read32(DWVP_ACCEL_REGS_BASE + DWVP_REG_ID);
    kernel_after_read = sc_core::sc_time_stamp();
    t.push_back(hal_time_ns());
    for (int i = 0; i < 5; ++i)
      (void)hal_mmio_read32(DWVP_ACCEL_REGS_BASE + DWVP_REG_STATUS);
    t.push_back(hal_time_ns());
    return 0;
  });
  sc_core::sc_start();
  REQUIRE(top.host.exit_code() == 0);
  CHECK(t == std::vector<uint64_t>{0, 12, 24, 84});
  // The register block synchronised: the kernel's own time caught up with the host's.
  CHECK(kernel_after_read == sc_core::sc_time(24, sc_core::SC_NS));
}

TEST_CASE("DRAM copies run ahead of the kernel within the quantum", "[timing][host]") {
  logging::configure("off", "");
  config cfg; // copy 8 B/ns, bus 2 ns, memory 50 ns + 19.2 B/ns, quantum 1000 ns
  cfg.set("dram.model", "fixed");
  soc top("soc", cfg);
  uint64_t t0 = 0, t1 = 0, t2 = 0;
  sc_core::sc_time kernel_after_copy;
  std::vector<uint8_t> buf(960, 0x5A), back(960, 0);
  top.host.set_program([&] {
    t0 = hal_time_ns();
    hal_mem_write(DWVP_DRAM_BASE + 4096, buf.data(), 960);
    kernel_after_copy = sc_core::sc_time_stamp();
    t1 = hal_time_ns();
    for (int i = 0; i < 5; ++i)
      hal_mem_read(back.data(), DWVP_DRAM_BASE + 4096, 960);
    t2 = hal_time_ns();
    return 0;
  });
  sc_core::sc_start();
  // 960 / 8 = 120 ns copy + 2 bus + 50 latency + 960 / 19.2 = 50 transfer.
  CHECK(t1 - t0 == 222);
  // Within the 1 us quantum the host did not yield to the kernel.
  CHECK(kernel_after_copy == sc_core::SC_ZERO_TIME);
  CHECK(t2 - t1 == 5 * 222);
  CHECK(back == buf);
  // The host synchronised once the quantum was used up, and at the end.
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(6 * 222, sc_core::SC_NS));
}

TEST_CASE("waiting for the interrupt times out when none comes", "[timing][host]") {
  logging::configure("off", "");
  config cfg;
  soc top("soc", cfg);
  int rc = 0;
  uint64_t t = 0;
  top.host.set_program([&] {
    rc = hal_wait_irq(5000);
    t = hal_time_ns();
    return 0;
  });
  sc_core::sc_start();
  CHECK(rc == -1);
  CHECK(t == 5000);
}
