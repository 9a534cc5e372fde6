// --weights DIR: loads real constants into a network from the format --dump-tensors
// writes (index.json + .npy files, docs/reports.md), so users can bring weights from
// their framework: same layer order and shapes as the built network.
#pragma once

#include "runtime.h"

#include <cstdint>
#include <string>

namespace dwvp::scenarios {

// Limits of what --weights reads: an index.json larger than this is refused before it
// is parsed (about 1 KiB per layer: 4096 layers take 4 MiB), and a .npy header larger
// than this (numpy writes about 128 bytes; it reads 10,000 at most by default).
constexpr uint64_t k_max_index_bytes = uint64_t{8} << 20;
constexpr uint32_t k_max_npy_header_bytes = 65536;

// Replaces weights, bias, multiplier, shift and lut of every layer that has them, every
// layer's zero points, clamp bounds and per-tensor rescales (index.json), and the
// network input if DIR/network_input.npy exists. The accelerator validates the loaded
// values like any others. Throws std::invalid_argument
// naming the file (and what is wrong: missing file, dtype, shape, element count, a
// header or data size the file does not hold, a value outside its descriptor field, a
// file name that leaves DIR).
void load_tensors(const std::string& dir, runtime::network& net);

} // namespace dwvp::scenarios
