// The data-locality study as Wu and Huang (DATE 2019) set it up (issue 14, item 3;
// docs/results.md section 3): one on-chip budget of entries shared by the three
// buffers, 8- or 16-bit entries (sram.entry_bits), a layer-by-layer baseline without
// reuse across tiles (sequencer.reuse=false), and the DRAM traffic of each layer split
// by cause from the tile plans the sequencer runs.
#pragma once

#include "study_runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::studies {

// How the budget is divided among the input, weight and output buffers, in eighths
// (each at least one; the three add up to eight).
struct budget_split {
  int input = 0, weight = 0, output = 0;
};
// Every split in eighths: 21 of them.
std::vector<budget_split> budget_splits();
// "3/4/1"
std::string describe(const budget_split& s);

// The schedules compared: the layer-by-layer baseline (no reuse across tiles, no
// fusion), row-major, Scan, Scan + layer-level depthwise -> pointwise fusion, and Scan
// + block fusion (stripe chains, docs/memory.md) with layer-level fusion where no chain
// fits. Index k_scan_fuse is the layer-level one the traffic analysis explains.
struct locality_variant {
  const char* name;
  bool reuse, scan, fuse, fuse_blocks;
};
constexpr size_t k_scan_fuse = 3;
const std::vector<locality_variant>& locality_variants();

// The spec of one point: `entries` entries of `bits` bits shared as `split` says
// (sram.input_kb / weight_kb / output_kb: whole buffers, both ping-pong halves), the
// variant's keys, and `dram_spec` (a memspec file; "" = the default DDR4-2400).
run_spec locality_spec(const run_spec& base, uint64_t entries, int bits,
                       const budget_split& split, const locality_variant& v,
                       const std::string& dram_spec = "");

// Whether every layer of the spec's network can be tiled into its buffers (the
// sequencer refuses the run otherwise); `why` names the first layer that cannot.
bool budget_fits(const run_spec& spec, std::string* why = nullptr);

// A layer's DRAM bytes by cause, from the tile plan the sequencer runs for the spec
// (its buffers, entry width, order, fusion and reuse). Activations and weights count
// sram.entry_bits / 8 bytes each; bias, multipliers and shifts 4 bytes each.
struct layer_traffic {
  std::string name, type;
  uint64_t input = 0;         // compulsory: the input tensor once (0 when fused in)
  uint64_t halo = 0;          // input rows and columns read again by adjacent tiles
  uint64_t input_refetch = 0; // input regions loaded again after residency was lost
  uint64_t weights = 0;       // compulsory: weights and constants once
  uint64_t weight_refetch = 0;
  uint64_t output = 0; // compulsory: the output tensor once (0 when fused out)
  // The output is an intermediate of an inverted-residual block (expand -> depthwise,
  // depthwise -> project) that block-level fusion would keep on chip; `consumer_reads`
  // is what the consuming layer reads of it (compulsory, halo and re-fetches).
  bool block_intermediate = false;
  uint64_t consumer_reads = 0;
  bool reads_intermediate = false; // its input is such an intermediate
  uint64_t read() const {
    return input + halo + input_refetch + weights + weight_refetch;
  }
};
std::vector<layer_traffic> traffic_of(const run_spec& spec);

} // namespace dwvp::studies
