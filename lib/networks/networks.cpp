#include "networks.h"

#include "golden.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

namespace dwvp::scenarios {
namespace {

// Quantised ReLU6 bounds for an output of scale `scale` and zero point `zp`.
void activation_bounds(int activation, double scale, int32_t zp, int32_t& lo,
                       int32_t& hi) {
  lo = -128;
  hi = 127;
  if (activation == DWVP_ACT_RELU || activation == DWVP_ACT_RELU6)
    lo = std::max(lo, zp);
  if (activation == DWVP_ACT_RELU6)
    hi = std::min<int32_t>(127, zp + static_cast<int32_t>(std::lround(6.0 / scale)));
}

} // namespace

runtime::network make_pointwise_chain(const std::vector<pointwise_shape>& shapes,
                                      uint32_t seed, int dataflow) {
  if (shapes.empty())
    throw std::invalid_argument("pointwise chain needs at least one layer");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_int_distribution<int> weight(-127, 127);
  std::uniform_int_distribution<int> bias(-2000, 2000);
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  std::uniform_int_distribution<int> zero_point(-20, 20);

  runtime::network net;
  net.name = "pointwise_chain";
  const pointwise_shape& first = shapes.front();
  net.input.resize(static_cast<size_t>(first.h) * first.w * first.in_c);
  for (auto& v : net.input)
    v = static_cast<int8_t>(byte(rng));
  int32_t in_zp = zero_point(rng);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const pointwise_shape& s = shapes[i];
    if (i > 0 && (s.h != shapes[i - 1].h || s.w != shapes[i - 1].w ||
                  s.in_c != shapes[i - 1].out_c))
      throw std::invalid_argument("pointwise chain: layer " + std::to_string(i) +
                                  " input does not match the previous output");
    runtime::layer l;
    l.name = "pw" + std::to_string(i);
    l.input = static_cast<int>(i) - 1;
    dwvp_desc& d = l.desc;
    d.opcode = DWVP_OP_POINTWISE;
    d.dataflow = static_cast<uint8_t>(dataflow);
    d.activation = static_cast<uint8_t>(s.activation);
    d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
    d.in_h = d.out_h = static_cast<uint16_t>(s.h);
    d.in_w = d.out_w = static_cast<uint16_t>(s.w);
    d.in_c = static_cast<uint16_t>(s.in_c);
    d.out_c = static_cast<uint16_t>(s.out_c);
    d.input_zp = in_zp;
    d.output_zp = zero_point(rng);
    const double out_scale = 0.05;
    activation_bounds(s.activation, out_scale, d.output_zp, d.act_min, d.act_max);
    l.weights.resize(static_cast<size_t>(s.out_c) * s.in_c);
    for (auto& w : l.weights)
      w = static_cast<int8_t>(weight(rng));
    // Scale so the accumulators land mostly inside the int8 range: products of two
    // uniform int8 values have a standard deviation near 74 * 73, summed over in_c.
    const double base = 40.0 / (74.0 * 73.0 * std::sqrt(static_cast<double>(s.in_c)));
    for (int o = 0; o < s.out_c; ++o) {
      int32_t m = 0;
      int sh = 0;
      golden::quantize_multiplier(base * spread(rng), &m, &sh);
      l.multiplier.push_back(m);
      l.shift.push_back(sh);
      l.bias.push_back(bias(rng));
    }
    in_zp = d.output_zp;
    net.layers.push_back(std::move(l));
  }
  return net;
}

namespace {

std::vector<int8_t> golden_layer_values(const runtime::layer& l,
                                        const std::vector<int8_t>& in,
                                        const std::vector<int8_t>* aux) {
  const dwvp_desc& d = l.desc;
  const golden::shape in_shape{d.in_h, d.in_w, d.in_c};
  golden::conv_params p;
  p.kernel_h = d.kernel_h;
  p.kernel_w = d.kernel_w;
  p.stride_h = d.stride_h;
  p.stride_w = d.stride_w;
  p.pad_top = d.pad_top;
  p.pad_left = d.pad_left;
  p.pad_bottom = d.pad_bottom;
  p.pad_right = d.pad_right;
  p.input_zp = d.input_zp;
  p.output_zp = d.output_zp;
  p.act_min = d.act_min;
  p.act_max = d.act_max;
  golden::requant q{l.multiplier, l.shift};
  if (d.flags & DWVP_FLAG_ONNX) { // binary32 scales in the multiplier words
    q.scale.resize(l.multiplier.size());
    if (!l.multiplier.empty()) // memcpy's pointers must not be null, even for 0 bytes
      std::memcpy(q.scale.data(), l.multiplier.data(), 4 * l.multiplier.size());
    p.weight_zp = d.aux_zp;
  }
  std::vector<int8_t> out;
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    out = golden::conv2d(in, in_shape, l.weights, d.out_c, l.bias, q, p);
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    out = golden::depthwise_conv2d(in, in_shape, l.weights, l.bias, q, p);
    break;
  case DWVP_OP_POINTWISE:
    out = golden::pointwise(in, in_shape, l.weights, d.out_c, l.bias, q, p);
    break;
  case DWVP_OP_FC:
    out = golden::fully_connected(in, l.weights, d.out_c, l.bias, q, p);
    break;
  case DWVP_OP_ADD: {
    golden::add_params a;
    a.a_zp = d.input_zp;
    a.b_zp = d.aux_zp;
    a.output_zp = d.output_zp;
    a.left_shift = d.add_left_shift;
    a.a_multiplier = d.input_mult;
    a.a_shift = d.input_shift;
    a.b_multiplier = d.aux_mult;
    a.b_shift = d.aux_shift;
    a.output_multiplier = d.output_mult;
    a.output_shift = d.output_shift;
    a.act_min = d.act_min;
    a.act_max = d.act_max;
    if (d.flags & DWVP_FLAG_ONNX) { // binary32 scales in the multiplier fields
      a.onnx = true;
      std::memcpy(&a.a_scale, &d.input_mult, 4);
      std::memcpy(&a.b_scale, &d.aux_mult, 4);
      std::memcpy(&a.output_scale, &d.output_mult, 4);
    }
    out = golden::add(in, *aux, a);
    break;
  }
  case DWVP_OP_AVG_POOL: {
    golden::pool_params pp; // the window geometry and clamp already in p
    pp.kernel_h = p.kernel_h;
    pp.kernel_w = p.kernel_w;
    pp.stride_h = p.stride_h;
    pp.stride_w = p.stride_w;
    pp.pad_top = p.pad_top;
    pp.pad_left = p.pad_left;
    pp.pad_bottom = p.pad_bottom;
    pp.pad_right = p.pad_right;
    pp.act_min = p.act_min;
    pp.act_max = p.act_max;
    out = golden::average_pool(in, in_shape, pp);
    break;
  }
  case DWVP_OP_CHANNEL_MUL: {
    golden::mul_params m;
    m.input_zp = d.input_zp;
    m.scale_zp = d.aux_zp;
    m.output_zp = d.output_zp;
    m.output_multiplier = d.output_mult;
    m.output_shift = d.output_shift;
    m.act_min = d.act_min;
    m.act_max = d.act_max;
    out = golden::channel_multiply(in, in_shape, *aux, m);
    break;
  }
  default:
    throw std::invalid_argument("golden_outputs: layer " + l.name +
                                " has unknown opcode " + std::to_string(d.opcode));
  }
  if (d.activation == DWVP_ACT_LUT) {
    golden::lut table{};
    std::copy(l.lut.begin(), l.lut.end(), table.begin());
    out = golden::apply_lut(out, table);
  }
  return out;
}

} // namespace

std::vector<int8_t> golden_layer(const runtime::layer& l, const std::vector<int8_t>& in,
                                 const std::vector<int8_t>* aux) {
  // The golden kernels' messages name the kernel, not the layer (loaded weights can
  // reach them).
  try {
    return golden_layer_values(l, in, aux);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("layer " + l.name + ": golden reference: " + e.what());
  } catch (const std::overflow_error& e) {
    throw std::invalid_argument("layer " + l.name + ": golden reference: " + e.what());
  }
}

std::vector<std::vector<int8_t>> golden_outputs(const runtime::network& net) {
  std::vector<std::vector<int8_t>> outs;
  // A layer that writes into another's tensor is read through that tensor's owner.
  auto owner_of = [&](int index) {
    const int into = net.layers[index].output_into;
    return into >= 0 ? into : index;
  };
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const runtime::layer& l = net.layers[i];
    const dwvp_desc& d = l.desc;
    const std::vector<int8_t>& producer =
        l.input < 0 ? net.input : outs[owner_of(l.input)];
    // A channel slice of a wider producer is gathered into a packed tensor first.
    std::vector<int8_t> slice;
    if (d.in_pixel_stride && d.in_pixel_stride != d.in_c) {
      const size_t pixels = size_t(d.in_h) * d.in_w;
      slice.resize(pixels * d.in_c);
      for (size_t px = 0; px < pixels; ++px)
        for (int c = 0; c < d.in_c; ++c)
          slice[px * d.in_c + c] =
              producer[px * d.in_pixel_stride + l.input_channel_offset + c];
    }
    // A layer may read only the first part of the network input (the independent
    // layers of a plain SCALE-Sim topology, layer_spec::input_h).
    const size_t in_bytes = size_t(d.in_h) * d.in_w * d.in_c;
    if (slice.empty() && l.input < 0 && producer.size() > in_bytes)
      slice.assign(producer.begin(),
                   producer.begin() + static_cast<std::ptrdiff_t>(in_bytes));
    const std::vector<int8_t>& in = slice.empty() ? producer : slice;
    const std::vector<int8_t>* aux = nullptr;
    if (l.aux_input != runtime::layer::k_no_aux)
      aux = l.aux_input < 0 ? &net.input : &outs[owner_of(l.aux_input)];
    std::vector<int8_t> out = golden_layer(l, in, aux);
    // Place the packed result into its tensor: its own (maybe wider than out_c) or a
    // channel slice of an earlier layer's (concatenation).
    const size_t pixels = size_t(d.out_h) * d.out_w;
    auto scatter = [&](std::vector<int8_t>& tensor, size_t total, size_t offset) {
      for (size_t px = 0; px < pixels; ++px)
        for (size_t c = 0; c < d.out_c; ++c)
          tensor[px * total + offset + c] = out[px * d.out_c + c];
    };
    if (l.output_into >= 0) {
      const runtime::layer& owner = net.layers[l.output_into];
      const size_t total =
          owner.out_channels_total ? owner.out_channels_total : owner.desc.out_c;
      scatter(outs[l.output_into], total, l.output_channel_offset);
      outs.push_back({}); // filled with the final shared tensor below
    } else if (l.out_channels_total && l.out_channels_total != d.out_c) {
      std::vector<int8_t> tensor(pixels * l.out_channels_total, 0);
      scatter(tensor, l.out_channels_total, 0);
      outs.push_back(std::move(tensor));
    } else {
      outs.push_back(std::move(out));
    }
  }
  for (size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].output_into >= 0)
      outs[i] = outs[net.layers[i].output_into];
  return outs;
}

} // namespace dwvp::scenarios
