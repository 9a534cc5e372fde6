// Pending float operations into the platform's layers: the window attributes, weighted
// convolutions and GEMMs, and the emitted layer with its requantisation (fixed point
// or ONNX-exact) or its folded LUT.
#include "onnx_importer.h"

#include "golden.h"
#include "network_builder.h"

namespace dwvp::onnx_import::detail {

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

} // namespace dwvp::onnx_import::detail
