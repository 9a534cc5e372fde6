// Requantisation in one int64 multiply, add and shift, bit-exact with requantize() in
// requant.h (TFLite MultiplyByQuantizedMultiplier, double rounding; docs/numerics.md).
//
// With x = acc << left (int32, wrapping as requant.h does), p = x * m and r the right
// shift:
//   SRDHM(x, m)  = (p + nudge) / 2^31 truncated = floor((p + 2^30) / 2^31) = t
//                  (for p < 0, truncating (p + 1 - 2^30) / 2^31 is ceil, which is
//                   floor((p + 2^30) / 2^31)), except x = m = INT32_MIN;
//   RDBPOT(t, r) = floor((t + 2^(r-1) - [t < 0]) / 2^r) for r >= 1 (half away from
//                  zero), t for r = 0;
// and floor((floor(a / 2^31) + k) / 2^r) = floor((a + k * 2^31) / 2^(31+r)) for an
// integer k, while t < 0 exactly when p < -2^30. So
//   out = (p + 2^30 + [r > 0] * (2^(30+r) - [p < -2^30] * 2^31)) >> (31 + r).
// |p| <= 2^62 and the added terms stay below 2^61 + 2^30: no int64 overflow.
#pragma once

#include "requant.h"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace dwvp::kernels {

struct fast_requant {
  int32_t multiplier = 0;
  int32_t shift = 0; // requant.h convention: > 0 left, < 0 right
  int left = 0;
  int total = 31; // 31 + right shift
  int64_t add = int64_t{1} << 30;
  int64_t neg = 0;
  bool saturating = false; // multiplier == INT32_MIN: SRDHM may saturate

  // shift must be in [-31, 30] (the range the descriptor checks accept).
  static fast_requant make(int32_t multiplier, int32_t shift) {
    if (shift < -31 || shift > 30)
      throw std::invalid_argument("requantisation shift " + std::to_string(shift) +
                                  " outside [-31, 30]");
    fast_requant f;
    f.multiplier = multiplier;
    f.shift = shift;
    f.left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    f.total = 31 + right;
    f.add = (int64_t{1} << 30) + (right > 0 ? (int64_t{1} << (30 + right)) : 0);
    f.neg = right > 0 ? (int64_t{1} << 31) : 0;
    f.saturating = multiplier == std::numeric_limits<int32_t>::min();
    return f;
  }

  // The formula alone, for loops that keep the terms in arrays. Not valid when
  // saturating (multiplier == INT32_MIN).
  static int64_t apply_terms(int32_t acc, int left, int64_t multiplier, int64_t add,
                             int64_t neg, int total) {
    const int64_t x = static_cast<int32_t>(static_cast<uint32_t>(acc) << left);
    const int64_t p = x * multiplier;
    return (p + add - (p < -(int64_t{1} << 30) ? neg : 0)) >> total;
  }

  int32_t apply(int32_t acc) const {
    if (saturating)
      return requantize(acc, multiplier, shift);
    return static_cast<int32_t>(apply_terms(acc, left, multiplier, add, neg, total));
  }
};

} // namespace dwvp::kernels
