// The kernels' AVX2 paths (kernel_simd.h): the pointwise accumulation, the
// requantisation of its sums and the depthwise layer. Compiled with -mavx2 and called
// only when the CPU has AVX2: include nothing that defines inline functions.
#include "kernel_simd.h"

#include <immintrin.h>

namespace dwvp::kernels::simd {
namespace {

using vec = __m256i;
constexpr int k_lanes = 8;
constexpr int k_blocks = 2; // 4 pixels x 2 blocks: 8 of the 16 registers hold sums

inline vec zero() {
  return _mm256_setzero_si256();
}
inline vec load(const int16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
inline vec broadcast(int32_t v) {
  return _mm256_set1_epi32(v);
}
inline vec madd_add(vec acc, vec x, vec w) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
}
inline void store(int32_t* dst, vec v, int n) {
  if (n == k_lanes) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
    return;
  }
  alignas(32) int32_t lanes[k_lanes];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  for (int l = 0; l < n; ++l)
    dst[l] = lanes[l];
}

} // namespace

#define DWVP_SIMD_ACCUMULATE accumulate_avx2
#include "kernel_simd_pointwise.inc"

namespace {

// The output stage of 8 channels from `o` on (the first n valid): sums a (bias
// already in), fast_requant's terms, clamp, output zero point; written to out[0, n).
// A last block of fewer than 8 channels reads its terms from zero-padded copies.
// AVX2 has no 64-bit arithmetic shift: v >> s = ~(~v >> s) for negative v.
inline void requant8(__m256i a, const requant_terms& t, int o, int n, int8_t* out) {
  const int32_t* left = t.left + o;
  const int64_t *mult = t.multiplier + o, *add = t.add + o, *neg = t.neg + o,
                *total = t.total + o;
  alignas(32) int32_t left_pad[8] = {};
  alignas(32) int64_t mult_pad[8] = {}, add_pad[8] = {}, neg_pad[8] = {},
                      total_pad[8] = {};
  if (n < 8) {
    for (int l = 0; l < n; ++l) {
      left_pad[l] = left[l];
      mult_pad[l] = mult[l];
      add_pad[l] = add[l];
      neg_pad[l] = neg[l];
      total_pad[l] = total[l];
    }
    left = left_pad, mult = mult_pad, add = add_pad, neg = neg_pad, total = total_pad;
  }
  const __m256i x =
      _mm256_sllv_epi32(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(left)));
  const __m256i threshold = _mm256_set1_epi64x(-(int64_t{1} << 30));
  const __m256i zero = _mm256_setzero_si256();
  __m256i low32[2];
  for (int h = 0; h < 2; ++h) {
    auto at = [h](const int64_t* v) {
      return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + 4 * h));
    };
    const __m256i x64 = _mm256_cvtepi32_epi64(h ? _mm256_extracti128_si256(x, 1)
                                                : _mm256_castsi256_si128(x));
    const __m256i prod = _mm256_mul_epi32(x64, at(mult));
    __m256i v = _mm256_add_epi64(prod, at(add));
    const __m256i below = _mm256_cmpgt_epi64(threshold, prod);
    v = _mm256_sub_epi64(v, _mm256_and_si256(below, at(neg)));
    const __m256i sign = _mm256_cmpgt_epi64(zero, v);
    v = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, sign), at(total)), sign);
    // The low 32 bits of each 64-bit lane into the lower 128 bits.
    low32[h] = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
  }
  __m256i r = _mm256_permute2x128_si256(low32[0], low32[1], 0x20);
  r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(t.lo)),
                       _mm256_set1_epi32(t.hi));
  r = _mm256_add_epi32(r, _mm256_set1_epi32(t.zp));
  // int32 -> int8 (the values lie in [-128, 127]): pack twice, then the 8 bytes.
  const __m128i r16 =
      _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  const __m128i r8 = _mm_packs_epi16(r16, r16);
  if (n == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), r8);
    return;
  }
  alignas(16) int8_t bytes[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(bytes), r8);
  for (int l = 0; l < n; ++l)
    out[l] = bytes[l];
}

// A last block of fewer than 8 channels goes through zero-padded copies (AVX2 has no
// masked byte loads).
using sums = __m256i;
constexpr int k_out_lanes = 8;
inline sums load_sums(const int32_t* p, int n) {
  if (n == 8)
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  alignas(32) int32_t tail[8] = {};
  for (int l = 0; l < n; ++l)
    tail[l] = p[l];
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
}
inline sums load_bytes(const int8_t* p, int n) {
  if (n == 8)
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  alignas(16) int8_t tail[16] = {};
  for (int l = 0; l < n; ++l)
    tail[l] = p[l];
  return _mm256_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(tail)));
}
inline sums add_sums(sums a, sums b) {
  return _mm256_add_epi32(a, b);
}
inline sums mul_sums(sums a, sums b) {
  return _mm256_mullo_epi32(a, b);
}
inline void requant_store(sums a, const requant_terms& t, int o, int n, int8_t* out) {
  requant8(a, t, o, n, out);
}

} // namespace

#define DWVP_SIMD_REQUANTIZE requantize_avx2
#define DWVP_SIMD_DEPTHWISE depthwise_avx2
#include "kernel_simd_output.inc"

} // namespace dwvp::kernels::simd
