// dwvp_study_speed: host seconds and simulated cycles per host second for every base
// network, functional (values computed and checked bit for bit) and timing only
// (--no-data). docs/results.md.
#include "harness.h"
#include "model_zoo.h"
#include "study_output.h"

#include <systemc>

#include <iostream>

using namespace dwvp::studies;

int sc_main(int, char**) {
  return 0;
} // never elaborated here: children simulate

namespace {

int run(const study_options& o, const std::string& policy) {
  std::vector<std::string> nets;
  for (const auto& n : dwvp::networks::network_names())
    if (n.find("_fuse") == std::string::npos)
      nets.push_back(n);
  std::vector<run_spec> specs;
  for (const auto& n : nets)
    for (bool functional : {true, false}) {
      run_spec s;
      s.network = n;
      s.policy = policy;
      s.resolution = o.resolution;
      s.functional = functional;
      specs.push_back(s);
    }
  std::cout << "dwvp_study_speed: base networks at " << o.resolution << "x"
            << o.resolution << ", policy " << policy << ", default platform, " << o.jobs
            << " simulation(s) at a time\n\n";
  const auto res = run_checked(specs, o);
  if (res.empty())
    return 0; // --engine slurm: the points are written, nothing ran
  table t;
  t.header = {"network",
              "mode",
              "layers",
              "layer_cycles",
              "simulated_cycles",
              "host_seconds",
              "child_wall_seconds",
              "cycles_per_host_second",
              "bit_exact"};
  for (const auto& r : res)
    t.add({r.spec.network, r.spec.functional ? "functional" : "no-data",
           std::to_string(r.layers.size()), fmt_int(r.cycles),
           fmt_int(uint64_t(r.cycles_per_host_second * r.host_seconds + 0.5)),
           fmt(r.host_seconds, 3), fmt(r.child_wall_seconds, 3),
           fmt(r.cycles_per_host_second / 1e6, 1) + "M",
           r.spec.functional ? (r.bit_exact ? "yes" : "NO") : "-"});
  print_table(std::cout, t);
  std::cout << "\n(host_seconds: the simulation as the report measures it; "
               "child_wall_seconds: fork to exit, including building the network and "
               "the golden reference; layer_cycles: sum of the layers' cycles; "
               "simulated_cycles: the whole simulated time in accelerator cycles, "
               "firmware loading the network included; cycles per host second: "
               "simulated_cycles / host_seconds)\n\n";
  write_csv(o.out + "/speed.csv", t);
  std::cout << "CSV               " << o.out << "/speed.csv\n";
  plot(std::cout, o.out, "speed",
       "set title 'simulation speed'\nset style data histograms\n"
       "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
       "set ylabel 'host seconds (child wall)'\nset xtics rotate by -30 noenhanced\n"
       "plot '< awk -F, \"NR>1 && \\$2==\\\"functional\\\"\" speed.csv' using "
       "7:xtic(1) title 'functional', '< awk -F, \"NR>1 && \\$2==\\\"no-data\\\"\" "
       "speed.csv' using 7 title 'no-data'\n");
  for (const auto& r : res)
    if (r.spec.functional && !r.bit_exact) {
      std::cerr << "error: " << r.spec.network << " not bit-exact\n";
      return 1;
    }
  return 0;
}

} // namespace

int main(int argc, char* argv[]) {
  CLI::App app{"dwvp_study_speed: simulation speed of every base network, functional "
               "and timing only"};
  study_options o;
  add_study_options(app, o, "speed");
  o.jobs = 1; // one at a time: host seconds are not shared with another simulation
  std::string policy = "gemm_dwc";
  app.add_option("--policy", policy, "depthwise policy")
      ->check(CLI::IsMember({"conventional", "gemm_naive", "gemm_dwc"}))
      ->capture_default_str();
  if (int code = dwvp::scenarios::parse_command_line(app, argc, argv); code >= 0)
    return code;
  return dwvp::scenarios::guarded_main([&] { return run(o, policy); });
}
