// --weights DIR: loads real constants into a network from the format --dump-tensors
// writes (index.json + .npy files, docs/reports.md), so users can bring weights from
// their framework: same layer order and shapes as the built network.
#pragma once

#include "runtime.h"

#include <string>

namespace dwvp::scenarios {

// Replaces weights, bias, multiplier, shift and lut of every layer that has them, every
// layer's zero points, clamp bounds and per-tensor rescales (index.json), and the
// network input if DIR/network_input.npy exists. The accelerator validates the loaded
// values like any others. Throws std::invalid_argument
// naming the file (and what is wrong: missing file, dtype, shape, element count).
void load_tensors(const std::string& dir, runtime::network& net);

} // namespace dwvp::scenarios
