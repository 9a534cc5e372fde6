#include "systolic_timing.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dwvp::gemm {
namespace {

void require_positive(int64_t value, const char* what) {
  if (value < 1) {
    throw std::invalid_argument(std::string("systolic timing: ") + what +
                                " must be >= 1, got " + std::to_string(value));
  }
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// Running total of a fold sequence, fed run by run (identical consecutive folds), so
// millions of folds cost O(1).
struct fold_chain {
  bool double_buffered = false;
  bool started = false;
  uint64_t total = 0;       // excludes the last fold's second phase when overlapped
  uint64_t last_second = 0; // second phase of the last fold appended

  void append(const fold_phase_cycles& p, uint64_t count) {
    if (count == 0) {
      return;
    }
    if (!double_buffered) {
      total += count * (p.first + p.second);
    } else {
      // A fold's first phase hides behind the previous fold's second phase.
      const uint64_t head = started ? std::max(p.first, last_second) : p.first;
      total += head + (count - 1) * std::max(p.first, p.second);
      last_second = p.second;
    }
    started = true;
  }
  uint64_t cycles() const { return double_buffered ? total + last_second : total; }
};

} // namespace

array_mapping map_gemm(const gemm_shape& shape, dataflow df) {
  if (df == dataflow::os) {
    return {shape.m, shape.n, shape.k};
  }
  return {shape.k, shape.n, shape.m};
}

uint64_t fold_cycles(int64_t r, int64_t c, int64_t t) {
  require_positive(r, "fold rows");
  require_positive(c, "fold columns");
  require_positive(t, "fold temporal length");
  return 2 * static_cast<uint64_t>(r) + static_cast<uint64_t>(c) +
         static_cast<uint64_t>(t) - 2;
}

fold_phase_cycles fold_phases(int64_t r, int64_t c, int64_t t, dataflow df) {
  const uint64_t total = fold_cycles(r, c, t);
  const uint64_t rows = static_cast<uint64_t>(r);
  // OS: compute then drain r rows. WS: fill r rows of weights then stream.
  return df == dataflow::os ? fold_phase_cycles{total - rows, rows}
                            : fold_phase_cycles{rows, total - rows};
}

gemm_timing systolic_gemm(const gemm_shape& shape, const array_dims& array, dataflow df,
                          const timing_options& options) {
  require_positive(shape.m, "gemm m");
  require_positive(shape.n, "gemm n");
  require_positive(shape.k, "gemm k");
  require_positive(array.rows, "array rows");
  require_positive(array.cols, "array cols");

  const array_mapping map = map_gemm(shape, df);
  const auto s_r = static_cast<uint64_t>(map.s_r);
  const auto s_c = static_cast<uint64_t>(map.s_c);
  const auto rows = static_cast<uint64_t>(array.rows);
  const auto cols = static_cast<uint64_t>(array.cols);

  gemm_timing out;
  out.row_folds = ceil_div(s_r, rows);
  out.col_folds = ceil_div(s_c, cols);
  out.folds = out.row_folds * out.col_folds;
  out.macs = static_cast<uint64_t>(shape.m) * static_cast<uint64_t>(shape.n) *
             static_cast<uint64_t>(shape.k);

  // Fold classes: full rows or the last partial row fold, times the same for columns.
  const uint64_t full_r = s_r / rows;
  const uint64_t full_c = s_c / cols;
  const int64_t edge_r = static_cast<int64_t>(s_r % rows); // 0: no partial row fold
  const int64_t edge_c = static_cast<int64_t>(s_c % cols);

  fold_chain chain;
  chain.double_buffered = options.double_buffered;
  if (options.full_array_folds) {
    // SCALE-Sim: every fold is charged as a full R x C fold.
    chain.append(fold_phases(array.rows, array.cols, map.t, df), out.folds);
  } else {
    // One row fold = full column folds then the partial one, in that order.
    auto append_row_fold = [&](fold_chain& ch, int64_t r) {
      ch.append(fold_phases(r, array.cols, map.t, df), full_c);
      if (edge_c > 0) {
        ch.append(fold_phases(r, edge_c, map.t, df), 1);
      }
    };
    if (full_r > 0) {
      append_row_fold(chain, array.rows);
      if (full_r > 1) {
        // Every later full row fold follows an identical one, so costs the same.
        fold_chain probe = chain;
        append_row_fold(probe, array.rows);
        chain.total += (full_r - 1) * (probe.total - chain.total);
      }
    }
    if (edge_r > 0) {
      append_row_fold(chain, edge_r);
    }
  }
  out.cycles = chain.cycles();
  out.utilization = static_cast<double>(out.macs) /
                    (static_cast<double>(out.cycles) * static_cast<double>(rows) *
                     static_cast<double>(cols));
  return out;
}

} // namespace dwvp::gemm
