// The scheduler's vector search in AVX-512 (dram_search_simd.h). Compiled with
// -mavx512f -mavx512vl and called only when the CPU has them: include nothing that
// defines inline functions.
#include "dram_search_simd.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

namespace dwvp::dram::simd {

namespace {

// Up to 32 table entries held in four registers (the table padded to whole vectors).
struct table32 {
  __m512i t[4];
};
table32 load_table(const int64_t* p, uint32_t size) {
  table32 r;
  const __m512i zero = _mm512_setzero_si512();
  r.t[0] = _mm512_loadu_si512(p);
  r.t[1] = size > 8 ? _mm512_loadu_si512(p + 8) : zero;
  r.t[2] = size > 16 ? _mm512_loadu_si512(p + 16) : zero;
  r.t[3] = size > 24 ? _mm512_loadu_si512(p + 24) : zero;
  return r;
}
__m512i lookup(const table32& tb, __m512i idx) {
  const __m512i lo = _mm512_permutex2var_epi64(tb.t[0], idx, tb.t[1]);
  const __m512i hi = _mm512_permutex2var_epi64(tb.t[2], idx, tb.t[3]);
  const __mmask8 upper = _mm512_test_epi64_mask(idx, _mm512_set1_epi64(16));
  return _mm512_mask_blend_epi64(upper, lo, hi);
}

} // namespace

bool earliest_avx512(const int64_t* local, const uint64_t* order,
                     const uint32_t* rank_index, const uint32_t* group_index,
                     const int64_t* rank_bound, uint32_t rank_bound_size,
                     const int64_t* group_bound, uint32_t group_bound_size, int64_t now,
                     uint64_t seq_base, uint32_t n, earliest* out) {
  // Every lane's time t (bounds from tables of up to 32 entries by permutes: gathers
  // are slow on some CPUs) packed with its order and lane into one unsigned key,
  // (t - now) << 30 | miss << 29 | (seq - seq_base) << 8 | lane, whose minimum is the
  // lexicographic minimum of (t, order) as long as every real lane's fields fit (else
  // false: the caller decides exactly). Lanes without a candidate get ~0.
  if (rank_bound_size > 32 || group_bound_size > 32 || n > 256)
    return false;
  const table32 rt = load_table(rank_bound, rank_bound_size);
  const table32 gt = load_table(group_bound, group_bound_size);
  const __m512i vnow = _mm512_set1_epi64(now);
  const __m512i vbase = _mm512_set1_epi64(static_cast<long long>(seq_base));
  const __m512i unknown = _mm512_set1_epi64(int64_t{1} << 62);
  const __m512i seq_mask = _mm512_set1_epi64((int64_t{1} << 62) - 1);
  const __m512i rel_limit = _mm512_set1_epi64(int64_t{1} << 21);
  const __m512i dt_limit = _mm512_set1_epi64(int64_t{1} << 34);
  const __m512i all_ones = _mm512_set1_epi64(-1);
  __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i eight = _mm512_set1_epi64(8);
  __m512i kmin = all_ones;
  __mmask8 bad = 0;
  for (uint32_t i = 0; i < n; i += 8) {
    const __m512i l = _mm512_loadu_si512(local + i);
    const __m512i o = _mm512_loadu_si512(order + i);
    const __m512i ri = _mm512_cvtepu32_epi64(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rank_index + i)));
    const __m512i gi = _mm512_cvtepu32_epi64(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(group_index + i)));
    const __m512i t = _mm512_max_epi64(_mm512_max_epi64(l, lookup(rt, ri)),
                                       _mm512_max_epi64(lookup(gt, gi), vnow));
    const __m512i dt = _mm512_sub_epi64(t, vnow);
    const __m512i rel = _mm512_sub_epi64(_mm512_and_si512(o, seq_mask), vbase);
    const __mmask8 real = _mm512_cmplt_epi64_mask(l, unknown);
    bad |= _mm512_mask_cmpge_epu64_mask(real, rel, rel_limit) |
           _mm512_mask_cmpge_epu64_mask(real, dt, dt_limit);
    const __m512i key =
        _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi64(dt, 30),
                                        _mm512_slli_epi64(_mm512_srli_epi64(o, 62), 29)),
                        _mm512_or_si512(_mm512_slli_epi64(rel, 8), lane));
    kmin = _mm512_mask_min_epu64(kmin, real, kmin, key);
    lane = _mm512_add_epi64(lane, eight);
  }
  if (bad)
    return false;
  const uint64_t km = _mm512_reduce_min_epu64(kmin);
  out->bank = static_cast<uint32_t>(km & 0xff);
  out->t = now + static_cast<int64_t>(km >> 30);
  out->order = order[out->bank];
  return true;
}

} // namespace dwvp::dram::simd
