// One ONNX node: the QOperator and QDQ operators, constants and shape operators, each
// into a value (docs/networks.md, "ONNX models").
#include "onnx_importer.h"

namespace dwvp::onnx_import::detail {

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

} // namespace dwvp::onnx_import::detail
