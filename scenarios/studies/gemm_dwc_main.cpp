// dwvp_study_gemm_dwc: MobileNet-v1 with its depthwise layers on the vector unit
// (conventional), as one-column GEMMs (gemm_naive) and as channel-parallel MVMs on the
// added DwC datapath (gemm_dwc), on the default platform. Reproduces the comparison of
// Manasi et al. (ASP-DAC 2023): 7x speedup and 1.8x less off-chip traffic over the
// conventional accelerator. docs/results.md.
#include "harness.h"
#include "study_output.h"

#include <systemc>

#include <iostream>
#include <map>
#include <set>

using namespace dwvp::studies;

int sc_main(int, char**) {
  return 0;
} // never elaborated here: children simulate

namespace {

int run(const study_options& o, const std::string& network) {
  const std::vector<std::string> policies{"conventional", "gemm_naive", "gemm_dwc"};
  std::vector<run_spec> specs;
  for (const auto& p : policies) {
    run_spec s;
    s.network = network;
    s.policy = p;
    s.resolution = o.resolution;
    specs.push_back(s);
  }
  std::cout << "dwvp_study_gemm_dwc: " << network << " at " << o.resolution << "x"
            << o.resolution << ", default platform (32x32 array, 32-lane vector unit, "
            << "DDR4-2400), timing only\n\n";
  const auto res = run_checked(specs, o);
  if (res.empty())
    return 0; // --engine slurm: the points are written, nothing ran
  const run_result& dwc = res[2];

  table sum;
  sum.header = {
      "policy",           "cycles",           "speedup_of_gemm_dwc", "compute_cycles",
      "compute_speedup",  "depthwise_cycles", "depthwise_compute",   "dw_compute_speedup",
      "pointwise_cycles", "dram_bytes",       "dram_ratio_vs_dwc",   "energy_uj"};
  const auto& all = compute_layer_types();
  const std::vector<std::string> dw{"depthwise"};
  for (const auto& r : res)
    sum.add({r.spec.policy, fmt_int(r.cycles), fmt(double(r.cycles) / dwc.cycles),
             fmt_int(r.compute_cycles_of(all)),
             fmt(double(r.compute_cycles_of(all)) / dwc.compute_cycles_of(all)),
             fmt_int(r.cycles_of(dw)), fmt_int(r.compute_cycles_of(dw)),
             fmt(double(r.compute_cycles_of(dw)) / dwc.compute_cycles_of(dw)),
             fmt_int(r.cycles_of({"pointwise"})), fmt_int(r.dram_bytes),
             fmt(double(r.dram_bytes) / dwc.dram_bytes), fmt(r.energy_pj / 1e6, 1)});
  print_table(std::cout, sum);
  std::cout
      << "\n(speedup_of_gemm_dwc = cycles of the policy / cycles of gemm_dwc; "
         "compute_*: engine-busy cycles of the conv/depthwise/pointwise/FC layers "
         "(no DMA stalls); dw_compute_speedup: depthwise engine-busy cycles of the "
         "policy / of gemm_dwc; dram_ratio_vs_dwc = DRAM bytes of the policy / DRAM "
         "bytes of gemm_dwc)\n\n";

  // Cycles per layer type per policy.
  std::vector<std::string> types;
  for (const auto& l : dwc.layers)
    if (std::find(types.begin(), types.end(), l.type) == types.end())
      types.push_back(l.type);
  table by_type;
  by_type.header = {"layer_type"};
  for (const auto& p : policies)
    by_type.header.push_back(p + "_cycles");
  for (const auto& p : policies)
    by_type.header.push_back(p + "_dram_bytes");
  for (const auto& t : types) {
    std::vector<std::string> row{t};
    for (const auto& r : res)
      row.push_back(fmt_int(r.cycles_of({t})));
    for (const auto& r : res) {
      uint64_t b = 0;
      for (const auto& l : r.layers)
        if (l.type == t)
          b += l.dram_read_bytes + l.dram_write_bytes;
      row.push_back(fmt_int(b));
    }
    by_type.add(row);
  }
  print_table(std::cout, by_type);
  std::cout << "\n";

  table layers;
  layers.header = {"layer", "type"};
  for (const auto& p : policies)
    layers.header.push_back(p + "_cycles");
  for (const auto& p : policies)
    layers.header.push_back(p + "_dram_bytes");
  for (size_t i = 0; i < dwc.layers.size(); ++i) {
    std::vector<std::string> row{dwc.layers[i].name, dwc.layers[i].type};
    for (const auto& r : res)
      row.push_back(fmt_int(r.layers.at(i).cycles));
    for (const auto& r : res)
      row.push_back(
          fmt_int(r.layers.at(i).dram_read_bytes + r.layers.at(i).dram_write_bytes));
    layers.add(row);
  }
  write_csv(o.out + "/summary.csv", sum);
  write_csv(o.out + "/by_layer_type.csv", by_type);
  write_csv(o.out + "/layers.csv", layers);
  std::cout << "CSV               " << o.out << "/summary.csv, by_layer_type.csv, "
            << "layers.csv\n";
  plot(std::cout, o.out, "by_layer_type",
       "set title '" + network +
           ": cycles per layer type'\n"
           "set style data histograms\nset style histogram clustered gap 1\n"
           "set style fill solid 0.8 border -1\nset ylabel 'cycles'\n"
           "set xtics rotate by -30\n"
           "plot 'by_layer_type.csv' using 2:xtic(1) title 'conventional', '' using 3 "
           "title 'gemm_naive', '' using 4 title 'gemm_dwc'\n");
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  CLI::App app{"dwvp_study_gemm_dwc: MobileNet-v1 under conventional, gemm_naive and "
               "gemm_dwc (Manasi et al., ASP-DAC 2023)"};
  study_options o;
  add_study_options(app, o, "gemm_dwc");
  std::string network = "mobilenet_v1";
  app.add_option("--network", network, "network (default mobilenet_v1)")
      ->capture_default_str();
  if (int code = dwvp::scenarios::parse_command_line(app, argc, argv); code >= 0)
    return code;
  return dwvp::scenarios::guarded_main([&] { return run(o, network); });
}
