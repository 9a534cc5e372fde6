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
  uint64_t lead = 0;        // first phase of the first fold
  uint64_t total = 0;       // excludes the last fold's second phase when overlapped
  uint64_t last_second = 0; // second phase of the last fold appended

  void append(const fold_phase_cycles& p, uint64_t count) {
    if (count == 0) {
      return;
    }
    if (!started) {
      lead = p.first;
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

const char* schedule_name(schedule s) {
  switch (s) {
  case schedule::pipelined:
    return "pipelined";
  case schedule::serial_drain:
    return "serial_drain";
  case schedule::scalesim:
    return "scalesim";
  }
  return "unknown";
}

bool parse_schedule(const std::string& name, schedule& out) {
  for (schedule s : {schedule::pipelined, schedule::serial_drain, schedule::scalesim}) {
    if (name == schedule_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

uint64_t chain_cycles(const gemm_timing& g, uint64_t count) {
  if (count == 0) {
    return 0;
  }
  const uint64_t step = g.cycles - g.tail - g.lead + std::max(g.lead, g.tail);
  return g.cycles + (count - 1) * step;
}

uint64_t chained_done(uint64_t start, uint64_t lead, uint64_t cycles,
                      uint64_t prev_done) {
  if (prev_done <= start) {
    return start + cycles;
  }
  return std::max(start + lead, prev_done) + (cycles - lead);
}

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

  if (options.sched == schedule::scalesim) {
    // SCALE-Sim v2: every fold charged as a full R x C fold; the count ends on the
    // cycle of the last event (last MAC for OS, last partial sum out for WS), from 0.
    const auto t = static_cast<uint64_t>(map.t);
    const uint64_t per_fold =
        df == dataflow::os ? t + rows + cols - 2 : 2 * rows + cols + t - 2;
    out.cycles = out.folds * per_fold - 1;
    out.lead = out.cycles;
  } else {
    fold_chain chain;
    chain.double_buffered = options.sched == schedule::pipelined;
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
    out.cycles = chain.cycles();
    // Only the pipelined schedule overlaps a following GEMM.
    out.lead = chain.double_buffered ? chain.lead : out.cycles;
    out.tail = chain.double_buffered ? chain.last_second : 0;
  }
  out.utilization = static_cast<double>(out.macs) /
                    (static_cast<double>(out.cycles) * static_cast<double>(rows) *
                     static_cast<double>(cols));
  return out;
}

} // namespace dwvp::gemm
