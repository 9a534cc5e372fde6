// dwvp_study_fuseconv: speedup of the FuSeConv variants (Half, Full, Half-50%,
// Full-50%) over their base networks, the base running its depthwise layers as
// one-column GEMMs (gemm_naive) and the FuSe 1D layers on ST-OS, on square arrays.
// Reproduces Selvam et al. (DATE 2021). docs/results.md.
#include "harness.h"
#include "study_output.h"

#include <systemc>

#include <iostream>
#include <map>

using namespace dwvp::studies;

int sc_main(int, char**) {
  return 0;
} // never elaborated here: children simulate

namespace {

const std::vector<std::string> kNetworks{"mobilenet_v1", "mobilenet_v2",
                                         "mobilenet_v3_small", "mobilenet_v3_large",
                                         "mnasnet_b1"};
const std::vector<std::string> kVariants{"half", "full", "half_50", "full_50"};

// Published speedups on a 64x64 array (Selvam et al., DATE 2021), in kNetworks order.
double published_64(const std::string& variant, size_t net) {
  static const std::map<std::string, std::vector<double>> t{
      {"half", {6.76, 7.23, 4.16, 5.45, 7.15}}, {"full", {4.1, 5.1, 3.02, 3.61, 5.06}}};
  auto it = t.find(variant);
  return it == t.end() ? 0.0 : it->second[net];
}

// Published FuSe-Full speedup of MobileNet-v1 over array sizes.
double published_v1_full(int array) {
  switch (array) {
  case 32:
    return 2.02;
  case 64:
    return 4.08;
  case 128:
    return 6.78;
  case 256:
    return 8.64;
  default:
    return 0.0;
  }
}

int run(const study_options& o, const std::vector<int>& arrays,
        const std::vector<std::string>& nets) {
  std::vector<run_spec> specs;
  for (int a : arrays)
    for (const auto& n : nets)
      for (const std::string v : {"", "half", "full", "half_50", "full_50"}) {
        run_spec s;
        s.network = v.empty() ? n : n + "_fuse_" + v;
        s.policy = "gemm_naive";
        s.resolution = o.resolution;
        const std::string as = std::to_string(a);
        s.sets = {{"gemm.rows", as},
                  {"gemm.cols", as},
                  {"vector.lanes", as},
                  {"ppu.lanes", as}};
        specs.push_back(s);
      }
  std::cout << "dwvp_study_fuseconv: " << nets.size() << " networks x 5 variants x "
            << arrays.size() << " arrays at " << o.resolution << "x" << o.resolution
            << ", base depthwise as gemm_naive, FuSe 1D layers on ST-OS, timing only\n\n";
  const auto res = run_checked(specs, o.jobs);

  table t;
  t.header = {"network",         "array",         "variant",      "base_cycles",
              "fuse_cycles",     "speedup_total", "base_compute", "fuse_compute",
              "speedup_compute", "published"};
  table plot_t; // array, then per network the Full compute speedup
  plot_t.header = {"array"};
  for (const auto& n : nets)
    plot_t.header.push_back(n + "_full");
  for (const auto& n : nets)
    plot_t.header.push_back(n + "_half");
  plot_t.header.push_back("published_v1_full");
  size_t k = 0;
  for (int a : arrays) {
    std::vector<std::string> prow{std::to_string(a)};
    std::vector<std::string> half_col;
    for (size_t ni = 0; ni < nets.size(); ++ni) {
      const run_result& base = res[k];
      const uint64_t base_compute = base.compute_cycles_of(compute_layer_types());
      for (size_t vi = 0; vi < kVariants.size(); ++vi) {
        const run_result& f = res[k + 1 + vi];
        const uint64_t fc = f.compute_cycles_of(compute_layer_types());
        const double s_total = double(base.cycles) / f.cycles;
        const double s_compute = double(base_compute) / fc;
        size_t pub_i = 0;
        for (size_t j = 0; j < kNetworks.size(); ++j)
          if (kNetworks[j] == nets[ni])
            pub_i = j;
        double pub = a == 64 ? published_64(kVariants[vi], pub_i) : 0.0;
        if (nets[ni] == "mobilenet_v1" && kVariants[vi] == "full")
          pub = published_v1_full(a);
        t.add({nets[ni], std::to_string(a), kVariants[vi], fmt_int(base.cycles),
               fmt_int(f.cycles), fmt(s_total), fmt_int(base_compute), fmt_int(fc),
               fmt(s_compute), pub > 0 ? fmt(pub) : "-"});
        if (kVariants[vi] == "full")
          prow.push_back(fmt(s_compute));
        if (kVariants[vi] == "half")
          half_col.push_back(fmt(s_compute));
      }
      k += 5;
    }
    prow.insert(prow.end(), half_col.begin(), half_col.end());
    const double pv1 = published_v1_full(a);
    prow.push_back(pv1 > 0 ? fmt(pv1) : "NaN");
    plot_t.add(prow);
  }
  print_table(std::cout, t);
  std::cout << "\n(speedup_total: sum of all layer cycles incl. DRAM stalls, pooling, "
               "add, SE; speedup_compute: engine-busy cycles of conv/depthwise/1D/"
               "pointwise/FC layers only, the authors' model; published: Selvam et "
               "al. DATE 2021)\n\n";
  write_csv(o.out + "/speedups.csv", t);
  write_csv(o.out + "/compute_speedup_by_array.csv", plot_t);
  std::cout << "CSV               " << o.out << "/speedups.csv, "
            << "compute_speedup_by_array.csv\n";
  std::string script = "set title 'FuSe speedup over gemm\\_naive depthwise (compute "
                       "cycles)'\nset xlabel 'array size (rows = cols)'\nset ylabel "
                       "'speedup'\nset logscale x 2\nset xtics (";
  for (size_t i = 0; i < arrays.size(); ++i)
    script += (i ? ", " : "") + std::to_string(arrays[i]);
  script += ")\nplot ";
  const size_t n = nets.size();
  for (size_t i = 0; i < n; ++i)
    script += "'compute_speedup_by_array.csv' using 1:" + std::to_string(2 + i) +
              " with linespoints title '" + nets[i] + " Full' noenhanced, ";
  for (size_t i = 0; i < n; ++i)
    script += "'compute_speedup_by_array.csv' using 1:" + std::to_string(2 + n + i) +
              " with linespoints dt 2 title '" + nets[i] + " Half' noenhanced, ";
  script += "'compute_speedup_by_array.csv' using 1:" + std::to_string(2 + 2 * n) +
            " with points pt 7 ps 1.5 title 'published v1 Full'\n";
  plot(std::cout, o.out, "compute_speedup_by_array", script);
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  CLI::App app{"dwvp_study_fuseconv: FuSeConv variants over their base networks on "
               "ST-OS (Selvam et al., DATE 2021)"};
  study_options o;
  add_study_options(app, o, "fuseconv");
  std::vector<int> arrays{32, 64, 128, 256};
  std::vector<std::string> nets = kNetworks;
  app.add_option("--arrays", arrays, "array sizes to sweep (rows = cols = lanes)")
      ->delimiter(',')
      ->check(CLI::Range(4, 1024))
      ->capture_default_str();
  app.add_option("--networks", nets, "base networks to sweep")
      ->delimiter(',')
      ->check(CLI::IsMember(kNetworks))
      ->capture_default_str();
  if (int code = dwvp::scenarios::parse_command_line(app, argc, argv); code >= 0)
    return code;
  return dwvp::scenarios::guarded_main([&] { return run(o, arrays, nets); });
}
