// Networks the scenarios run, built with seeded, deterministic weights and
// quantisation parameters, and their evaluation by the golden reference.
#pragma once

#include "runtime.h"

#include <cstdint>
#include <vector>

namespace dwvp::scenarios {

struct pointwise_shape {
  int h, w, in_c, out_c;
  int activation = 2; // enum dwvp_activation: relu6 by default, as in MobileNet
};

// A chain of pointwise layers, each consuming the previous one's output.
runtime::network make_pointwise_chain(const std::vector<pointwise_shape>& shapes,
                                      uint32_t seed, int dataflow = 0 /* DWVP_DF_OS */);

// One layer's packed output (out_h x out_w x out_c, LUT applied) from its packed input
// and, for ADD / CHANNEL_MUL, its second operand, by the golden reference.
std::vector<int8_t> golden_layer(const runtime::layer& l, const std::vector<int8_t>& in,
                                 const std::vector<int8_t>* aux);

// Every layer's output as computed by the golden reference (golden/).
std::vector<std::vector<int8_t>> golden_outputs(const runtime::network& net);

} // namespace dwvp::scenarios
