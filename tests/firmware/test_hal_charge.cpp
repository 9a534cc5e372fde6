// hal_charge_cycles on the full SoC: charged cycles advance the firmware's time by
// cycles / host.clock_mhz, across quanta, and show in the simulated end time.
#include "hal.h"
#include "logging.h"
#include "soc.h"

#include <catch2/catch.hpp>

namespace {
void quiet() {
  dwvp::logging::configure("off", "");
}
} // namespace

TEST_CASE("hal_charge_cycles: cycles at host.clock_mhz become simulated time",
          "[firmware][hal]") {
  quiet();
  dwvp::config cfg;
  cfg.set("host.clock_mhz", "250", "test"); // 4 ns per cycle
  dwvp::soc top("soc", cfg);
  uint64_t t0 = 0, t1 = 0, t2 = 0;
  top.host.set_program([&] {
    t0 = hal_time_ns();
    hal_charge_cycles(100);
    t1 = hal_time_ns();
    hal_charge_cycles(2'000'000); // 8 ms: many quanta (sim.quantum_ns 1000)
    t2 = hal_time_ns();
    return 0;
  });
  REQUIRE(top.run());
  CHECK(t0 == 0);
  CHECK(t1 - t0 == 400);
  CHECK(t2 - t1 == 8'000'000);
  CHECK(top.host.charged_cycles() == 2'000'100);
  // The kernel followed the host: the run ended where the firmware's time did.
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(8'000'400, sc_core::SC_NS));
}

TEST_CASE("hal_charge_cycles: zero cycles cost nothing; host.clock_mhz is range-checked",
          "[firmware][hal]") {
  quiet();
  dwvp::config cfg;
  CHECK_THROWS_WITH(cfg.set("host.clock_mhz", "0", "test"),
                    Catch::Matchers::Contains("host.clock_mhz"));
  dwvp::soc top("soc", cfg);
  uint64_t t0 = 1, t1 = 0;
  top.host.set_program([&] {
    t0 = hal_time_ns();
    hal_charge_cycles(0);
    t1 = hal_time_ns();
    hal_charge_cycles(1000); // default 1000 MHz: 1 us
    return 0;
  });
  REQUIRE(top.run());
  CHECK(t1 == t0);
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(1000, sc_core::SC_NS));
}
