// Internal to lib/onnx: the protobuf classes (libonnx-dev) and the helpers the
// importer's translation units share.
#pragma once

#include "onnx_import.h"

#include <onnx/onnx_pb.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace dwvp::onnx_import::detail {

// A dimension above the descriptors' 16 bits cannot be a tensor side; constants hold
// at most 2^28 elements (a 256 MiB int8 tensor, the network's constant limit).
constexpr int64_t k_max_dim = int64_t{1} << 28;
constexpr uint64_t k_max_elements = uint64_t{1} << 28;

// Product of dims, refused (naming `what`) beyond the limits above or negative.
uint64_t element_count(const std::vector<int64_t>& dims, const std::string& what);
// A TensorProto's values; throws naming `what` for an unsupported type, external
// data or a value count that does not match its dims.
tensor from_proto(const ::onnx::TensorProto& p, const std::string& what);
std::string dims_text(const std::vector<int64_t>& dims);
// The whole file, refused unread above `limit` bytes.
std::string read_limited(const std::string& path, uint64_t limit, const char* what);

} // namespace dwvp::onnx_import::detail
