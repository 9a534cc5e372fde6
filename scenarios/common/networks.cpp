#include "networks.h"

#include "golden.h"

#include <cmath>
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

std::vector<std::vector<int8_t>> golden_outputs(const runtime::network& net) {
  std::vector<std::vector<int8_t>> outs;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const runtime::layer& l = net.layers[i];
    const dwvp_desc& d = l.desc;
    const std::vector<int8_t>& in = l.input < 0 ? net.input : outs[l.input];
    golden::conv_params p;
    p.input_zp = d.input_zp;
    p.output_zp = d.output_zp;
    p.act_min = d.act_min;
    p.act_max = d.act_max;
    golden::requant q{l.multiplier, l.shift};
    switch (d.opcode) {
    case DWVP_OP_POINTWISE:
      outs.push_back(golden::pointwise(in, {d.in_h, d.in_w, d.in_c}, l.weights, d.out_c,
                                       l.bias, q, p));
      break;
    case DWVP_OP_FC:
      outs.push_back(golden::fully_connected(in, l.weights, d.out_c, l.bias, q, p));
      break;
    default:
      throw std::invalid_argument(
          "golden_outputs: layer " + l.name +
          " has an opcode the scenario library does not evaluate yet");
    }
  }
  return outs;
}

} // namespace dwvp::scenarios
