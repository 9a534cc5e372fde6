// Analytical cycle counts of an R x C systolic array (plain C++, no SystemC).
//
// A GEMM of M x K by K x N is mapped onto the array by dataflow, as SCALE-Sim does
// (Samajdar et al., ISPASS 2020): spatial dimensions S_r (array rows) and S_c (array
// columns) and a temporal dimension T. One fold occupies at most R x C of S_r x S_c.
//   OS: S_r = M (output pixels), S_c = N (filters), T = K (reduction)
//   WS: S_r = K (reduction),     S_c = N (filters), T = M (output pixels)
// One fold of r <= R used rows and c <= C used columns takes 2r + c + T - 2 cycles
// (fill/skew, stream, drain). Folds run row fold outer, column fold inner. Each fold
// has two phases:
//   OS: first = compute (r + c + T - 2: skew in, stream, last MAC), second = drain (r)
//   WS: first = weight fill (r), second = stream (r + c + T - 2: skew, stream, psums out)
//
// Schedules (`gemm.schedule`, docs/timing.md):
//   pipelined     (default) a second bank (OS: accumulators, WS: weight registers) lets
//                 fold i's second phase overlap fold i+1's first phase; fold i+1's
//                 second phase waits for both. Partial folds cost what they use:
//                   total = first_0 + sum_{i>=1} max(first_i, second_{i-1}) + second_last
//   serial_drain  one bank: the phases of all folds run back to back,
//                   total = sum (2r + c + T - 2)
//   scalesim      SCALE-Sim v2's closed form: every fold charged as a full R x C fold,
//                 OS T + R + C - 2, WS 2R + C + T - 2, total = folds x per_fold - 1
// The cycle-stepped PE model in tests/gemm_core implements the same hardware.
#pragma once

#include <cstdint>
#include <string>

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

enum class schedule { pipelined, serial_drain, scalesim };

struct timing_options {
  schedule sched = schedule::pipelined;
};

// "pipelined", "serial_drain", "scalesim".
const char* schedule_name(schedule s);
// Returns false for an unknown name.
bool parse_schedule(const std::string& name, schedule& out);

struct gemm_timing {
  uint64_t cycles = 0;      // total cycles for all folds
  uint64_t folds = 0;       // number of folds (row folds x column folds)
  uint64_t macs = 0;        // useful multiply-accumulates, m * n * k
  double utilization = 0.0; // macs / (cycles * rows * cols)
  uint64_t row_folds = 0;   // ceil(S_r / R)
  uint64_t col_folds = 0;   // ceil(S_c / C)
  // For chaining GEMMs on the same array (channels of a layer, tiles of a layer):
  // `lead` is the first fold's first phase and `tail` the last fold's second phase,
  // the part a following GEMM's first phase may overlap. With no overlap (serial_drain,
  // scalesim) lead = cycles and tail = 0. See chain_cycles.
  uint64_t lead = 0;
  uint64_t tail = 0;
};

// The GEMM's spatial and temporal dimensions under a dataflow (table above).
struct array_mapping {
  int64_t s_r = 1; // mapped on array rows
  int64_t s_c = 1; // mapped on array columns
  int64_t t = 1;   // streamed in time
};

// The two phases of one fold (see above); first + second == fold_cycles(r, c, t).
struct fold_phase_cycles {
  uint64_t first = 0;
  uint64_t second = 0;
};

array_mapping map_gemm(const gemm_shape& shape, dataflow df);

// Cycle count of one fold with r used rows, c used columns and temporal length t.
uint64_t fold_cycles(int64_t r, int64_t c, int64_t t);

fold_phase_cycles fold_phases(int64_t r, int64_t c, int64_t t, dataflow df);

// Cycles of `count` copies of a GEMM run back to back, each one's first phase
// overlapping the previous one's tail:
//   cycles + (count - 1) * (cycles - tail - lead + max(lead, tail))
uint64_t chain_cycles(const gemm_timing& g, uint64_t count);

// Completion cycle of a GEMM (lead, cycles) issued at cycle `start` on an array whose
// previous GEMM completes at `prev_done`. The array takes it once the previous one's
// last fold has reached its second phase (start >= prev_done - prev tail); its first
// phase then overlaps that tail and its second phase waits for it:
//   prev_done > start ? max(start + lead, prev_done) + cycles - lead : start + cycles
uint64_t chained_done(uint64_t start, uint64_t lead, uint64_t cycles, uint64_t prev_done);

// Throws std::invalid_argument on a non-positive shape or array dimension.
gemm_timing systolic_gemm(const gemm_shape& shape, const array_dims& array, dataflow df,
                          const timing_options& options = {});

} // namespace dwvp::gemm
