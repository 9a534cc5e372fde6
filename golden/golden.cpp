// Golden reference kernels. Deliberately naive: every output element is computed by
// its own loop nest with explicit NHWC indexing, so a reader can check each line
// against TFLite's reference kernels (tensorflow/lite/kernels/internal/reference/
// integer_ops/*.h) and gemmlowp's fixedpoint.h. See docs/numerics.md.
#include "golden.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

namespace golden {

namespace {

constexpr int64_t int32_min = std::numeric_limits<int32_t>::min();
constexpr int64_t int32_max = std::numeric_limits<int32_t>::max();

[[noreturn]] void fail(const char* fn, const std::string& what) {
  throw std::invalid_argument(std::string("golden::") + fn + ": " + what);
}

// TFLite computes these in int32 and overflow there is undefined behaviour, so a
// value that does not fit is outside the contract rather than something to emulate.
int32_t to_int32(int64_t v, const char* fn, const char* what) {
  if (v < int32_min || v > int32_max) {
    throw std::overflow_error(std::string("golden::") + fn + ": " + what +
                              " overflows int32 (" + std::to_string(v) + ")");
  }
  return static_cast<int32_t>(v);
}

void check_shape(const char* fn, const char* name, const shape& s) {
  if (s.h < 1 || s.w < 1 || s.c < 1) {
    fail(fn, std::string(name) + " must have h, w, c >= 1 (got " + std::to_string(s.h) +
                 "x" + std::to_string(s.w) + "x" + std::to_string(s.c) + ")");
  }
}

template <typename T>
void check_size(const char* fn, const char* name, const std::vector<T>& v,
                long long expected) {
  if (v.empty()) {
    fail(fn, std::string(name) + " is empty");
  }
  if (static_cast<long long>(v.size()) != expected) {
    fail(fn, std::string(name) + " has " + std::to_string(v.size()) +
                 " elements, expected " + std::to_string(expected));
  }
}

void check_zp(const char* fn, const char* name, int32_t zp) {
  if (zp < -128 || zp > 127) {
    fail(fn, std::string(name) + " " + std::to_string(zp) + " outside [-128, 127]");
  }
}

void check_act(const char* fn, int32_t act_min, int32_t act_max) {
  if (act_min < -128 || act_max > 127 || act_min > act_max) {
    fail(fn, "act_min/act_max [" + std::to_string(act_min) + ", " +
                 std::to_string(act_max) + "] not a sub-range of [-128, 127]");
  }
}

// Shift range where multiply_by_quantized_multiplier is defined in TFLite: a left
// shift of 31 would already overflow (1 << 31), a right shift above 31 is meaningless.
void check_mbqm_shift(const char* fn, const char* name, long long shift) {
  if (shift < -31 || shift > 30) {
    fail(fn, std::string(name) + " " + std::to_string(shift) + " outside [-31, 30]");
  }
}

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

void check_requant(const char* fn, const requant& q, int out_c) {
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
  check_act(fn, p.act_min, p.act_max);
}

// One output dimension: (in + pad_a + pad_b - kernel) / stride + 1, refusing a kernel
// larger than the padded input.
int output_dim(const char* fn, const char* name, int in, int pad_a, int pad_b, int kernel,
               int stride) {
  const int padded = in + pad_a + pad_b;
  if (kernel > padded) {
    fail(fn, std::string(name) + " kernel " + std::to_string(kernel) +
                 " larger than padded input " + std::to_string(padded));
  }
  return (padded - kernel) / stride + 1;
}

// Final step shared by conv, depthwise, pointwise and FC (TFLite integer_ops).
int8_t requantize(int64_t acc, int32_t multiplier, int32_t shift, int32_t output_zp,
                  int32_t act_min, int32_t act_max, const char* fn) {
  const int32_t acc32 = to_int32(acc, fn, "accumulator");
  int32_t v = to_int32(
      static_cast<int64_t>(multiply_by_quantized_multiplier(acc32, multiplier, shift)) +
          output_zp,
      fn, "requantised value + output_zp");
  v = std::max(v, act_min);
  v = std::min(v, act_max);
  return static_cast<int8_t>(v);
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

// gemmlowp SaturatingRoundingDoublingHighMul: (a*b*2 + 2^31) >> 32 with round half
// away from zero, the only overflow (INT32_MIN * INT32_MIN) saturating.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  // C++ division truncates toward zero, exactly as gemmlowp relies on.
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero.
int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent < 0 || exponent > 31) {
    fail("rounding_divide_by_pot",
         "exponent " + std::to_string(exponent) + " outside [0, 31]");
  }
  const int64_t mask = (1LL << exponent) - 1;
  const int64_t remainder = static_cast<int64_t>(x) & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  // Arithmetic right shift (floor), defined for negative values since C++20 and
  // what every C++17 compiler we use does.
  const int64_t floor_div = static_cast<int64_t>(x) >> exponent;
  return static_cast<int32_t>(floor_div + (remainder > threshold ? 1 : 0));
}

// TFLite MultiplyByQuantizedMultiplier (double rounding, the default build).
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  check_mbqm_shift("multiply_by_quantized_multiplier", "shift", shift);
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = to_int32(static_cast<int64_t>(x) * (1LL << left_shift),
                                   "multiply_by_quantized_multiplier", "x << shift");
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(shifted, multiplier), right_shift);
}

// TFLite QuantizeMultiplier: real = q * 2^shift with q in [0.5, 1) from frexp, then
// q rounded to Q31; a q that rounds to 2^31 becomes 2^30 with shift + 1.
void quantize_multiplier(double real_multiplier, int32_t* multiplier, int* shift) {
  if (multiplier == nullptr || shift == nullptr) {
    fail("quantize_multiplier", "multiplier and shift must not be null");
  }
  if (!(real_multiplier >= 0.0) || !std::isfinite(real_multiplier)) {
    fail("quantize_multiplier", "real_multiplier must be finite and >= 0");
  }
  if (real_multiplier == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  int exponent = 0;
  const double q = std::frexp(real_multiplier, &exponent);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * (1LL << 31)));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++exponent;
  }
  // Below 2^-31 every product would shift out entirely: TFLite flushes to zero.
  if (exponent < -31) {
    exponent = 0;
    q_fixed = 0;
  }
  *multiplier = static_cast<int32_t>(q_fixed);
  *shift = exponent;
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

  std::vector<int8_t> output(out.elements());
  for (int oy = 0; oy < out.h; ++oy) {
    for (int ox = 0; ox < out.w; ++ox) {
      for (int oc = 0; oc < out_c; ++oc) {
        int64_t acc = 0;
        for (int ky = 0; ky < p.kernel_h; ++ky) {
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int iy = oy * p.stride_h - p.pad_top + ky;
            const int ix = ox * p.stride_w - p.pad_left + kx;
            // Padding holds the input zero point, so it contributes (zp - zp) * w = 0.
            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
              continue;
            }
            for (int ic = 0; ic < in.c; ++ic) {
              const int32_t x = input[((iy * in.w) + ix) * in.c + ic];
              const int32_t w =
                  weights[((oc * p.kernel_h + ky) * p.kernel_w + kx) * in.c + ic];
              acc += static_cast<int64_t>(x - p.input_zp) * w;
            }
          }
        }
        acc += bias[oc];
        output[((oy * out.w) + ox) * out.c + oc] = requantize(
            acc, q.multiplier[oc], q.shift[oc], p.output_zp, p.act_min, p.act_max, fn);
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

  std::vector<int8_t> output(out.elements());
  for (int oy = 0; oy < out.h; ++oy) {
    for (int ox = 0; ox < out.w; ++ox) {
      for (int c = 0; c < in.c; ++c) {
        int64_t acc = 0;
        for (int ky = 0; ky < p.kernel_h; ++ky) {
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int iy = oy * p.stride_h - p.pad_top + ky;
            const int ix = ox * p.stride_w - p.pad_left + kx;
            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
              continue;
            }
            const int32_t x = input[((iy * in.w) + ix) * in.c + c];
            const int32_t w = weights[((ky * p.kernel_w) + kx) * in.c + c];
            acc += static_cast<int64_t>(x - p.input_zp) * w;
          }
        }
        acc += bias[c];
        output[((oy * out.w) + ox) * out.c + c] = requantize(
            acc, q.multiplier[c], q.shift[c], p.output_zp, p.act_min, p.act_max, fn);
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
  check_act(fn, p.act_min, p.act_max);
  check_size(fn, "input", input, in.elements());
  check_size(fn, "weights", weights, static_cast<long long>(out_c) * in.c);
  check_size(fn, "bias", bias, out_c);
  check_requant(fn, q, out_c);

  std::vector<int8_t> output(static_cast<size_t>(in.h) * in.w * out_c);
  for (int y = 0; y < in.h; ++y) {
    for (int x = 0; x < in.w; ++x) {
      for (int oc = 0; oc < out_c; ++oc) {
        int64_t acc = 0;
        for (int ic = 0; ic < in.c; ++ic) {
          const int32_t v = input[((y * in.w) + x) * in.c + ic];
          const int32_t w = weights[oc * in.c + ic];
          acc += static_cast<int64_t>(v - p.input_zp) * w;
        }
        acc += bias[oc];
        output[((y * in.w) + x) * out_c + oc] = requantize(
            acc, q.multiplier[oc], q.shift[oc], p.output_zp, p.act_min, p.act_max, fn);
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
  check_act(fn, p.act_min, p.act_max);
  const int in_features = static_cast<int>(input.size());
  check_size(fn, "weights", weights, static_cast<long long>(out_features) * in_features);
  check_size(fn, "bias", bias, out_features);
  check_requant(fn, q, out_features);

  std::vector<int8_t> output(out_features);
  for (int o = 0; o < out_features; ++o) {
    int64_t acc = 0;
    for (int i = 0; i < in_features; ++i) {
      const int32_t v = input[i];
      const int32_t w = weights[o * in_features + i];
      acc += static_cast<int64_t>(v - p.input_zp) * w;
    }
    acc += bias[o];
    output[o] = requantize(acc, q.multiplier[o], q.shift[o], p.output_zp, p.act_min,
                           p.act_max, fn);
  }
  return output;
}

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
    const int32_t a_scaled = rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(a_shifted, p.a_multiplier), -p.a_shift);
    const int32_t b_scaled = rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(b_shifted, p.b_multiplier), -p.b_shift);
    const int32_t raw_sum =
        to_int32(static_cast<int64_t>(a_scaled) + b_scaled, fn, "scaled sum");
    const int32_t raw_output =
        to_int32(static_cast<int64_t>(rounding_divide_by_pot(
                     saturating_rounding_doubling_high_mul(raw_sum, p.output_multiplier),
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
                                 multiply_by_quantized_multiplier(
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
