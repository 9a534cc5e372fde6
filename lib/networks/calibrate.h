// Activation-range calibration of a network built by scenarios::network_builder.
//
// The builder sets every layer's requantisation multipliers assuming its input spans
// the whole int8 range (|x - zp| RMS ~74 steps). After a ReLU the real inputs are
// narrower, so each layer's outputs shrink and a deep network collapses to a handful
// of values near the zero point (MobileNet-v1 at 96x96: 5-7 distinct values from the
// third block on), which makes bit-exact checks weak. Calibration evaluates the
// network layer by layer with the golden kernels and rescales each weighted layer's
// multipliers by 74 / (measured input RMS), so every layer again spreads its outputs
// over about 40 steps. Deterministic: a function of the network only.
#pragma once

#include "runtime.h"

#include <map>
#include <string>

namespace dwvp::networks {

// Rescales the multipliers of `net` in place; returns the factor applied to each
// weighted layer, by layer name.
std::map<std::string, double> calibrate(runtime::network& net);

// Applies factors found by calibrate() on another build of the same network (e.g. at a
// lower resolution) to the layers of `net` with the same names.
void apply_calibration(runtime::network& net, const std::map<std::string, double>& f);

} // namespace dwvp::networks
