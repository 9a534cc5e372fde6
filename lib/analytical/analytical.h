// The pre-RTL analytical model of the accelerator (issue 14, item 4; docs/analytical.md):
// per-layer cycles and DRAM traffic of a network in closed form, plain C++ (no
// SystemC), fast enough to sweep thousands of design points in seconds.
//
// It reuses the platform's plain-C++ building blocks: the tiling (dwvp_tile_plan:
// which tiles, their bytes and residency), the compute time of every tile
// (dwvp_layer_timing) and the DRAM specification (dwvp_dram: clock, burst, timings).
// What it adds are closed forms for what the SystemC models simulate: the DMA-in /
// compute / DMA-out pipeline over the ping-pong halves (one recurrence step per tile:
// the per-tile max of load, compute and store), and the time the DMA and the DRAM
// controller take for a tile's transfers (bursts, the outstanding window, the data bus
// shared by reads and posted writes, refresh), from the DRAM timings.
#pragma once

#include "dram_spec.h"
#include "dwvp/stripe_chain.h"
#include "layer_timing.h"
#include "runtime.h"
#include "tile_plan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::analytical {

// The design point: what the platform's configuration keys set (docs/analytical.md
// maps each field to its key).
struct platform_params {
  double clock_mhz = 1000;           // clock.accel_mhz
  timing::compute_config compute{};  // gemm.rows/cols/schedule, vector.*, ppu.lanes
  sequencer::buffer_sizes buffers{}; // sram.*_kb / 2 (one ping-pong half)
  sequencer::buffer_sizes vector_buffers{16 * 1024, 16 * 1024,
                                         16 * 1024}; // vector.buffer_kb / 2
  uint32_t sram_banks = 16, sram_port_bytes = 32;    // sram.banks, sram.port_bytes
  uint32_t dma_burst_bytes = 256;                    // dma.burst_bytes
  uint32_t dma_outstanding = 8;                      // dma.outstanding
  uint32_t entry_bytes = 1; // sram.entry_bits / 8: every value takes this many bytes
  bool reuse = true;        // sequencer.reuse: false loads every tile's operands
  // The vector unit's memory (the GeneSys-style options, docs/genesys.md): bytes per
  // operand in the vector memory and per value in DRAM, buffering and DMA overlap.
  struct vector_memory_params {
    uint32_t operand_bytes = 1;     // vector.operand_bits / 8
    uint32_t dram_input_bytes = 1;  // vector.dram_input_bits / 8
    uint32_t dram_output_bytes = 1; // vector.dram_output_bits / 8
    bool double_buffer = true;      // vector.double_buffer
    bool dma_overlap = true;        // vector.dma_overlap
  } vector_memory;
  double bus_latency_ns = 2; // bus.latency_ns
  // DRAM: the channel model (dram.model / dram.spec and the controller keys), or the
  // fixed-latency memory (dram.model=fixed: dram.latency_ns, dram.bandwidth_gbps).
  bool dram_fixed = false;
  dram::dram_spec dram{};
  dram::controller_params controller{};
  double fixed_latency_ns = 50, fixed_bandwidth_gbps = 19.2;
};

// One layer as the accelerator sees it: the descriptor (shapes, mapping, dataflow,
// flags, loop order, pixel strides) and where its tensors start relative to a 64-byte
// boundary (the runtime places every tensor 64-byte aligned; a layer that reads or
// writes a channel slice of a tensor starts at that channel). Addresses do not matter
// otherwise.
struct layer_input {
  std::string name;
  dwvp_desc desc{};
  uint32_t input_offset = 0;  // bytes from the input tensor's aligned base
  uint32_t output_offset = 0; // bytes from the output tensor's aligned base
};

// How the runtime is asked to run a network (runtime::options' loop order and fusion).
struct run_options {
  bool scan_order = false;
  bool fuse = false; // depthwise -> pointwise pairs whose intermediate fits fuse_limit
  uint64_t fuse_limit = 0;
  bool fuse_blocks = false;         // stripe chains within chain_budget (entries)
  dwvp_chain_budget chain_budget{}; // the GEMM buffers' halves, as the harness sets it
};

// The layers of a network as the firmware runtime describes them to the accelerator
// (pixel strides of concatenated tensors, channel offsets, the runtime's tile loop order,
// depthwise -> pointwise fusion flags and stripe chains when asked).
std::vector<layer_input> layers_of(const runtime::network& net, const run_options& opt);
std::vector<layer_input> layers_of(const runtime::network& net, bool scan_order = false,
                                   bool fuse = false, uint64_t fuse_limit = 0);

struct layer_estimate {
  std::string name;
  timing::engine unit = timing::engine::gemm;
  uint64_t cycles = 0;         // descriptor fetch + the layer, as the stats record
  uint64_t compute_cycles = 0; // the engine's busy span, overlapped drains once
  uint64_t macs = 0;
  uint64_t dram_read_bytes = 0;  // descriptor + operands
  uint64_t dram_write_bytes = 0; // outputs
  uint32_t tiles = 0;
  bool ok = true;
  std::string error; // why the layer cannot run (buffer fit, no timing)
};

struct network_estimate {
  std::vector<layer_estimate> layers;
  uint64_t cycles = 0, dram_read_bytes = 0, dram_write_bytes = 0, macs = 0;
  bool ok = true;
  std::string error; // the first layer's error
};

// Estimates every layer in order (layers are independent in the model: each starts on
// an idle DMA and DRAM bus, as the platform's command processor starts a layer after the
// previous one's statistics write). A stripe chain (DWVP_FLAG_STRIPE) is estimated as
// the accelerator runs it, whole, into one record per layer.
network_estimate estimate(const std::vector<layer_input>& layers,
                          const platform_params& p);
layer_estimate estimate_layer(const layer_input& layer, const platform_params& p);
// The k layers of a stripe chain (all but the last with DWVP_FLAG_STRIPE): one estimate
// per layer, split as the command processor's records are (every layer but the last
// its compute cycles, bytes and descriptor; the last the rest of the chain).
std::vector<layer_estimate> estimate_chain(const layer_input* layers, size_t k,
                                           const platform_params& p);

} // namespace dwvp::analytical
