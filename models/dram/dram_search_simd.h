// The scheduler's vector search (dram_scheduler.cpp): the earliest (time, order) among
// every bank's cached candidate, each in its own translation unit compiled with its
// instruction-set flags and called only when the CPU has them. docs/dram.md.
#pragma once

#include <cstdint>

namespace dwvp::dram::simd {

struct earliest {
  int64_t t;      // command time
  uint64_t order; // tie-break order of the winner
  uint32_t bank;  // its lane
};

// Over lanes 0 .. n-1 (n a multiple of 8): t = max(local, rank_bound[rank_index],
// group_bound[group_index], now); the lexicographic minimum of (t, order), over the
// lanes with local < k_unknown (at least one). Orders are miss << 62 | seq with distinct
// seqs. False (nothing written) when the tables have more than 32 entries (each padded
// to whole vectors of 8), n > 256, or
// a lane's t - now >= 2^34 ps or seq - seq_base is not below 2^21: the caller then
// decides by a scalar pass.
bool earliest_avx512(const int64_t* local, const uint64_t* order,
                     const uint32_t* rank_index, const uint32_t* group_index,
                     const int64_t* rank_bound, uint32_t rank_bound_size,
                     const int64_t* group_bound, uint32_t group_bound_size, int64_t now,
                     uint64_t seq_base, uint32_t n, earliest* out);

} // namespace dwvp::dram::simd
