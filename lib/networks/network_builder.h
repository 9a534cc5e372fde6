// Builds networks of any layer type with seeded, deterministic constants and
// quantisation parameters (TFLite-style: every tensor has a scale and a zero point).
// Shapes follow from the producer and the layer's kernel, stride and padding.
#pragma once

#include "runtime.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace dwvp::scenarios {

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
  network_builder(std::string name, int h, int w, int c, uint32_t seed,
                  bool with_data = true);
  // Adds a layer and returns its index. Throws std::invalid_argument naming the layer
  // when the spec does not fit its producer.
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
};

} // namespace dwvp::scenarios
