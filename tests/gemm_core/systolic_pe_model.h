// Cycle-stepped PE-level model of an R x C systolic array, for tests only.
//
// It moves every operand PE to PE through explicit registers, one hop per cycle, and
// computes the real int32 GEMM of int8 operands, so that the analytical timing in
// models/gemm_core can be checked against hardware behaviour rather than against
// itself. It tiles the GEMM into folds on its own (row fold outer, column fold
// inner; the last fold of each dimension partial) and never calls the code under
// test. Slow by design: use it on small arrays (4x4, 8x8) and small GEMMs only.
//
// Conventions (cycle 0 is the cycle the first operand enters the array):
//  OS: PE(i,j) owns output (m0+i, n0+j). Row i of A enters the left edge at cycle
//      s+i+k (k = reduction index), column j of B the top edge at s+j+k; each hop
//      takes one cycle and a PE multiply-accumulates on the cycle both operands
//      arrive. When every used PE has done T MACs, the accumulators move into the
//      drain chain, which shifts down the columns one row per cycle and leaves
//      through an output port under the last used row (r-1): r cycles.
//  WS: B's K x N tile is shifted down the columns into the weight registers, one row
//      per cycle (r cycles). Then A[m][k] enters the left edge of row k at s+m+k,
//      partial sums move down one row per cycle and leave through the output port
//      under the last used row, outputs of a K fold are added in the output buffer.
//  Chains: several GEMMs (jobs) run back to back as one stream of folds, the first
//      fold of a job following the last fold of the previous one under the same bank
//      rule, as consecutive channels or tiles of a layer do.
//  Double buffered: OS has a second (drain) bank of accumulators, WS a second
//      (shadow) bank of weight registers. Banks swap when the current fold's first
//      phase is complete and the other bank is free; the next fold's first phase
//      starts on the cycle after the swap. Single buffered, the next fold starts only
//      after the previous fold's last result has left.
#pragma once

#include <cstdint>
#include <vector>

#include "systolic_timing.h"

namespace dwvp::test {

struct pe_fold_record {
  int64_t row0 = 0;         // first S_r index of the fold
  int64_t col0 = 0;         // first S_c index of the fold
  int rows = 0;             // used rows r
  int cols = 0;             // used columns c
  int64_t t = 0;            // temporal length T
  uint64_t first_cycle = 0; // cycle the fold's first operand (or weight) entered
  uint64_t last_cycle = 0;  // cycle the fold's last result left
  int job = 0;              // index of the GEMM in a chain
};

struct pe_job {
  const std::vector<int8_t>* a = nullptr; // m x k row-major
  const std::vector<int8_t>* b = nullptr; // k x n row-major
  gemm::gemm_shape shape;
};

struct pe_run {
  std::vector<int32_t> c;                    // m x n, row-major (the first job's)
  std::vector<std::vector<int32_t>> outputs; // every job's
  uint64_t cycles = 0;                       // last result's cycle + 1
  uint64_t last_mac_cycle = 0;               // cycle of the last multiply-accumulate
  std::vector<pe_fold_record> folds;         // in execution order
};

// a: m x k row-major, b: k x n row-major.
pe_run simulate_systolic_gemm(const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                              const gemm::gemm_shape& shape,
                              const gemm::array_dims& array, gemm::dataflow df,
                              bool double_buffered);

// The jobs back to back as one chain of folds.
pe_run simulate_systolic_chain(const std::vector<pe_job>& jobs,
                               const gemm::array_dims& array, gemm::dataflow df,
                               bool double_buffered);

} // namespace dwvp::test
