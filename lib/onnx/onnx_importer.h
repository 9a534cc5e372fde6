// Internal to lib/onnx: the importer shared by its translation units
// (onnx_import.cpp: the graph; onnx_nodes.cpp: node inputs, attributes, quantisation
// parameters; onnx_layers.cpp: pending operations into layers; onnx_visit.cpp: one node).
// The graph walk itself is described at the top of onnx_import.cpp.
#pragma once

#include "onnx_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <iomanip>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace dwvp::onnx_import::detail {

namespace pb = ::onnx;

// A quantised activation on the device: NHWC int8 (uint8 ONNX tensors shifted by
// -128, zero point included).
struct qact {
  int layer = -1; // producing layer, -1 = the network input
  int h = 1, w = 1, c = 1;
  int rank = 4; // ONNX rank: 4 [1, C, H, W] or 2 [N, K] (rows as pixels)
  float scale = 0;
  int32_t zp = 0; // int8 domain
  int type = k_int8;
  bool quantised = true; // false: the float graph input before its QuantizeLinear
};

struct dq_view {
  std::string source; // the quantised value's name (activation or constant)
  tensor scale, zero_point;
  int axis = 1;
};

struct pending {
  enum kind_t { weighted, add, mul, pool, lut } kind = weighted;
  std::string node; // "Conv 'name'"
  std::string name; // layer name
  qact x, aux;      // input; add / mul second operand
  // weighted: ONNX weights as integers with their type, per-channel quantisation.
  tensor w; // [M, C/group, kh, kw] (conv) or [M, K] (gemm, already transposed)
  bool conv = true;
  std::vector<float> w_scale;
  std::vector<int32_t> w_zp; // in w.type's range
  std::vector<int32_t> bias;
  int group = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, pb_ = 0, pr = 0;
  bool global = false;
  // Clamp in real values (Relu: lo = 0; Clip).
  bool has_lo = false, has_hi = false;
  float lo = 0, hi = 0;
  // lut: the element-wise function (Sigmoid, HardSigmoid, HardSwish) and its alpha, beta.
  std::string function;
  float alpha = 0, beta = 0;
};

struct value {
  enum kind_t { constant, act, dq, op } kind = constant;
  tensor t;
  qact a;
  dq_view d;
  pending p;
};

class importer {
public:
  importer(std::string source, const options& opt)
      : m_src(std::move(source)), m_opt(opt) {}
  model run(const pb::ModelProto& mp);

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument(m_src + ": " + what);
  }
  // "node 'name'", or "node #index" for an unnamed node (index in the file's order).
  std::string node_id(const pb::NodeProto& n) const {
    return n.name().empty() ? "node #" + std::to_string(m_node_index.at(&n))
                            : "node '" + n.name() + "'";
  }
  [[noreturn]] void node_fail(const pb::NodeProto& n, const std::string& why) const {
    fail(node_id(n) + " (" + n.op_type() + "): " + why);
  }
  std::string label(const pb::NodeProto& n) const {
    return n.op_type() + " " + node_id(n).substr(5);
  }

  void visit(const pb::NodeProto& n);
  const value& input(const pb::NodeProto& n, int i) const;
  bool has_input(const pb::NodeProto& n, int i) const {
    return i < n.input_size() && !n.input(i).empty();
  }
  const tensor& const_input(const pb::NodeProto& n, int i, const char* what) const;
  qact act_input(const pb::NodeProto& n, int i, const char* what) const;
  float scalar_scale(const pb::NodeProto& n, const tensor& t, const char* what) const;
  int32_t scalar_zp(const pb::NodeProto& n, const tensor* t, const char* what) const;
  qact with_quant(const pb::NodeProto& n, int i, int scale_in, int zp_in);
  qact bind_quant(const pb::NodeProto& n, const std::string& name, qact a, float s,
                  int32_t zp, int type);
  void set(const pb::NodeProto& n, int out, value v);

  // attributes
  const pb::AttributeProto* attr(const pb::NodeProto& n, const char* name, int type = -1,
                                 const char* type_name = "") const;
  int64_t attr_int(const pb::NodeProto& n, const char* name, int64_t dflt) const;
  float attr_float(const pb::NodeProto& n, const char* name, float dflt) const;
  std::vector<int64_t> attr_ints(const pb::NodeProto& n, const char* name) const;
  std::string attr_string(const pb::NodeProto& n, const char* name) const;

  void window(const pb::NodeProto& n, pending& p, int in_h, int in_w, bool pool) const;
  pending weighted_conv(const pb::NodeProto& n, const qact& x, const tensor& w,
                        std::vector<float> w_scale, std::vector<int32_t> w_zp,
                        const tensor* bias) const;
  pending weighted_gemm(const pb::NodeProto& n, const qact& x, tensor w, bool trans,
                        std::vector<float> w_scale, std::vector<int32_t> w_zp,
                        const tensor* bias) const;
  qact emit(const pb::NodeProto& n, const pending& p, float y_scale, int32_t y_zp,
            int y_type);
  qact fold_lut(const pb::NodeProto& n, const pending& p, float y_scale, int32_t y_zp,
                int y_type);
  std::vector<float> per_channel(const pb::NodeProto& n, const tensor& t, size_t count,
                                 const char* what) const;
  std::vector<int32_t> per_channel_zp(const pb::NodeProto& n, const tensor* t,
                                      size_t count, int* type, const char* what) const;
  std::string layer_name(const pb::NodeProto& n);

  std::string m_src;
  const options& m_opt;
  std::map<std::string, value> m_values;
  std::map<std::string, int> m_uses; // node inputs and graph outputs reading a name
  std::map<const pb::NodeProto*, int> m_node_index;
  model m_model;
  std::set<std::string> m_layer_names;
  bool m_input_seen = false;
  uint64_t m_constant_bytes = 0, m_operations = 0;
};

} // namespace dwvp::onnx_import::detail
