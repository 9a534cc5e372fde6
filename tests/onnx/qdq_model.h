// Builds QDQ-form int8 ONNX models in C++ through libonnx-dev's protobuf classes, for
// the tests: seeded random weights, per-channel weight scales, scales chosen so that
// every layer's outputs keep about the spread of its inputs. mobilenet_v2() is the
// MobileNet-v2 block structure (Sandler et al., Table 2) at a width multiplier, on a
// small input.
#pragma once

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace dwvp::test {

class qdq_model {
public:
  // A float input [1, c, h, w], quantised by a QuantizeLinear (int8, scale 1/64).
  qdq_model(int h, int w, int c, uint32_t seed) : m_rng(seed) {
    m_model.set_ir_version(8);
    m_model.add_opset_import()->set_version(13);
    m_graph = m_model.mutable_graph();
    m_graph->set_name("qdq_test");
    auto* in = m_graph->add_input();
    in->set_name("input");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(::onnx::TensorProto::FLOAT);
    for (int d : {1, c, h, w})
      tt->mutable_shape()->add_dim()->set_dim_value(d);
    m_h = h;
    m_w = w;
    m_c = c;
    input = quantize("input", 1.0f / 64, 0, "input_q");
  }

  struct act {
    std::string name; // the 8-bit tensor
    float scale;
    int zp;
    int c, h, w;
  };
  act input;

  // Conv (group 1 or depthwise) + optional Relu / Clip(0, 6), QDQ around it.
  act conv(const act& x, int out_c, int k, int stride, bool depthwise,
           const std::string& activation, const std::string& name) {
    const int group = depthwise ? x.c : 1;
    const int cin = depthwise ? 1 : x.c;
    const int pad = k / 2;
    std::vector<double> w(static_cast<size_t>(out_c) * cin * k * k), ws(out_c);
    std::uniform_int_distribution<int> wd(-127, 127);
    std::uniform_real_distribution<double> sd(0.5, 1.5);
    for (double& v : w)
      v = wd(m_rng);
    // Weight scales that keep real values about as large as the inputs.
    const int fan_in = cin * k * k;
    for (double& v : ws)
      v = static_cast<float>(sd(m_rng) / (std::sqrt(fan_in) * 73.0));
    const std::string wn =
        constant(name + ".w", ::onnx::TensorProto::INT8, {out_c, cin, k, k}, w);
    const std::string wdq = dequantize(wn, name + ".w_scale", ws, 0, name + ".w_dq");
    // Bias int32 with scale x_scale * w_scale.
    std::vector<double> b(out_c), bs(out_c);
    std::uniform_int_distribution<int> bd(-3000, 3000);
    for (int o = 0; o < out_c; ++o) {
      b[o] = bd(m_rng);
      bs[o] = static_cast<float>(x.scale * static_cast<float>(ws[o]));
    }
    const std::string bn = constant(name + ".b", ::onnx::TensorProto::INT32, {out_c}, b);
    const std::string bdq = dequantize(bn, name + ".b_scale", bs, 0, name + ".b_dq");
    auto* n = node("Conv", name, {dq(x), wdq, bdq}, {name + ".out"});
    attr_ints(n, "kernel_shape", {k, k});
    attr_ints(n, "strides", {stride, stride});
    attr_ints(n, "pads", {pad, pad, pad, pad});
    if (group > 1)
      attr_int(n, "group", group);
    std::string out = name + ".out";
    if (activation == "relu") {
      node("Relu", name + ".relu", {out}, {name + ".relu"});
      out = name + ".relu";
    } else if (activation == "relu6") {
      const std::string lo = constant(name + ".min", ::onnx::TensorProto::FLOAT, {}, {0});
      const std::string hi = constant(name + ".max", ::onnx::TensorProto::FLOAT, {}, {6});
      node("Clip", name + ".clip", {out, lo, hi}, {name + ".clip"});
      out = name + ".clip";
    }
    // Output spread about the input's: acc std ~ sqrt(fan_in) * 73 * (x std in steps).
    const float ys = x.scale;
    const int yz = activation.empty() ? 0 : -100;
    act y = quantize(out, ys, yz, name + ".q");
    y.c = out_c;
    y.h = (x.h + 2 * pad - k) / stride + 1;
    y.w = (x.w + 2 * pad - k) / stride + 1;
    return y;
  }

  act add(const act& a, const act& b, const std::string& name) {
    node("Add", name, {dq(a), dq(b)}, {name + ".out"});
    act y = quantize(name + ".out", std::max(a.scale, b.scale) * 1.25f, 0, name + ".q");
    y.c = a.c;
    y.h = a.h;
    y.w = a.w;
    return y;
  }

  act global_pool(const act& x, const std::string& name) {
    node("GlobalAveragePool", name, {dq(x)}, {name + ".out"});
    act y = quantize(name + ".out", x.scale, x.zp, name + ".q");
    y.c = x.c;
    y.h = y.w = 1;
    return y;
  }

  // Flatten, then Gemm with transB (weights [out, in]) and bias.
  act fc(const act& x, int out, const std::string& name) {
    node("Flatten", name + ".flatten", {dq(x)}, {name + ".flat"});
    std::vector<double> w(static_cast<size_t>(out) * x.c), ws(out), b(out), bs(out);
    std::uniform_int_distribution<int> wd(-127, 127), bd(-3000, 3000);
    for (double& v : w)
      v = wd(m_rng);
    for (int o = 0; o < out; ++o) {
      ws[o] = static_cast<float>(1.0 / (std::sqrt(x.c) * 73.0));
      b[o] = bd(m_rng);
      bs[o] = static_cast<float>(x.scale * static_cast<float>(ws[o]));
    }
    const std::string wn =
        constant(name + ".w", ::onnx::TensorProto::INT8, {out, x.c}, w);
    const std::string wdq = dequantize(wn, name + ".w_scale", ws, 0, name + ".w_dq");
    const std::string bn = constant(name + ".b", ::onnx::TensorProto::INT32, {out}, b);
    const std::string bdq = dequantize(bn, name + ".b_scale", bs, 0, name + ".b_dq");
    auto* n = node("Gemm", name, {name + ".flat", wdq, bdq}, {name + ".out"});
    attr_int(n, "transB", 1);
    const float ys = x.scale;
    act y = quantize(name + ".out", ys, 0, name + ".q");
    y.c = out;
    y.h = y.w = 1;
    m_flat = true;
    return y;
  }

  // The graph output: the DequantizeLinear of `x` (float), or `x` itself (int8).
  void output(const act& x, bool dequantized = true) {
    auto* o = m_graph->add_output();
    o->set_name(dequantized ? dq(x) : x.name);
    auto* tt = o->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(dequantized ? ::onnx::TensorProto::FLOAT
                                  : ::onnx::TensorProto::INT8);
    const std::vector<int> dims =
        m_flat ? std::vector<int>{1, x.c} : std::vector<int>{1, x.c, x.h, x.w};
    for (int d : dims)
      tt->mutable_shape()->add_dim()->set_dim_value(d);
  }

  ::onnx::ModelProto& model() { return m_model; }
  std::string bytes() const { return m_model.SerializeAsString(); }

private:
  std::string constant(const std::string& name, int type, const std::vector<int>& dims,
                       const std::vector<double>& values) {
    auto* t = m_graph->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int d : dims)
      t->add_dims(d);
    for (double v : values) {
      if (type == ::onnx::TensorProto::FLOAT)
        t->add_float_data(static_cast<float>(v));
      else
        t->add_int32_data(static_cast<int32_t>(v));
    }
    return name;
  }

  ::onnx::NodeProto* node(const std::string& op, const std::string& name,
                          const std::vector<std::string>& in,
                          const std::vector<std::string>& out) {
    auto* n = m_graph->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& s : in)
      n->add_input(s);
    for (const auto& s : out)
      n->add_output(s);
    return n;
  }

  static void attr_ints(::onnx::NodeProto* n, const std::string& name,
                        const std::vector<int>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::INTS);
    for (int x : v)
      a->add_ints(x);
  }
  static void attr_int(::onnx::NodeProto* n, const std::string& name, int v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::INT);
    a->set_i(v);
  }

  // DequantizeLinear of a constant with per-channel (axis 0) or per-tensor scales.
  std::string dequantize(const std::string& x, const std::string& scale_name,
                         const std::vector<double>& scales, int zp,
                         const std::string& out) {
    const bool per_channel = scales.size() > 1;
    constant(scale_name, ::onnx::TensorProto::FLOAT,
             per_channel ? std::vector<int>{static_cast<int>(scales.size())}
                         : std::vector<int>{},
             scales);
    (void)zp;
    auto* n = node("DequantizeLinear", out, {x, scale_name}, {out});
    if (per_channel)
      attr_int(n, "axis", 0);
    return out;
  }

  std::string dq(const act& x) {
    const std::string out = x.name + ".dq" + std::to_string(m_count++);
    node("DequantizeLinear", out, {x.name, x.name + ".scale", x.name + ".zp"}, {out});
    return out;
  }

  act quantize(const std::string& x, float scale, int zp, const std::string& out) {
    constant(out + ".scale", ::onnx::TensorProto::FLOAT, {}, {scale});
    constant(out + ".zp", ::onnx::TensorProto::INT8, {}, {static_cast<double>(zp)});
    node("QuantizeLinear", out, {x, out + ".scale", out + ".zp"}, {out});
    return act{out, scale, zp, m_c, m_h, m_w};
  }

  ::onnx::ModelProto m_model;
  ::onnx::GraphProto* m_graph = nullptr;
  std::mt19937 m_rng;
  int m_count = 0, m_c = 0, m_h = 0, m_w = 0;
  bool m_flat = false;
};

// MobileNet-v2 (Sandler et al., CVPR 2018, Table 2) at width `alpha`, input
// size x size x 3, `classes` outputs: stem conv 3x3 s2 (ReLU6), the 17 inverted
// residual blocks (t, c, n, s) with residual adds, conv 1x1 to 1280 * max(1, alpha),
// global average pool, FC. Channel counts rounded to multiples of 8 (min 8).
inline qdq_model mobilenet_v2(int size, double alpha, int classes, uint32_t seed) {
  auto ch = [&](int c) { return std::max(8, int(c * alpha + 4) / 8 * 8); };
  qdq_model m(size, size, 3, seed);
  qdq_model::act x = m.conv(m.input, ch(32), 3, 2, false, "relu6", "conv1");
  const int table[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                           {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int block = 0;
  for (const auto& row : table)
    for (int i = 0; i < row[2]; ++i) {
      const std::string b = "b" + std::to_string(++block);
      const int out = ch(row[1]), stride = i == 0 ? row[3] : 1;
      qdq_model::act y = x;
      if (row[0] != 1)
        y = m.conv(y, x.c * row[0], 1, 1, false, "relu6", b + "_expand");
      y = m.conv(y, y.c, 3, stride, true, "relu6", b + "_dw");
      y = m.conv(y, out, 1, 1, false, "", b + "_project");
      if (stride == 1 && x.c == out)
        y = m.add(y, x, b + "_add");
      x = y;
    }
  x = m.conv(x, alpha > 1 ? ch(1280) : 1280, 1, 1, false, "relu6", "conv_last");
  x = m.global_pool(x, "pool");
  x = m.fc(x, classes, "fc");
  m.output(x);
  return m;
}

} // namespace dwvp::test
