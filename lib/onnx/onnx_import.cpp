// The ONNX graph as the platform's layers. Nodes are visited in dependency order;
// every ONNX tensor name gets a value:
//   - a constant (initializer, Constant node, or a graph input given as a constant),
//   - a quantised activation (a layer's output, or the network input),
//   - a dequantised view of either (DequantizeLinear: the QDQ form's float tensors),
//   - a pending float operation (Conv, Gemm, MatMul, Add, Mul, pooling, with any
//     Relu / Clip after it) that becomes a layer when a QuantizeLinear gives its
//     output quantisation.
// QOperator nodes (QLinearConv, ...) build the same pending operation and emit it at
// once with their own output quantisation. docs/networks.md, "ONNX models".
#include "onnx_internal.h"

#include "golden.h"
#include "network_builder.h"
#include "splitmix64.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <iomanip>
#include <map>
#include <ostream>
#include <set>

namespace dwvp::onnx_import {
namespace {

using namespace detail;
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

const value& importer::input(const pb::NodeProto& n, int i) const {
  if (!has_input(n, i))
    node_fail(n, "input " + std::to_string(i) + " is missing");
  const auto it = m_values.find(n.input(i));
  if (it == m_values.end())
    node_fail(n, "input '" + n.input(i) + "' has no value");
  return it->second;
}

const tensor& importer::const_input(const pb::NodeProto& n, int i,
                                    const char* what) const {
  const value& v = input(n, i);
  if (v.kind != value::constant)
    node_fail(n,
              std::string(what) + " ('" + n.input(i) +
                  "') must be a constant (an initializer); it is computed by the graph");
  return v.t;
}

qact importer::act_input(const pb::NodeProto& n, int i, const char* what) const {
  const value& v = input(n, i);
  if (v.kind == value::act && v.a.quantised)
    return v.a;
  if (v.kind == value::act)
    node_fail(n, std::string(what) + " ('" + n.input(i) +
                     "') is the float graph input; quantise it first (QuantizeLinear)");
  node_fail(n, std::string(what) + " ('" + n.input(i) +
                   "') must be an 8-bit activation tensor");
}

float importer::scalar_scale(const pb::NodeProto& n, const tensor& t,
                             const char* what) const {
  if (t.type != k_float || t.values.size() != 1)
    node_fail(n, std::string(what) + " must be one float (a per-tensor scale), got " +
                     std::to_string(t.values.size()) + " " + elem_type_name(t.type));
  const float s = static_cast<float>(t.values[0]);
  if (!(s > 0) || std::isinf(s))
    node_fail(n, std::string(what) + " must be positive and finite");
  return s;
}

int32_t importer::scalar_zp(const pb::NodeProto& n, const tensor* t,
                            const char* what) const {
  if (!t)
    return 0;
  if ((t->type != k_uint8 && t->type != k_int8) || t->values.size() != 1)
    node_fail(n, std::string(what) + " must be one uint8 or int8 value");
  return static_cast<int32_t>(t->values[0]);
}

// An activation input of a QOperator node (input `i`) with its scale and zero point
// (inputs scale_in, zp_in).
qact importer::with_quant(const pb::NodeProto& n, int i, int scale_in, int zp_in) {
  const qact a = act_input(n, i, "input");
  const float s = scalar_scale(n, const_input(n, scale_in, "scale"), "scale");
  const tensor* zt = has_input(n, zp_in) ? &const_input(n, zp_in, "zero point") : nullptr;
  return bind_quant(n, n.input(i), a, s, scalar_zp(n, zt, "zero point"),
                    zt ? zt->type : k_uint8);
}

// The quantisation a reader states for an 8-bit activation: it must be the one its
// producer wrote; the 8-bit network input takes it from its first reader.
qact importer::bind_quant(const pb::NodeProto& n, const std::string& name, qact a,
                          float s, int32_t zp, int type) {
  if (type != a.type)
    node_fail(n, std::string("zero point type ") + elem_type_name(type) +
                     " differs from '" + name + "' (" + elem_type_name(a.type) + ")");
  const int32_t zp8 = type == k_uint8 ? zp - 128 : zp;
  if (a.layer < 0 && a.scale == 0) {
    a.scale = s;
    a.zp = zp8;
    m_values[name].a = a;
    m_model.input.scale = s;
    m_model.input.zero_point = zp;
    return a;
  }
  if (a.scale != s || a.zp != zp8)
    node_fail(n, "scale / zero point of '" + name +
                     "' differ from those its producer wrote");
  return a;
}

// The attribute `name` of node n, or null; refused when it is not of `type`.
const pb::AttributeProto* importer::attr(const pb::NodeProto& n, const char* name,
                                         int type, const char* type_name) const {
  for (const pb::AttributeProto& a : n.attribute())
    if (a.name() == name) {
      if (type >= 0 && a.type() != type)
        node_fail(n, std::string("attribute '") + name + "' must be " + type_name);
      return &a;
    }
  return nullptr;
}

int64_t importer::attr_int(const pb::NodeProto& n, const char* name, int64_t dflt) const {
  const pb::AttributeProto* a = attr(n, name, pb::AttributeProto::INT, "an int");
  return a ? a->i() : dflt;
}

float importer::attr_float(const pb::NodeProto& n, const char* name, float dflt) const {
  const pb::AttributeProto* a = attr(n, name, pb::AttributeProto::FLOAT, "a float");
  return a ? a->f() : dflt;
}

std::vector<int64_t> importer::attr_ints(const pb::NodeProto& n, const char* name) const {
  const pb::AttributeProto* a = attr(n, name, pb::AttributeProto::INTS, "a list of ints");
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end())
           : std::vector<int64_t>{};
}

std::string importer::attr_string(const pb::NodeProto& n, const char* name) const {
  const pb::AttributeProto* a = attr(n, name, pb::AttributeProto::STRING, "a string");
  return a ? a->s() : std::string();
}

std::vector<float> importer::per_channel(const pb::NodeProto& n, const tensor& t,
                                         size_t count, const char* what) const {
  if (t.type != k_float || (t.values.size() != 1 && t.values.size() != count))
    node_fail(n, std::string(what) +
                     " must be float, one value or one per output channel (" +
                     std::to_string(count) + "), got " + std::to_string(t.values.size()));
  std::vector<float> v(count);
  for (size_t i = 0; i < count; ++i) {
    v[i] = static_cast<float>(t.values[t.values.size() == 1 ? 0 : i]);
    if (!(v[i] > 0) || std::isinf(v[i]))
      node_fail(n, std::string(what) + " must be positive and finite");
  }
  return v;
}

std::vector<int32_t> importer::per_channel_zp(const pb::NodeProto& n, const tensor* t,
                                              size_t count, int* type,
                                              const char* what) const {
  if (!t)
    return std::vector<int32_t>(count, 0);
  if ((t->type != k_uint8 && t->type != k_int8) ||
      (t->values.size() != 1 && t->values.size() != count))
    node_fail(n, std::string(what) +
                     " must be uint8 or int8, one value or one per output channel");
  *type = t->type;
  std::vector<int32_t> v(count);
  for (size_t i = 0; i < count; ++i)
    v[i] = static_cast<int32_t>(t->values[t->values.size() == 1 ? 0 : i]);
  return v;
}

std::string importer::layer_name(const pb::NodeProto& n) {
  std::string base = n.name().empty()
                         ? n.op_type() + "_" + std::to_string(m_layer_names.size())
                         : n.name();
  std::string name = base;
  for (int k = 2; m_layer_names.count(name); ++k)
    name = base + "_" + std::to_string(k);
  m_layer_names.insert(name);
  return name;
}

void importer::set(const pb::NodeProto& n, int out, value v) {
  if (out >= n.output_size() || n.output(out).empty())
    node_fail(n, "output " + std::to_string(out) + " is missing");
  m_values[n.output(out)] = std::move(v);
}

// kernel_shape, strides, pads, auto_pad, dilations of a conv or pool on an in_h x
// in_w input, checked against the device's window limits (docs/descriptor.md).
void importer::window(const pb::NodeProto& n, pending& p, int in_h, int in_w,
                      bool pool) const {
  const std::vector<int64_t> ks = attr_ints(n, "kernel_shape");
  if (!ks.empty()) {
    if (ks.size() != 2)
      node_fail(n, "kernel_shape must have 2 values (2-D), got " +
                       std::to_string(ks.size()));
    if (!pool && (ks[0] != p.kh || ks[1] != p.kw))
      node_fail(n, "kernel_shape " + dims_text(ks) + " differs from the weights' " +
                       std::to_string(p.kh) + "x" + std::to_string(p.kw));
    if (pool) {
      if (ks[0] < 1 || ks[1] < 1 || ks[0] > 255 || ks[1] > 255)
        node_fail(n, "pool window " + dims_text(ks) +
                         " outside 1..255 (the device's pools)");
      p.kh = static_cast<int>(ks[0]);
      p.kw = static_cast<int>(ks[1]);
    }
  } else if (pool) {
    node_fail(n, "kernel_shape is required");
  }
  const int max_k = pool ? 255 : 15;
  if (p.kh > max_k || p.kw > max_k)
    node_fail(n, "kernel " + std::to_string(p.kh) + "x" + std::to_string(p.kw) +
                     " larger than the device's " + std::to_string(max_k));
  for (int64_t d : attr_ints(n, "dilations"))
    if (d != 1)
      node_fail(n, "dilations other than 1 are not supported");
  std::vector<int64_t> st = attr_ints(n, "strides");
  if (st.empty())
    st = {1, 1};
  if (st.size() != 2 || st[0] < 1 || st[1] < 1 || st[0] > 8 || st[1] > 8)
    node_fail(n, "strides " + dims_text(st) + ": the device takes 1..8 on both axes");
  p.sh = static_cast<int>(st[0]);
  p.sw = static_cast<int>(st[1]);
  if (attr_int(n, "ceil_mode", 0) != 0)
    node_fail(n, "ceil_mode = 1 is not supported (the device rounds output sizes down)");
  const std::string ap = attr_string(n, "auto_pad");
  std::vector<int64_t> pads = attr_ints(n, "pads");
  if (!ap.empty() && ap != "NOTSET") {
    if (!pads.empty())
      node_fail(n, "pads and auto_pad " + ap + " together");
    pads = {0, 0, 0, 0};
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      const int dims[2] = {in_h, in_w}, k[2] = {p.kh, p.kw}, s[2] = {p.sh, p.sw};
      for (int a = 0; a < 2; ++a) {
        const int out = (dims[a] + s[a] - 1) / s[a];
        const int total = std::max(0, (out - 1) * s[a] + k[a] - dims[a]);
        const int small = total / 2, large = total - small;
        pads[a] = ap == "SAME_UPPER" ? small : large;
        pads[a + 2] = ap == "SAME_UPPER" ? large : small;
      }
    } else if (ap != "VALID") {
      node_fail(n, "unknown auto_pad '" + ap + "'");
    }
  }
  if (pads.empty())
    pads = {0, 0, 0, 0};
  if (pads.size() != 4)
    node_fail(n, "pads must have 4 values, got " + std::to_string(pads.size()));
  for (int64_t v : pads)
    if (v < 0 || v > 255)
      node_fail(n, "pads " + dims_text(pads) + " outside 0..255");
  p.pt = static_cast<int>(pads[0]);
  p.pl = static_cast<int>(pads[1]);
  p.pb_ = static_cast<int>(pads[2]);
  p.pr = static_cast<int>(pads[3]);
  if (p.pt >= p.kh || p.pb_ >= p.kh || p.pl >= p.kw || p.pr >= p.kw)
    node_fail(n, "pads " + dims_text(pads) + " must be smaller than the kernel " +
                     std::to_string(p.kh) + "x" + std::to_string(p.kw) +
                     " (device rule)");
  if (in_h + p.pt + p.pb_ < p.kh || in_w + p.pl + p.pr < p.kw)
    node_fail(n, "kernel larger than the padded input");
}

pending importer::weighted_conv(const pb::NodeProto& n, const qact& x, const tensor& w,
                                std::vector<float> w_scale, std::vector<int32_t> w_zp,
                                const tensor* bias) const {
  if (x.rank != 4)
    node_fail(n, "input must be 4-D [1, C, H, W]");
  if (w.dims.size() != 4)
    node_fail(n, "weights must be 4-D [M, C/group, kH, kW] (2-D convolution), got " +
                     dims_text(w.dims));
  pending p;
  p.kind = pending::weighted;
  p.x = x;
  p.w = w;
  p.w_scale = std::move(w_scale);
  p.w_zp = std::move(w_zp);
  p.group = static_cast<int>(attr_int(n, "group", 1));
  const int64_t m = w.dims[0];
  if (p.group == 1) {
    if (w.dims[1] != x.c)
      node_fail(n, "weights take " + std::to_string(w.dims[1]) +
                       " input channels, the input has " + std::to_string(x.c));
  } else if (!(p.group == x.c && m == x.c && w.dims[1] == 1)) {
    node_fail(
        n, "group " + std::to_string(p.group) +
               ": grouped convolution is not supported (group 1, or depthwise: group = "
               "channels = output channels)");
  }
  if (m < 1 || m > 65535)
    node_fail(n, "output channels " + std::to_string(m) + " outside 1..65535");
  if (w.dims[2] < 1 || w.dims[3] < 1 || w.dims[2] > 255 || w.dims[3] > 255)
    node_fail(n, "kernel " + dims_text(w.dims) + " outside the device's 1..15");
  p.kh = static_cast<int>(w.dims[2]);
  p.kw = static_cast<int>(w.dims[3]);
  window(n, p, x.h, x.w, false);
  if (bias) {
    if (bias->type != k_int32 || bias->values.size() != static_cast<size_t>(m))
      node_fail(n, "bias must be int32 with one value per output channel (" +
                       std::to_string(m) + ")");
    p.bias.assign(bias->values.begin(), bias->values.end());
  } else {
    p.bias.assign(static_cast<size_t>(m), 0);
  }
  return p;
}

pending importer::weighted_gemm(const pb::NodeProto& n, const qact& x, tensor w,
                                bool trans, std::vector<float> w_scale,
                                std::vector<int32_t> w_zp, const tensor* bias) const {
  if (w.dims.size() != 2)
    node_fail(n, "the constant operand must be 2-D, got " + dims_text(w.dims));
  if (x.rank != 2 && !(x.h == 1 && x.w == 1))
    node_fail(n, "the activation operand must be 2-D [N, K] (or a 1x1 map)");
  if (trans) // [M, K] already
    ;
  else {
    tensor t = w;
    t.dims = {w.dims[1], w.dims[0]};
    for (int64_t k = 0; k < w.dims[0]; ++k)
      for (int64_t j = 0; j < w.dims[1]; ++j)
        t.values[static_cast<size_t>(j * w.dims[0] + k)] =
            w.values[static_cast<size_t>(k * w.dims[1] + j)];
    w = std::move(t);
  }
  if (w.dims[1] != x.c)
    node_fail(n, "inner dimensions differ: " + std::to_string(x.c) + " and " +
                     std::to_string(w.dims[1]));
  if (w.dims[0] < 1 || w.dims[0] > 65535)
    node_fail(n, "output features " + std::to_string(w.dims[0]) + " outside 1..65535");
  pending p;
  p.kind = pending::weighted;
  p.conv = false;
  p.x = x;
  p.w = std::move(w);
  p.w_scale = std::move(w_scale);
  p.w_zp = std::move(w_zp);
  const size_t m = static_cast<size_t>(p.w.dims[0]);
  if (bias) {
    if (bias->type != k_int32 || bias->values.size() != m)
      node_fail(n, "bias must be int32 with one value per output feature (" +
                       std::to_string(m) + ")");
    p.bias.assign(bias->values.begin(), bias->values.end());
  } else {
    p.bias.assign(m, 0);
  }
  return p;
}

// The layer of a pending operation with output quantisation (y_scale, y_zp of type
// y_type); returns its output activation.
qact importer::emit(const pb::NodeProto& n, const pending& p, float y_scale, int32_t y_zp,
                    int y_type) {
  if (static_cast<int>(m_model.net.layers.size()) >= scenarios::k_max_layers)
    node_fail(n, "more than " + std::to_string(scenarios::k_max_layers) + " layers");
  const int32_t yz = y_type == k_uint8 ? y_zp - 128 : y_zp;
  runtime::layer l;
  l.name = p.name.empty() ? layer_name(n) : p.name;
  l.input = p.x.layer;
  dwvp_desc& d = l.desc;
  d.in_h = static_cast<uint16_t>(p.x.h);
  d.in_w = static_cast<uint16_t>(p.x.w);
  d.in_c = static_cast<uint16_t>(p.x.c);
  d.input_zp = p.x.zp;
  d.output_zp = yz;
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  d.dataflow = DWVP_DF_OS;
  d.act_min = -128;
  d.act_max = 127;
  auto q = [&](float v) { // QuantizeLinear of a clamp bound
    return static_cast<int64_t>(golden::onnx_round(v / y_scale)) + yz;
  };
  if (p.has_lo)
    d.act_min =
        static_cast<int32_t>(std::min<int64_t>(127, std::max<int64_t>(-128, q(p.lo))));
  if (p.has_hi)
    d.act_max =
        static_cast<int32_t>(std::min<int64_t>(127, std::max<int64_t>(-128, q(p.hi))));
  if (d.act_max < d.act_min)
    node_fail(n, "the clamp's range is empty once quantised");
  qact out;
  out.rank = p.x.rank;
  out.scale = y_scale;
  out.zp = yz;
  out.type = y_type;
  out.h = p.x.h;
  out.w = p.x.w;
  out.c = p.x.c;
  uint64_t macs = 0;
  auto set_window = [&] { // conv and pool: the window and the output size it gives
    d.kernel_h = static_cast<uint8_t>(p.kh);
    d.kernel_w = static_cast<uint8_t>(p.kw);
    d.stride_h = static_cast<uint8_t>(p.sh);
    d.stride_w = static_cast<uint8_t>(p.sw);
    d.pad_top = static_cast<uint8_t>(p.pt);
    d.pad_left = static_cast<uint8_t>(p.pl);
    d.pad_bottom = static_cast<uint8_t>(p.pb_);
    d.pad_right = static_cast<uint8_t>(p.pr);
    out.h = (p.x.h + p.pt + p.pb_ - p.kh) / p.sh + 1;
    out.w = (p.x.w + p.pl + p.pr - p.kw) / p.sw + 1;
  };
  auto bits = [](float f) {
    int32_t b;
    std::memcpy(&b, &f, 4);
    return b;
  };

  if (p.kind == pending::weighted) {
    const int m = static_cast<int>(p.w.dims[0]);
    const bool depthwise = p.conv && p.group > 1;
    if (p.conv) {
      set_window();
      const bool padded = p.pt || p.pl || p.pb_ || p.pr;
      if (depthwise) {
        d.opcode = p.kh == 1 && p.kw > 1   ? DWVP_OP_DW_1XK
                   : p.kw == 1 && p.kh > 1 ? DWVP_OP_DW_KX1
                                           : DWVP_OP_DEPTHWISE;
        if (d.opcode == DWVP_OP_DEPTHWISE)
          d.mapping = static_cast<uint8_t>(networks::depthwise_mapping(m_opt.policy));
        else
          d.dataflow = DWVP_DF_ST_OS;
      } else if (p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && !padded) {
        d.opcode = p.x.h == 1 && p.x.w == 1 ? DWVP_OP_FC : DWVP_OP_POINTWISE;
        d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
      } else {
        d.opcode = DWVP_OP_CONV2D;
      }
    } else {
      d.opcode = p.x.h == 1 && p.x.w == 1 ? DWVP_OP_FC : DWVP_OP_POINTWISE;
    }
    out.c = m;
    // Weights: w - w_zp must be one int8 weight and one weight zero point (the
    // device's DWVP_FLAG_ONNX asymmetric weights), or, for per-channel zero points,
    // fit int8 after subtracting them here.
    const int wt = p.w.type;
    const int shift = wt == k_uint8 ? 128 : 0;
    const bool uniform = std::all_of(p.w_zp.begin(), p.w_zp.end(),
                                     [&](int32_t z) { return z == p.w_zp[0]; });
    const size_t per = p.w.values.size() / static_cast<size_t>(m);
    std::vector<int8_t> w8(p.w.values.size());
    int32_t weight_zp = 0;
    for (int o = 0; o < m; ++o)
      for (size_t k = 0; k < per; ++k) {
        const int64_t v = static_cast<int64_t>(p.w.values[o * per + k]);
        int64_t stored;
        if (uniform) {
          stored = v - shift;
          weight_zp = p.w_zp[0] - shift;
        } else {
          stored = v - p.w_zp[static_cast<size_t>(o)];
          if (stored < -128 || stored > 127)
            node_fail(n, "per-channel weight zero points: w - w_zero_point = " +
                             std::to_string(stored) + " in output channel " +
                             std::to_string(o) + " does not fit int8");
        }
        // ONNX layouts -> the device's: conv OIHW -> OHWI, depthwise C1HW -> HWC.
        size_t at = o * per + k;
        if (p.conv && !depthwise) {
          const size_t ci = k / static_cast<size_t>(p.kh * p.kw), r = k % (p.kh * p.kw);
          at = o * per + r * static_cast<size_t>(p.x.c) + ci;
        } else if (depthwise) {
          at = k * static_cast<size_t>(m) + static_cast<size_t>(o);
        }
        w8[at] = static_cast<int8_t>(stored);
      }
    if (m_opt.with_data)
      l.weights = std::move(w8);
    d.aux_zp = weight_zp;
    l.bias = p.bias;
    l.multiplier.resize(static_cast<size_t>(m));
    l.shift.assign(static_cast<size_t>(m), 0);
    for (int o = 0; o < m;
         ++o) // the scale onnxruntime computes: x_scale * w_scale / y_scale
      l.multiplier[o] = bits(p.x.scale * p.w_scale[o] / y_scale);
    d.flags = DWVP_FLAG_ONNX;
    macs = uint64_t(out.h) * out.w * m * p.kh * p.kw * (depthwise ? 1 : p.x.c);
    m_constant_bytes += p.w.values.size() + 12ull * m;
  } else if (p.kind == pending::add) {
    if (p.aux.h != p.x.h || p.aux.w != p.x.w || p.aux.c != p.x.c)
      node_fail(n, "operands of different shapes (broadcasting is not supported)");
    d.opcode = DWVP_OP_ADD;
    l.aux_input = p.aux.layer;
    d.aux_zp = p.aux.zp;
    d.flags = DWVP_FLAG_ONNX;
    d.input_mult = bits(p.x.scale);
    d.aux_mult = bits(p.aux.scale);
    d.output_mult = bits(y_scale);
  } else if (p.kind == pending::mul) {
    if (p.aux.h != 1 || p.aux.w != 1 || p.aux.c != p.x.c)
      node_fail(n, "only the squeeze-and-excite form is supported: [1, C, H, W] times "
                   "[1, C, 1, 1]");
    d.opcode = DWVP_OP_CHANNEL_MUL;
    l.aux_input = p.aux.layer;
    d.aux_zp = p.aux.zp;
    int32_t mult = 0;
    int shift = 0;
    golden::quantize_multiplier(double(p.x.scale) * p.aux.scale / y_scale, &mult, &shift);
    if (mult <= 0 || shift < -31 || shift > 30)
      node_fail(n, "output scale out of the fixed-point multiplier's range");
    d.output_mult = mult;
    d.output_shift = shift;
  } else { // pool
    if (p.x.rank != 4)
      node_fail(n, "input must be 4-D [1, C, H, W]");
    if (y_scale != p.x.scale || yz != p.x.zp)
      node_fail(n,
                "output scale / zero point differ from the input's (the device's average "
                "pool keeps the quantisation)");
    d.opcode = DWVP_OP_AVG_POOL;
    set_window();
    macs = uint64_t(p.x.h) * p.x.w * p.x.c;
  }
  d.out_h = static_cast<uint16_t>(out.h);
  d.out_w = static_cast<uint16_t>(out.w);
  d.out_c = static_cast<uint16_t>(out.c);
  if (out.h < 1 || out.w < 1 || out.h > 65535 || out.w > 65535)
    node_fail(n, "output size outside 1..65535");
  const uint64_t out_bytes = uint64_t(out.h) * out.w * out.c;
  if (out_bytes > scenarios::k_max_tensor_bytes)
    node_fail(n, "output tensor of " + std::to_string(out_bytes) +
                     " bytes, more than the 64 MiB a tensor may hold");
  m_operations += macs;
  if (m_constant_bytes > scenarios::k_max_constant_bytes)
    node_fail(n, "constants beyond the 256 MiB a network may hold");
  if (m_operations > scenarios::k_max_operations)
    node_fail(n, "more than 2^36 operations in the network");
  m_model.net.layers.push_back(std::move(l));
  m_model.origin.push_back(p.node);
  out.layer = static_cast<int>(m_model.net.layers.size()) - 1;
  return out;
}

// An element-wise activation (QLinearSigmoid, or Sigmoid / HardSigmoid / HardSwish in
// QDQ form) on a layer's output: a 256-entry table on that layer, which then writes
// the activation's quantisation. Only when the layer has no other reader.
qact importer::fold_lut(const pb::NodeProto& n, const pending& p, float y_scale,
                        int32_t y_zp, int y_type) {
  const qact& x = p.x;
  if (x.layer < 0)
    node_fail(n, "an activation table needs a producing layer (not the network input)");
  runtime::layer& l = m_model.net.layers[static_cast<size_t>(x.layer)];
  if (l.desc.activation == DWVP_ACT_LUT)
    node_fail(n, "the producing layer already has an activation table");
  const int32_t yz = y_type == k_uint8 ? y_zp - 128 : y_zp;
  l.lut.resize(256);
  for (int qv = -128; qv < 128; ++qv) {
    // DequantizeLinear, the function and QuantizeLinear, in binary32 as ONNX does.
    const float xr = static_cast<float>(qv - x.zp) * x.scale;
    float y;
    if (p.function == "HardSigmoid" || p.function == "HardSwish") {
      const float hs = std::max(0.0f, std::min(1.0f, p.alpha * xr + p.beta));
      y = p.function == "HardSwish" ? xr * hs : hs;
    } else { // Sigmoid
      y = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(xr))));
    }
    const int64_t v = golden::onnx_round(y / y_scale) + yz;
    l.lut[static_cast<size_t>(qv + 128)] =
        static_cast<int8_t>(std::min<int64_t>(127, std::max<int64_t>(-128, v)));
  }
  l.desc.activation = DWVP_ACT_LUT;
  m_model.origin[static_cast<size_t>(x.layer)] += " + " + p.node;
  qact out = x;
  out.scale = y_scale;
  out.zp = yz;
  out.type = y_type;
  return out;
}

void importer::visit(const pb::NodeProto& n) {
  const std::string& op = n.op_type();
  const std::string& domain = n.domain();
  if (!domain.empty() && domain != "ai.onnx" && domain != "com.microsoft")
    node_fail(n, "operator domain '" + domain + "' is not supported");
  value v;
  if (op == "Constant") {
    const pb::AttributeProto* a =
        attr(n, "value", pb::AttributeProto::TENSOR, "a tensor");
    if (!a)
      node_fail(n, "only a 'value' tensor attribute is supported");
    v.t = from_proto(a->t(), m_src + ": " + node_id(n) + " (Constant)");
    set(n, 0, std::move(v));
    return;
  }
  if (op == "QuantizeLinear") {
    const value& x = input(n, 0);
    const tensor& s = const_input(n, 1, "y_scale");
    const tensor* z = has_input(n, 2) ? &const_input(n, 2, "y_zero_point") : nullptr;
    if (x.kind == value::constant) { // folded on the host
      v.t = quantize_linear(x.t, s, z, static_cast<int>(attr_int(n, "axis", 1)));
      set(n, 0, std::move(v));
      return;
    }
    const float ys = scalar_scale(n, s, "y_scale");
    const int32_t yz = scalar_zp(n, z, "y_zero_point");
    const int yt = z ? z->type : k_uint8;
    v.kind = value::act;
    if (x.kind == value::act && !x.a.quantised) { // the float network input
      v.a = x.a;
      v.a.quantised = true;
      v.a.scale = ys;
      v.a.zp = yt == k_uint8 ? yz - 128 : yz;
      v.a.type = yt;
      m_model.input.scale = ys;
      m_model.input.zero_point = yz;
      m_model.input.quant_type = yt;
    } else if (x.kind == value::op && x.p.kind == pending::lut) {
      v.a = fold_lut(n, x.p, ys, yz, yt);
    } else if (x.kind == value::op) {
      v.a = emit(n, x.p, ys, yz, yt);
    } else if (x.kind == value::dq && m_values.at(x.d.source).kind == value::act) {
      const qact& a = m_values.at(x.d.source).a;
      if (a.scale != ys || a.zp != (yt == k_uint8 ? yz - 128 : yz))
        node_fail(n, "requantising a tensor without an operator is not supported");
      v.a = a;
    } else {
      node_fail(n,
                "input '" + n.input(0) + "' is not the result of a supported operator");
    }
    set(n, 0, std::move(v));
    return;
  }
  if (op == "DequantizeLinear") {
    const value& x = input(n, 0);
    const tensor& s = const_input(n, 1, "x_scale");
    const tensor* z = has_input(n, 2) ? &const_input(n, 2, "x_zero_point") : nullptr;
    if (x.kind != value::constant && !(x.kind == value::act && x.a.quantised))
      node_fail(n, "input '" + n.input(0) + "' must be an 8-bit tensor or a constant");
    if (x.kind == value::act)
      bind_quant(n, n.input(0), x.a, scalar_scale(n, s, "x_scale"),
                 scalar_zp(n, z, "x_zero_point"), z ? z->type : k_uint8);
    v.kind = value::dq;
    v.d.source = n.input(0);
    v.d.scale = s;
    if (z)
      v.d.zero_point = *z;
    v.d.axis = static_cast<int>(attr_int(n, "axis", 1));
    set(n, 0, std::move(v));
    return;
  }
  // Float operators of the QDQ form: operands are DequantizeLinear outputs.
  auto dq_act = [&](int i, const char* what) -> qact {
    const value& x = input(n, i);
    if (x.kind != value::dq || m_values.at(x.d.source).kind != value::act)
      node_fail(
          n,
          std::string(what) + " ('" + n.input(i) +
              "') must come from a DequantizeLinear of an 8-bit activation (QDQ form)");
    return m_values.at(x.d.source).a;
  };
  auto dq_const = [&](int i, const char* what) -> const value& {
    const value& x = input(n, i);
    if (x.kind != value::dq || m_values.at(x.d.source).kind != value::constant)
      node_fail(n, std::string(what) + " ('" + n.input(i) +
                       "') must come from a DequantizeLinear of a constant (QDQ form)");
    return x;
  };
  auto weights_of = [&](const value& x, size_t m, std::vector<float>& scale,
                        std::vector<int32_t>& zp, const char* what) -> const tensor& {
    const tensor& w = m_values.at(x.d.source).t;
    if (w.type != k_int8 && w.type != k_uint8)
      node_fail(n, std::string(what) + " must be int8 or uint8, got " +
                       elem_type_name(w.type));
    scale = per_channel(n, x.d.scale, m, "weight scale");
    int zt = w.type;
    zp = per_channel_zp(n, x.d.zero_point.values.empty() ? nullptr : &x.d.zero_point, m,
                        &zt, "weight zero point");
    return w;
  };
  auto bias_of = [&](int i, float expected_scale_x,
                     const std::vector<float>& w_scale) -> const tensor* {
    if (!has_input(n, i))
      return nullptr;
    const value& b = dq_const(i, "bias");
    const tensor& t = m_values.at(b.d.source).t;
    if (t.type != k_int32)
      node_fail(n, "bias must be int32 (quantised with scale x_scale * w_scale)");
    if (!b.d.zero_point.values.empty())
      for (double z : b.d.zero_point.values)
        if (z != 0)
          node_fail(n, "bias zero point must be 0");
    // The int32 bias enters the accumulator directly only when its scale is the
    // product of the input's and the weights' (as every quantiser writes it).
    for (size_t o = 0; o < w_scale.size(); ++o) {
      const double bs = b.d.scale.values.size() == 1  ? b.d.scale.values[0]
                        : o < b.d.scale.values.size() ? b.d.scale.values[o]
                                                      : -1;
      if (static_cast<float>(bs) != expected_scale_x * w_scale[o])
        node_fail(n, "bias scale differs from input scale x weight scale (channel " +
                         std::to_string(o) + ")");
    }
    return &t;
  };
  v.kind = value::op;
  pending& p = v.p;
  if (op == "Conv") {
    const qact x = dq_act(0, "input");
    const value& wv = dq_const(1, "weights");
    const tensor& wt = m_values.at(wv.d.source).t;
    if (wt.dims.empty())
      node_fail(n, "weights have no dims");
    std::vector<float> ws;
    std::vector<int32_t> wz;
    const tensor& w = weights_of(wv, static_cast<size_t>(wt.dims[0]), ws, wz, "weights");
    const tensor* b = bias_of(2, x.scale, ws);
    p = weighted_conv(n, x, w, ws, wz, b);
  } else if (op == "Gemm" || op == "MatMul") {
    const qact x = dq_act(0, "A");
    const value& wv = dq_const(1, "B");
    const tensor& wt = m_values.at(wv.d.source).t;
    const bool trans = op == "Gemm" && attr_int(n, "transB", 0) != 0;
    if (op == "Gemm" && (attr_int(n, "transA", 0) != 0 ||
                         attr_float(n, "alpha", 1) != 1 || attr_float(n, "beta", 1) != 1))
      node_fail(n, "transA, alpha and beta other than 0, 1, 1 are not supported");
    if (wt.dims.size() != 2)
      node_fail(n, "B must be 2-D, got " + dims_text(wt.dims));
    std::vector<float> ws;
    std::vector<int32_t> wz;
    const tensor& w =
        weights_of(wv, static_cast<size_t>(wt.dims[trans ? 0 : 1]), ws, wz, "B");
    const tensor* b = op == "Gemm" ? bias_of(2, x.scale, ws) : nullptr;
    p = weighted_gemm(n, x, w, trans, ws, wz, b);
  } else if (op == "Add" || op == "Mul") {
    p.kind = op == "Add" ? pending::add : pending::mul;
    p.x = dq_act(0, "A");
    p.aux = dq_act(1, "B");
  } else if (op == "GlobalAveragePool" || op == "AveragePool") {
    p.kind = pending::pool;
    p.x = dq_act(0, "X");
    if (op == "GlobalAveragePool") {
      if (p.x.h > 255 || p.x.w > 255)
        node_fail(n, "global pool over more than 255x255 (the device's pool window)");
      p.kh = p.x.h;
      p.kw = p.x.w;
    } else {
      if (attr_int(n, "count_include_pad", 0) != 0)
        node_fail(n, "count_include_pad = 1 is not supported (the device averages the "
                     "in-bounds elements)");
      window(n, p, p.x.h, p.x.w, true);
    }
  } else if (op == "Relu" || op == "Clip") {
    const value& x = input(n, 0);
    if (x.kind != value::op || x.p.kind == pending::lut)
      node_fail(n,
                "must follow a supported operator (its clamp is fused into that layer)");
    p = x.p;
    if (op == "Relu") {
      p.lo = p.has_lo ? std::max(p.lo, 0.0f) : 0.0f;
      p.has_lo = true;
    } else {
      auto bound = [&](int i, const char* a, bool& has, float& b, bool lower) {
        float value_ = 0;
        if (has_input(n, i)) {
          const tensor& t = const_input(n, i, a);
          if (t.type != k_float || t.values.size() != 1)
            node_fail(n, std::string(a) + " must be one float");
          value_ = static_cast<float>(t.values[0]);
        } else if (attr(n, a)) {
          value_ = attr_float(n, a, 0);
        } else {
          return;
        }
        b = has ? (lower ? std::max(b, value_) : std::min(b, value_)) : value_;
        has = true;
      };
      bound(1, "min", p.has_lo, p.lo, true);
      bound(2, "max", p.has_hi, p.hi, false);
    }
  } else if (op == "Sigmoid" || op == "HardSigmoid" || op == "HardSwish") {
    // DQ -> function -> Q: a table on the layer that wrote the 8-bit tensor, folded
    // when the QuantizeLinear after it gives the output quantisation.
    p.kind = pending::lut;
    p.x = dq_act(0, "X");
    if (m_uses[input(n, 0).d.source] != 1 || m_uses[n.input(0)] != 1)
      node_fail(n, "the tensor it reads has other readers (its table must fold into the "
                   "producing layer)");
    p.function = op;
    p.alpha = op == "HardSigmoid" ? attr_float(n, "alpha", 0.2f) : 1.0f / 6.0f;
    p.beta = op == "HardSigmoid" ? attr_float(n, "beta", 0.5f) : 0.5f;
  } else if (op == "Flatten" || op == "Reshape" || op == "Squeeze") {
    const value& x = input(n, 0);
    qact a;
    const bool is_dq = x.kind == value::dq && m_values.at(x.d.source).kind == value::act;
    if (x.kind == value::act && x.a.quantised)
      a = x.a;
    else if (is_dq)
      a = m_values.at(x.d.source).a;
    else
      node_fail(n, "input must be an 8-bit activation or its DequantizeLinear");
    if (!(a.h == 1 && a.w == 1))
      node_fail(n, "only [1, C, 1, 1] -> [1, C] is supported (no data movement in NHWC)");
    if (x.kind == value::act) {
      v.kind = value::act;
      v.a = a;
      v.a.rank = 2;
    } else {
      // A reshaped dequantised view: the source activation, rank 2.
      const std::string alias = n.output(0) + "#8bit";
      value av;
      av.kind = value::act;
      av.a = a;
      av.a.rank = 2;
      m_values[alias] = av;
      v.kind = value::dq;
      v.d = x.d;
      v.d.source = alias;
    }
    set(n, 0, std::move(v));
    return;
  } else if (op == "QLinearConv") {
    qact x = with_quant(n, 0, 1, 2);
    const tensor& w = const_input(n, 3, "w");
    if (w.type != k_int8 && w.type != k_uint8)
      node_fail(n, std::string("w must be int8 or uint8, got ") + elem_type_name(w.type));
    if (w.dims.empty())
      node_fail(n, "w has no dims");
    const size_t m = static_cast<size_t>(w.dims[0]);
    const std::vector<float> ws =
        per_channel(n, const_input(n, 4, "w_scale"), m, "w_scale");
    int zt = w.type;
    const std::vector<int32_t> wz =
        per_channel_zp(n, &const_input(n, 5, "w_zero_point"), m, &zt, "w_zero_point");
    const tensor* b = has_input(n, 8) ? &const_input(n, 8, "B") : nullptr;
    p = weighted_conv(n, x, w, ws, wz, b);
  } else if (op == "QLinearMatMul") {
    qact x = with_quant(n, 0, 1, 2);
    if (x.rank != 2)
      node_fail(n, "a must be 2-D [N, K] (batched matmul is not supported)");
    const tensor& w = const_input(n, 3, "b");
    if (w.type != k_int8 && w.type != k_uint8)
      node_fail(n, std::string("b must be int8 or uint8, got ") + elem_type_name(w.type));
    if (w.dims.size() != 2)
      node_fail(n, "b must be 2-D [K, N], got " + dims_text(w.dims) +
                       " (batched matmul is not supported)");
    const size_t m = static_cast<size_t>(w.dims[1]);
    const std::vector<float> ws =
        per_channel(n, const_input(n, 4, "b_scale"), m, "b_scale");
    int zt = w.type;
    const std::vector<int32_t> wz =
        per_channel_zp(n, &const_input(n, 5, "b_zero_point"), m, &zt, "b_zero_point");
    p = weighted_gemm(n, x, w, false, ws, wz, nullptr);
  } else if (op == "QLinearAdd" || op == "QLinearMul") {
    p.kind = op == "QLinearAdd" ? pending::add : pending::mul;
    p.x = with_quant(n, 0, 1, 2);
    p.aux = with_quant(n, 3, 4, 5);
  } else if (op == "QLinearGlobalAveragePool" || op == "QLinearAveragePool") {
    p.kind = pending::pool;
    p.x = with_quant(n, 0, 1, 2);
    if (attr_int(n, "channels_last", 0) != 0)
      node_fail(n, "channels_last = 1 is not supported");
    if (op == "QLinearGlobalAveragePool") {
      if (p.x.h > 255 || p.x.w > 255)
        node_fail(n, "global pool over more than 255x255 (the device's pool window)");
      p.kh = p.x.h;
      p.kw = p.x.w;
    } else {
      if (attr_int(n, "count_include_pad", 0) != 0)
        node_fail(n, "count_include_pad = 1 is not supported");
      window(n, p, p.x.h, p.x.w, true);
    }
  } else if (op == "QLinearSigmoid") {
    const qact x = with_quant(n, 0, 1, 2);
    if (m_uses[n.input(0)] != 1)
      node_fail(n,
                "its input has other readers (the table folds into the producing layer)");
    const int yi = 3, zi = 4;
    const float ys = scalar_scale(n, const_input(n, yi, "Y_scale"), "Y_scale");
    const tensor* z = has_input(n, zi) ? &const_input(n, zi, "Y_zero_point") : nullptr;
    p.x = x;
    p.function = "Sigmoid";
    p.node = label(n);
    v.kind = value::act;
    v.a = fold_lut(n, p, ys, scalar_zp(n, z, "Y_zero_point"), z ? z->type : k_uint8);
    set(n, 0, std::move(v));
    return;
  } else if (op == "ConvInteger" || op == "MatMulInteger") {
    node_fail(n,
              "its output is int32; the device's layers end in an 8-bit requantisation "
              "(use QLinearConv / QLinearMatMul or the QDQ form)");
  } else if (op == "DynamicQuantizeLinear") {
    node_fail(n, "quantisation parameters computed at run time are not supported (static "
                 "quantisation only)");
  } else {
    node_fail(n,
              "operator not supported; docs/networks.md lists those the platform runs");
  }
  p.node = p.node.empty() ? label(n) : p.node + " + " + label(n);
  if (p.name.empty() && p.kind != pending::lut)
    p.name = layer_name(n);
  if (op.rfind("QLinear", 0) == 0) { // QOperator: emit with its own output quantisation
    const int yi = op == "QLinearConv" || op == "QLinearMatMul" ? 6
                   : op == "QLinearAdd" || op == "QLinearMul"   ? 6
                                                                : 3;
    const float ys = scalar_scale(n, const_input(n, yi, "y_scale"), "y_scale");
    const tensor* z =
        has_input(n, yi + 1) ? &const_input(n, yi + 1, "y_zero_point") : nullptr;
    value a;
    a.kind = value::act;
    a.a = emit(n, p, ys, scalar_zp(n, z, "y_zero_point"), z ? z->type : k_uint8);
    set(n, 0, std::move(a));
    return;
  }
  set(n, 0, std::move(v));
}

model importer::run(const pb::ModelProto& mp) {
  for (const pb::OperatorSetIdProto& o : mp.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      m_model.opset = o.version();
  if (!mp.has_graph())
    fail("no graph (not an ONNX model, or a truncated one)");
  const pb::GraphProto& g = mp.graph();
  if (g.node_size() == 0)
    fail("the graph has no nodes");
  // Constants: initializers, then graph inputs given as constants.
  for (const pb::TensorProto& t : g.initializer()) {
    value v;
    v.t = from_proto(t, m_src + ": initializer '" + t.name() + "'");
    m_values[t.name()] = std::move(v);
  }
  for (const auto& [name, t] : m_opt.constants) {
    value v;
    v.t = t;
    m_values[name] = std::move(v);
  }
  // The one data input: [1, C, H, W] or [N, K], 8-bit or float (quantised on the host).
  std::vector<const pb::ValueInfoProto*> data;
  for (const pb::ValueInfoProto& in : g.input())
    if (!m_values.count(in.name()))
      data.push_back(&in);
  if (data.size() != 1) {
    std::string names;
    for (const auto* d : data)
      names += (names.empty() ? "" : ", ") + d->name();
    fail("the graph has " + std::to_string(data.size()) + " data inputs" +
         (names.empty() ? "" : " (" + names + ")") +
         "; the platform runs one (the others must be initializers)");
  }
  const pb::ValueInfoProto& in = *data[0];
  if (!in.type().has_tensor_type())
    fail("input '" + in.name() + "' is not a tensor");
  const pb::TypeProto::Tensor& tt = in.type().tensor_type();
  io_tensor& io = m_model.input;
  io.name = in.name();
  io.type = tt.elem_type();
  if (io.type != k_float && io.type != k_uint8 && io.type != k_int8)
    fail("input '" + in.name() + "' is " + elem_type_name(io.type) +
         "; the platform takes uint8, int8 or float (quantised by a QuantizeLinear)");
  io.quant_type = io.type == k_float ? k_uint8 : io.type;
  for (const pb::TensorShapeProto::Dimension& d : tt.shape().dim()) {
    if (!d.has_dim_value())
      fail("input '" + in.name() + "': dimension '" + d.dim_param() +
           "' has no fixed size (batch must be 1, sizes fixed)");
    io.dims.push_back(d.dim_value());
  }
  for (int64_t d : io.dims)
    if (d < 1 || d > 65535)
      fail("input '" + in.name() + "': dims " + dims_text(io.dims) + " outside 1..65535");
  qact a;
  a.layer = -1;
  a.type = io.quant_type;
  a.quantised = io.type != k_float;
  if (io.dims.size() == 4 && io.dims[0] == 1) {
    a.c = static_cast<int>(io.dims[1]);
    a.h = static_cast<int>(io.dims[2]);
    a.w = static_cast<int>(io.dims[3]);
  } else if (io.dims.size() == 2) {
    a.rank = 2;
    a.w = static_cast<int>(io.dims[0]);
    a.c = static_cast<int>(io.dims[1]);
  } else {
    fail("input '" + in.name() + "': dims " + dims_text(io.dims) +
         "; the platform takes [1, C, H, W] or [N, K]");
  }
  io.h = a.h;
  io.w = a.w;
  io.c = a.c;
  if (uint64_t(a.h) * a.w * a.c > scenarios::k_max_tensor_bytes)
    fail("input '" + in.name() + "': more than the 64 MiB a tensor may hold");
  {
    value v;
    v.kind = value::act;
    v.a = a;
    m_values[in.name()] = v;
  }

  // Dependency order (Kahn), refusing missing producers, duplicates and cycles.
  const int count = g.node_size();
  for (int i = 0; i < count; ++i)
    m_node_index[&g.node(i)] = i;
  std::map<std::string, int> producer;
  for (int i = 0; i < count; ++i)
    for (const std::string& o : g.node(i).output()) {
      if (o.empty())
        continue;
      if (m_values.count(o) || !producer.emplace(o, i).second)
        node_fail(g.node(i), "output '" + o + "' is written twice");
    }
  std::vector<int> pending_inputs(static_cast<size_t>(count), 0);
  std::vector<std::vector<int>> readers(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const pb::NodeProto& n = g.node(i);
    for (const std::string& name : n.input()) {
      if (name.empty())
        continue;
      m_uses[name]++;
      const auto it = producer.find(name);
      if (it != producer.end()) {
        pending_inputs[static_cast<size_t>(i)]++;
        readers[static_cast<size_t>(it->second)].push_back(i);
      } else if (!m_values.count(name)) {
        node_fail(n, "input '" + name +
                         "' is neither an initializer, a graph input nor a node's output "
                         "(missing initializer?)");
      }
    }
  }
  for (const pb::ValueInfoProto& o : g.output())
    m_uses[o.name()]++;
  std::deque<int> ready;
  for (int i = 0; i < count; ++i)
    if (pending_inputs[static_cast<size_t>(i)] == 0)
      ready.push_back(i);
  int visited = 0;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    visit(g.node(i));
    ++visited;
    for (int r : readers[static_cast<size_t>(i)])
      if (--pending_inputs[static_cast<size_t>(r)] == 0)
        ready.push_back(r);
  }
  if (visited != count)
    for (int i = 0; i < count; ++i)
      if (pending_inputs[static_cast<size_t>(i)] > 0)
        node_fail(g.node(i), "the graph has a cycle through this node");

  // Outputs: 8-bit activations, or their DequantizeLinear (dequantised on the host).
  if (g.output_size() == 0)
    fail("the graph has no outputs");
  for (const pb::ValueInfoProto& o : g.output()) {
    const auto it = m_values.find(o.name());
    if (it == m_values.end())
      fail("output '" + o.name() + "' is not computed by the graph");
    const value& v = it->second;
    io_tensor out;
    out.name = o.name();
    qact q;
    if (v.kind == value::act && v.a.quantised) {
      q = v.a;
      out.type = out.quant_type = q.type;
    } else if (v.kind == value::dq && m_values.at(v.d.source).kind == value::act) {
      q = m_values.at(v.d.source).a;
      out.type = k_float;
      out.quant_type = q.type;
    } else {
      fail("output '" + o.name() +
           "' is not an 8-bit tensor or its DequantizeLinear (the layers it needs are "
           "not quantised)");
    }
    if (q.layer < 0)
      fail("output '" + o.name() + "' is the network input: no layer computes it");
    out.scale = q.scale;
    out.zero_point = q.type == k_uint8 ? q.zp + 128 : q.zp;
    out.h = q.h;
    out.w = q.w;
    out.c = q.c;
    out.layer = q.layer;
    out.dims = q.rank == 4 ? std::vector<int64_t>{1, q.c, q.h, q.w}
                           : std::vector<int64_t>{q.w, q.c};
    m_model.outputs.push_back(out);
  }
  if (m_model.net.layers.empty())
    fail("no node maps to a layer of the accelerator");
  networks::set_gemm_dataflow(m_model.net, m_opt.dataflow);
  runtime::network& net = m_model.net;
  net.timing_only = !m_opt.with_data;
  net.input.assign(static_cast<size_t>(io.h) * io.w * io.c, 0);
  if (m_opt.with_data) { // seeded values until the caller gives its own
    splitmix64 rng{m_opt.seed};
    for (size_t i = 0; i < net.input.size(); i += 8) {
      const uint64_t word = rng.next();
      for (size_t k = 0; k < 8 && i + k < net.input.size(); ++k)
        net.input[i + k] = static_cast<int8_t>(word >> (8 * k));
    }
  }
  return m_model;
}

} // namespace

model import_bytes(const std::string& bytes, const std::string& source,
                   const options& opt) {
  if (bytes.size() > k_max_model_bytes)
    throw std::invalid_argument(source + ": larger than " +
                                std::to_string(k_max_model_bytes >> 20) + " MiB");
  pb::ModelProto mp;
  if (!mp.ParseFromString(bytes))
    throw std::invalid_argument(source +
                                ": not an ONNX model (the protobuf does not parse: "
                                "truncated, or another kind of file)");
  importer imp(source, opt);
  model m = imp.run(mp);
  std::string stem = source;
  const size_t slash = stem.find_last_of('/');
  if (slash != std::string::npos)
    stem = stem.substr(slash + 1);
  if (stem.size() > 5 && stem.compare(stem.size() - 5, 5, ".onnx") == 0)
    stem.resize(stem.size() - 5);
  m.net.name = stem;
  return m;
}

model import_file(const std::string& path, const options& opt) {
  return import_bytes(read_limited(path, k_max_model_bytes, "ONNX model"), path, opt);
}

std::vector<std::string> graph_inputs(const std::string& path) {
  pb::ModelProto mp;
  if (!mp.ParseFromString(read_limited(path, k_max_model_bytes, "ONNX model")))
    throw std::invalid_argument(path + ": not an ONNX model");
  std::vector<std::string> names;
  for (const pb::ValueInfoProto& in : mp.graph().input())
    names.push_back(in.name());
  return names;
}

void print_layers(std::ostream& out, const model& m) {
  static const char* const ops[] = {"?",        "conv2d",     "depthwise", "dw_1xk",
                                    "dw_kx1",   "pointwise",  "fc",        "add",
                                    "avg_pool", "channel_mul"};
  static const char* const maps[] = {"default", "gemm_naive", "vector", "channel_mvm"};
  out << "ONNX model " << m.net.name << " (opset " << m.opset << "): input "
      << m.input.name << " " << dims_text(m.input.dims) << " "
      << elem_type_name(m.input.type) << ", " << m.net.layers.size() << " layers, "
      << networks::count_macs(m.net) << " MACs\n";
  out << std::left << std::setw(4) << "#" << std::setw(24) << "layer" << std::setw(12)
      << "opcode" << std::setw(12) << "mapping" << std::setw(16) << "in (HxWxC)"
      << std::setw(16) << "out (HxWxC)" << std::setw(14) << "kernel/stride" << std::right
      << std::setw(12) << "MACs"
      << "  from\n";
  for (size_t i = 0; i < m.net.layers.size(); ++i) {
    const runtime::layer& l = m.net.layers[i];
    const dwvp_desc& d = l.desc;
    auto hwc = [](int h, int w, int c) {
      return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
    };
    out << std::left << std::setw(4) << i << std::setw(24) << l.name << std::setw(12)
        << (d.opcode < 10 ? ops[d.opcode] : "?") << std::setw(12)
        << (d.mapping < 4 ? maps[d.mapping] : "?") << std::setw(16)
        << hwc(d.in_h, d.in_w, d.in_c) << std::setw(16) << hwc(d.out_h, d.out_w, d.out_c)
        << std::setw(14)
        << (std::to_string(d.kernel_h) + "x" + std::to_string(d.kernel_w) + "/" +
            std::to_string(d.stride_h))
        << std::right << std::setw(12) << networks::layer_macs(l) << "  " << m.origin[i]
        << "\n";
  }
  for (const io_tensor& o : m.outputs)
    out << "output " << o.name << " " << dims_text(o.dims) << " "
        << elem_type_name(o.type) << " <- layer " << o.layer << " ("
        << m.net.layers[static_cast<size_t>(o.layer)].name << ")\n";
}

} // namespace dwvp::onnx_import
