// Shared by the end-to-end tests: an independent statement of the documented GEMM
// fold formula (docs/timing.md), written as a plain loop over folds.
#pragma once

#include <algorithm>
#include <cstdint>

namespace dwvp::test {

// Sum over folds of 2r + c + T - 2 for spatial dims s_r x s_c on an R x C array.
inline uint64_t expected_fold_cycles(int64_t s_r, int64_t s_c, int64_t t, int rows,
                                     int cols, bool full_array = false) {
  uint64_t total = 0;
  for (int64_t r0 = 0; r0 < s_r; r0 += rows) {
    for (int64_t c0 = 0; c0 < s_c; c0 += cols) {
      const int64_t r = full_array ? rows : std::min<int64_t>(rows, s_r - r0);
      const int64_t c = full_array ? cols : std::min<int64_t>(cols, s_c - c0);
      total += static_cast<uint64_t>(2 * r + c + t - 2);
    }
  }
  return total;
}

} // namespace dwvp::test
