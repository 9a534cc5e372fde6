// Checks and conversions shared by the golden reference's translation units
// (golden.cpp, golden_conv.cpp, golden_elementwise.cpp). Internal to golden/: not
// part of the golden.h API. The functions are defined, with their comments, in
// golden.cpp, except the ones the layer loops call per element (inline here).
#pragma once

#include "golden.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace golden {
namespace detail {

[[noreturn]] void fail(const char* fn, const std::string& what);
[[noreturn]] void overflow(int64_t v, const char* fn, const char* what);
[[noreturn]] void bad_mbqm_shift(const char* fn, const char* name, long long shift);
[[noreturn]] void bad_pot_exponent(int exponent);

// TFLite computes these in int32 and overflow there is undefined behaviour, so a
// value that does not fit is outside the contract rather than something to emulate.
inline int32_t to_int32(int64_t v, const char* fn, const char* what) {
  if (v < std::numeric_limits<int32_t>::min() ||
      v > std::numeric_limits<int32_t>::max()) {
    overflow(v, fn, what);
  }
  return static_cast<int32_t>(v);
}

// Shift range where multiply_by_quantized_multiplier is defined in TFLite: a left
// shift of 31 would already overflow (1 << 31), a right shift above 31 is meaningless.
inline void check_mbqm_shift(const char* fn, const char* name, long long shift) {
  if (shift < -31 || shift > 30) {
    bad_mbqm_shift(fn, name, shift);
  }
}

// gemmlowp SaturatingRoundingDoublingHighMul: (a*b*2 + 2^31) >> 32 with round half
// away from zero, the only overflow (INT32_MIN * INT32_MIN) saturating.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  // C++ division truncates toward zero, exactly as gemmlowp relies on.
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero.
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent < 0 || exponent > 31) {
    bad_pot_exponent(exponent); // out of line: the message is built only on failure
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
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier,
                                                int shift) {
  check_mbqm_shift("multiply_by_quantized_multiplier", "shift", shift);
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = to_int32(static_cast<int64_t>(x) * (1LL << left_shift),
                                   "multiply_by_quantized_multiplier", "x << shift");
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(shifted, multiplier), right_shift);
}
void check_shape(const char* fn, const char* name, const shape& s);
void check_zp(const char* fn, const char* name, int32_t zp);
void check_act(const char* fn, int32_t act_min, int32_t act_max);
void check_mbqm_shift(const char* fn, const char* name, long long shift);
int output_dim(const char* fn, const char* name, int in, int pad_a, int pad_b, int kernel,
               int stride);

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

} // namespace detail
} // namespace golden
