#include "analytical_study.h"

#include "analytical_config.h"
#include "harness.h"

#include <algorithm>
#include <cmath>

namespace dwvp::analytical {

run_options run_options_of(const studies::run_spec& spec, const config& cfg) {
  // As the harness asks the runtime (lib/harness): pairs fused when their intermediate
  // fits both whole buffers, chains within the GEMM buffers' halves, in entries of
  // sram.entry_bits.
  const uint64_t entry = std::max<uint64_t>(cfg.get_uint("sram.entry_bits") / 8, 1);
  const uint64_t half_in = cfg.get_uint("sram.input_kb") * 1024 / 2;
  const uint64_t half_w = cfg.get_uint("sram.weight_kb") * 1024 / 2;
  const uint64_t half_out = cfg.get_uint("sram.output_kb") * 1024 / 2;
  run_options opt;
  opt.scan_order = spec.scan_order;
  opt.fuse = spec.fuse;
  opt.fuse_limit = 2 * std::min(half_in, half_out) / entry;
  opt.fuse_blocks = spec.fuse_blocks;
  const sequencer::buffer_sizes capacity =
      sequencer::tile_capacity({half_in, half_w, half_out}, false, uint32_t(entry));
  opt.chain_budget = {capacity.input, capacity.weight, capacity.output};
  return opt;
}

std::vector<layer_input> layers_of_spec(const studies::run_spec& spec) {
  studies::run_spec timing_only = spec;
  timing_only.functional = false;
  const runtime::network net = studies::build_network_of(timing_only);
  return layers_of(net, run_options_of(spec, studies::config_of(spec)));
}

network_estimate estimate_spec(const studies::run_spec& spec) {
  return estimate(layers_of_spec(spec), params_from_config(studies::config_of(spec)));
}

comparison compare(const network_estimate& model, const studies::run_result& platform) {
  comparison c;
  if (model.layers.size() != platform.layers.size()) {
    c.error = "model has " + std::to_string(model.layers.size()) + " layers, platform " +
              std::to_string(platform.layers.size());
    return c;
  }
  for (size_t i = 0; i < model.layers.size(); ++i) {
    const layer_estimate& m = model.layers[i];
    const studies::layer_result& p = platform.layers[i];
    if (m.name != p.name) {
      c.error = "layer " + std::to_string(i) + " is " + m.name + " in the model, " +
                p.name + " on the platform";
      return c;
    }
    layer_error e;
    e.name = m.name;
    e.type = p.type;
    e.model_cycles = m.cycles;
    e.platform_cycles = p.cycles;
    e.cycle_error =
        p.cycles ? (double(m.cycles) - double(p.cycles)) / double(p.cycles) : 0.0;
    e.model_bytes = m.dram_read_bytes + m.dram_write_bytes;
    e.platform_bytes = p.dram_read_bytes + p.dram_write_bytes;
    e.bytes_equal = m.dram_read_bytes == p.dram_read_bytes &&
                    m.dram_write_bytes == p.dram_write_bytes;
    c.layers.push_back(e);
  }
  return c;
}

double abs_quantile(std::vector<double> errors, double q) {
  if (errors.empty())
    return 0;
  for (double& e : errors)
    e = std::fabs(e);
  std::sort(errors.begin(), errors.end());
  const double rank = std::ceil(q * double(errors.size()));
  const size_t k = rank <= 1 ? 0 : std::min(errors.size(), size_t(rank)) - 1;
  return errors[k];
}

} // namespace dwvp::analytical
