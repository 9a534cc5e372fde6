// Builds networks of any layer type with seeded, deterministic constants and
// quantisation parameters (TFLite-style: every tensor has a scale and a zero point).
// Shapes follow from the producer and the layer's kernel, stride and padding.
#pragma once

#include "runtime.h"

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace dwvp::scenarios {

// What a network may hold (docs/networks.md, "Limits"): every accepted network can be
// placed in the platform's DRAM, and its host memory and run time stay bounded.
constexpr int k_max_layers = 4096;
// One activation tensor (the network input included) or one layer's weights.
constexpr uint64_t k_max_tensor_bytes = uint64_t{64} << 20;
// Weights, bias, quantisation and LUTs of all layers.
constexpr uint64_t k_max_constant_bytes = uint64_t{256} << 20;
// Everything the runtime places in DRAM (input, every output, constants, stats
// records), as it aligns them: the default DRAM (dram.size_mb = 512).
constexpr uint64_t k_max_dram_bytes = uint64_t{512} << 20;
// Multiply-accumulates plus pooled elements of all layers (about 20 s of golden
// reference on one core).
constexpr uint64_t k_max_operations = uint64_t{1} << 36;

// A layer (or the network input) the builder refuses. field() names the descriptor
// field at fault ("in_h", "out_c", "kernel_w", "stride", ...), or is empty for limits
// of sizes, so a reader can point at the cell the value came from.
class layer_error : public std::invalid_argument {
public:
  layer_error(const std::string& what, std::string field)
      : std::invalid_argument(what), m_field(std::move(field)) {}
  const std::string& field() const { return m_field; }

private:
  std::string m_field;
};

struct layer_spec {
  int op = DWVP_OP_POINTWISE;
  int out_c = 0; // conv2d, pointwise, FC; other ops keep the input's channels
  int kernel_h = 1, kernel_w = 1;
  int stride = 1;
  bool same_padding = true; // TF "SAME" (pads split, extra at bottom/right); else VALID
  bool global_pool = false; // AVG_POOL over the whole input
  int activation = DWVP_ACT_RELU6;
  int lut = 0; // with activation LUT: 0 hard-swish, 1 hard-sigmoid
  int mapping = DWVP_MAP_DEFAULT;
  int dataflow = DWVP_DF_OS;
  int input = -1;         // producer: -1 = network input
  int channel_offset = 0; // read channels [offset, offset + channels) of the producer
  int channels = 0;       // 0 = all of the producer's channels
  // With input -1 and input_h > 0: read the first input_h x input_w x input_c bytes of
  // the network input as a tensor of that shape (the independent layers of a plain
  // SCALE-Sim topology; the network input must hold them).
  int input_h = 0, input_w = 0, input_c = 0;
  int aux_input = runtime::layer::k_no_aux; // ADD / CHANNEL_MUL second operand
  // Concatenation: the first part gets a tensor of out_channels_total channels; later
  // parts write into it with output_into = that layer, at output_channel_offset.
  int out_channels_total = 0;
  int output_into = -1;
  int output_channel_offset = 0;
};

class network_builder {
public:
  // with_data false builds a timing-only network (runtime::network::timing_only): the
  // same layers, descriptors and quantisation parameters, but no weights and no input
  // (the generator draws the same numbers, so descriptors match the full build).
  // Throws layer_error when a side is outside 1..65535 (the descriptor's 16-bit
  // fields) or the input exceeds k_max_tensor_bytes.
  network_builder(std::string name, int h, int w, int c, uint32_t seed,
                  bool with_data = true);
  // Adds a layer and returns its index. Throws std::invalid_argument (layer_error for
  // descriptor fields and limits) naming the layer when the spec does not fit its
  // producer, a descriptor field or the device's limits, or a limit above.
  int add(const std::string& name, const layer_spec& spec);
  const runtime::network& network() const { return m_net; }

  struct tensor {
    int h, w, c;
    double scale;
    int32_t zp;
  };
  const tensor& output(int index) const { return index < 0 ? m_input : m_tensors[index]; }

private:
  runtime::network m_net;
  tensor m_input;
  std::vector<tensor> m_tensors;
  std::mt19937 m_rng;
  bool m_with_data;
  uint64_t m_constant_bytes = 0, m_dram_bytes = 0, m_operations = 0;
};

} // namespace dwvp::scenarios
