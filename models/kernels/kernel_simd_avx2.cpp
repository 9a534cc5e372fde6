// The pointwise accumulation with AVX2 (kernel_simd.h). Compiled with -mavx2 and
// called only when the CPU has AVX2: include nothing that defines inline functions.
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

} // namespace dwvp::kernels::simd
