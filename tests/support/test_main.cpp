// Catch2's main for every test executable. libsystemc references sc_main, so a test
// binary must define one even though Catch2 owns main().
//
// SystemC warnings and errors fail the test: a report handler records every one (and
// then does what SystemC would: print, throw for errors), and main() turns a run with
// any into a failed exit, so a test cannot pass over a SystemC complaint. CTest runs
// each test case in its own process, so the failure lands on the case that complained.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc> // declares sc_main extern "C"

#include <iostream>
#include <string>
#include <vector>

int sc_main(int, char**) {
  return 0;
}

namespace {

std::vector<std::string>& complaints() {
  static std::vector<std::string> list;
  return list;
}

void recording_handler(const sc_core::sc_report& report,
                       const sc_core::sc_actions& actions) {
  if (report.get_severity() >= sc_core::SC_WARNING)
    complaints().push_back(std::string(report.get_msg_type()) + ": " + report.get_msg());
  sc_core::sc_report_handler::default_handler(report, actions);
}

} // namespace

int main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_handler(recording_handler);
  const int result = Catch::Session().run(argc, argv);
  if (!complaints().empty()) {
    std::cerr << "FAILED: SystemC reported " << complaints().size()
              << " warning(s) or error(s):\n";
    for (const std::string& c : complaints())
      std::cerr << "  " << c << "\n";
    return result ? result : 1;
  }
  return result;
}
