// Scenario: a small network of pointwise layers run through the driver firmware, with
// a per-layer table (cycles, MACs, utilisation) and a bit-exact golden check.
#include "harness.h"
#include "networks.h"
#include "report.h"

#include <systemc>

#include <iostream>

int sc_main(int argc, char* argv[]) {
  using namespace dwvp::scenarios;
  CLI::App app{"dwvp pointwise_chain: pointwise layers end to end through the firmware"};
  common_options opt;
  add_common_options(app, opt);
  std::string dataflow;
  app.add_option("--dataflow", dataflow,
                 "GEMM dataflow: os or ws (--set gemm.dataflow=...; default os)")
      ->check(CLI::IsMember({"os", "ws"}));
  if (int code = parse_command_line(app, argc, argv); code >= 0)
    return code;

  return guarded_main([&] {
    dwvp::config cfg = build_config(opt);
    if (!dataflow.empty())
      cfg.set("gemm.dataflow", dataflow, "--dataflow");
    if (opt.dump_config) {
      cfg.dump(std::cout);
      return 0;
    }
    // MobileNet-v1-like pointwise layers at 28x28, plus shapes that do not fill the
    // 32x32 array evenly.
    const std::vector<pointwise_shape> shapes = {{28, 28, 128, 128},
                                                 {28, 28, 128, 256},
                                                 {28, 28, 256, 100},
                                                 {28, 28, 100, 37},
                                                 {28, 28, 37, 64}};
    auto net = make_pointwise_chain(shapes, opt.seed, gemm_dataflow_from(cfg));
    std::cout << "dwvp pointwise_chain: " << shapes.size() << " layers, seed " << opt.seed
              << ", dataflow " << cfg.get_string("gemm.dataflow") << "\n\n";
    network_run run = simulate_network(cfg, net, opt.vcd);
    const run_report rep = make_report(cfg, net, run, "gemm_dwc");
    print_report_table(std::cout, rep);
    std::cout << "\n";
    print_summary(std::cout, run, rep);
    if (!opt.vcd.empty())
      std::cout << "VCD written to    " << opt.vcd << "\n";
    return run.bit_exact ? 0 : 1;
  });
}

// Our own main so the SystemC banner is off before the kernel prints it.
int main(int argc, char* argv[]) {
  return dwvp::scenarios::systemc_main(argc, argv);
}
