// Golden reference of the convolution layers: KxK conv2d, depthwise (FuSe 1xK and Kx1
// are depthwise with kernel_h == 1 or kernel_w == 1), pointwise and fully connected.
// Same rules as golden.cpp: one plain loop nest per layer, explicit NHWC indexing; the
// inner loops run over contiguous int16/int32 operands so that they vectorise.
#include "golden.h"
#include "golden_internal.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace golden {

using namespace detail; // the shared checks (golden_internal.h)

namespace {

void check_requant(const char* fn, const requant& q, int out_c) {
  if (!q.scale.empty()) {
    check_size(fn, "q.scale", q.scale, out_c);
    for (float s : q.scale) {
      if (!std::isfinite(s) || s < 0) {
        fail(fn, "q.scale must be finite and >= 0");
      }
    }
    return;
  }
  check_size(fn, "q.multiplier", q.multiplier, out_c);
  check_size(fn, "q.shift", q.shift, out_c);
  for (int c = 0; c < out_c; ++c) {
    check_mbqm_shift(fn, "q.shift", q.shift[c]);
  }
}

void check_conv_params(const char* fn, const conv_params& p) {
  if (p.kernel_h < 1 || p.kernel_w < 1) {
    fail(fn, "p.kernel_h/p.kernel_w must be >= 1");
  }
  if (p.stride_h < 1 || p.stride_w < 1) {
    fail(fn, "p.stride_h/p.stride_w must be >= 1");
  }
  if (p.pad_top < 0 || p.pad_left < 0 || p.pad_bottom < 0 || p.pad_right < 0) {
    fail(fn, "p.pad_* must be >= 0");
  }
  check_zp(fn, "p.input_zp", p.input_zp);
  check_zp(fn, "p.output_zp", p.output_zp);
  check_zp(fn, "p.weight_zp", p.weight_zp);
  check_act(fn, p.act_min, p.act_max);
}

// Final step shared by conv, depthwise, pointwise and FC (TFLite integer_ops).
int8_t requantize(int64_t acc, const requant& q, int oc, const conv_params& p,
                  const char* fn) {
  const int32_t acc32 = to_int32(acc, fn, "accumulator");
  int64_t v = 0;
  if (!q.scale.empty()) {
    v = onnx_requantize(acc32, q.scale[oc]) + p.output_zp;
  } else {
    v = to_int32(static_cast<int64_t>(detail::multiply_by_quantized_multiplier(
                     acc32, q.multiplier[oc], q.shift[oc])) +
                     p.output_zp,
                 fn, "requantised value + output_zp");
  }
  v = std::max<int64_t>(v, p.act_min);
  v = std::min<int64_t>(v, p.act_max);
  return static_cast<int8_t>(v);
}

// A product (x - zp) * (w - weight_zp) is at most 255 * 255 in magnitude, so an int32
// sum of this many products cannot overflow; longer sums use int64.
constexpr int k_int32_safe_terms = 32500;

// Sum of x[i] * w[i]: the one inner loop of conv2d, pointwise and FC. Both operands are
// int16 (x is input - zp, w is weight - weight_zp), so the compiler can vectorise the
// loop with 16-bit multiply-adds.
int64_t dot(const int16_t* x, const int16_t* w, int n) {
  if (n <= k_int32_safe_terms) {
    int32_t acc = 0;
    for (int i = 0; i < n; ++i) {
      acc += int32_t(x[i]) * int32_t(w[i]);
    }
    return acc;
  }
  int64_t acc = 0;
  for (int i = 0; i < n; ++i) {
    acc += int64_t(x[i]) * w[i];
  }
  return acc;
}

// weight - weight_zp of every weight, as int16 (range -255..255), once per layer.
std::vector<int16_t> widen_weights(const std::vector<int8_t>& weights,
                                   int32_t weight_zp) {
  std::vector<int16_t> wide(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    wide[i] = int16_t(weights[i] - weight_zp);
  }
  return wide;
}

// input - zp of `count` values, as int16 (range -255..255).
void centre(const int8_t* input, int count, int32_t zp, int16_t* out) {
  for (int i = 0; i < count; ++i) {
    out[i] = int16_t(input[i] - zp);
  }
}

} // namespace

// Written out rather than left to the floating-point environment: the product is
// one binary32 multiplication (float(acc) rounds too beyond 2^24, as in onnxruntime),
// then the integer part and the remainder decide, a tie going to the even neighbour.
int64_t onnx_requantize(int32_t acc, float scale) {
  const float product = static_cast<float>(acc) * scale;
  return onnx_round(product);
}

int64_t onnx_round(float v) {
  if (std::isnan(v)) {
    fail("onnx_round", "NaN");
  }
  const double value = static_cast<double>(v); // exact
  if (!(std::fabs(value) < 1e12)) {
    return value < 0 ? -(int64_t{1} << 40) : (int64_t{1} << 40); // saturates anyway
  }
  const double lower = std::floor(value);
  const double fraction = value - lower; // exact: both are binary32 multiples
  int64_t r = static_cast<int64_t>(lower);
  if (fraction > 0.5 || (fraction == 0.5 && (r % 2 != 0))) {
    r += 1;
  }
  return r;
}

shape conv_output_shape(const shape& in, const conv_params& p, int out_c) {
  const char* fn = "conv_output_shape";
  check_shape(fn, "in", in);
  check_conv_params(fn, p);
  if (out_c < 1) {
    fail(fn, "out_c must be >= 1");
  }
  shape out;
  out.h =
      output_dim(fn, "p.kernel_h", in.h, p.pad_top, p.pad_bottom, p.kernel_h, p.stride_h);
  out.w =
      output_dim(fn, "p.kernel_w", in.w, p.pad_left, p.pad_right, p.kernel_w, p.stride_w);
  out.c = out_c;
  return out;
}

std::vector<int8_t> conv2d(const std::vector<int8_t>& input, const shape& in,
                           const std::vector<int8_t>& weights, int out_c,
                           const std::vector<int32_t>& bias, const requant& q,
                           const conv_params& p) {
  const char* fn = "conv2d";
  const shape out = conv_output_shape(in, p, out_c);
  check_size(fn, "input", input, in.elements());
  check_size(fn, "weights", weights,
             static_cast<long long>(out_c) * p.kernel_h * p.kernel_w * in.c);
  check_size(fn, "bias", bias, out_c);
  check_requant(fn, q, out_c);

  // Each output pixel gathers its receptive field (kernel_h x kernel_w x in.c, the
  // weights' own layout) and takes one dot product per filter. Padding holds the input
  // zero point, so it enters the field as 0.
  const int field = p.kernel_h * p.kernel_w * in.c;
  const std::vector<int16_t> w16 = widen_weights(weights, p.weight_zp);
  std::vector<int16_t> patch(field);
  std::vector<int64_t> acc(out_c);
  std::vector<int8_t> output(out.elements());
  for (int oy = 0; oy < out.h; ++oy) {
    for (int ox = 0; ox < out.w; ++ox) {
      for (int ky = 0; ky < p.kernel_h; ++ky) {
        for (int kx = 0; kx < p.kernel_w; ++kx) {
          const int iy = oy * p.stride_h - p.pad_top + ky;
          const int ix = ox * p.stride_w - p.pad_left + kx;
          int16_t* dst = &patch[(ky * p.kernel_w + kx) * in.c];
          if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
            std::fill(dst, dst + in.c, int16_t(0));
          } else {
            centre(&input[((iy * in.w) + ix) * in.c], in.c, p.input_zp, dst);
          }
        }
      }
      // Every filter's sum first, then the requantisation (as pointwise).
      for (int oc = 0; oc < out_c; ++oc) {
        acc[oc] =
            dot(patch.data(), &w16[static_cast<size_t>(oc) * field], field) + bias[oc];
      }
      for (int oc = 0; oc < out_c; ++oc) {
        output[((oy * out.w) + ox) * out.c + oc] = requantize(acc[oc], q, oc, p, fn);
      }
    }
  }
  return output;
}

std::vector<int8_t> depthwise_conv2d(const std::vector<int8_t>& input, const shape& in,
                                     const std::vector<int8_t>& weights,
                                     const std::vector<int32_t>& bias, const requant& q,
                                     const conv_params& p) {
  const char* fn = "depthwise_conv2d";
  const shape out = conv_output_shape(in, p, in.c);
  check_size(fn, "input", input, in.elements());
  check_size(fn, "weights", weights,
             static_cast<long long>(p.kernel_h) * p.kernel_w * in.c);
  check_size(fn, "bias", bias, in.c);
  check_requant(fn, q, in.c);

  // Channels are independent: each output pixel accumulates the kernel taps of all
  // channels at once (contiguous in NHWC and in the weights). Kernels are at most a few
  // dozen taps, far below int32's limit (k_int32_safe_terms).
  if (p.kernel_h * p.kernel_w > k_int32_safe_terms) {
    fail(fn, "kernel too large for the int32 accumulator");
  }
  // Operands as int16 once: input - input_zp, weight - weight_zp (-255..255).
  std::vector<int16_t> centred(input.size());
  centre(input.data(), static_cast<int>(input.size()), p.input_zp, centred.data());
  const std::vector<int16_t> w16 = widen_weights(weights, p.weight_zp);
  std::vector<int32_t> acc(in.c);
  std::vector<int8_t> output(out.elements());
  for (int oy = 0; oy < out.h; ++oy) {
    for (int ox = 0; ox < out.w; ++ox) {
      std::fill(acc.begin(), acc.end(), 0);
      for (int ky = 0; ky < p.kernel_h; ++ky) {
        for (int kx = 0; kx < p.kernel_w; ++kx) {
          const int iy = oy * p.stride_h - p.pad_top + ky;
          const int ix = ox * p.stride_w - p.pad_left + kx;
          // Padding holds the input zero point, so it contributes (zp - zp) * w = 0.
          if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
            continue;
          }
          const int16_t* x = &centred[((iy * in.w) + ix) * in.c];
          const int16_t* w = &w16[((ky * p.kernel_w) + kx) * in.c];
          for (int c = 0; c < in.c; ++c) {
            acc[c] += int32_t(x[c]) * int32_t(w[c]);
          }
        }
      }
      for (int c = 0; c < in.c; ++c) {
        output[((oy * out.w) + ox) * out.c + c] =
            requantize(int64_t(acc[c]) + bias[c], q, c, p, fn);
      }
    }
  }
  return output;
}

std::vector<int8_t> pointwise(const std::vector<int8_t>& input, const shape& in,
                              const std::vector<int8_t>& weights, int out_c,
                              const std::vector<int32_t>& bias, const requant& q,
                              const conv_params& p) {
  const char* fn = "pointwise";
  check_shape(fn, "in", in);
  if (out_c < 1) {
    fail(fn, "out_c must be >= 1");
  }
  // Kernel, stride and padding fields are ignored: a pointwise layer is 1x1/1/0.
  check_zp(fn, "p.input_zp", p.input_zp);
  check_zp(fn, "p.output_zp", p.output_zp);
  check_zp(fn, "p.weight_zp", p.weight_zp);
  check_act(fn, p.act_min, p.act_max);
  check_size(fn, "input", input, in.elements());
  check_size(fn, "weights", weights, static_cast<long long>(out_c) * in.c);
  check_size(fn, "bias", bias, out_c);
  check_requant(fn, q, out_c);

  const std::vector<int16_t> w16 = widen_weights(weights, p.weight_zp);
  std::vector<int16_t> pixel(in.c);
  std::vector<int64_t> acc(out_c);
  std::vector<int8_t> output(static_cast<size_t>(in.h) * in.w * out_c);
  for (int y = 0; y < in.h; ++y) {
    for (int x = 0; x < in.w; ++x) {
      centre(&input[((y * in.w) + x) * in.c], in.c, p.input_zp, pixel.data());
      // Every filter's sum first, then the requantisation: independent steps the
      // processor overlaps.
      for (int oc = 0; oc < out_c; ++oc) {
        acc[oc] =
            dot(pixel.data(), &w16[static_cast<size_t>(oc) * in.c], in.c) + bias[oc];
      }
      for (int oc = 0; oc < out_c; ++oc) {
        output[((y * in.w) + x) * out_c + oc] = requantize(acc[oc], q, oc, p, fn);
      }
    }
  }
  return output;
}

std::vector<int8_t> fully_connected(const std::vector<int8_t>& input,
                                    const std::vector<int8_t>& weights, int out_features,
                                    const std::vector<int32_t>& bias, const requant& q,
                                    const conv_params& p) {
  const char* fn = "fully_connected";
  if (input.empty()) {
    fail(fn, "input is empty");
  }
  if (out_features < 1) {
    fail(fn, "out_features must be >= 1");
  }
  check_zp(fn, "p.input_zp", p.input_zp);
  check_zp(fn, "p.output_zp", p.output_zp);
  check_zp(fn, "p.weight_zp", p.weight_zp);
  check_act(fn, p.act_min, p.act_max);
  const int in_features = static_cast<int>(input.size());
  check_size(fn, "weights", weights, static_cast<long long>(out_features) * in_features);
  check_size(fn, "bias", bias, out_features);
  check_requant(fn, q, out_features);

  const std::vector<int16_t> w16 = widen_weights(weights, p.weight_zp);
  std::vector<int16_t> centred(in_features);
  centre(input.data(), in_features, p.input_zp, centred.data());
  std::vector<int8_t> output(out_features);
  for (int o = 0; o < out_features; ++o) {
    const int64_t acc =
        dot(centred.data(), &w16[static_cast<size_t>(o) * in_features], in_features) +
        bias[o];
    output[o] = requantize(acc, q, o, p, fn);
  }
  return output;
}

} // namespace golden
