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
//
// Because of that, the factors are cached on disk, keyed by a hash of the network's
// full content (every descriptor, constant and the input) and the calibration's
// version: a network built again from the same name, resolution and seed hits the
// cache and skips the golden pass; any change to the network misses it. The cache is
// an optimisation only: a missing, unreadable or malformed entry is recomputed (and
// rewritten), so results never depend on it.
#pragma once

#include "runtime.h"

#include <map>
#include <string>

namespace dwvp::networks {

// What a calibration did, for the run's report.
struct calibration_record {
  double seconds = 0;     // host time: hashing, cache lookup, golden pass, saving
  bool cached = false;    // the factors came from the cache
  std::string cache_file; // the entry read or written; empty with the cache off
  int resolution = 0;     // input height of the network calibrated (0: none)
};

// The cache directory: $DWVP_CALIBRATION_CACHE ("off" or empty disables the cache),
// else $XDG_CACHE_HOME/dwvp/calibration, else $HOME/.cache/dwvp/calibration; empty
// when the cache is off or no directory is known.
std::string calibration_cache_dir();

// Rescales the multipliers of `net` in place; returns the factor applied to each
// weighted layer, by layer name. Uses the cache in calibration_cache_dir().
std::map<std::string, double> calibrate(runtime::network& net,
                                        calibration_record* record = nullptr);

// The same with an explicit cache directory (empty: no cache).
std::map<std::string, double> calibrate(runtime::network& net,
                                        const std::string& cache_dir,
                                        calibration_record* record);

// Applies factors found by calibrate() on another build of the same network (e.g. at a
// lower resolution) to the layers of `net` with the same names.
void apply_calibration(runtime::network& net, const std::map<std::string, double>& f);

} // namespace dwvp::networks
