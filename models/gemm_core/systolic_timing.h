// Analytical cycle counts of an R x C systolic array (plain C++, no SystemC).
//
// A GEMM of M x K by K x N is mapped onto the array by dataflow, as SCALE-Sim does
// (Samajdar et al., ISPASS 2020): spatial dimensions S_r (array rows) and S_c (array
// columns) and a temporal dimension T. One fold occupies at most R x C of S_r x S_c.
//   OS: S_r = M (output pixels), S_c = N (filters), T = K (reduction)
//   WS: S_r = K (reduction),     S_c = N (filters), T = M (output pixels)
// One fold of r <= R used rows and c <= C used columns takes 2r + c + T - 2 cycles
// (fill/skew, stream, drain). SCALE-Sim's convention charges every fold as if full
// (2R + C + T - 2); that is the `full_array_folds` option. See docs/timing.md.
#pragma once

#include <cstdint>

namespace dwvp::gemm {

enum class dataflow { os, ws };

struct array_dims {
  int rows = 32;
  int cols = 32;
};

struct gemm_shape {
  int64_t m = 1; // output pixels (rows of the left operand)
  int64_t n = 1; // filters / output channels
  int64_t k = 1; // reduction length
};

struct timing_options {
  bool full_array_folds = false; // SCALE-Sim convention for partial folds
  bool double_buffered = false;  // overlap one fold's drain with the next fold's fill
};

struct gemm_timing {
  uint64_t cycles = 0;      // total cycles for all folds
  uint64_t folds = 0;       // number of folds (row folds x column folds)
  uint64_t macs = 0;        // useful multiply-accumulates, m * n * k
  double utilization = 0.0; // macs / (cycles * rows * cols)
};

// Cycle count of one fold with r used rows, c used columns and temporal length t.
uint64_t fold_cycles(int64_t r, int64_t c, int64_t t);

gemm_timing systolic_gemm(const gemm_shape& shape, const array_dims& array, dataflow df,
                          const timing_options& options = {});

} // namespace dwvp::gemm
