// The importer's access to a node: its inputs (constants, activations, dequantised
// views), attributes, scalar and per-channel quantisation parameters, layer names.
#include "onnx_importer.h"

namespace dwvp::onnx_import::detail {

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

} // namespace dwvp::onnx_import::detail
