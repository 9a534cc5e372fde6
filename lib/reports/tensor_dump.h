// --dump-tensors: every layer's input, constants, quantisation parameters and output as
// NumPy .npy files plus an index.json, so users can check the platform against their
// own framework (docs/reports.md).
#pragma once

#include "harness.h"
#include "runtime.h"

#include <string>

namespace dwvp::scenarios {

// Writes DIR/<layer>_{input,weights,bias,multiplier,shift,lut,output}.npy and
// DIR/index.json. Throws std::runtime_error naming the path on I/O failure.
void dump_tensors(const std::string& dir, const runtime::network& net,
                  const network_run& run);

} // namespace dwvp::scenarios
