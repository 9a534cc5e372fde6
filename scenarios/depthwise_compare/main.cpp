// Scenario: one MobileNet depthwise layer (default 112x112x64, 3x3, stride 1) under each
// way of running depthwise convolution: one-column GEMMs (gemm_naive), the vector unit,
// channel-parallel MVMs on the added DwC datapath (channel_mvm), and its FuSe
// replacements on ST-OS (FuSe-Half: 1x3 on half the channels, 3x1 on the other half;
// FuSe-Full: both on every channel). All run through the firmware, bit-exact.
#include "harness.h"
#include "layer_timing.h"
#include "network_builder.h"
#include "report.h"
#include "soc.h"

#include <systemc>

#include <iomanip>
#include <iostream>

using namespace dwvp;
using namespace dwvp::scenarios;

int sc_main(int argc, char* argv[]) {
  CLI::App app{"dwvp depthwise_compare: one depthwise layer under every mapping"};
  common_options opt;
  add_common_options(app, opt);
  int size = 112, channels = 64;
  app.add_option("--size", size, "input height and width")->check(CLI::Range(3, 512));
  app.add_option("--channels", channels, "channels (even)")->check(CLI::Range(2, 4096));
  if (int code = parse_command_line(app, argc, argv); code >= 0)
    return code;

  return guarded_main([&] {
    config cfg = build_config(opt);
    if (opt.dump_config) {
      cfg.dump(std::cout);
      return 0;
    }
    if (channels % 2)
      throw std::invalid_argument("--channels must be even for FuSe-Half");
    network_builder b("depthwise_compare", size, size, channels, opt.seed);
    layer_spec s;
    s.op = DWVP_OP_DEPTHWISE;
    s.kernel_h = s.kernel_w = 3;
    s.mapping = DWVP_MAP_GEMM_NAIVE;
    s.dataflow = gemm_dataflow_from(cfg); // the vector and channel_mvm rows ignore it
    b.add("dw gemm_naive", s);
    s.mapping = DWVP_MAP_VECTOR;
    b.add("dw vector", s);
    s.mapping = DWVP_MAP_CHANNEL_MVM;
    b.add("dw channel_mvm", s);
    layer_spec f;
    f.dataflow = DWVP_DF_ST_OS;
    f.op = DWVP_OP_DW_1XK;
    f.kernel_h = 1;
    f.kernel_w = 3;
    f.channels = channels / 2;
    b.add("half 1x3 st_os", f);
    f.op = DWVP_OP_DW_KX1;
    f.kernel_h = 3;
    f.kernel_w = 1;
    f.channel_offset = channels / 2;
    b.add("half 3x1 st_os", f);
    f.channels = 0;
    f.channel_offset = 0;
    f.op = DWVP_OP_DW_1XK;
    f.kernel_h = 1;
    f.kernel_w = 3;
    b.add("full 1x3 st_os", f);
    f.op = DWVP_OP_DW_KX1;
    f.kernel_h = 3;
    f.kernel_w = 1;
    b.add("full 3x1 st_os", f);

    network_run run = simulate_network(cfg, b.network(), opt.vcd);
    const models::accel_params p = accel_params_from(cfg);
    const timing::compute_config cc = compute_config_from(p);

    std::cout << "dwvp depthwise_compare: " << size << "x" << size << "x" << channels
              << ", 3x3, stride 1, array " << p.array.rows << "x" << p.array.cols
              << ", vector lanes " << p.vector_lanes << ", gemm_naive dataflow "
              << cfg.get_string("gemm.dataflow") << "\n\n";
    std::cout << std::left << std::setw(18) << "variant" << std::setw(8) << "engine"
              << std::right << std::setw(12) << "MACs" << std::setw(12) << "cycles"
              << std::setw(8) << "util%" << std::setw(12) << "vs naive" << std::setw(8)
              << "exact\n";
    const auto& layers = b.network().layers;
    const uint64_t naive =
        run.result.layers.empty() ? 0 : run.result.layers[0].stats.compute_cycles;
    auto row = [&](const std::string& name, const char* engine, uint64_t macs,
                   uint64_t cycles, double util, bool exact) {
      std::cout << std::left << std::setw(18) << name << std::setw(8) << engine
                << std::right << std::setw(12) << macs << std::setw(12) << cycles
                << std::setw(8) << std::fixed << std::setprecision(1) << 100.0 * util
                << std::setw(11) << std::setprecision(2)
                << (cycles ? double(naive) / cycles : 0.0) << "x" << std::setw(7)
                << (exact ? "yes" : "NO") << "\n";
    };
    for (size_t i = 0; i < run.result.layers.size(); ++i) {
      const auto t = timing::layer_compute(layers[i].desc, cc);
      const auto& st = run.result.layers[i].stats;
      // From the run (tiles included), per PE of the engine that ran the layer.
      const double units = t.unit == timing::engine::vector
                               ? double(p.vector_lanes)
                               : double(p.array.rows) * p.array.cols;
      const double util = st.compute_cycles ? st.macs / (st.compute_cycles * units) : 0.0;
      row(layers[i].name, timing::engine_name(t.unit), st.macs, st.compute_cycles, util,
          i < run.layer_exact.size() && run.layer_exact[i]);
    }
    if (run.result.layers.size() == layers.size()) {
      const auto& L = run.result.layers;
      const double pes = double(p.array.rows) * p.array.cols;
      auto pair = [&](size_t a, size_t c, const std::string& name) {
        const uint64_t cycles = L[a].stats.compute_cycles + L[c].stats.compute_cycles;
        const uint64_t macs = L[a].stats.macs + L[c].stats.macs;
        row(name, "gemm", macs, cycles, macs / (cycles * pes),
            c < run.layer_exact.size() && run.layer_exact[a] && run.layer_exact[c]);
      };
      pair(3, 4, "FuSe-Half total");
      pair(5, 6, "FuSe-Full total");
    }
    std::cout << "\n";
    print_summary(std::cout, run, make_report(cfg, b.network(), run, "mixed"));
    return run.bit_exact ? 0 : 1;
  });
}

int main(int argc, char* argv[]) {
  return systemc_main(argc, argv);
}
