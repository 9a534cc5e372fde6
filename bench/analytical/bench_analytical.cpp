// The analytical model's speed and its agreement with the platform at 224x224
// (docs/analytical.md): design points estimated per host second on MobileNet-v1 and
// MobileNet-v2 (the model alone: layers built once, every point a fresh set of
// parameters), then MobileNet-v1 / v2 under each policy on the platform (timing only,
// one fork()ed child each) against the model, per-layer cycle errors.
#include "analytical_config.h"
#include "analytical_study.h"
#include "model_zoo.h"

#include <systemc>

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace dwvp;

// libsystemc provides main(); the platform runs are in fork()ed children.
int sc_main(int argc, char** argv) {
  const int resolution = argc > 1 ? std::atoi(argv[1]) : 224;
  for (const char* net : {"mobilenet_v1", "mobilenet_v2"}) {
    studies::run_spec s;
    s.network = net;
    s.policy = "gemm_dwc";
    s.resolution = resolution;
    const std::vector<analytical::layer_input> layers = analytical::layers_of_spec(s);
    const analytical::platform_params base =
        analytical::params_from_config(studies::config_of(s));
    size_t points = 0;
    uint64_t sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int a : {8, 16, 32, 64, 128})
      for (uint64_t in : {32, 64, 128, 256, 512})
        for (uint64_t w : {32, 64, 128, 256, 512})
          for (uint64_t out : {32, 64, 128, 256})
            for (int lanes : {8, 16, 32, 64}) {
              analytical::platform_params p = base;
              p.compute.array = {a, a};
              p.compute.vector_lanes = lanes;
              p.buffers = {in * 512, w * 512, out * 512};
              sink += analytical::estimate(layers, p).cycles;
              ++points;
            }
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s %dx%d gemm_dwc: %zu design points (%zu layers each) in %.3f s: "
                "%.0f points per host second (checksum %llu)\n",
                net, resolution, resolution, points, layers.size(), sec, points / sec,
                (unsigned long long)sink);
  }
  std::vector<studies::run_spec> specs;
  for (const char* net : {"mobilenet_v1", "mobilenet_v2"})
    for (networks::policy p : networks::all_policies()) {
      studies::run_spec s;
      s.network = net;
      s.policy = networks::policy_name(p);
      s.resolution = resolution;
      specs.push_back(s);
    }
  const std::vector<studies::run_result> runs = studies::run_all(specs, 2);
  std::printf("\n%-14s %-12s %7s %12s %12s %8s %8s %8s %s\n", "network", "policy",
              "layers", "model", "platform", "total%", "median%", "max%", "bytes equal");
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!runs[i].ok) {
      std::printf("%s %s: platform run failed: %s\n", specs[i].network.c_str(),
                  specs[i].policy.c_str(), runs[i].error.c_str());
      return 1;
    }
    const analytical::network_estimate m = analytical::estimate_spec(specs[i]);
    const analytical::comparison c = analytical::compare(m, runs[i]);
    std::vector<double> e;
    size_t equal = 0;
    for (const analytical::layer_error& l : c.layers) {
      e.push_back(l.cycle_error);
      equal += l.bytes_equal;
    }
    std::printf("%-14s %-12s %7zu %12llu %12llu %8.2f %8.2f %8.2f %zu/%zu\n",
                specs[i].network.c_str(), specs[i].policy.c_str(), c.layers.size(),
                (unsigned long long)m.cycles, (unsigned long long)runs[i].cycles,
                100.0 * (double(m.cycles) - double(runs[i].cycles)) /
                    double(runs[i].cycles),
                100 * analytical::abs_quantile(e, 0.5),
                100 * analytical::abs_quantile(e, 1), equal, c.layers.size());
  }
  return 0;
}
