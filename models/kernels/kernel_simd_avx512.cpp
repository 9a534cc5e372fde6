// The kernels' AVX-512 paths (kernel_simd.h): the pointwise accumulation (one vpdpwssd
// per 16 output channels and input pair), the requantisation of its sums, and the
// depthwise layer. Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni and
// called only when the CPU has them: include nothing that defines inline functions.
#include "kernel_simd.h"

// GCC 12 reports its own intrinsics' _mm512_undefined_* placeholders as "maybe
// uninitialized" once they are inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

namespace dwvp::kernels::simd {
namespace {

using vec = __m512i;
constexpr int k_lanes = 16;
constexpr int k_blocks = 4; // 4 pixels x 4 blocks: 16 of the 32 registers hold sums

inline vec zero() {
  return _mm512_setzero_si512();
}
inline vec load(const int16_t* p) {
  return _mm512_loadu_si512(p);
}
inline vec broadcast(int32_t v) {
  return _mm512_set1_epi32(v);
}
inline vec madd_add(vec acc, vec x, vec w) {
  return _mm512_dpwssd_epi32(acc, x, w);
}
inline void store(int32_t* dst, vec v, int n) {
  _mm512_mask_storeu_epi32(dst, static_cast<__mmask16>((1u << n) - 1), v);
}

} // namespace

#define DWVP_SIMD_ACCUMULATE accumulate_avx512
#include "kernel_simd_pointwise.inc"

namespace {

// The output stage of 16 channels from `o` on (the first n valid): sums a (bias
// already in), fast_requant's terms, clamp, output zero point; int8 lanes.
inline __m128i requant16(__m512i a, const requant_terms& t, int o, __mmask16 m) {
  const __m512i threshold = _mm512_set1_epi64(-(int64_t{1} << 30));
  const __m512i x = _mm512_sllv_epi32(a, _mm512_maskz_loadu_epi32(m, t.left + o));
  __m256i half[2];
  for (int h = 0; h < 2; ++h) {
    const int base = o + 8 * h;
    const __mmask8 mh = static_cast<__mmask8>(m >> (8 * h));
    const __m512i x64 = _mm512_cvtepi32_epi64(h ? _mm512_extracti64x4_epi64(x, 1)
                                                : _mm512_castsi512_si256(x));
    // p = x * multiplier: both fit in 32 signed bits, vpmuldq gives the int64.
    const __m512i prod =
        _mm512_mul_epi32(x64, _mm512_maskz_loadu_epi64(mh, t.multiplier + base));
    __m512i v = _mm512_add_epi64(prod, _mm512_maskz_loadu_epi64(mh, t.add + base));
    const __mmask8 below = _mm512_cmplt_epi64_mask(prod, threshold);
    v = _mm512_mask_sub_epi64(v, below, v, _mm512_maskz_loadu_epi64(mh, t.neg + base));
    v = _mm512_srav_epi64(v, _mm512_maskz_loadu_epi64(mh, t.total + base));
    half[h] = _mm512_cvtepi64_epi32(v);
  }
  __m512i r = _mm512_inserti64x4(_mm512_castsi256_si512(half[0]), half[1], 1);
  r = _mm512_min_epi32(_mm512_max_epi32(r, _mm512_set1_epi32(t.lo)),
                       _mm512_set1_epi32(t.hi));
  return _mm512_cvtepi32_epi8(_mm512_add_epi32(r, _mm512_set1_epi32(t.zp)));
}

using sums = __m512i;
constexpr int k_out_lanes = 16;
inline __mmask16 first(int n) {
  return static_cast<__mmask16>((1u << n) - 1);
}
inline sums load_sums(const int32_t* p, int n) {
  return _mm512_maskz_loadu_epi32(first(n), p);
}
inline sums load_bytes(const int8_t* p, int n) {
  return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(first(n), p));
}
inline sums add_sums(sums a, sums b) {
  return _mm512_add_epi32(a, b);
}
inline sums mul_sums(sums a, sums b) {
  return _mm512_mullo_epi32(a, b);
}
inline void requant_store(sums a, const requant_terms& t, int o, int n, int8_t* out) {
  _mm_mask_storeu_epi8(out, first(n), requant16(a, t, o, first(n)));
}

} // namespace

#define DWVP_SIMD_REQUANTIZE requantize_avx512
#define DWVP_SIMD_DEPTHWISE depthwise_avx512
#include "kernel_simd_output.inc"

} // namespace dwvp::kernels::simd
