// Golden reference of the element-wise and pooling layers: ADD, AVERAGE_POOL_2D,
// LUT activations (hard-swish, hard-sigmoid) and the squeeze-and-excite channel
// multiply. Same rules as golden.cpp: one plain loop nest per layer.
#include "golden.h"
#include "golden_internal.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

namespace golden {

using namespace detail; // the shared checks (golden_internal.h)

namespace {

// TFLite's *SmallerThanOneExp shifts are right shifts only.
void check_right_shift(const char* fn, const char* name, int shift) {
  if (shift < -31 || shift > 0) {
    fail(fn, std::string(name) + " " + std::to_string(shift) + " outside [-31, 0]");
  }
}

void check_scale(const char* fn, const char* name, double scale) {
  if (!(scale > 0.0) || !std::isfinite(scale)) {
    fail(fn, std::string(name) + " must be positive and finite");
  }
}

int8_t clamp_round_lut(double y, double out_scale, int32_t out_zp) {
  // Clamp in double first so a huge y cannot overflow the integer conversion.
  double v = std::round(y / out_scale) + out_zp;
  v = std::max(v, -128.0);
  v = std::min(v, 127.0);
  return static_cast<int8_t>(v);
}

double relu6(double x) {
  return std::min(std::max(x, 0.0), 6.0);
}

} // namespace

// TFLite PrepareAdd (int8): both inputs are brought to a common scale of
// 2 * max(a_scale, b_scale) / 2^left_shift, summed, then rescaled to the output.
add_params make_add_params(double a_scale, int32_t a_zp, double b_scale, int32_t b_zp,
                           double out_scale, int32_t out_zp) {
  const char* fn = "make_add_params";
  check_scale(fn, "a_scale", a_scale);
  check_scale(fn, "b_scale", b_scale);
  check_scale(fn, "out_scale", out_scale);
  check_zp(fn, "a_zp", a_zp);
  check_zp(fn, "b_zp", b_zp);
  check_zp(fn, "out_zp", out_zp);

  add_params p;
  p.a_zp = a_zp;
  p.b_zp = b_zp;
  p.output_zp = out_zp;
  p.left_shift = 20;
  const double twice_max_input_scale = 2.0 * std::max(a_scale, b_scale);
  const double real_a_multiplier = a_scale / twice_max_input_scale;
  const double real_b_multiplier = b_scale / twice_max_input_scale;
  const double real_output_multiplier =
      twice_max_input_scale / (static_cast<double>(1LL << p.left_shift) * out_scale);
  // QuantizeMultiplierSmallerThanOneExp requires each real multiplier in (0, 1).
  if (real_output_multiplier >= 1.0) {
    fail(fn, "out_scale too small for the input scales (output multiplier >= 1)");
  }
  quantize_multiplier(real_a_multiplier, &p.a_multiplier, &p.a_shift);
  quantize_multiplier(real_b_multiplier, &p.b_multiplier, &p.b_shift);
  quantize_multiplier(real_output_multiplier, &p.output_multiplier, &p.output_shift);
  return p;
}

std::vector<int8_t> add(const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                        const add_params& p) {
  const char* fn = "add";
  if (a.empty()) {
    fail(fn, "a is empty");
  }
  check_size(fn, "b", b, static_cast<long long>(a.size()));
  check_zp(fn, "p.a_zp", p.a_zp);
  check_zp(fn, "p.b_zp", p.b_zp);
  check_zp(fn, "p.output_zp", p.output_zp);
  check_act(fn, p.act_min, p.act_max);
  if (p.onnx) {
    if (!std::isfinite(p.a_scale) || !std::isfinite(p.b_scale) ||
        !std::isfinite(p.output_scale) || p.a_scale < 0 || p.b_scale < 0 ||
        p.output_scale <= 0) {
      fail(fn, "ONNX scales must be finite, output_scale positive");
    }
    std::vector<int8_t> output(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const float a_real = static_cast<float>(a[i] - p.a_zp) * p.a_scale;
      const float b_real = static_cast<float>(b[i] - p.b_zp) * p.b_scale;
      const float sum = a_real + b_real;
      const int64_t q = onnx_round(sum / p.output_scale) + p.output_zp;
      output[i] = static_cast<int8_t>(
          std::min<int64_t>(std::max<int64_t>(q, p.act_min), p.act_max));
    }
    return output;
  }
  if (p.left_shift < 0 || p.left_shift > 30) {
    fail(fn, "p.left_shift " + std::to_string(p.left_shift) + " outside [0, 30]");
  }
  check_right_shift(fn, "p.a_shift", p.a_shift);
  check_right_shift(fn, "p.b_shift", p.b_shift);
  check_right_shift(fn, "p.output_shift", p.output_shift);

  std::vector<int8_t> output(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t a_val = static_cast<int64_t>(a[i]) - p.a_zp;
    const int64_t b_val = static_cast<int64_t>(b[i]) - p.b_zp;
    const int32_t a_shifted =
        to_int32(a_val * (1LL << p.left_shift), fn, "a << left_shift");
    const int32_t b_shifted =
        to_int32(b_val * (1LL << p.left_shift), fn, "b << left_shift");
    // MultiplyByQuantizedMultiplierSmallerThanOneExp: high mul, then right shift.
    const int32_t a_scaled = detail::rounding_divide_by_pot(
        detail::saturating_rounding_doubling_high_mul(a_shifted, p.a_multiplier),
        -p.a_shift);
    const int32_t b_scaled = detail::rounding_divide_by_pot(
        detail::saturating_rounding_doubling_high_mul(b_shifted, p.b_multiplier),
        -p.b_shift);
    const int32_t raw_sum =
        to_int32(static_cast<int64_t>(a_scaled) + b_scaled, fn, "scaled sum");
    const int32_t raw_output = to_int32(
        static_cast<int64_t>(detail::rounding_divide_by_pot(
            detail::saturating_rounding_doubling_high_mul(raw_sum, p.output_multiplier),
            -p.output_shift)) +
            p.output_zp,
        fn, "rescaled sum + output_zp");
    int32_t v = std::max(raw_output, p.act_min);
    v = std::min(v, p.act_max);
    output[i] = static_cast<int8_t>(v);
  }
  return output;
}

std::vector<int8_t> average_pool(const std::vector<int8_t>& input, const shape& in,
                                 const pool_params& p) {
  const char* fn = "average_pool";
  check_shape(fn, "in", in);
  if (p.kernel_h < 1 || p.kernel_w < 1) {
    fail(fn, "p.kernel_h/p.kernel_w must be >= 1");
  }
  if (p.stride_h < 1 || p.stride_w < 1) {
    fail(fn, "p.stride_h/p.stride_w must be >= 1");
  }
  if (p.pad_top < 0 || p.pad_left < 0 || p.pad_bottom < 0 || p.pad_right < 0) {
    fail(fn, "p.pad_* must be >= 0");
  }
  check_act(fn, p.act_min, p.act_max);
  check_size(fn, "input", input, in.elements());
  const int out_h =
      output_dim(fn, "p.kernel_h", in.h, p.pad_top, p.pad_bottom, p.kernel_h, p.stride_h);
  const int out_w =
      output_dim(fn, "p.kernel_w", in.w, p.pad_left, p.pad_right, p.kernel_w, p.stride_w);

  std::vector<int8_t> output(static_cast<size_t>(out_h) * out_w * in.c);
  for (int oy = 0; oy < out_h; ++oy) {
    for (int ox = 0; ox < out_w; ++ox) {
      for (int c = 0; c < in.c; ++c) {
        int32_t sum = 0;
        int32_t count = 0;
        for (int ky = 0; ky < p.kernel_h; ++ky) {
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int iy = oy * p.stride_h - p.pad_top + ky;
            const int ix = ox * p.stride_w - p.pad_left + kx;
            // Padding is not averaged in: only valid elements count.
            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
              continue;
            }
            sum += input[((iy * in.w) + ix) * in.c + c];
            ++count;
          }
        }
        if (count == 0) {
          fail(fn, "p.pad_* leaves a window with no valid element");
        }
        // Round half away from zero; C++ division truncates toward zero.
        int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
        avg = std::max(avg, p.act_min);
        avg = std::min(avg, p.act_max);
        output[((oy * out_w) + ox) * in.c + c] = static_cast<int8_t>(avg);
      }
    }
  }
  return output;
}

std::vector<int8_t> apply_lut(const std::vector<int8_t>& input, const lut& table) {
  if (input.empty()) {
    fail("apply_lut", "input is empty");
  }
  std::vector<int8_t> output(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    output[i] = table[static_cast<int>(input[i]) + 128];
  }
  return output;
}

lut make_hard_swish_lut(double in_scale, int32_t in_zp, double out_scale,
                        int32_t out_zp) {
  const char* fn = "make_hard_swish_lut";
  check_scale(fn, "in_scale", in_scale);
  check_scale(fn, "out_scale", out_scale);
  check_zp(fn, "in_zp", in_zp);
  check_zp(fn, "out_zp", out_zp);
  lut table{};
  for (int q = -128; q <= 127; ++q) {
    const double x = in_scale * (q - in_zp);
    const double y = x * relu6(x + 3.0) / 6.0;
    table[q + 128] = clamp_round_lut(y, out_scale, out_zp);
  }
  return table;
}

lut make_hard_sigmoid_lut(double in_scale, int32_t in_zp, double out_scale,
                          int32_t out_zp) {
  const char* fn = "make_hard_sigmoid_lut";
  check_scale(fn, "in_scale", in_scale);
  check_scale(fn, "out_scale", out_scale);
  check_zp(fn, "in_zp", in_zp);
  check_zp(fn, "out_zp", out_zp);
  lut table{};
  for (int q = -128; q <= 127; ++q) {
    const double x = in_scale * (q - in_zp);
    const double y = relu6(x + 3.0) / 6.0;
    table[q + 128] = clamp_round_lut(y, out_scale, out_zp);
  }
  return table;
}

// TFLite MUL (int8) with the scale vector broadcast over h and w.
std::vector<int8_t> channel_multiply(const std::vector<int8_t>& input, const shape& in,
                                     const std::vector<int8_t>& scale,
                                     const mul_params& p) {
  const char* fn = "channel_multiply";
  check_shape(fn, "in", in);
  check_size(fn, "input", input, in.elements());
  check_size(fn, "scale", scale, in.c);
  check_zp(fn, "p.input_zp", p.input_zp);
  check_zp(fn, "p.scale_zp", p.scale_zp);
  check_zp(fn, "p.output_zp", p.output_zp);
  check_act(fn, p.act_min, p.act_max);
  check_mbqm_shift(fn, "p.output_shift", p.output_shift);

  std::vector<int8_t> output(input.size());
  for (int y = 0; y < in.h; ++y) {
    for (int x = 0; x < in.w; ++x) {
      for (int c = 0; c < in.c; ++c) {
        const int idx = ((y * in.w) + x) * in.c + c;
        const int32_t a = input[idx] - p.input_zp;
        const int32_t s = scale[c] - p.scale_zp;
        int32_t v = to_int32(static_cast<int64_t>(p.output_zp) +
                                 detail::multiply_by_quantized_multiplier(
                                     a * s, p.output_multiplier, p.output_shift),
                             fn, "output_zp + product");
        v = std::max(v, p.act_min);
        v = std::min(v, p.act_max);
        output[idx] = static_cast<int8_t>(v);
      }
    }
  }
  return output;
}

} // namespace golden
