// C++ binding of the firmware's layer runtime (dwvp_runtime.h, plain C): a network held
// in vectors, run through the C runtime, every layer read back. It runs on the host CPU
// (inside the firmware thread on the virtual platform) and uses only the HAL, the
// driver and the C runtime; firmware for a real target uses dwvp_runtime.h directly.
#pragma once

#include "dwvp/stripe_chain.h"
#include "dwvp_driver.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dwvp::runtime {

// One layer as the runtime needs it: a descriptor template (opcode, shapes, quantisation,
// activation; the runtime fills magic, layer_id and every address) and its constants.
struct layer {
  std::string name;
  dwvp_desc desc{};
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  std::vector<int32_t> multiplier; // per output channel
  std::vector<int32_t> shift;      // per output channel
  std::vector<int8_t> lut;         // 256 entries when desc.activation == DWVP_ACT_LUT
  int input = -1;                  // producing layer index; -1 = the network input
  int input_channel_offset = 0;    // read channels [offset, offset + in_c) of the input
  // Output placement. By default a layer gets its own tensor of out_channels_total
  // channels (0 = out_c) and writes channels [0, out_c) of it. With output_into = j it
  // writes channels [output_channel_offset, + out_c) of layer j's tensor instead, which
  // is how concatenations (FuSe-Half) are built.
  int out_channels_total = 0;
  int output_into = -1;
  int output_channel_offset = 0;
  int aux_input = k_no_aux; // ADD's second input / CHANNEL_MUL's scale: a layer
                            // index, or -1 for the network input
  static constexpr int k_no_aux = -2;
};

struct network {
  std::string name;
  std::vector<int8_t> input; // packed NHWC
  std::vector<layer> layers;
  // Timing only (--no-data): no weights (their sizes follow from the descriptors) and
  // an all-zero input that only gives the input's size. run_network places every
  // tensor as usual but uploads nothing and reads no output back, so no values cross
  // the bus from the host.
  bool timing_only = false;
};

struct options {
  uint32_t regs_base = DWVP_ACCEL_REGS_BASE;
  uint32_t dram_base = DWVP_DRAM_BASE;
  uint32_t dram_size = 512u << 20;
  uint32_t ring_entries = 64;
  uint64_t timeout_ns = 10'000'000'000ull; // per interrupt wait
  // Tile loop order written into every descriptor (DWVP_ORDER_*); -1 keeps each
  // layer's own.
  int loop_order = -1;
  // Fuse a depthwise (or FuSe 1D) layer with the pointwise layer that alone consumes
  // it, when its output fits fuse_limit bytes: the intermediate stays on chip.
  bool fuse = false;
  uint64_t fuse_limit = 0;
  // Block fusion (dwvp_rt_options::fuse_blocks): stripe chains within chain_budget.
  bool fuse_blocks = false;
  dwvp_chain_budget chain_budget{};
};

struct layer_result {
  dwvp_layer_stats stats{};
  // The layer's output tensor as read back from DRAM after the run (for a layer with
  // output_into, the whole shared tensor).
  std::vector<int8_t> output;
};

// Marks the depthwise -> pointwise pairs run_network fuses under `opt` (index of the
// depthwise layer -> true).
std::vector<bool> fusable_pairs(const network& net, const options& opt);

// Marks the stripe chains run_network forms under `opt` (layer i -> true when it
// streams into layer i + 1), from descriptors as the runtime places them: `descs`
// holds every layer's descriptor with input_addr / output_addr naming its tensors
// (any addresses that link a layer to the tensor it reads, e.g. per tensor owner).
std::vector<bool> stripe_chains(const network& net, const std::vector<dwvp_desc>& descs,
                                const options& opt);

struct run_result {
  int driver_status = DWVP_OK; // DWVP_OK or a DWVP_E_* code
  dwvp_status device{};        // filled when driver_status == DWVP_E_DEVICE
  std::string error;           // human-readable reason when not OK
  std::vector<layer_result> layers;
  std::array<uint64_t, DWVP_PERF_COUNT> perf{};
  uint64_t start_ns = 0; // host time when the first doorbell was rung
  uint64_t end_ns = 0;   // host time when the last interrupt was serviced
};

// Runs the whole network. Throws std::invalid_argument (naming the layer) when the
// network does not fit DRAM or a layer's constants have the wrong size, and
// std::runtime_error when an upload fails.
run_result run_network(const network& net, const options& opt);

} // namespace dwvp::runtime
