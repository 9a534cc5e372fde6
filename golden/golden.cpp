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

using detail::check_mbqm_shift;
using detail::fail;
using detail::to_int32;

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

} // namespace golden
