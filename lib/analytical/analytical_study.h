// The analytical model beside the platform: the estimate of a study run spec (the
// network, policy, resolution and --set values a `dwvp run` takes) and its comparison,
// layer by layer, with the platform's run of the same spec (studies::run_all). Used by
// the validation test, the benchmark and `dwvp explore`.
#pragma once

#include "analytical.h"
#include "study_runner.h"

#include <string>
#include <vector>

namespace dwvp::analytical {

// The layers a spec runs (networks built as the run builds them, timing only).
std::vector<layer_input> layers_of_spec(const studies::run_spec& spec);
// How the harness asks the runtime to run a spec under `cfg` (the spec's
// configuration): its loop order, the fusion limit and the stripe-chain budget from the
// buffers, in entries of sram.entry_bits.
run_options run_options_of(const studies::run_spec& spec, const config& cfg);
// The model's estimate of a spec (its configuration through params_from_config).
network_estimate estimate_spec(const studies::run_spec& spec);

struct layer_error {
  std::string name, type;
  uint64_t model_cycles = 0, platform_cycles = 0;
  double cycle_error = 0;  // (model - platform) / platform
  bool bytes_equal = true; // DRAM bytes read and written equal
  uint64_t model_bytes = 0, platform_bytes = 0;
};

struct comparison {
  std::vector<layer_error> layers;
  std::string error; // layer counts or names differ
};

comparison compare(const network_estimate& model, const studies::run_result& platform);

// Quantile q in [0, 1] of |errors| (nearest rank), 0 when empty.
double abs_quantile(std::vector<double> errors, double q);

} // namespace dwvp::analytical
