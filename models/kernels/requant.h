// Fixed-point requantisation used by the accelerator's post-processing unit.
// Bit-exact with TFLite's MultiplyByQuantizedMultiplier (docs/numerics.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace dwvp::kernels {

// round(a * b / 2^31) with ties toward +infinity (gemmlowp), saturating the one
// overflow case.
inline int32_t rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a)
    return std::numeric_limits<int32_t>::max();
  int64_t product = static_cast<int64_t>(a) * b;
  int64_t nudge = product >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((product + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero.
inline int32_t rounding_shift_right(int32_t x, int exponent) {
  if (exponent == 0)
    return x;
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// shift > 0 scales up first, shift < 0 rounds down after the multiply.
inline int32_t requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return rounding_shift_right(
      rounding_doubling_high_mul(static_cast<int32_t>(static_cast<uint32_t>(acc) << left),
                                 multiplier),
      right);
}

// ONNX requantisation (DWVP_FLAG_ONNX), as onnxruntime computes it: float(acc) * scale
// in binary32, rounded half to even (the default rounding mode). Saturated to +-256
// first: outside the int8 range either way, and the conversion stays defined.
inline int32_t requantize_float(int32_t acc, float scale) {
  const float v = std::min(std::max(static_cast<float>(acc) * scale, -256.0f), 256.0f);
  return static_cast<int32_t>(std::nearbyint(v));
}

inline int8_t clamp_to_int8(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<int8_t>(v < lo ? lo : (v > hi ? hi : v));
}

} // namespace dwvp::kernels
