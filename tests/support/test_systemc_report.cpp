// The test main's SystemC report handler (test_main.cpp): a case that makes SystemC
// warn fails even though its own assertions pass. Both cases are hidden from test
// discovery; tests/support/CMakeLists.txt runs them by name, the warning one with
// WILL_FAIL.
#include <catch2/catch.hpp>
#include <systemc>

TEST_CASE("a SystemC warning fails the test", "[.][systemc_report]") {
  SC_REPORT_WARNING("dwvp/test", "a deliberate warning");
  CHECK(true);
}

TEST_CASE("a SystemC info message does not", "[.][systemc_report]") {
  SC_REPORT_INFO("dwvp/test", "a deliberate info message");
  CHECK(true);
}
