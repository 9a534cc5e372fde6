#include "pointwise.h"

#include "kernel_common.h"
#include "kernel_simd.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace dwvp::kernels {
namespace {

simd_level detect() {
#if defined(DWVP_KERNELS_X86_SIMD)
  __builtin_cpu_init();
  simd_level level = simd_level::generic;
  if (__builtin_cpu_supports("avx2"))
    level = simd_level::avx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
    level = simd_level::avx512;
  return level;
#else
  return simd_level::generic;
#endif
}

// The best level, capped by DWVP_KERNEL_SIMD (a value naming no level is ignored).
simd_level initial_level() {
  const simd_level best = best_simd_level();
  const char* cap = std::getenv("DWVP_KERNEL_SIMD");
  if (!cap)
    return best;
  for (simd_level l : {simd_level::generic, simd_level::avx2, simd_level::avx512})
    if (std::strcmp(cap, simd_level_name(l)) == 0)
      return l < best ? l : best;
  return best;
}

simd_level& current_level() {
  static simd_level level = initial_level();
  return level;
}

// The vector paths: weights packed once, sums of up to 64 pixels at a time.
bool pointwise_simd(simd_level level, const int8_t* input, int64_t pixels, int in_c,
                    int in_stride, const std::vector<int16_t>& w16, int out_c,
                    const detail::channel_output& emit,
                    const std::vector<int32_t>& folded_bias, int8_t* output,
                    int out_stride) {
#if defined(DWVP_KERNELS_X86_SIMD)
  const int lanes = simd::lanes(level);
  std::vector<int16_t> packed(static_cast<size_t>(simd::packed_size(out_c, in_c, lanes)));
  simd::pack(w16.data(), out_c, in_c, lanes, packed.data());
  constexpr int64_t k_chunk = 64;
  std::vector<int32_t> acc(static_cast<size_t>(k_chunk) * out_c);
  std::vector<int32_t> scratch(static_cast<size_t>(4) * ((in_c + 1) / 2));
  for (int64_t p0 = 0; p0 < pixels; p0 += k_chunk) {
    const int64_t n = pixels - p0 < k_chunk ? pixels - p0 : k_chunk;
    const int8_t* x = input + p0 * in_stride;
    if (level == simd_level::avx512)
      simd::accumulate_avx512(x, n, in_c, in_stride, packed.data(), out_c, acc.data(),
                              out_c, scratch.data());
    else
      simd::accumulate_avx2(x, n, in_c, in_stride, packed.data(), out_c, acc.data(),
                            out_c, scratch.data());
    emit.rows(level, acc.data(), n, out_c, folded_bias.data(), output + p0 * out_stride,
              out_stride);
  }
  return true;
#else
  (void)level, (void)input, (void)pixels, (void)in_c, (void)in_stride, (void)w16;
  (void)out_c, (void)emit, (void)folded_bias, (void)output, (void)out_stride;
  return false;
#endif
}

} // namespace

simd_level best_simd_level() {
  static const simd_level best = detect();
  return best;
}

simd_level active_simd_level() {
  return current_level();
}

void set_simd_level(simd_level level) {
  if (level > best_simd_level())
    throw std::invalid_argument(
        std::string("kernel SIMD level ") + simd_level_name(level) +
        " is not supported here (best: " + simd_level_name(best_simd_level()) + ")");
  current_level() = level;
}

const char* simd_level_name(simd_level level) {
  switch (level) {
  case simd_level::avx512:
    return "avx512";
  case simd_level::avx2:
    return "avx2";
  default:
    return "generic";
  }
}

namespace simd {

int lanes(simd_level level) {
  return level == simd_level::avx512 ? 16 : 8;
}

int64_t packed_size(int out_c, int in_c, int lanes) {
  return int64_t{(out_c + lanes - 1) / lanes} * ((in_c + 1) / 2) * lanes * 2;
}

void pack(const int16_t* w, int out_c, int in_c, int lanes, int16_t* packed) {
  // A pair of int16 weights moves as one 32-bit word: the packing is a transpose of
  // each block's rows of pairs into columns.
  const int pairs = (in_c + 1) / 2, full = in_c / 2;
  const int blocks = (out_c + lanes - 1) / lanes;
  for (int b = 0; b < blocks; ++b) {
    int16_t* block = packed + int64_t{b} * pairs * lanes * 2;
    for (int l = 0; l < lanes; ++l) {
      const int o = b * lanes + l;
      int16_t* dst = block + l * 2;
      if (o >= out_c) {
        for (int k = 0; k < pairs; ++k)
          dst[int64_t{k} * lanes * 2] = dst[int64_t{k} * lanes * 2 + 1] = 0;
        continue;
      }
      const int16_t* src = w + int64_t{o} * in_c;
      for (int k = 0; k < full; ++k)
        std::memcpy(dst + int64_t{k} * lanes * 2, src + 2 * k, 2 * sizeof(int16_t));
      if (pairs > full) {
        dst[int64_t{full} * lanes * 2] = src[in_c - 1];
        dst[int64_t{full} * lanes * 2 + 1] = 0;
      }
    }
  }
}

} // namespace simd

void pointwise_int8(const int8_t* input, int64_t pixels, int in_c, int in_stride,
                    const int8_t* weights, int out_c, const requant_params& q,
                    int8_t* output, int out_stride) {
  // sum((x - zp) * w) = sum(x * w) - zp * sum(w): fold the zero point into the bias
  // so the inner loop is a plain int8 dot product the compiler vectorises.
  // int16 operands let the compiler use 16-bit multiply-add instructions (pmaddwd on
  // any x86-64), and four output channels per pass reuse each loaded input value.
  // They also hold w - weight_zp (-255..255) of asymmetric (ONNX) weights.
  std::vector<int16_t> w16(static_cast<size_t>(out_c) * in_c), x16(in_c);
  for (size_t k = 0; k < w16.size(); ++k)
    w16[k] = static_cast<int16_t>(weights[k] - q.weight_zp);
  std::vector<int32_t> folded_bias(out_c);
  for (int o = 0; o < out_c; ++o) {
    uint32_t weight_sum = 0; // wraps, as the int32 accumulator does
    const int16_t* w = w16.data() + static_cast<int64_t>(o) * in_c;
    for (int i = 0; i < in_c; ++i)
      weight_sum += static_cast<uint32_t>(w[i]);
    folded_bias[o] = static_cast<int32_t>(static_cast<uint32_t>(q.bias ? q.bias[o] : 0) -
                                          static_cast<uint32_t>(q.input_zp) * weight_sum);
  }
  const detail::channel_output emit(q, out_c);
  // Packing the weights for the vector paths costs about as much as a few pixels of
  // the plain loop: layers of fewer pixels (FC, a tile's last rows) stay plain.
  constexpr int64_t k_min_simd_pixels = 16;
  const simd_level level = active_simd_level();
  if (level != simd_level::generic && pixels >= k_min_simd_pixels &&
      pointwise_simd(level, input, pixels, in_c, in_stride, w16, out_c, emit, folded_bias,
                     output, out_stride))
    return;
  std::vector<int32_t> acc(out_c);
  for (int64_t p = 0; p < pixels; ++p) {
    const int8_t* x = input + p * in_stride;
    int8_t* y = output + p * out_stride;
    for (int i = 0; i < in_c; ++i)
      x16[i] = x[i];
    const int16_t* xs = x16.data();
    int o = 0;
    for (; o + 4 <= out_c; o += 4) {
      const int16_t* w0 = w16.data() + static_cast<int64_t>(o) * in_c;
      const int16_t* w1 = w0 + in_c;
      const int16_t* w2 = w1 + in_c;
      const int16_t* w3 = w2 + in_c;
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (int i = 0; i < in_c; ++i) {
        const int32_t xi = xs[i];
        a0 += xi * w0[i];
        a1 += xi * w1[i];
        a2 += xi * w2[i];
        a3 += xi * w3[i];
      }
      acc[o] = a0;
      acc[o + 1] = a1;
      acc[o + 2] = a2;
      acc[o + 3] = a3;
    }
    for (; o < out_c; ++o) {
      const int16_t* w = w16.data() + static_cast<int64_t>(o) * in_c;
      int32_t a = 0;
      for (int i = 0; i < in_c; ++i)
        a += int32_t{xs[i]} * w[i];
      acc[o] = a;
    }
    for (o = 0; o < out_c; ++o) // the folded bias, wrapping as the accumulator does
      acc[o] = static_cast<int32_t>(static_cast<uint32_t>(acc[o]) +
                                    static_cast<uint32_t>(folded_bias[o]));
    emit(acc.data(), y);
  }
}

} // namespace dwvp::kernels
