// Small layers with seeded operands and their expected output from the golden
// reference (golden/golden.h), built here independently of the models' kernels.
#pragma once

#include "module_bench.h"

#include "golden.h"

#include "dwvp/descriptor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace dwvp::test {

using i8v = std::vector<int8_t>;
using i32v = std::vector<int32_t>;

inline dwvp_desc base_desc(uint8_t opcode) {
  dwvp_desc d{};
  d.magic = DWVP_DESC_MAGIC;
  d.opcode = opcode;
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  d.act_min = -128;
  d.act_max = 127;
  return d;
}

struct window {
  int in_h = 1, in_w = 1, kh = 1, kw = 1, sh = 1, sw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
};

inline void set_window(dwvp_desc& d, const window& w) {
  d.in_h = static_cast<uint16_t>(w.in_h);
  d.in_w = static_cast<uint16_t>(w.in_w);
  d.kernel_h = static_cast<uint8_t>(w.kh);
  d.kernel_w = static_cast<uint8_t>(w.kw);
  d.stride_h = static_cast<uint8_t>(w.sh);
  d.stride_w = static_cast<uint8_t>(w.sw);
  d.pad_top = static_cast<uint8_t>(w.pt);
  d.pad_left = static_cast<uint8_t>(w.pl);
  d.pad_bottom = static_cast<uint8_t>(w.pb);
  d.pad_right = static_cast<uint8_t>(w.pr);
  d.out_h = static_cast<uint16_t>((w.in_h + w.pt + w.pb - w.kh) / w.sh + 1);
  d.out_w = static_cast<uint16_t>((w.in_w + w.pl + w.pr - w.kw) / w.sw + 1);
}

struct layer_case {
  dwvp_desc d{};
  i8v input, aux, weights;
  i32v bias, multiplier, shift;
  golden::lut table{};
  i8v expected; // packed out_h x out_w x out_c

  uint64_t output_bytes() const { return expected.size(); }
  // multiplier[out_c] then shift[out_c], as quant_addr holds them.
  std::vector<uint8_t> quant_bytes() const {
    std::vector<uint8_t> q(8 * multiplier.size());
    std::memcpy(q.data(), multiplier.data(), 4 * multiplier.size());
    std::memcpy(q.data() + 4 * multiplier.size(), shift.data(), 4 * shift.size());
    return q;
  }
  bool weighted() const { return d.opcode <= DWVP_OP_FC; }
};

inline double unit_real(byte_source& r) {
  return double(r.next()) / 4294967296.0;
}

// Per-channel requantisation around 40 / (74 * 73 * sqrt(reduction)): a spread of
// some tens of output steps.
inline void random_requant(byte_source& r, int channels, int reduction, i32v& mult,
                           i32v& shift) {
  const double base = 40.0 / (74.0 * 73.0 * std::sqrt(double(reduction)));
  mult.clear();
  shift.clear();
  for (int c = 0; c < channels; ++c) {
    int32_t m;
    int s;
    golden::quantize_multiplier((0.5 + unit_real(r)) * base, &m, &s);
    mult.push_back(m);
    shift.push_back(s);
  }
}

// The golden output of a weighted layer (conv2d, depthwise, pointwise, FC) from its
// descriptor and operands; after the activation table for LUT layers.
inline void compute_expected(layer_case& L) {
  const dwvp_desc& d = L.d;
  const int out_c = d.out_c;
  golden::conv_params p;
  p.kernel_h = d.kernel_h, p.kernel_w = d.kernel_w;
  p.stride_h = d.stride_h, p.stride_w = d.stride_w;
  p.pad_top = d.pad_top, p.pad_left = d.pad_left;
  p.pad_bottom = d.pad_bottom, p.pad_right = d.pad_right;
  p.input_zp = d.input_zp;
  p.output_zp = d.output_zp;
  p.act_min = d.act_min;
  p.act_max = d.act_max;
  const golden::requant q{L.multiplier, L.shift};
  const golden::shape in{d.in_h, d.in_w, d.in_c};
  switch (d.opcode) {
  case DWVP_OP_CONV2D:
    L.expected = golden::conv2d(L.input, in, L.weights, out_c, L.bias, q, p);
    break;
  case DWVP_OP_POINTWISE:
    L.expected = golden::pointwise(L.input, in, L.weights, out_c, L.bias, q, p);
    break;
  case DWVP_OP_FC:
    L.expected = golden::fully_connected(L.input, L.weights, out_c, L.bias, q, p);
    break;
  case DWVP_OP_DEPTHWISE:
  case DWVP_OP_DW_1XK:
  case DWVP_OP_DW_KX1:
    L.expected = golden::depthwise_conv2d(L.input, in, L.weights, L.bias, q, p);
    break;
  default:
    throw std::invalid_argument("compute_expected: not a weighted layer");
  }
  if (d.activation == DWVP_ACT_LUT)
    L.expected = golden::apply_lut(L.expected, L.table);
}

// conv2d, depthwise (KxK, 1xK, Kx1), pointwise or FC; out_c is ignored for depthwise.
// activation RELU6: clamp to [output_zp, output_zp + 90]; LUT: hard-swish table.
inline layer_case weighted_layer(uint32_t seed, uint8_t opcode, const window& w, int in_c,
                                 int out_c, uint8_t mapping = DWVP_MAP_DEFAULT,
                                 uint8_t dataflow = DWVP_DF_OS,
                                 uint8_t activation = DWVP_ACT_RELU6) {
  byte_source r(seed);
  layer_case L;
  dwvp_desc& d = L.d;
  d = base_desc(opcode);
  set_window(d, w);
  const bool dw =
      opcode == DWVP_OP_DEPTHWISE || opcode == DWVP_OP_DW_1XK || opcode == DWVP_OP_DW_KX1;
  if (dw)
    out_c = in_c;
  d.in_c = static_cast<uint16_t>(in_c);
  d.out_c = static_cast<uint16_t>(out_c);
  d.mapping = mapping;
  d.dataflow = dataflow;
  d.activation = activation;
  d.input_zp = r.range(-20, 20);
  d.output_zp = r.range(-10, 10);
  if (activation == DWVP_ACT_RELU6) {
    d.act_min = d.output_zp;
    d.act_max = d.output_zp + 90;
  }
  const int taps = w.kh * w.kw;
  const size_t weight_count = opcode == DWVP_OP_CONV2D ? size_t(out_c) * taps * in_c
                              : dw                     ? size_t(taps) * in_c
                                                       : size_t(out_c) * in_c;
  const int reduction = opcode == DWVP_OP_CONV2D ? taps * in_c : dw ? taps : in_c;
  L.input = r.i8(size_t(w.in_h) * w.in_w * in_c);
  L.weights = r.i8(weight_count);
  for (int c = 0; c < out_c; ++c)
    L.bias.push_back(r.range(-2000, 2000));
  random_requant(r, out_c, reduction, L.multiplier, L.shift);
  if (activation == DWVP_ACT_LUT)
    L.table = golden::make_hard_swish_lut(0.05, d.output_zp, 0.04, 3);
  compute_expected(L);
  return L;
}

// Residual add of two h x w x c tensors (TFLite numerics from float scales).
inline layer_case add_layer(uint32_t seed, int h, int w, int c) {
  byte_source r(seed);
  layer_case L;
  dwvp_desc& d = L.d;
  d = base_desc(DWVP_OP_ADD);
  d.in_h = d.out_h = static_cast<uint16_t>(h);
  d.in_w = d.out_w = static_cast<uint16_t>(w);
  d.in_c = d.out_c = static_cast<uint16_t>(c);
  golden::add_params p = golden::make_add_params(0.05, 3, 0.08, -7, 0.1, 2);
  d.add_left_shift = static_cast<uint8_t>(p.left_shift);
  d.input_zp = p.a_zp;
  d.aux_zp = p.b_zp;
  d.output_zp = p.output_zp;
  d.input_mult = p.a_multiplier;
  d.input_shift = p.a_shift;
  d.aux_mult = p.b_multiplier;
  d.aux_shift = p.b_shift;
  d.output_mult = p.output_multiplier;
  d.output_shift = p.output_shift;
  d.act_min = p.act_min;
  d.act_max = p.act_max;
  L.input = r.i8(size_t(h) * w * c);
  L.aux = r.i8(L.input.size());
  L.expected = golden::add(L.input, L.aux, p);
  return L;
}

// Squeeze-and-excite channel multiply of an h x w x c tensor by a c-vector.
inline layer_case mul_layer(uint32_t seed, int h, int w, int c) {
  byte_source r(seed);
  layer_case L;
  dwvp_desc& d = L.d;
  d = base_desc(DWVP_OP_CHANNEL_MUL);
  d.in_h = d.out_h = static_cast<uint16_t>(h);
  d.in_w = d.out_w = static_cast<uint16_t>(w);
  d.in_c = d.out_c = static_cast<uint16_t>(c);
  golden::mul_params p;
  p.input_zp = 4;
  p.scale_zp = -20;
  p.output_zp = -3;
  golden::quantize_multiplier(40.0 / (74.0 * 74.0), &p.output_multiplier, &p.output_shift);
  d.input_zp = p.input_zp;
  d.aux_zp = p.scale_zp;
  d.output_zp = p.output_zp;
  d.output_mult = p.output_multiplier;
  d.output_shift = p.output_shift;
  L.input = r.i8(size_t(h) * w * c);
  L.aux = r.i8(size_t(c));
  L.expected = golden::channel_multiply(L.input, {h, w, c}, L.aux, p);
  return L;
}

// Average pool, same quantisation in and out.
inline layer_case pool_layer(uint32_t seed, const window& w, int c) {
  byte_source r(seed);
  layer_case L;
  dwvp_desc& d = L.d;
  d = base_desc(DWVP_OP_AVG_POOL);
  set_window(d, w);
  d.in_c = d.out_c = static_cast<uint16_t>(c);
  d.input_zp = d.output_zp = -5;
  golden::pool_params p;
  p.kernel_h = w.kh, p.kernel_w = w.kw, p.stride_h = w.sh, p.stride_w = w.sw;
  p.pad_top = w.pt, p.pad_left = w.pl, p.pad_bottom = w.pb, p.pad_right = w.pr;
  L.input = r.i8(size_t(w.in_h) * w.in_w * c);
  L.expected = golden::average_pool(L.input, {w.in_h, w.in_w, c}, p);
  return L;
}

} // namespace dwvp::test
