// dwvp_study_gemm_dwc: MobileNet-v1 with its depthwise layers on the vector unit
// (conventional), as one-column GEMMs (gemm_naive) and as channel-parallel MVMs on the
// added DwC datapath (gemm_dwc). Reproduces the comparison of Manasi et al. (ASP-DAC
// 2023): 7x speedup and 1.8x less off-chip traffic over the conventional accelerator.
// Two conventional baselines: the ideal vector unit (the default keys) and a
// GeneSys-style one (configs/genesys_like.yaml, docs/genesys.md), each on the default
// platform and on a platform sized like GeneSys's 32x32 configuration; then a
// sensitivity sweep of the GeneSys-style baseline over the dependent-instruction
// interval and the operand widths. docs/results.md.
#include "genesys_like.h"
#include "harness.h"
#include "model_zoo.h"
#include "study_output.h"

#include <systemc>

#include <cmath>
#include <iostream>
#include <map>
#include <set>

using namespace dwvp::studies;

int sc_main(int, char**) {
  return 0;
} // never elaborated here: children simulate

namespace {

key_values joined(key_values a, const key_values& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The sweep of the GeneSys-style baseline on the GeneSys-like platform.
const std::vector<int> k_intervals{1, 2, 3, 4, 6, 8, 12, 16};
const std::vector<int> k_widths{8, 16, 32};

int run(const study_options& o, const std::string& network) {
  auto spec_of = [&](const std::string& policy, const key_values& sets) {
    run_spec s;
    s.network = network;
    s.policy = policy;
    s.resolution = o.resolution;
    s.sets = sets;
    return s;
  };
  const key_values gv = genesys_vector_sets(), gp = genesys_platform_sets();
  // 0..3: default platform; 4..6: GeneSys-like platform.
  std::vector<run_spec> specs{
      spec_of("conventional", {}), spec_of("conventional", gv),
      spec_of("gemm_naive", {}),   spec_of("gemm_dwc", {}),
      spec_of("conventional", gp), spec_of("conventional", joined(gp, gv)),
      spec_of("gemm_dwc", gp)};
  const size_t sweep_first = specs.size();
  for (int out : k_widths)
    for (int w : k_widths)
      for (int ii : k_intervals)
        specs.push_back(spec_of(
            "conventional",
            joined(joined(gp, gv), {{"vector.issue_interval", std::to_string(ii)},
                                    {"vector.operand_bits", std::to_string(w)},
                                    {"vector.dram_input_bits", std::to_string(w)},
                                    {"vector.dram_output_bits", std::to_string(out)}})));
  std::cout << "dwvp_study_gemm_dwc: " << network << " at " << o.resolution << "x"
            << o.resolution << ", timing only; default platform (32x32 array, 32-lane "
            << "vector unit, DDR4-2400) and GeneSys-like platform (configs/"
            << "genesys_like.yaml); " << specs.size() << " runs\n\n";
  const auto res = run_checked(specs, o);
  if (res.empty())
    return 0; // --engine slurm: the points are written, nothing ran

  const std::vector<std::string> dw{"depthwise"};
  const auto& all = compute_layer_types();
  auto dw_bytes = [](const run_result& r) {
    uint64_t b = 0;
    for (const auto& l : r.layers)
      if (l.type == "depthwise")
        b += l.dram_read_bytes + l.dram_write_bytes;
    return b;
  };
  // Depthwise MACs per engine-busy cycle: what the unit sustains while it runs.
  uint64_t dw_macs = 0; // the same under every policy
  for (const auto& l : build_network_of(specs[3]).layers)
    if (l.desc.opcode == DWVP_OP_DEPTHWISE)
      dw_macs += dwvp::networks::layer_macs(l);

  table sum;
  sum.header = {"platform",
                "policy",
                "baseline",
                "cycles",
                "speedup_of_gemm_dwc",
                "compute_cycles",
                "compute_speedup",
                "depthwise_cycles",
                "depthwise_compute",
                "dw_compute_speedup",
                "dw_macs_per_cycle",
                "pointwise_cycles",
                "dram_bytes",
                "depthwise_dram_bytes",
                "dram_ratio_vs_dwc"};
  struct row_of {
    size_t run, dwc;
    const char *platform, *baseline;
  };
  const std::vector<row_of> rows{
      {0, 3, "default", "ideal"},      {1, 3, "default", "genesys"},
      {2, 3, "default", "-"},          {3, 3, "default", "-"},
      {4, 6, "genesys_like", "ideal"}, {5, 6, "genesys_like", "genesys"},
      {6, 6, "genesys_like", "-"}};
  for (const auto& w : rows) {
    const run_result &r = res[w.run], &dwc = res[w.dwc];
    sum.add({w.platform, r.spec.policy, w.baseline, fmt_int(r.cycles),
             fmt(double(r.cycles) / dwc.cycles), fmt_int(r.compute_cycles_of(all)),
             fmt(double(r.compute_cycles_of(all)) / dwc.compute_cycles_of(all)),
             fmt_int(r.cycles_of(dw)), fmt_int(r.compute_cycles_of(dw)),
             fmt(double(r.compute_cycles_of(dw)) / dwc.compute_cycles_of(dw)),
             fmt(double(dw_macs) / r.compute_cycles_of(dw)),
             fmt_int(r.cycles_of({"pointwise"})), fmt_int(r.dram_bytes),
             fmt_int(dw_bytes(r)), fmt(double(r.dram_bytes) / dwc.dram_bytes)});
  }
  print_table(std::cout, sum);
  std::cout
      << "\n(speedup_of_gemm_dwc = cycles of the run / cycles of gemm_dwc on the same "
         "platform; baseline: ideal = today's vector unit (default keys), genesys = "
         "configs/genesys_like.yaml's vector keys; compute_*: engine-busy cycles of the "
         "conv/depthwise/pointwise/FC layers (no DMA stalls); dw_compute_speedup: "
         "depthwise engine-busy cycles / gemm_dwc's; dw_macs_per_cycle: depthwise MACs "
         "per depthwise engine-busy cycle; dram_ratio_vs_dwc = DRAM bytes / gemm_dwc's "
         "on the same platform)\n\n";

  // Cycles and DRAM bytes per layer type and per layer, default platform.
  const std::vector<size_t> cols{0, 1, 2, 3};
  const std::vector<std::string> names{"conventional", "conventional_genesys",
                                       "gemm_naive", "gemm_dwc"};
  const run_result& dwc = res[3];
  std::vector<std::string> types;
  for (const auto& l : dwc.layers)
    if (std::find(types.begin(), types.end(), l.type) == types.end())
      types.push_back(l.type);
  table by_type;
  by_type.header = {"layer_type"};
  for (const auto& p : names)
    by_type.header.push_back(p + "_cycles");
  for (const auto& p : names)
    by_type.header.push_back(p + "_dram_bytes");
  for (const auto& t : types) {
    std::vector<std::string> row{t};
    for (size_t c : cols)
      row.push_back(fmt_int(res[c].cycles_of({t})));
    for (size_t c : cols) {
      uint64_t b = 0;
      for (const auto& l : res[c].layers)
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
  for (const auto& p : names)
    layers.header.push_back(p + "_cycles");
  for (const auto& p : names)
    layers.header.push_back(p + "_dram_bytes");
  for (size_t i = 0; i < dwc.layers.size(); ++i) {
    std::vector<std::string> row{dwc.layers[i].name, dwc.layers[i].type};
    for (size_t c : cols)
      row.push_back(fmt_int(res[c].layers.at(i).cycles));
    for (size_t c : cols)
      row.push_back(fmt_int(res[c].layers.at(i).dram_read_bytes +
                            res[c].layers.at(i).dram_write_bytes));
    layers.add(row);
  }

  // Sensitivity: the GeneSys-style baseline on the GeneSys-like platform, against its
  // gemm_dwc run.
  const run_result& gdwc = res[6];
  table sens;
  sens.header = {"issue_interval", "operand_bits", "dram_output_bits",
                 "speedup",        "dram_ratio",   "dw_macs_per_cycle"};
  std::map<std::pair<int, int>, std::vector<double>> speed, ratio; // (w, out) -> by ii
  size_t k = sweep_first;
  for (int out : k_widths)
    for (int w : k_widths)
      for (int ii : k_intervals) {
        const run_result& r = res[k++];
        const double sp = double(r.cycles) / gdwc.cycles;
        const double tr = double(r.dram_bytes) / gdwc.dram_bytes;
        speed[{w, out}].push_back(sp);
        ratio[{w, out}].push_back(tr);
        sens.add({std::to_string(ii), std::to_string(w), std::to_string(out), fmt(sp),
                  fmt(tr, 3), fmt(double(dw_macs) / r.compute_cycles_of(dw))});
      }
  std::cout << "Sensitivity of the GeneSys-style baseline (GeneSys-like platform): "
               "speedup of gemm_dwc and DRAM-traffic ratio against the issue interval "
               "and the operand widths (vector memory and DRAM input: operand_bits; "
               "DRAM output: dram_output_bits)\n\n";
  print_table(std::cout, sens);
  // Where the published figures appear.
  std::cout << "\nWhere the published 7x speedup appears (issue interval, by linear "
               "interpolation between the swept values):\n";
  for (int out : k_widths)
    for (int w : k_widths) {
      const auto& v = speed[{w, out}];
      std::string at = "not reached up to " + std::to_string(k_intervals.back());
      for (size_t i = 0; i < v.size(); ++i)
        if (v[i] >= 7.0) {
          if (i == 0) {
            at = "already at 1";
          } else {
            const double f = (7.0 - v[i - 1]) / (v[i] - v[i - 1]);
            at = fmt(k_intervals[i - 1] + f * (k_intervals[i] - k_intervals[i - 1]), 1);
          }
          break;
        }
      std::cout << "  operand_bits " << w << ", dram_output_bits " << out
                << ": issue interval " << at << "\n";
    }
  std::cout << "DRAM-traffic ratio by operand widths (the issue interval does not "
               "change the bytes; published 1.8x):\n";
  for (int out : k_widths)
    for (int w : k_widths)
      std::cout << "  operand_bits " << w << ", dram_output_bits " << out << ": "
                << fmt(ratio[{w, out}].front(), 3) << "\n";

  // Plot tables: one column per series.
  table sp_plot, tr_plot;
  sp_plot.header = {"issue_interval"};
  for (int w : k_widths)
    sp_plot.header.push_back("operand_bits_" + std::to_string(w));
  for (size_t i = 0; i < k_intervals.size(); ++i) {
    std::vector<std::string> row{std::to_string(k_intervals[i])};
    for (int w : k_widths)
      row.push_back(fmt(speed[{w, 8}][i], 3));
    sp_plot.add(row);
  }
  tr_plot.header = {"operand_bits"};
  for (int out : k_widths)
    tr_plot.header.push_back("dram_output_bits_" + std::to_string(out));
  for (int w : k_widths) {
    std::vector<std::string> row{std::to_string(w)};
    for (int out : k_widths)
      row.push_back(fmt(ratio[{w, out}].front(), 3));
    tr_plot.add(row);
  }

  write_csv(o.out + "/summary.csv", sum);
  write_csv(o.out + "/by_layer_type.csv", by_type);
  write_csv(o.out + "/layers.csv", layers);
  write_csv(o.out + "/sensitivity.csv", sens);
  write_csv(o.out + "/sensitivity_speedup.csv", sp_plot);
  write_csv(o.out + "/sensitivity_traffic.csv", tr_plot);
  std::cout << "\nCSV               " << o.out << "/summary.csv, by_layer_type.csv, "
            << "layers.csv, sensitivity.csv, sensitivity_speedup.csv, "
               "sensitivity_traffic.csv\n";
  plot(std::cout, o.out, "by_layer_type",
       "set title '" + network +
           ": cycles per layer type, default platform'\n"
           "set style data histograms\nset style histogram clustered gap 1\n"
           "set style fill solid 0.8 border -1\nset ylabel 'cycles'\n"
           "set xtics rotate by -30\n"
           "plot 'by_layer_type.csv' using 2:xtic(1) title 'conventional (ideal)', '' "
           "using 3 title 'conventional (GeneSys-style)', '' using 4 title 'gemm_naive', "
           "'' using 5 title 'gemm_dwc'\n");
  plot(std::cout, o.out, "sensitivity",
       "set multiplot layout 1,2 title '" + network +
           ": gemm_dwc over the GeneSys-style baseline, GeneSys-like platform'\n"
           "set key inside left top\n"
           "set xlabel 'issue interval (cycles between dependent instructions)'\n"
           "set ylabel 'speedup of gemm_dwc (dram_output_bits 8)'\n"
           "set arrow from graph 0, first 7 to graph 1, first 7 nohead dt 2\n"
           "plot for [c=2:4] 'sensitivity_speedup.csv' using 1:c with linespoints "
           "title columnheader(c)\n"
           "unset arrow\n"
           "set xlabel 'operand_bits (vector memory and DRAM input)'\n"
           "set ylabel 'DRAM-traffic ratio, conventional / gemm_dwc'\n"
           "set xtics (8, 16, 32)\n"
           "set arrow from graph 0, first 1.8 to graph 1, first 1.8 nohead dt 2\n"
           "plot for [c=2:4] 'sensitivity_traffic.csv' using 1:c with linespoints "
           "title columnheader(c)\n"
           "unset multiplot\n");
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
