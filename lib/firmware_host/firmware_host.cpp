// The main program of a firmware scenario (dwvp_add_firmware_scenario in the installed
// CMake package; docs/firmware.md): the platform's options (--config, --set, --vcd,
// --dump-config), the SoC, and the user's dwvp_firmware_main() run on the host CPU
// model. Prints the firmware's result and the simulated time; the exit code is the
// firmware's return value (0..125; 1 for any other value, or when it did not finish,
// or failed), 2 for bad options.
#include "hal.h"
#include "harness.h"
#include "soc.h"
#include "tracing.h"

#include <systemc>

#include <iostream>
#include <memory>

int sc_main(int argc, char* argv[]) {
  using namespace dwvp::scenarios;
  CLI::App app{"dwvp firmware scenario: runs this program's dwvp_firmware_main() on the "
               "host CPU model of the platform"};
  common_options opt;
  app.add_option("--config", opt.config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  app.add_option("--set", opt.sets, "override a configuration key: --set gemm.rows=64")
      ->type_name("KEY=VALUE");
  app.add_option("--vcd", opt.vcd, "write a VCD waveform trace to this file");
  app.add_flag("--dump-config", opt.dump_config,
               "print every configuration key with its value, default and meaning");
  if (int code = parse_command_line(app, argc, argv); code >= 0)
    return code;

  return guarded_main([&] {
    dwvp::config cfg = build_config(opt);
    if (opt.dump_config) {
      cfg.dump(std::cout);
      return 0;
    }
    dwvp::soc top("soc", cfg);
    std::unique_ptr<dwvp::vcd_trace> vcd;
    if (!opt.vcd.empty()) {
      vcd = std::make_unique<dwvp::vcd_trace>(opt.vcd);
      top.trace(vcd->file());
    }
    top.host.set_program([] { return dwvp_firmware_main(); });
    const bool finished = top.run();
    if (vcd)
      vcd->close();
    const sc_core::sc_time end = sc_core::sc_time_stamp();
    std::cout << "simulated time    " << end.to_seconds() * 1e6 << " us ("
              << end.value() / top.clock_period().value() << " accelerator cycles)\n"
              << "firmware cycles   " << top.host.charged_cycles()
              << " charged with hal_charge_cycles\n";
    if (vcd)
      std::cout << "VCD written to    " << opt.vcd << "\n";
    if (!finished || !top.host.failure().empty()) {
      std::cerr << "error: " << top.host.failure() << "\n";
      return 1;
    }
    const int code = top.host.exit_code();
    std::cout << "firmware returned " << code << "\n";
    return code >= 0 && code <= 125 ? code : 1;
  });
}

// Our own main so the SystemC banner is off before the kernel prints it.
int main(int argc, char* argv[]) {
  return dwvp::scenarios::systemc_main(argc, argv);
}
