// --weights DIR: loads real constants into a network from the format --dump-tensors
// writes (index.json + .npy files, docs/reports.md), so users can bring weights from
// their framework: same layer order and shapes as the built network.
#pragma once

#include "runtime.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// What load_tensors does with each input, for input already in memory (the fuzz
// harnesses and their replay test call these; load_tensors reads the files and calls
// them, so there is one code path).

// The flat data of a .npy file whose first bytes are `bytes` and whose size is
// `file_size` (bytes.size() when the whole file is in memory): version 1, 2 or 3,
// dtype '|i1' for int8_t or '<i4' for int32_t, C order, exactly `expected` elements and
// the bytes they need. Throws std::invalid_argument naming `path`. Instantiated for
// int8_t and int32_t.
template <typename T>
std::vector<T> parse_npy(std::string_view bytes, uint64_t file_size,
                         const std::string& path, size_t expected);

// A .npy file of DIR that index.json names for a layer's constants.
struct tensor_file {
  size_t layer;
  std::string what; // weights, bias, multiplier, shift or lut
  std::string path; // DIR/<file name>
};

// Checks index.json's `text` (`index_path` names it) against `net` and sets each
// layer's per-tensor quantisation fields; returns the files the layers' constants are
// to be read from (not opened). Throws std::invalid_argument as load_tensors does.
std::vector<tensor_file> apply_tensor_index(const std::string& text,
                                            const std::string& index_path,
                                            const std::string& dir,
                                            runtime::network& net);

} // namespace dwvp::scenarios
