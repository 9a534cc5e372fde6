// Golden reference kernels. Deliberately naive: every output element is computed by
// its own loop nest with explicit NHWC indexing, so a reader can check each line
// against TFLite's reference kernels (tensorflow/lite/kernels/internal/reference/
// integer_ops/*.h) and gemmlowp's fixedpoint.h. See docs/numerics.md.
//
// This file holds the fixed-point requantisation primitives and the checks the layer
// files share (declared in golden_internal.h). The layers are in golden_conv.cpp
// (conv2d, depthwise, pointwise, fully connected) and golden_elementwise.cpp (add,
// average pool, LUT activations, channel multiply).
#include "golden.h"
#include "golden_internal.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace golden {

namespace detail {

[[noreturn]] void fail(const char* fn, const std::string& what) {
  throw std::invalid_argument(std::string("golden::") + fn + ": " + what);
}

void overflow(int64_t v, const char* fn, const char* what) {
  throw std::overflow_error(std::string("golden::") + fn + ": " + what +
                            " overflows int32 (" + std::to_string(v) + ")");
}

void check_shape(const char* fn, const char* name, const shape& s) {
  if (s.h < 1 || s.w < 1 || s.c < 1) {
    fail(fn, std::string(name) + " must have h, w, c >= 1 (got " + std::to_string(s.h) +
                 "x" + std::to_string(s.w) + "x" + std::to_string(s.c) + ")");
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

void bad_pot_exponent(int exponent) {
  fail("rounding_divide_by_pot",
       "exponent " + std::to_string(exponent) + " outside [0, 31]");
}

void bad_mbqm_shift(const char* fn, const char* name, long long shift) {
  fail(fn, std::string(name) + " " + std::to_string(shift) + " outside [-31, 30]");
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

} // namespace detail

using detail::fail;

// The primitives are defined inline in golden_internal.h, where the layer loops call
// them once per output element.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  return detail::saturating_rounding_doubling_high_mul(a, b);
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  return detail::rounding_divide_by_pot(x, exponent);
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  return detail::multiply_by_quantized_multiplier(x, multiplier, shift);
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

} // namespace golden
