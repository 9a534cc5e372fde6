// Shared by the end-to-end tests: an independent statement of the documented GEMM
// fold schedules (docs/timing.md), written as a plain loop over folds.
#pragma once

#include <algorithm>
#include <cstdint>

namespace dwvp::test {

enum class fold_schedule { pipelined, serial_drain, scalesim };

// Cycles of a GEMM with spatial dims s_r x s_c and temporal length t on an R x C
// array, folds row fold outer; `os` picks the phase split (OS: compute r + c + t - 2
// then drain r; WS: fill r then stream r + c + t - 2).
//   serial_drain: sum over folds of 2r + c + t - 2
//   pipelined:    a fold's first phase may start when the previous one's second phase
//                 starts; its second phase waits for the previous one's to end
//   scalesim:     folds x per full fold (OS t + R + C - 2, WS 2R + C + t - 2) - 1
inline uint64_t expected_fold_cycles(int64_t s_r, int64_t s_c, int64_t t, int rows,
                                     int cols, fold_schedule sched, bool os) {
  uint64_t total = 0, folds = 0;
  uint64_t second_start = 0, second_end = 0;
  bool first_fold = true;
  for (int64_t r0 = 0; r0 < s_r; r0 += rows) {
    for (int64_t c0 = 0; c0 < s_c; c0 += cols) {
      const int64_t r = std::min<int64_t>(rows, s_r - r0);
      const int64_t c = std::min<int64_t>(cols, s_c - c0);
      const uint64_t fold = static_cast<uint64_t>(2 * r + c + t - 2);
      const uint64_t first = os ? static_cast<uint64_t>(r + c + t - 2) : r;
      total += fold;
      ++folds;
      const uint64_t first_start = first_fold ? 0 : second_start;
      second_start = std::max(first_start + first, second_end);
      second_end = second_start + (fold - first);
      first_fold = false;
    }
  }
  switch (sched) {
  case fold_schedule::serial_drain:
    return total;
  case fold_schedule::pipelined:
    return second_end;
  case fold_schedule::scalesim:
    return folds *
               static_cast<uint64_t>(os ? t + rows + cols - 2 : 2 * rows + cols + t - 2) -
           1;
  }
  return 0;
}

// Output stationary under the default (pipelined) schedule.
inline uint64_t expected_fold_cycles(int64_t s_r, int64_t s_c, int64_t t, int rows,
                                     int cols) {
  return expected_fold_cycles(s_r, s_c, t, rows, cols, fold_schedule::pipelined, true);
}

} // namespace dwvp::test
