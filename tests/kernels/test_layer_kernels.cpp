// execute_layer() (models/kernels/layer_kernels) against the golden reference, bit for
// bit, on seeded random layers: every opcode, odd sizes, strides 1 and 2, symmetric,
// TF-SAME and random asymmetric padding, odd channel counts, non-zero zero points,
// ReLU/ReLU6 clamps, LUT activations and strided (channel-slice) inputs and outputs.
// Output buffers are pre-filled with random bytes: everything outside the written
// channel slice must survive.
#include "golden.h"
#include "kernel_simd.h"
#include "layer_kernels.h"
#include "pointwise.h"
#include "requant.h"
#include "requant_fast.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using dwvp::kernels::execute_layer;
using dwvp::kernels::layer_operands;
using i8v = std::vector<int8_t>;
using i32v = std::vector<int32_t>;

namespace {

int rand_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

double rand_real(std::mt19937& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

template <typename T> T pick(std::mt19937& rng, std::initializer_list<T> values) {
  return *(values.begin() + rand_int(rng, 0, static_cast<int>(values.size()) - 1));
}

i8v random_i8(std::mt19937& rng, size_t n, int lo = -128, int hi = 127) {
  i8v v(n);
  for (auto& x : v)
    x = static_cast<int8_t>(rand_int(rng, lo, hi));
  return v;
}

dwvp_desc base_desc(uint8_t opcode) {
  dwvp_desc d{};
  d.magic = DWVP_DESC_MAGIC;
  d.opcode = opcode;
  d.kernel_h = d.kernel_w = d.stride_h = d.stride_w = 1;
  d.act_min = -128;
  d.act_max = 127;
  return d;
}

std::string describe(const dwvp_desc& d) {
  std::ostringstream s;
  s << "opcode " << int{d.opcode} << " in " << d.in_h << "x" << d.in_w << "x" << d.in_c
    << " out " << d.out_h << "x" << d.out_w << "x" << d.out_c << " k " << int{d.kernel_h}
    << "x" << int{d.kernel_w} << " s " << int{d.stride_h} << "," << int{d.stride_w}
    << " pad t" << int{d.pad_top} << " l" << int{d.pad_left} << " b" << int{d.pad_bottom}
    << " r" << int{d.pad_right} << " zp in " << d.input_zp << " aux " << d.aux_zp
    << " out " << d.output_zp << " act " << int{d.activation} << " [" << d.act_min << ", "
    << d.act_max << "] strides " << d.in_pixel_stride << "/" << d.out_pixel_stride;
  return s.str();
}

// ---------------------------------------------------------------------------------
// Activation: clamp bounds and an optional LUT, drawn per case.

struct activation {
  uint8_t kind = DWVP_ACT_NONE;
  int32_t act_min = -128, act_max = 127;
  golden::lut table{};
  bool pass_table = false; // hand a table to execute_layer (ignored unless LUT)
};

activation random_activation(std::mt19937& rng, int32_t output_zp) {
  activation a;
  a.kind = static_cast<uint8_t>(rand_int(rng, 0, 3));
  switch (a.kind) {
  case DWVP_ACT_RELU:
    a.act_min = output_zp;
    break;
  case DWVP_ACT_RELU6:
    a.act_min = output_zp;
    a.act_max = std::min(127, output_zp + rand_int(rng, 5, 120));
    break;
  case DWVP_ACT_LUT:
    if (rand_int(rng, 0, 1)) { // hard-swish after a ReLU6-style clamp
      a.act_min = std::max(-128, output_zp - rand_int(rng, 0, 60));
      a.act_max = std::min(127, output_zp + rand_int(rng, 5, 120));
    }
    break;
  default:
    break;
  }
  a.table =
      golden::make_hard_swish_lut(rand_real(rng, 0.01, 0.1), output_zp,
                                  rand_real(rng, 0.01, 0.1), rand_int(rng, -20, 20));
  a.pass_table = a.kind == DWVP_ACT_LUT || rand_int(rng, 0, 3) == 0;
  return a;
}

void apply_activation(dwvp_desc& d, layer_operands& ops, const activation& a) {
  d.activation = a.kind;
  d.act_min = a.act_min;
  d.act_max = a.act_max;
  ops.lut = a.pass_table ? a.table.data() : nullptr;
}

i8v expected_after(const i8v& golden_out, const activation& a) {
  return a.kind == DWVP_ACT_LUT ? golden::apply_lut(golden_out, a.table) : golden_out;
}

// ---------------------------------------------------------------------------------
// Memory layout of the input and output tensors: packed, or a channel slice of a
// wider tensor (pixel stride = channels + extra, slice starting at `offset`).

struct layout {
  int in_extra = 0, in_offset = 0;
  int out_extra = 0, out_offset = 0;
  bool explicit_packed = false; // packed, but the stride field set to the channel count
};

layout random_layout(std::mt19937& rng) {
  layout l;
  const int kind = rand_int(rng, 0, 3);
  if (kind == 1 || kind == 3) {
    l.in_extra = rand_int(rng, 1, 13);
    l.in_offset = rand_int(rng, 0, l.in_extra);
  }
  if (kind == 2 || kind == 3) {
    l.out_extra = rand_int(rng, 1, 13);
    l.out_offset = rand_int(rng, 0, l.out_extra);
  }
  l.explicit_packed = rand_int(rng, 0, 1);
  return l;
}

// Runs execute_layer with `input` (packed in_h x in_w x in_c) placed per `l`, and
// checks the output slice against `expected` (packed) and every other output byte
// against its previous (random) value. Buffers are sized exactly, as the accelerator
// sizes its DMA buffers, so the sanitizer build catches any over-read or over-write.
void check_layer(dwvp_desc d, layer_operands ops, const i8v& input, const i8v& expected,
                 const layout& l, std::mt19937& rng) {
  const int64_t in_px = int64_t{d.in_h} * d.in_w, out_px = int64_t{d.out_h} * d.out_w;
  REQUIRE(static_cast<int64_t>(input.size()) == in_px * d.in_c);
  REQUIRE(static_cast<int64_t>(expected.size()) == out_px * d.out_c);
  const int in_stride = d.in_c + l.in_extra, out_stride = d.out_c + l.out_extra;
  d.in_pixel_stride =
      static_cast<uint16_t>(l.in_extra || l.explicit_packed ? in_stride : 0);
  d.out_pixel_stride =
      static_cast<uint16_t>(l.out_extra || l.explicit_packed ? out_stride : 0);

  i8v in_buf = random_i8(rng, l.in_offset + (in_px - 1) * in_stride + d.in_c);
  for (int64_t p = 0; p < in_px; ++p)
    for (int c = 0; c < d.in_c; ++c)
      in_buf[l.in_offset + p * in_stride + c] = input[p * d.in_c + c];
  const i8v before = random_i8(rng, l.out_offset + (out_px - 1) * out_stride + d.out_c);
  i8v out_buf = before;

  ops.input = in_buf.data() + l.in_offset;
  execute_layer(d, ops, out_buf.data() + l.out_offset);

  int64_t wrong = 0, untouched_wrong = 0, first = -1;
  for (int64_t i = 0; i < static_cast<int64_t>(out_buf.size()); ++i) {
    const int64_t rel = i - l.out_offset;
    const bool inside = rel >= 0 && rel % out_stride < d.out_c;
    if (inside) {
      const int64_t e = rel / out_stride * d.out_c + rel % out_stride;
      if (out_buf[i] != expected[e]) {
        ++wrong;
        if (first < 0)
          first = e;
      }
    } else if (out_buf[i] != before[i]) {
      ++untouched_wrong;
    }
  }
  INFO(describe(d));
  if (first >= 0) {
    const int64_t p = first / d.out_c;
    INFO("first mismatch at pixel (" << p / d.out_w << ", " << p % d.out_w << ") channel "
                                     << first % d.out_c);
    CHECK(wrong == 0);
  }
  CHECK(untouched_wrong == 0);
}

// ---------------------------------------------------------------------------------
// Weighted layers.

struct window {
  int in_h, in_w, kh, kw, sh, sw, pt = 0, pl = 0, pb = 0, pr = 0;
};

enum pad_mode { PAD_VALID, PAD_SAME, PAD_RANDOM };

// TF SAME: out = ceil(in / s), the odd padding pixel at the bottom/right.
void same_pads(int in, int k, int s, int& a, int& b) {
  const int out = (in + s - 1) / s;
  const int total = std::max((out - 1) * s + k - in, 0);
  a = total / 2;
  b = total - a;
}

// Fills in the pads; false when the kernel does not fit the padded input.
bool make_pads(window& w, pad_mode mode, std::mt19937& rng) {
  if (mode == PAD_SAME) {
    same_pads(w.in_h, w.kh, w.sh, w.pt, w.pb);
    same_pads(w.in_w, w.kw, w.sw, w.pl, w.pr);
  } else if (mode == PAD_RANDOM) {
    w.pt = rand_int(rng, 0, w.kh - 1);
    w.pb = rand_int(rng, 0, w.kh - 1);
    w.pl = rand_int(rng, 0, w.kw - 1);
    w.pr = rand_int(rng, 0, w.kw - 1);
  }
  return w.in_h + w.pt + w.pb >= w.kh && w.in_w + w.pl + w.pr >= w.kw;
}

void set_window(dwvp_desc& d, const window& w) {
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

// Random input size from odd shapes; retried until the kernel fits.
window random_window(std::mt19937& rng, int kh, int kw, int s, pad_mode mode) {
  for (;;) {
    window w{};
    const int shape = rand_int(rng, 0, 5);
    if (shape == 0) {
      w.in_h = 7, w.in_w = 5;
    } else if (shape == 1) {
      w.in_h = 13, w.in_w = 11;
    } else if (shape == 2) {
      w.in_h = 1, w.in_w = 1;
    } else {
      w.in_h = rand_int(rng, 1, 16);
      w.in_w = rand_int(rng, 1, 16);
    }
    w.kh = kh, w.kw = kw, w.sh = s, w.sw = s;
    if (make_pads(w, mode, rng))
      return w;
  }
}

// Per-channel requant from random reals around 40 / (74 * 73 * sqrt(reduction)) (a
// spread of about +-40 output steps), with a few channels scaled up (left shifts,
// saturation) or given a zero multiplier.
golden::requant random_requant(std::mt19937& rng, int channels, int reduction) {
  golden::requant q;
  const double base = 40.0 / (74.0 * 73.0 * std::sqrt(static_cast<double>(reduction)));
  for (int o = 0; o < channels; ++o) {
    const int r = rand_int(rng, 0, 99);
    const double real = r < 3   ? 0.0
                        : r < 8 ? rand_real(rng, 1.0, 4.0)
                                : rand_real(rng, 0.5, 1.5) * base;
    int32_t m;
    int s;
    golden::quantize_multiplier(real, &m, &s);
    q.multiplier.push_back(m);
    q.shift.push_back(s);
  }
  return q;
}

i32v random_bias(std::mt19937& rng, int channels) {
  i32v b(channels);
  for (auto& x : b)
    x = rand_int(rng, -2000, 2000);
  return b;
}

int32_t random_zp(std::mt19937& rng) {
  const int r = rand_int(rng, 0, 9);
  return r == 0 ? -128 : r == 1 ? 127 : rand_int(rng, -128, 127);
}

// One conv2d / depthwise / 1xK / Kx1 / pointwise / FC layer.
// onnx: DWVP_FLAG_ONNX, a random weight zero point (aux_zp) and binary32 scales, some
// chosen so that products land exactly on .5 (ties to even).
// K tiling: the layer computed in random slices of its input channels, each slice's
// packed input and weights given to accumulate_layer, the sums then to finish_layer,
// must equal the golden output.
void check_k_split(const dwvp_desc& d, layer_operands ops, const i8v& input,
                   const i8v& weights, const i8v& expected, std::mt19937& rng) {
  const int taps = d.kernel_h * d.kernel_w;
  const int64_t in_px = int64_t{d.in_h} * d.in_w, out_px = int64_t{d.out_h} * d.out_w;
  std::vector<int32_t> acc(static_cast<size_t>(out_px * d.out_c), 0);
  int slices = 0;
  for (int k0 = 0; k0 < d.in_c; ++slices) {
    const int k1 = std::min<int>(d.in_c, k0 + rand_int(rng, 1, std::max(1, d.in_c / 2)));
    const int kc = k1 - k0;
    dwvp_desc slice = d;
    slice.in_c = static_cast<uint16_t>(kc);
    slice.in_pixel_stride = slice.out_pixel_stride = 0;
    i8v x(static_cast<size_t>(in_px * kc)), wt(static_cast<size_t>(d.out_c) * taps * kc);
    for (int64_t p = 0; p < in_px; ++p)
      for (int c = 0; c < kc; ++c)
        x[p * kc + c] = input[p * d.in_c + k0 + c];
    for (int o = 0; o < d.out_c; ++o)
      for (int t = 0; t < taps; ++t)
        for (int c = 0; c < kc; ++c)
          wt[(int64_t{o} * taps + t) * kc + c] =
              weights[(int64_t{o} * taps + t) * d.in_c + k0 + c];
    layer_operands part = ops;
    part.input = x.data();
    part.weights = wt.data();
    accumulate_layer(slice, part, acc.data());
    k0 = k1;
  }
  dwvp_desc whole = d;
  whole.in_pixel_stride = whole.out_pixel_stride = 0;
  i8v out(expected.size());
  finish_layer(whole, ops, acc.data(), out.data());
  INFO(describe(d) << ", " << slices << " input-channel slices");
  CHECK(out == expected);
}

void run_weighted(std::mt19937& rng, uint8_t opcode, const window& w, int in_c, int out_c,
                  bool onnx = false) {
  dwvp_desc d = base_desc(opcode);
  set_window(d, w);
  const bool depthwise =
      opcode == DWVP_OP_DEPTHWISE || opcode == DWVP_OP_DW_1XK || opcode == DWVP_OP_DW_KX1;
  if (depthwise)
    out_c = in_c;
  d.in_c = static_cast<uint16_t>(in_c);
  d.out_c = static_cast<uint16_t>(out_c);
  d.input_zp = random_zp(rng);
  d.output_zp = rand_int(rng, -100, 100);
  const activation act = random_activation(rng, d.output_zp);

  const int taps = w.kh * w.kw;
  int64_t weight_count;
  int reduction;
  if (opcode == DWVP_OP_CONV2D) {
    weight_count = int64_t{out_c} * taps * in_c;
    reduction = taps * in_c;
  } else if (depthwise) {
    weight_count = int64_t{taps} * in_c;
    reduction = taps;
  } else {
    weight_count = int64_t{out_c} * in_c;
    reduction = in_c;
  }
  const i8v input = random_i8(rng, static_cast<size_t>(w.in_h) * w.in_w * in_c);
  const i8v weights = random_i8(rng, weight_count);
  const i32v bias = random_bias(rng, out_c);
  golden::requant q = random_requant(rng, out_c, reduction);
  if (onnx) {
    d.flags = DWVP_FLAG_ONNX;
    d.aux_zp = rand_int(rng, -128, 127);
    q.scale.resize(static_cast<size_t>(out_c));
    for (int o = 0; o < out_c; ++o) {
      // Powers of two (exact products, many ties) or arbitrary small scales.
      q.scale[o] = rand_int(rng, 0, 2) == 0
                       ? std::ldexp(1.0f, -rand_int(rng, 1, 12))
                       : static_cast<float>(rand_real(rng, 0.2, 3.0) /
                                            (std::sqrt(double(reduction)) * 128 * 40));
      std::memcpy(&q.multiplier[o], &q.scale[o], 4);
      q.shift[o] = 0;
    }
  }

  golden::conv_params p;
  p.kernel_h = w.kh, p.kernel_w = w.kw, p.stride_h = w.sh, p.stride_w = w.sw;
  p.pad_top = w.pt, p.pad_left = w.pl, p.pad_bottom = w.pb, p.pad_right = w.pr;
  p.input_zp = d.input_zp;
  p.output_zp = d.output_zp;
  p.act_min = act.act_min;
  p.act_max = act.act_max;
  p.weight_zp = onnx ? d.aux_zp : 0;
  const golden::shape in{w.in_h, w.in_w, in_c};
  i8v ref;
  switch (opcode) {
  case DWVP_OP_CONV2D:
    ref = golden::conv2d(input, in, weights, out_c, bias, q, p);
    break;
  case DWVP_OP_POINTWISE:
    ref = golden::pointwise(input, in, weights, out_c, bias, q, p);
    break;
  case DWVP_OP_FC:
    ref = golden::fully_connected(input, weights, out_c, bias, q, p);
    break;
  default:
    ref = golden::depthwise_conv2d(input, in, weights, bias, q, p);
    break;
  }

  layer_operands ops;
  ops.weights = weights.data();
  ops.bias = bias.data();
  ops.multiplier = q.multiplier.data();
  ops.shift = q.shift.data();
  apply_activation(d, ops, act);
  check_layer(d, ops, input, expected_after(ref, act), random_layout(rng), rng);
  if (!depthwise)
    check_k_split(d, ops, input, weights, expected_after(ref, act), rng);
}

} // namespace

// ---------------------------------------------------------------------------------
// Requantisation

TEST_CASE("fast_requant matches requant.h and golden MBQM", "[kernels][requant]") {
  using dwvp::kernels::fast_requant;
  constexpr int32_t i32_min = std::numeric_limits<int32_t>::min();
  constexpr int32_t i32_max = std::numeric_limits<int32_t>::max();
  std::mt19937 rng(101);
  const std::vector<int32_t> edge_acc = {0,           1,       -1,          2,
                                         -2,          3,       -3,          5,
                                         -5,          i32_min, i32_min + 1, i32_max,
                                         i32_max - 1, 1 << 30, -(1 << 30),  (1 << 30) + 1,
                                         65535,       -65536};
  const std::vector<int32_t> edge_mult = {
      0, 1 << 30, (1 << 30) + 1, i32_max, i32_min, -(1 << 30), 1, -1};
  int64_t checked = 0, golden_checked = 0;
  for (int shift = -31; shift <= 30; ++shift) {
    std::vector<int32_t> mults = edge_mult;
    for (int i = 0; i < 6; ++i)
      mults.push_back(rand_int(rng, 1 << 30, i32_max));
    for (int32_t m : mults) {
      const fast_requant f = fast_requant::make(m, shift);
      std::vector<int32_t> accs = edge_acc;
      for (int i = 0; i < 300; ++i) {
        const int bits = rand_int(rng, 1, 31);
        accs.push_back(rand_int(rng, -(1 << (bits - 1)), (1 << (bits - 1)) - 1));
        accs.push_back(std::uniform_int_distribution<int32_t>(i32_min, i32_max)(rng));
      }
      for (int32_t acc : accs) {
        const int32_t want = dwvp::kernels::requantize(acc, m, shift);
        const int32_t got = f.apply(acc);
        if (got != want) {
          INFO("acc " << acc << " mult " << m << " shift " << shift);
          REQUIRE(got == want);
        }
        ++checked;
        const int64_t shifted =
            static_cast<int64_t>(acc) * (int64_t{1} << std::max(shift, 0));
        if (shifted >= i32_min && shifted <= i32_max) {
          const int32_t g = golden::multiply_by_quantized_multiplier(acc, m, shift);
          if (got != g) {
            INFO("acc " << acc << " mult " << m << " shift " << shift);
            REQUIRE(got == g);
          }
          ++golden_checked;
        }
      }
    }
  }
  CHECK(checked > 200000);
  CHECK(golden_checked > 100000);
  CHECK_THROWS_AS(fast_requant::make(1 << 30, 31), std::invalid_argument);
  CHECK_THROWS_AS(fast_requant::make(1 << 30, -32), std::invalid_argument);
}

// ---------------------------------------------------------------------------------
// Weighted layers

TEST_CASE("conv2d matches golden", "[kernels][conv2d]") {
  std::mt19937 rng(2001);
  for (int k : {1, 3, 5, 7})
    for (int s : {1, 2})
      for (pad_mode mode : {PAD_VALID, PAD_SAME, PAD_RANDOM})
        for (int rep = 0; rep < 3; ++rep) {
          const window w = random_window(rng, k, k, s, mode);
          run_weighted(rng, DWVP_OP_CONV2D, w, pick(rng, {1, 3, 17}),
                       pick(rng, {1, 3, 17, 45}));
        }
  // MobileNet's first layer shape, smaller: 3x3 s2 SAME, 3 -> 32 channels.
  window w{31, 29, 3, 3, 2, 2};
  REQUIRE(make_pads(w, PAD_SAME, rng));
  run_weighted(rng, DWVP_OP_CONV2D, w, 3, 32);
  // Non-square kernel and strides.
  window r{13, 11, 3, 5, 2, 1};
  REQUIRE(make_pads(r, PAD_RANDOM, rng));
  run_weighted(rng, DWVP_OP_CONV2D, r, 5, 7);
}

TEST_CASE("depthwise KxK matches golden", "[kernels][depthwise]") {
  std::mt19937 rng(2002);
  for (int k : {3, 5, 7})
    for (int s : {1, 2})
      for (pad_mode mode : {PAD_VALID, PAD_SAME, PAD_RANDOM})
        for (int rep = 0; rep < 4; ++rep) {
          const window w = random_window(rng, k, k, s, mode);
          run_weighted(rng, DWVP_OP_DEPTHWISE, w, pick(rng, {1, 3, 16, 17, 45, 64}), 0);
        }
  // Larger map, many channel blocks plus a tail.
  window w{29, 27, 3, 3, 2, 2};
  REQUIRE(make_pads(w, PAD_SAME, rng));
  run_weighted(rng, DWVP_OP_DEPTHWISE, w, 77, 0);
  window v{20, 20, 3, 3, 1, 1};
  REQUIRE(make_pads(v, PAD_SAME, rng));
  run_weighted(rng, DWVP_OP_DEPTHWISE, v, 64, 0);
}

TEST_CASE("depthwise 1xK and Kx1 match golden", "[kernels][depthwise][fuse]") {
  std::mt19937 rng(2003);
  for (uint8_t opcode : {uint8_t{DWVP_OP_DW_1XK}, uint8_t{DWVP_OP_DW_KX1}})
    for (int k : {3, 5, 7})
      for (int s : {1, 2})
        for (pad_mode mode : {PAD_VALID, PAD_SAME, PAD_RANDOM})
          for (int rep = 0; rep < 2; ++rep) {
            const int kh = opcode == DWVP_OP_DW_1XK ? 1 : k;
            const int kw = opcode == DWVP_OP_DW_1XK ? k : 1;
            const window w = random_window(rng, kh, kw, s, mode);
            run_weighted(rng, opcode, w, pick(rng, {1, 3, 17, 32, 45}), 0);
          }
}

TEST_CASE("pointwise matches golden", "[kernels][pointwise]") {
  std::mt19937 rng(2004);
  for (int rep = 0; rep < 30; ++rep) {
    window w{rand_int(rng, 1, 13), rand_int(rng, 1, 13), 1, 1, 1, 1};
    run_weighted(rng, DWVP_OP_POINTWISE, w, pick(rng, {1, 3, 17, 45, 64}),
                 pick(rng, {1, 3, 17, 45}));
  }
}

TEST_CASE("pointwise, conv2d, FC and depthwise match golden at every SIMD level",
          "[kernels][pointwise][depthwise][simd]") {
  using dwvp::kernels::simd_level;
  const simd_level best = dwvp::kernels::best_simd_level();
  INFO("best level here: " << dwvp::kernels::simd_level_name(best));
  std::mt19937 rng(2011);
  for (simd_level level : {simd_level::generic, simd_level::avx2, simd_level::avx512}) {
    if (level > best) {
      CHECK_THROWS_AS(dwvp::kernels::set_simd_level(level), std::invalid_argument);
      continue;
    }
    dwvp::kernels::set_simd_level(level);
    REQUIRE(dwvp::kernels::active_simd_level() == level);
    INFO("level " << dwvp::kernels::simd_level_name(level));
    // Pixel counts across the 4-pixel tiles and 64-pixel chunks, output channels
    // across the 8 / 16-lane blocks and the 2- / 4-block register tiles, odd inputs.
    for (int rep = 0; rep < 12; ++rep) {
      window w{rand_int(rng, 1, 13), rand_int(rng, 1, 13), 1, 1, 1, 1};
      run_weighted(rng, DWVP_OP_POINTWISE, w, pick(rng, {1, 2, 3, 17, 45, 64}),
                   pick(rng, {1, 7, 8, 15, 16, 17, 33, 64, 100}));
    }
    window c = random_window(rng, 3, 3, 1, PAD_SAME);
    run_weighted(rng, DWVP_OP_CONV2D, c, 5, 47);
    run_weighted(rng, DWVP_OP_FC, window{1, 1, 1, 1, 1, 1}, 301, 65);
    window o{rand_int(rng, 2, 9), rand_int(rng, 2, 9), 1, 1, 1, 1};
    run_weighted(rng, DWVP_OP_POINTWISE, o, 19, 49, true); // ONNX: float scales
    // Depthwise: channels across the 16-lane blocks, padded and strided windows.
    for (int rep = 0; rep < 6; ++rep) {
      const int k = pick(rng, {3, 5});
      const window dw =
          random_window(rng, k, k, pick(rng, {1, 2}), rep % 2 ? PAD_SAME : PAD_RANDOM);
      run_weighted(rng, DWVP_OP_DEPTHWISE, dw, pick(rng, {1, 15, 16, 17, 45, 64, 77}), 0);
    }
    run_weighted(rng, DWVP_OP_DW_1XK, random_window(rng, 1, 3, 1, PAD_SAME), 33, 0);
    run_weighted(rng, DWVP_OP_DW_KX1, random_window(rng, 5, 1, 2, PAD_VALID), 20, 0);
    run_weighted(rng, DWVP_OP_DEPTHWISE, random_window(rng, 3, 3, 1, PAD_SAME), 21, 0,
                 true); // ONNX: int16 weights, the scalar path
  }

  // Channels the branch-free requantisation cannot take (a multiplier of INT32_MIN,
  // whose doubling high multiply saturates) send the layer through requantize()
  // element by element at every level: same bytes as the plain loop.
  const int in_c = 37, out_c = 21, pixels = 70;
  const i8v input = random_i8(rng, static_cast<size_t>(in_c) * pixels);
  const i8v weights = random_i8(rng, static_cast<size_t>(in_c) * out_c);
  i32v bias(out_c), mult(out_c), shift(out_c);
  for (int o = 0; o < out_c; ++o) {
    bias[o] = rand_int(rng, -500, 500);
    mult[o] = o % 5 == 0 ? std::numeric_limits<int32_t>::min() : (1 << 30) + o;
    shift[o] = o % 7 == 0 ? -31 : rand_int(rng, -12, 2);
  }
  dwvp::kernels::requant_params q;
  q.bias = bias.data();
  q.multiplier = mult.data();
  q.shift = shift.data();
  q.input_zp = 5;
  q.output_zp = -3;
  i8v want(static_cast<size_t>(out_c) * pixels);
  for (int p = 0; p < pixels; ++p)
    for (int o = 0; o < out_c; ++o) {
      uint32_t acc = static_cast<uint32_t>(bias[o]);
      for (int i = 0; i < in_c; ++i)
        acc += static_cast<uint32_t>((input[p * in_c + i] - q.input_zp) *
                                     weights[o * in_c + i]);
      const int32_t v =
          dwvp::kernels::requantize(static_cast<int32_t>(acc), mult[o], shift[o]) +
          q.output_zp;
      want[p * out_c + o] = static_cast<int8_t>(std::min(std::max(v, -128), 127));
    }
  for (simd_level level : {simd_level::generic, simd_level::avx2, simd_level::avx512}) {
    if (level > best)
      continue;
    dwvp::kernels::set_simd_level(level);
    i8v got(want.size());
    dwvp::kernels::pointwise_int8(input.data(), pixels, in_c, in_c, weights.data(), out_c,
                                  q, got.data(), out_c);
    INFO("level " << dwvp::kernels::simd_level_name(level));
    CHECK(got == want);
  }
  dwvp::kernels::set_simd_level(best);
}

TEST_CASE("fully connected matches golden", "[kernels][fc]") {
  std::mt19937 rng(2005);
  for (int rep = 0; rep < 20; ++rep) {
    const window w{1, 1, 1, 1, 1, 1};
    run_weighted(rng, DWVP_OP_FC, w, pick(rng, {1, 17, 45, 256, 1000}),
                 pick(rng, {1, 10, 45}));
  }
}

TEST_CASE("ONNX numerics: weighted layers match golden", "[kernels][onnx]") {
  std::mt19937 rng(2010);
  for (int rep = 0; rep < 6; ++rep) {
    for (int k : {1, 3}) {
      window w = random_window(rng, k, k, pick(rng, {1, 2}), PAD_RANDOM);
      run_weighted(rng, DWVP_OP_CONV2D, w, pick(rng, {1, 3, 17}), pick(rng, {1, 5, 17}),
                   true);
    }
    window d = random_window(rng, 3, 3, pick(rng, {1, 2}), PAD_SAME);
    run_weighted(rng, DWVP_OP_DEPTHWISE, d, pick(rng, {1, 16, 17, 45}), 0, true);
    window r = random_window(rng, 1, 5, 1, PAD_SAME);
    run_weighted(rng, DWVP_OP_DW_1XK, r, pick(rng, {3, 17}), 0, true);
    window p{rand_int(rng, 1, 9), rand_int(rng, 1, 9), 1, 1, 1, 1};
    run_weighted(rng, DWVP_OP_POINTWISE, p, pick(rng, {1, 17, 64}), pick(rng, {1, 45}),
                 true);
    run_weighted(rng, DWVP_OP_FC, window{1, 1, 1, 1, 1, 1}, pick(rng, {17, 300}),
                 pick(rng, {1, 10}), true);
  }
}

TEST_CASE("ONNX rounding: half to even on the binary32 product", "[kernels][onnx]") {
  // ONNX's round (numpy.rint, nearbyint): ties to the even neighbour.
  CHECK(golden::onnx_round(0.5f) == 0);
  CHECK(golden::onnx_round(1.5f) == 2);
  CHECK(golden::onnx_round(2.5f) == 2);
  CHECK(golden::onnx_round(-0.5f) == 0);
  CHECK(golden::onnx_round(-1.5f) == -2);
  CHECK(golden::onnx_round(-2.5f) == -2);
  CHECK(golden::onnx_round(2.4999998f) == 2);
  CHECK(golden::onnx_round(-3.5000002f) == -4);
  // float(acc) rounds first beyond 2^24: 16777217 is 16777216 in binary32.
  CHECK(golden::onnx_requantize(16777217, 1.0f) == 16777216);
  CHECK(golden::onnx_requantize(5, 0.5f) == 2); // 2.5 -> 2
  CHECK(golden::onnx_requantize(7, 0.5f) == 4); // 3.5 -> 4
  CHECK(golden::onnx_requantize(-5, 0.5f) == -2);
  // The fixed-point path rounds the same 2.5 up (docs/numerics.md): they differ.
  int32_t m = 0;
  int sh = 0;
  golden::quantize_multiplier(0.5, &m, &sh);
  CHECK(golden::multiply_by_quantized_multiplier(5, m, sh) == 3);
}

TEST_CASE("ONNX numerics: add matches golden", "[kernels][onnx][add]") {
  std::mt19937 rng(2011);
  for (int rep = 0; rep < 30; ++rep) {
    const int h = pick(rng, {1, 5, 7}), w = pick(rng, {1, 5, 11}), c = pick(rng, {1, 17});
    golden::add_params p;
    p.onnx = true;
    p.a_zp = random_zp(rng);
    p.b_zp = random_zp(rng);
    p.output_zp = rand_int(rng, -100, 100);
    p.a_scale = static_cast<float>(rand_real(rng, 0.005, 0.1));
    p.b_scale = rep % 3 == 0 ? p.a_scale : static_cast<float>(rand_real(rng, 0.005, 0.1));
    p.output_scale =
        rep % 3 == 0 ? 2 * p.a_scale : static_cast<float>(rand_real(rng, 0.005, 0.2));
    const i8v a = random_i8(rng, size_t(h) * w * c), b = random_i8(rng, a.size());
    dwvp_desc d = base_desc(DWVP_OP_ADD);
    d.flags = DWVP_FLAG_ONNX;
    d.in_h = d.out_h = static_cast<uint16_t>(h);
    d.in_w = d.out_w = static_cast<uint16_t>(w);
    d.in_c = d.out_c = static_cast<uint16_t>(c);
    d.input_zp = p.a_zp;
    d.aux_zp = p.b_zp;
    d.output_zp = p.output_zp;
    std::memcpy(&d.input_mult, &p.a_scale, 4);
    std::memcpy(&d.aux_mult, &p.b_scale, 4);
    std::memcpy(&d.output_mult, &p.output_scale, 4);
    i8v out(a.size());
    layer_operands ops;
    ops.input = a.data();
    ops.aux = b.data();
    execute_layer(d, ops, out.data());
    CHECK(out == golden::add(a, b, p));
  }
}

// ---------------------------------------------------------------------------------
// ADD

TEST_CASE("add matches golden", "[kernels][add]") {
  std::mt19937 rng(2006);
  for (int rep = 0; rep < 40; ++rep) {
    const int h = pick(rng, {1, 5, 7, 13}), w = pick(rng, {1, 5, 11});
    const int c = pick(rng, {1, 3, 17, 45});
    const int32_t out_zp = rand_int(rng, -100, 100);
    golden::add_params p = golden::make_add_params(
        rand_real(rng, 0.005, 0.1), random_zp(rng), rand_real(rng, 0.005, 0.1),
        random_zp(rng), rand_real(rng, 0.005, 0.2), out_zp);
    if (rep % 4 == 3) { // arbitrary multipliers, shifts and left shift
      p.left_shift = rand_int(rng, 0, 21);
      p.a_multiplier = rand_int(rng, 1 << 30, std::numeric_limits<int32_t>::max());
      p.b_multiplier = rand_int(rng, 1 << 30, std::numeric_limits<int32_t>::max());
      p.output_multiplier = rand_int(rng, 1 << 30, std::numeric_limits<int32_t>::max());
      p.a_shift = -rand_int(rng, 0, 8);
      p.b_shift = -rand_int(rng, 0, 8);
      p.output_shift = -rand_int(rng, 0, p.left_shift + 2);
    }
    const activation act = random_activation(rng, out_zp);
    p.act_min = act.act_min;
    p.act_max = act.act_max;
    const i8v a = random_i8(rng, static_cast<size_t>(h) * w * c);
    const i8v b = random_i8(rng, a.size());
    const i8v ref = golden::add(a, b, p);

    dwvp_desc d = base_desc(DWVP_OP_ADD);
    d.in_h = d.out_h = static_cast<uint16_t>(h);
    d.in_w = d.out_w = static_cast<uint16_t>(w);
    d.in_c = d.out_c = static_cast<uint16_t>(c);
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
    layer_operands ops;
    ops.aux = b.data();
    apply_activation(d, ops, act);
    check_layer(d, ops, a, expected_after(ref, act), random_layout(rng), rng);
  }
}

// ---------------------------------------------------------------------------------
// AVG_POOL

namespace {

void run_pool(std::mt19937& rng, const window& w, int c) {
  dwvp_desc d = base_desc(DWVP_OP_AVG_POOL);
  set_window(d, w);
  d.in_c = d.out_c = static_cast<uint16_t>(c);
  d.input_zp = d.output_zp = random_zp(rng); // same quantisation in and out
  const activation act = random_activation(rng, d.output_zp);
  golden::pool_params p;
  p.kernel_h = w.kh, p.kernel_w = w.kw, p.stride_h = w.sh, p.stride_w = w.sw;
  p.pad_top = w.pt, p.pad_left = w.pl, p.pad_bottom = w.pb, p.pad_right = w.pr;
  p.act_min = act.act_min;
  p.act_max = act.act_max;
  // Biased inputs sometimes, so windows of one sign (and exact halves) occur.
  const int lo = pick(rng, {-128, -128, -20, -128}), hi = pick(rng, {127, 127, 20, -100});
  const i8v input = random_i8(rng, static_cast<size_t>(w.in_h) * w.in_w * c, lo, hi);
  const i8v ref = golden::average_pool(input, {w.in_h, w.in_w, c}, p);
  layer_operands ops;
  apply_activation(d, ops, act);
  check_layer(d, ops, input, expected_after(ref, act), random_layout(rng), rng);
}

} // namespace

TEST_CASE("average pool matches golden", "[kernels][pool]") {
  std::mt19937 rng(2007);
  const auto c = [&] { return pick(rng, {1, 3, 17, 45, 64}); };
  // Global pools: kernel = input size.
  for (auto hw : {std::pair{7, 7}, std::pair{7, 5}, std::pair{1, 1}, std::pair{13, 11},
                  std::pair{15, 15}, std::pair{2, 3}}) {
    run_pool(rng, {hw.first, hw.second, hw.first, hw.second, 1, 1}, c());
    run_pool(rng, {hw.first, hw.second, hw.first, hw.second, 2, 2}, c());
  }
  // 3x3 with padding (count excludes padding), stride 1 and 2.
  for (int s : {1, 2})
    for (pad_mode mode : {PAD_SAME, PAD_RANDOM, PAD_VALID})
      for (int rep = 0; rep < 3; ++rep)
        run_pool(rng, random_window(rng, 3, 3, s, mode), c());
  // 2x2 s2, and other kernels.
  for (int rep = 0; rep < 4; ++rep)
    run_pool(rng, random_window(rng, 2, 2, 2, PAD_VALID), c());
  for (int rep = 0; rep < 8; ++rep) {
    const int kh = rand_int(rng, 1, 5), kw = rand_int(rng, 1, 5);
    window w = random_window(rng, kh, kw, rand_int(rng, 1, 3), PAD_RANDOM);
    run_pool(rng, w, c());
  }
  // A window larger than 4096 elements (beyond the descriptor's 15x15 kernels: the
  // kernel divides without the reciprocal there).
  run_pool(rng, {70, 70, 70, 70, 1, 1}, 3);
  run_pool(rng, {64, 64, 64, 64, 1, 1}, 2);
}

// ---------------------------------------------------------------------------------
// CHANNEL_MUL

TEST_CASE("channel multiply matches golden", "[kernels][mul]") {
  std::mt19937 rng(2008);
  for (int rep = 0; rep < 40; ++rep) {
    const int h = pick(rng, {1, 5, 7, 13}), w = pick(rng, {1, 5, 11});
    const int c = pick(rng, {1, 3, 17, 45});
    golden::mul_params p;
    p.input_zp = random_zp(rng);
    p.scale_zp = random_zp(rng);
    p.output_zp = rand_int(rng, -100, 100);
    const double real = rep % 5 == 4 ? rand_real(rng, 1.0, 8.0)
                                     : rand_real(rng, 0.5, 1.5) * 40.0 / (74.0 * 74.0);
    golden::quantize_multiplier(real, &p.output_multiplier, &p.output_shift);
    const activation act = random_activation(rng, p.output_zp);
    p.act_min = act.act_min;
    p.act_max = act.act_max;
    const i8v x = random_i8(rng, static_cast<size_t>(h) * w * c);
    const i8v s = random_i8(rng, c);
    const i8v ref = golden::channel_multiply(x, {h, w, c}, s, p);

    dwvp_desc d = base_desc(DWVP_OP_CHANNEL_MUL);
    d.in_h = d.out_h = static_cast<uint16_t>(h);
    d.in_w = d.out_w = static_cast<uint16_t>(w);
    d.in_c = d.out_c = static_cast<uint16_t>(c);
    d.input_zp = p.input_zp;
    d.aux_zp = p.scale_zp;
    d.output_zp = p.output_zp;
    d.output_mult = p.output_multiplier;
    d.output_shift = p.output_shift;
    layer_operands ops;
    ops.aux = s.data();
    apply_activation(d, ops, act);
    check_layer(d, ops, x, expected_after(ref, act), random_layout(rng), rng);
  }
}

// ---------------------------------------------------------------------------------
// Refusals

TEST_CASE("unsupported opcodes throw", "[kernels][errors]") {
  const i8v input(16, 0);
  i8v output(16, 0);
  layer_operands ops;
  ops.input = input.data();
  for (int opcode : {0, static_cast<int>(DWVP_OP_COUNT), 200, 255}) {
    dwvp_desc d = base_desc(static_cast<uint8_t>(opcode));
    d.in_h = d.in_w = d.out_h = d.out_w = 2;
    d.in_c = d.out_c = 4;
    INFO("opcode " << opcode);
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
  CHECK(output == i8v(16, 0));
}

TEST_CASE("operands and geometry the kernels cannot use throw", "[kernels][errors]") {
  const i8v input(4 * 4 * 3, 1), weights(9 * 3, 1);
  const i32v bias(3, 0), mult(3, 1 << 30), shift(3, -1);
  i8v output(4 * 4 * 3, 0);
  dwvp_desc d = base_desc(DWVP_OP_DEPTHWISE);
  d.in_h = d.in_w = d.out_h = d.out_w = 4;
  d.in_c = d.out_c = 3;
  d.kernel_h = d.kernel_w = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  layer_operands ops;
  ops.input = input.data();
  ops.weights = weights.data();
  ops.bias = bias.data();
  ops.multiplier = mult.data();
  ops.shift = shift.data();
  execute_layer(d, ops, output.data()); // well formed

  SECTION("LUT activation without a table") {
    d.activation = DWVP_ACT_LUT;
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
  SECTION("output size inconsistent with the window") {
    d.out_h = 3;
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
  SECTION("missing weights") {
    ops.weights = nullptr;
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
  SECTION("shift out of range") {
    const i32v bad_shift(3, -32);
    ops.shift = bad_shift.data();
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
  SECTION("depthwise with out_c != in_c") {
    d.out_c = 2;
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
  SECTION("pixel stride below the channel count") {
    d.in_pixel_stride = 2;
    CHECK_THROWS_AS(execute_layer(d, ops, output.data()), std::invalid_argument);
  }
}
