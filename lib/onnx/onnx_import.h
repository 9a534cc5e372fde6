// ONNX import: an int8 / uint8 quantised ONNX model (QOperator or QDQ form) as the
// platform's network (runtime::network, the same description the zoo and topology CSV
// files produce), its layers in ONNX numerics (DWVP_FLAG_ONNX, docs/numerics.md).
// Reads the file through the protobuf classes of Debian's libonnx-dev; supported
// operators, forms and the mapping in docs/networks.md, "ONNX models".
#pragma once

#include "model_zoo.h"
#include "runtime.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dwvp::onnx_import {

// A file larger than this is refused unread (the constants a network may hold,
// k_max_constant_bytes, and room for the graph).
constexpr uint64_t k_max_model_bytes = uint64_t{320} << 20;

// ONNX element types (TensorProto.DataType) the importer knows by name.
enum elem_type { k_float = 1, k_uint8 = 2, k_int8 = 3, k_int32 = 6, k_int64 = 7 };
const char* elem_type_name(int type);

// A tensor as ONNX holds it. Values as doubles: exact for every element type taken
// (8-bit and 32-bit integers, binary32 floats, int64 attributes' range used here).
struct tensor {
  std::string name;
  int type = 0;
  std::vector<int64_t> dims;
  std::vector<double> values;
};

// Reads a serialised TensorProto (an ONNX test vector's input_N.pb / output_N.pb).
// Throws std::invalid_argument naming the file.
tensor read_tensor_file(const std::string& path);

struct options {
  networks::policy policy = networks::policy::gemm_dwc;
  int dataflow = DWVP_DF_OS; // of the GEMM-core layers (networks::set_gemm_dataflow)
  bool with_data = true;     // false: timing only (runtime::network::timing_only)
  uint32_t seed = 1;         // the seeded input when no input values are given
  // Graph inputs taken as constants (a test vector feeds weights and quantisation
  // parameters as inputs), by name.
  std::map<std::string, tensor> constants;
};

// The network's input or one of its outputs, on both sides: the ONNX tensor and the
// device tensor (NHWC int8). 8-bit ONNX tensors map value for value (uint8 as
// int8 = value - 128, zero point too); a float tensor is quantised on the host by the
// QuantizeLinear that consumes it (input) or dequantised by the DequantizeLinear that
// produces it (output).
struct io_tensor {
  std::string name;
  int type = k_int8;         // the ONNX element type
  std::vector<int64_t> dims; // as the graph declares them: [1, C, H, W] or [N, K]
  int quant_type = k_int8;   // the 8-bit type: `type`, or a float tensor's Q/DQ type
  float scale = 1;
  int32_t zero_point = 0;  // in quant_type's range (uint8: 0..255)
  int h = 1, w = 1, c = 1; // the device tensor
  int layer = -1;          // output: the layer whose tensor it is
};

struct model {
  runtime::network net;
  io_tensor input;
  std::vector<io_tensor> outputs;
  // Per layer: the ONNX node(s) it comes from, "Conv 'b1_dw'" or "QLinearConv 'y'".
  std::vector<std::string> origin;
  int64_t opset = 0; // of the default (ai.onnx) domain
};

// Imports the model. Throws std::invalid_argument "<source>: <what>" naming the node,
// its op type and the reason for anything the platform cannot run or the file gets
// wrong (truncated or not a model, wrong types, missing initializers, cycles, sizes
// beyond the network limits of network_builder.h, ...).
model import_file(const std::string& path, const options& opt);
model import_bytes(const std::string& bytes, const std::string& source,
                   const options& opt);

// The names of the graph's inputs in order (a test vector's input_N.pb feeds input N).
std::vector<std::string> graph_inputs(const std::string& path);

// Host side of the network boundary. The ONNX input value as the device's input
// tensor (QuantizeLinear first for a float input); throws naming a shape or type that
// does not fit.
std::vector<int8_t> device_input(const model& m, const tensor& value);
// Output `index` of the network from its device tensor (NHWC int8), in the ONNX type
// and layout.
tensor onnx_output(const model& m, size_t index, const std::vector<int8_t>& device);

// ONNX QuantizeLinear and DequantizeLinear (opset 13: per tensor, or per slice along
// `axis` with 1-D scale and zero point), as the host applies them. The zero point
// may be empty (uint8, 0).
tensor quantize_linear(const tensor& x, const tensor& scale, const tensor* zero_point,
                       int axis = 1);
tensor dequantize_linear(const tensor& x, const tensor& scale, const tensor* zero_point,
                         int axis = 1);

// `dwvp list --onnx`: one line per layer (index, name, origin, opcode, mapping,
// shapes, window, MACs).
void print_layers(std::ostream& out, const model& m);

} // namespace dwvp::onnx_import
