// Runs many network simulations from one process for the paper-reproduction studies
// (docs/results.md). SystemC allows one elaboration per process, so every simulation
// runs in a fork()ed child that builds the configuration and the network, simulates,
// makes the report and sends its JSON (scenarios::to_json) back through a pipe. The
// parent never elaborates SystemC; it runs at most `jobs` children at a time.
#pragma once

#include "config.h"
#include "runtime.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dwvp::studies {

// One simulation: a network from the zoo under a depthwise policy, with config
// overrides (`cfg.set(key, value)`), timing only unless `functional`.
struct run_spec {
  std::string network;
  std::string policy = "gemm_dwc";
  int resolution = 224;
  uint32_t seed = 1;
  std::vector<std::pair<std::string, std::string>> sets;
  bool functional = false;  // false: sim.functional=false (--no-data)
  bool scan_order = false;  // simulate_options.loop_order = DWVP_ORDER_SCAN
  bool fuse_blocks = false; // simulate_options.fuse_blocks
  bool fuse = false;        // simulate_options.fuse
};

struct layer_result {
  std::string name, type, mapping;
  uint64_t cycles = 0, compute_cycles = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double energy_dram_pj = 0, energy_pj = 0;
};

struct run_result {
  run_spec spec;
  bool ok = false;     // the child ran to the end and the device reported no error
  std::string error;   // why not
  uint64_t cycles = 0; // total.cycles: sum of layer cycles
  uint64_t dram_bytes = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double energy_pj = 0, energy_dram_pj = 0;
  double host_seconds = 0;       // the simulation inside the child (report)
  double child_wall_seconds = 0; // fork to exit, measured by the parent
  double cycles_per_host_second = 0;
  bool bit_exact = false; // functional runs only
  std::vector<layer_result> layers;

  // Sum of compute cycles of the layers whose type is in `types`.
  uint64_t compute_cycles_of(const std::vector<std::string>& types) const;
  // Sum of total cycles of the layers whose type is in `types`.
  uint64_t cycles_of(const std::vector<std::string>& types) const;
};

// The conv / depthwise / 1D / pointwise / FC layer types (GEMM core or vector unit).
const std::vector<std::string>& compute_layer_types();

// The configuration a spec runs with: the defaults, its `sets`, sim.functional.
config config_of(const run_spec& spec);

// Runs one spec in the calling process (elaborates SystemC: call only in a child).
// Returns the report JSON as text.
std::string simulate_in_this_process(const run_spec& spec);
// The same with the network already built (nullptr: build it here).
std::string simulate_in_this_process(const run_spec& spec, const runtime::network* net);
// The network a spec runs, as the child would build it (network, policy, seed,
// resolution, the dataflow its `sets` give, calibrated only for functional runs).
runtime::network build_network_of(const run_spec& spec);
// Specs that run the same network build it alike: this key says which.
std::string network_key(const run_spec& spec);

// Runs every spec, each in its own child process, at most `jobs` at a time; results in
// the order of `specs`. `on_done(index, result)` is called as each finishes.
std::vector<run_result>
run_all(const std::vector<run_spec>& specs, int jobs = 2,
        const std::function<void(size_t, const run_result&)>& on_done = {});

// Parses a report JSON (to_json's document) into a run_result.
run_result parse_report(const run_spec& spec, const std::string& json_text);

} // namespace dwvp::studies
