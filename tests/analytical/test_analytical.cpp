// The analytical model (lib/analytical, docs/analytical.md) against the platform: every
// network of the zoo under each depthwise policy at 96x96, timing only (one fork()ed
// child per platform run, studies::run_all), on the default DDR4-2400 channel and on the
// fixed-latency memory, and on the fixed memory three configurations that change what
// the sequencer plans and moves. Per layer: DRAM bytes read and written equal; cycles
// within 1 % on the fixed memory, and on the DDR4 channel within 5 % except the classes
// below, whose bounds are the ones measured (docs/analytical.md, "Validation"). Prints
// the error distribution per policy and per layer length.
#include "analytical_config.h"
#include "analytical_study.h"
#include "genesys_like.h"
#include "model_zoo.h"
#include "study_output.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

using namespace dwvp;

namespace {

constexpr int k_resolution = 96;

struct outcome {
  std::map<std::string, std::vector<double>> errors; // per policy and length class
  std::vector<const char*> classes;                  // per layer
  std::vector<analytical::layer_error> layers;
  std::vector<std::string> labels;
};

// DDR4-2400 refreshes every tREFI = 9360 clocks of 833 ps = 7.8 us = 7800 accelerator
// cycles at 1 GHz.
constexpr uint64_t k_refi_cycles = 7800;

const char* length_class(uint64_t platform_cycles) {
  return platform_cycles < k_refi_cycles       ? "short (< 1 tREFI)"
         : platform_cycles < 8 * k_refi_cycles ? "medium (1-8 tREFI)"
                                               : "long (>= 8 tREFI)";
}

outcome validate(const std::vector<std::pair<std::string, std::string>>& sets,
                 bool fuse_blocks = false, bool fuse = false) {
  std::vector<studies::run_spec> specs;
  for (const auto& info : networks::network_infos())
    for (networks::policy p : networks::all_policies()) {
      studies::run_spec s;
      s.network = info.name;
      s.policy = networks::policy_name(p);
      s.resolution = k_resolution;
      s.sets = sets;
      s.fuse_blocks = fuse_blocks;
      s.fuse = fuse;
      specs.push_back(s);
    }
  const std::vector<studies::run_result> runs = studies::run_all(specs, 2);
  outcome o;
  size_t bytes_equal = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    INFO(studies::describe(specs[i]));
    REQUIRE(runs[i].ok);
    const analytical::network_estimate m = analytical::estimate_spec(specs[i]);
    REQUIRE(m.ok);
    const analytical::comparison c = analytical::compare(m, runs[i]);
    REQUIRE(c.error.empty());
    for (const analytical::layer_error& e : c.layers) {
      INFO(e.name);
      CHECK(e.model_bytes == e.platform_bytes);
      CHECK(e.bytes_equal);
      bytes_equal += e.bytes_equal;
      const char* cls = length_class(e.platform_cycles);
      o.errors[specs[i].policy].push_back(e.cycle_error);
      o.errors[cls].push_back(e.cycle_error);
      o.classes.push_back(cls);
      o.layers.push_back(e);
      o.labels.push_back(specs[i].network + " " + specs[i].policy + " " + e.name + " " +
                         e.type);
    }
  }
  std::string config_text;
  for (const auto& [key, value] : sets)
    config_text += (config_text.empty() ? "" : " ") + key + "=" + value;
  for (const auto& [on, flag] :
       {std::pair{fuse_blocks, "--fuse-blocks"}, std::pair{fuse, "--fuse"}})
    if (on)
      config_text += (config_text.empty() ? "" : " ") + std::string(flag);
  std::printf("analytical model vs platform (%s), %zu runs at %dx%d, %zu layers, DRAM "
              "bytes equal on %zu\n",
              config_text.empty() ? "default config" : config_text.c_str(), specs.size(),
              k_resolution, k_resolution, o.layers.size(), bytes_equal);
  for (const auto& [name, e] : o.errors)
    std::printf("  %-20s %5zu layers: |cycle error| median %.2f %%, p90 %.2f %%, p99 "
                "%.2f %%, max %.2f %%\n",
                name.c_str(), e.size(), 100 * analytical::abs_quantile(e, 0.5),
                100 * analytical::abs_quantile(e, 0.9),
                100 * analytical::abs_quantile(e, 0.99),
                100 * analytical::abs_quantile(e, 1.0));
  size_t beyond = 0;
  for (size_t k = 0; k < o.layers.size(); ++k)
    if (std::fabs(o.layers[k].cycle_error) > 0.05 && ++beyond <= 20)
      std::printf("    beyond 5 %%: %s: model %llu, platform %llu (%+.1f %%)\n",
                  o.labels[k].c_str(), (unsigned long long)o.layers[k].model_cycles,
                  (unsigned long long)o.layers[k].platform_cycles,
                  100 * o.layers[k].cycle_error);
  std::printf("  layers beyond 5 %%: %zu\n", beyond);
  std::map<std::string, uint64_t> max_diff;
  for (size_t k = 0; k < o.layers.size(); ++k) {
    const auto& e = o.layers[k];
    const uint64_t d = e.model_cycles > e.platform_cycles
                           ? e.model_cycles - e.platform_cycles
                           : e.platform_cycles - e.model_cycles;
    max_diff[o.classes[k]] = std::max(max_diff[o.classes[k]], d);
  }
  for (const auto& [cls, d] : max_diff)
    std::printf("  %-20s max |model - platform| %llu cycles\n", cls.c_str(),
                (unsigned long long)d);
  return o;
}

} // namespace

TEST_CASE("analytical model on the default DDR4-2400 channel: per-layer cycles and "
          "DRAM bytes against the platform, zoo x policies") {
  const outcome o = validate({});
  for (size_t k = 0; k < o.layers.size(); ++k) {
    INFO(o.labels[k] << ": model " << o.layers[k].model_cycles << ", platform "
                     << o.layers[k].platform_cycles);
    const double err = std::fabs(o.layers[k].cycle_error);
    const uint64_t diff = o.layers[k].model_cycles > o.layers[k].platform_cycles
                              ? o.layers[k].model_cycles - o.layers[k].platform_cycles
                              : o.layers[k].platform_cycles - o.layers[k].model_cycles;
    if (o.classes[k] == std::string("long (>= 8 tREFI)")) {
      CHECK(err <= 0.05);
    } else if (o.classes[k] == std::string("medium (1-8 tREFI)")) {
      // The model charges refresh as its average bandwidth loss; a layer of a few
      // tREFI meets one refresh more or less than the average (tRP + tRFC = 437 DRAM
      // clocks = 364 cycles each). Measured max 7.4 % at 96x96, 8.8 % at 224x224.
      CHECK(err <= 0.10);
    } else {
      // Shorter than one refresh interval: the layer meets a refresh or not, its few
      // transfers find rows open or not, and it may start behind the previous layer's
      // posted writes; the model charges the average refresh loss, a row conflict per
      // batch and an empty write queue. The honest bound is in cycles: one refresh, one
      // row conflict and a full write queue drained, tRP + tRFC + tRP + tRCD +
      // write_queue x BL/2 = 16 + 421 + 16 + 16 + 32 x 4 = 597 DRAM clocks of 833 ps =
      // 497 cycles (measured max in docs/analytical.md).
      CHECK(diff <= 497);
    }
  }
}

TEST_CASE("analytical model on the fixed-latency memory: per-layer cycles and DRAM "
          "bytes against the platform, zoo x policies") {
  const outcome o = validate({{"dram.model", "fixed"}});
  for (size_t k = 0; k < o.layers.size(); ++k) {
    INFO(o.labels[k] << ": model " << o.layers[k].model_cycles << ", platform "
                     << o.layers[k].platform_cycles);
    // The model emulates the memory's window slots request by request: measured at
    // most 0.03 % (docs/analytical.md, "Validation").
    CHECK(std::fabs(o.layers[k].cycle_error) <= 0.01);
  }
}

// Configurations beyond the defaults that change what the sequencer plans and moves:
// the GeneSys-style vector memory (32-bit operands and DRAM inputs, single-buffered, no
// DMA overlap; docs/genesys.md), K tiling (a weight buffer too small for whole filters),
// 16-bit entries without residency across tiles (the locality study's layer-by-layer
// baseline), stripe chains (--fuse-blocks; each chain's layers as the command
// processor records them) and layer-level fusion (--fuse). DRAM bytes must match exactly
// (validate), cycles within 1 % as on the default configuration's fixed-latency memory
// (measured at most 0.12 %, K tiling).
TEST_CASE("analytical model beyond the defaults: GeneSys-style vector memory, K tiling, "
          "16-bit entries without reuse, block and layer fusion (fixed memory)") {
  std::vector<std::pair<std::string, std::string>> genesys =
      studies::genesys_vector_sets();
  genesys.emplace_back("dram.model", "fixed");
  const std::vector<std::vector<std::pair<std::string, std::string>>> configs = {
      genesys,
      {{"dram.model", "fixed"}, {"sram.weight_kb", "4"}},
      {{"dram.model", "fixed"}, {"sram.entry_bits", "16"}, {"sequencer.reuse", "false"}},
  };
  for (size_t c = 0; c < configs.size() + 2; ++c) {
    // The last two runs: stripe chains (--fuse-blocks) and depthwise -> pointwise pairs
    // (--fuse) on the default buffers.
    const bool chains = c == configs.size(), pairs = c == configs.size() + 1;
    const outcome o = c < configs.size()
                          ? validate(configs[c])
                          : validate({{"dram.model", "fixed"}}, chains, pairs);
    for (size_t k = 0; k < o.layers.size(); ++k) {
      INFO(o.labels[k] << ": model " << o.layers[k].model_cycles << ", platform "
                       << o.layers[k].platform_cycles);
      CHECK(std::fabs(o.layers[k].cycle_error) <= 0.01);
    }
  }
}

TEST_CASE("analytical stripe chains: what the model refuses, as the sequencer does") {
  studies::run_spec spec;
  spec.network = "mobilenet_v1";
  spec.resolution = 96;
  spec.sets = {{"dram.model", "fixed"}};
  const analytical::platform_params p =
      analytical::params_from_config(studies::config_of(spec));
  // b1_dw -> b1_pw of MobileNet-v1 under gemm_dwc: a chain the runtime forms.
  spec.policy = "gemm_dwc";
  spec.fuse_blocks = true;
  const std::vector<analytical::layer_input> fused = analytical::layers_of_spec(spec);
  size_t first = fused.size();
  for (size_t i = 0; i < fused.size() && first == fused.size(); ++i)
    if (fused[i].desc.flags & DWVP_FLAG_STRIPE)
      first = i;
  REQUIRE(first + 1 < fused.size());
  for (const analytical::layer_estimate& e :
       analytical::estimate_chain(&fused[first], 2, p))
    CHECK(e.ok);
  // One layer is no chain.
  for (const analytical::layer_estimate& e :
       analytical::estimate_chain(&fused[first], 1, p))
    CHECK_THAT(e.error, Catch::Contains("2 to 4 layers"));
  // The conventional policy runs depthwise on the vector unit: not in a chain.
  spec.policy = "conventional";
  spec.fuse_blocks = false;
  const std::vector<analytical::layer_input> vec = analytical::layers_of_spec(spec);
  for (const analytical::layer_estimate& e :
       analytical::estimate_chain(&vec[first], 2, p))
    CHECK_THAT(e.error, Catch::Contains("GEMM core and the DwC datapath only"));
  // Buffers too small for one row of one column.
  analytical::platform_params tiny = p;
  tiny.buffers = {16, 16, 16};
  for (const analytical::layer_estimate& e :
       analytical::estimate_chain(&fused[first], 2, tiny))
    CHECK_THAT(e.error, Catch::Contains("does not fit"));
  // A network estimate carries the first refusal.
  std::vector<analytical::layer_input> broken(fused.begin() + long(first),
                                              fused.begin() + long(first) + 2);
  const analytical::network_estimate n = analytical::estimate(broken, tiny);
  CHECK_FALSE(n.ok);
  CHECK_THAT(n.error, Catch::Contains("does not fit"));
}
