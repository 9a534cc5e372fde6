// dwvp_study_fuseconv: speedup of the FuSeConv variants (Half, Full, Half-50%,
// Full-50%) over their base networks, the base running its depthwise layers as
// one-column GEMMs (gemm_naive) and the FuSe 1D layers on ST-OS, on square arrays,
// under the physical timing and under the authors' accounting (timing.model=
// fuse_paper, docs/timing.md). Reproduces Selvam et al. (DATE 2021). docs/results.md.
#include "harness.h"
#include "layer_timing.h"
#include "model_zoo.h"
#include "study_output.h"

#include <systemc>

#include <algorithm>
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

// The authors' accounting applied to whole layers, as their model does, with no
// simulation: the sum of layer_compute (timing.model=fuse_paper) over the network's
// compute layers, untiled. The simulated fuse_paper runs charge every tile as a layer
// of its own, which costs more where tiles cut folds (docs/timing.md).
uint64_t untiled_paper_compute(const dwvp::runtime::network& net, int array) {
  dwvp::timing::compute_config cfg;
  cfg.array = {array, array};
  cfg.model = dwvp::timing::timing_model::fuse_paper;
  cfg.vector_lanes = cfg.ppu_lanes = array;
  const auto& types = compute_layer_types();
  uint64_t sum = 0;
  for (const auto& l : net.layers)
    if (std::find(types.begin(), types.end(), dwvp::timing::opcode_name(l.desc.opcode)) !=
        types.end())
      sum += dwvp::timing::layer_compute(l.desc, cfg).cycles;
  return sum;
}

// The two timing models every point is run under: the platform's physical timing and
// the FuSeConv authors' accounting (timing.model=fuse_paper, docs/timing.md).
const char* const kModels[] = {"physical", "fuse_paper"};

int run(const study_options& o, const std::vector<int>& arrays,
        const std::vector<std::string>& nets) {
  // Per array, network and model: the base network, then its four variants.
  std::vector<run_spec> specs;
  for (int a : arrays)
    for (const auto& n : nets)
      for (const std::string model : kModels)
        for (const std::string v : {"", "half", "full", "half_50", "full_50"}) {
          run_spec s;
          s.network = v.empty() ? n : n + "_fuse_" + v;
          s.policy = "gemm_naive";
          s.resolution = o.resolution;
          const std::string as = std::to_string(a);
          s.sets = {{"gemm.rows", as},
                    {"gemm.cols", as},
                    {"vector.lanes", as},
                    {"ppu.lanes", as},
                    {"timing.model", model}};
          specs.push_back(s);
        }
  std::cout << "dwvp_study_fuseconv: " << nets.size() << " networks x 5 variants x "
            << arrays.size() << " arrays x 2 timing models (physical, fuse_paper) at "
            << o.resolution << "x" << o.resolution
            << ", base depthwise as gemm_naive, FuSe 1D layers on ST-OS, timing only\n\n";
  const auto res = run_checked(specs, o.jobs);
  // The networks as the runs build them (the policy is what the runs use).
  std::map<std::string, dwvp::runtime::network> built;
  for (const auto& sp : specs)
    if (!built.count(sp.network))
      built.emplace(sp.network, dwvp::networks::build_network(
                                    sp.network, dwvp::networks::parse_policy(sp.policy),
                                    sp.seed, sp.resolution));

  table t;
  t.header = {"network",
              "array",
              "variant",
              "base_cycles",
              "fuse_cycles",
              "speedup_total",
              "base_compute",
              "fuse_compute",
              "speedup_compute",
              "paper_base",
              "paper_fuse",
              "speedup_paper",
              "speedup_paper_untiled",
              "published"};
  // array, then per network the Full and Half compute speedups: physical, fuse_paper
  // per tile, fuse_paper on whole layers; then the published v1 Full point.
  const char* const groups[] = {"", "_paper", "_paper_untiled"};
  table plot_t;
  plot_t.header = {"array"};
  for (const std::string g : groups)
    for (const char* v : {"_full", "_half"})
      for (const auto& n : nets)
        plot_t.header.push_back(n + v + g);
  plot_t.header.push_back("published_v1_full");
  size_t k = 0;
  for (int a : arrays) {
    std::vector<std::string> cols[6]; // full, half per group
    for (size_t ni = 0; ni < nets.size(); ++ni) {
      const size_t phys = k, fp = k + kVariants.size() + 1;
      const uint64_t base_compute = res[phys].compute_cycles_of(compute_layer_types());
      const uint64_t paper_base = res[fp].compute_cycles_of(compute_layer_types());
      size_t pub_i = 0;
      for (size_t j = 0; j < kNetworks.size(); ++j)
        if (kNetworks[j] == nets[ni])
          pub_i = j;
      for (size_t vi = 0; vi < kVariants.size(); ++vi) {
        const run_result& f = res[phys + 1 + vi];
        const uint64_t fc = f.compute_cycles_of(compute_layer_types());
        const uint64_t paper_fuse =
            res[fp + 1 + vi].compute_cycles_of(compute_layer_types());
        const double s_total = double(res[phys].cycles) / f.cycles;
        const double s_compute = double(base_compute) / fc;
        const double s_paper = double(paper_base) / paper_fuse;
        const double s_untiled =
            double(untiled_paper_compute(built.at(res[phys].spec.network), a)) /
            untiled_paper_compute(built.at(f.spec.network), a);
        double pub = a == 64 ? published_64(kVariants[vi], pub_i) : 0.0;
        if (nets[ni] == "mobilenet_v1" && kVariants[vi] == "full")
          pub = published_v1_full(a);
        t.add({nets[ni], std::to_string(a), kVariants[vi], fmt_int(res[phys].cycles),
               fmt_int(f.cycles), fmt(s_total), fmt_int(base_compute), fmt_int(fc),
               fmt(s_compute), fmt_int(paper_base), fmt_int(paper_fuse), fmt(s_paper),
               fmt(s_untiled), pub > 0 ? fmt(pub) : "-"});
        if (kVariants[vi] == "full" || kVariants[vi] == "half") {
          const size_t h = kVariants[vi] == "half";
          cols[h].push_back(fmt(s_compute));
          cols[2 + h].push_back(fmt(s_paper));
          cols[4 + h].push_back(fmt(s_untiled));
        }
      }
      k += 2 * (kVariants.size() + 1);
    }
    std::vector<std::string> prow{std::to_string(a)};
    for (const auto& c : cols)
      prow.insert(prow.end(), c.begin(), c.end());
    const double pv1 = published_v1_full(a);
    prow.push_back(pv1 > 0 ? fmt(pv1) : "NaN");
    plot_t.add(prow);
  }
  print_table(std::cout, t);
  std::cout << "\n(speedup_total: sum of all layer cycles incl. DRAM stalls, pooling, "
               "add, SE, physical timing; speedup_compute: engine-busy cycles of "
               "conv/depthwise/1D/pointwise/FC layers only, physical timing; "
               "paper_base, paper_fuse, speedup_paper: the same engine-busy cycles "
               "with timing.model=fuse_paper, the authors' accounting, charged per "
               "tile; speedup_paper_untiled: that accounting on whole layers, "
               "computed without simulation, as the authors apply it; published: "
               "Selvam et al. DATE 2021)\n\n";
  write_csv(o.out + "/speedups.csv", t);
  write_csv(o.out + "/compute_speedup_by_array.csv", plot_t);
  std::cout << "CSV               " << o.out << "/speedups.csv, "
            << "compute_speedup_by_array.csv\n";
  const size_t n = nets.size();
  // One plot per column group: Full solid, Half dashed, the published v1 Full points.
  const char* const titles[] = {"physical timing", "fuse\\_paper per tile",
                                "fuse\\_paper on whole layers"};
  for (size_t gi = 0; gi < 3; ++gi) {
    std::string script =
        std::string("set title 'FuSe speedup over gemm\\_naive depthwise "
                    "(compute cycles, ") +
        titles[gi] +
        ")'\nset xlabel 'array size (rows = cols)'\nset ylabel "
        "'speedup'\nset logscale x 2\nset xtics (";
    for (size_t i = 0; i < arrays.size(); ++i)
      script += (i ? ", " : "") + std::to_string(arrays[i]);
    script += ")\nplot ";
    const size_t first = 2 + 2 * n * gi;
    for (size_t i = 0; i < n; ++i)
      script += "'compute_speedup_by_array.csv' using 1:" + std::to_string(first + i) +
                " with linespoints title '" + nets[i] + " Full' noenhanced, ";
    for (size_t i = 0; i < n; ++i)
      script +=
          "'compute_speedup_by_array.csv' using 1:" + std::to_string(first + n + i) +
          " with linespoints dt 2 title '" + nets[i] + " Half' noenhanced, ";
    script += "'compute_speedup_by_array.csv' using 1:" + std::to_string(2 + 6 * n) +
              " with points pt 7 ps 1.5 title 'published v1 Full'\n";
    plot(std::cout, o.out,
         std::string("compute_speedup_by_array") + (gi ? "_fuse" : "") + groups[gi],
         script);
  }
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
