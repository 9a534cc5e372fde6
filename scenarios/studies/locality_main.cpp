// dwvp_study_locality: MobileNet-v2 DRAM traffic and DRAM energy for the row-major and
// Scan tile orders, with and without depthwise + pointwise fusion, over on-chip buffer
// sizes. Reproduces Wu and Huang (DATE 2019): 67% DRAM energy reduction with a
// 64K-entry buffer. docs/results.md.
#include "harness.h"
#include "study_output.h"

#include <algorithm>
#include <systemc>

#include <iostream>

using namespace dwvp::studies;

int sc_main(int, char**) {
  return 0;
} // never elaborated here: children simulate

namespace {

// Every buffer size as a tick, inside a range with a margin: gnuplot's autoscaled
// log axis ends at the last point and drops its tick.
std::string xtics(const std::vector<int>& sizes) {
  std::string s = "set xtics (";
  int lo = sizes.empty() ? 1 : sizes.front(), hi = lo;
  for (size_t i = 0; i < sizes.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(sizes[i]);
    lo = std::min(lo, sizes[i]);
    hi = std::max(hi, sizes[i]);
  }
  return s + ")\nset xrange [" + std::to_string(lo * 0.8) + ":" +
         std::to_string(hi * 1.25) + "]\n";
}

int run(const study_options& o, const std::vector<int>& sizes, const std::string& network,
        const std::string& policy) {
  struct variant {
    const char* name;
    bool scan, fuse;
  };
  const std::vector<variant> variants{{"row-major", false, false},
                                      {"row-major+fuse", false, true},
                                      {"scan", true, false},
                                      {"scan+fuse", true, true}};
  std::vector<run_spec> specs;
  for (int kb : sizes)
    for (const auto& v : variants) {
      run_spec s;
      s.network = network;
      s.policy = policy;
      s.resolution = o.resolution;
      const std::string k = std::to_string(kb);
      s.sets = {{"sram.input_kb", k}, {"sram.weight_kb", k}, {"sram.output_kb", k}};
      s.scan_order = v.scan;
      s.fuse = v.fuse;
      specs.push_back(s);
    }
  std::cout << "dwvp_study_locality: " << network << " at " << o.resolution << "x"
            << o.resolution << ", policy " << policy
            << ", DDR4-2400 channel, sram.input_kb = weight_kb = output_kb swept, "
               "timing only\n\n";
  const auto res = run_checked(specs, o);
  if (res.empty())
    return 0; // --engine slurm: the points are written, nothing ran
  table t;
  t.header = {"buffer_kb",       "schedule",
              "dram_read_bytes", "dram_write_bytes",
              "dram_bytes",      "traffic_reduction_pct",
              "dram_energy_uj",  "energy_reduction_pct",
              "cycles"};
  table p; // buffer_kb, per variant the DRAM energy reduction
  p.header = {"buffer_kb"};
  for (const auto& v : variants)
    p.header.push_back(v.name);
  size_t k = 0;
  for (int kb : sizes) {
    const run_result& base = res[k];
    std::vector<std::string> prow{std::to_string(kb)};
    for (size_t i = 0; i < variants.size(); ++i) {
      const run_result& r = res[k + i];
      const double tr = 100.0 * (1.0 - double(r.dram_bytes) / base.dram_bytes);
      const double er = 100.0 * (1.0 - r.energy_dram_pj / base.energy_dram_pj);
      t.add({std::to_string(kb), variants[i].name, fmt_int(r.dram_read_bytes),
             fmt_int(r.dram_write_bytes), fmt_int(r.dram_bytes), fmt(tr, 1),
             fmt(r.energy_dram_pj / 1e6, 1), fmt(er, 1), fmt_int(r.cycles)});
      prow.push_back(fmt(er, 1));
    }
    p.add(prow);
    k += variants.size();
  }
  print_table(std::cout, t);
  std::cout << "\n(reductions are against row-major without fusion at the same buffer "
               "size; published: 67% DRAM energy reduction, Wu and Huang DATE 2019)\n\n";
  write_csv(o.out + "/locality.csv", t);
  write_csv(o.out + "/energy_reduction.csv", p);
  std::cout << "CSV               " << o.out << "/locality.csv, energy_reduction.csv\n";
  plot(std::cout, o.out, "energy_reduction",
       "set title '" + network +
           ": DRAM energy reduction vs row-major, no fusion' noenhanced\n"
           "set xlabel 'buffer size per buffer, KiB'\nset ylabel 'reduction, %'\n"
           "set logscale x 2\nset yrange [0:100]\n" +
           xtics(sizes) +
           "plot 'energy_reduction.csv' using 1:3 with linespoints title "
           "'row-major + fuse', '' using 1:4 with linespoints title 'Scan', '' using "
           "1:5 with linespoints title 'Scan + fuse', 67 with lines dt 2 title "
           "'published 67%'\n");
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  CLI::App app{"dwvp_study_locality: row-major vs Scan order, with and without "
               "fusion, over buffer sizes (Wu and Huang, DATE 2019)"};
  study_options o;
  add_study_options(app, o, "locality");
  std::vector<int> sizes{32, 64, 128, 256, 512};
  std::string network = "mobilenet_v2", policy = "gemm_dwc";
  app.add_option("--buffers-kb", sizes, "buffer sizes, KiB (each of the three buffers)")
      ->delimiter(',')
      ->check(CLI::Range(4, 65536))
      ->capture_default_str();
  app.add_option("--network", network, "network")->capture_default_str();
  app.add_option("--policy", policy, "depthwise policy")
      ->check(CLI::IsMember({"conventional", "gemm_naive", "gemm_dwc"}))
      ->capture_default_str();
  if (int code = dwvp::scenarios::parse_command_line(app, argc, argv); code >= 0)
    return code;
  return dwvp::scenarios::guarded_main([&] { return run(o, sizes, network, policy); });
}
