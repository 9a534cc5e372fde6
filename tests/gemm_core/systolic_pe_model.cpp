#include "systolic_pe_model.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dwvp::test {
namespace {

using gemm::dataflow;

// A value in flight with the fold it belongs to, so that a skew or hand-over bug
// shows up as an exception instead of a silently wrong sum.
struct operand {
  int8_t value = 0;
  int fold = -1;      // -1: register empty
  int64_t index = -1; // OS: reduction index k; WS: output pixel m (inputs), k (weights)
};

struct psum {
  int32_t value = 0;
  int fold = -1;
  int64_t m = -1;
};

struct result {
  int32_t value = 0;
  bool valid = false;
  int64_t m = -1;
  int64_t n = -1;
};

template <typename T> struct grid {
  grid(int rows, int cols) : m_cols(cols), m_cells(static_cast<size_t>(rows) * cols) {}
  T& at(int i, int j) { return m_cells[static_cast<size_t>(i) * m_cols + j]; }
  const T& at(int i, int j) const { return m_cells[static_cast<size_t>(i) * m_cols + j]; }
  int m_cols;
  std::vector<T> m_cells;
};

// Far above anything a small test GEMM needs; stops a control bug from hanging.
constexpr uint64_t max_cycles = 50'000'000;

[[noreturn]] void model_bug(const std::string& what) {
  throw std::logic_error("systolic PE model: " + what);
}

void tile(int job, int64_t s_r, int64_t s_c, int64_t t, const gemm::array_dims& array,
          std::vector<pe_fold_record>& folds) {
  for (int64_t r0 = 0; r0 < s_r; r0 += array.rows) {
    for (int64_t c0 = 0; c0 < s_c; c0 += array.cols) {
      pe_fold_record f;
      f.row0 = r0;
      f.col0 = c0;
      f.rows = static_cast<int>(std::min<int64_t>(array.rows, s_r - r0));
      f.cols = static_cast<int>(std::min<int64_t>(array.cols, s_c - c0));
      f.t = t;
      f.job = job;
      folds.push_back(f);
    }
  }
}

pe_run simulate_os(const std::vector<pe_job>& jobs, const gemm::array_dims& array,
                   bool double_buffered) {
  const int rows = array.rows;
  const int cols = array.cols;
  pe_run run;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const gemm::gemm_shape& s = jobs[j].shape;
    run.outputs.emplace_back(static_cast<size_t>(s.m * s.n), 0);
    tile(static_cast<int>(j), s.m, s.n, s.k, array, run.folds);
  }
  auto& folds = run.folds;

  grid<operand> a_reg(rows, cols); // moves right
  grid<operand> b_reg(rows, cols); // moves down
  grid<int32_t> acc(rows, cols);
  grid<int64_t> macs(rows, cols);
  grid<result> drain(rows, cols); // second bank / shift chain, moves down

  int computing = 0; // fold in the compute phase, -1 none
  uint64_t compute_start = 0;
  int draining = -1;
  int64_t drain_left = 0;
  size_t next = 1;
  folds[0].first_cycle = 0;

  for (uint64_t t = 0;; ++t) {
    if (t > max_cycles) {
      model_bug("no progress");
    }
    // Operands hop one PE; the edges take skewed operands from the feeders.
    grid<operand> a_next(rows, cols);
    grid<operand> b_next(rows, cols);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) {
        if (j > 0) {
          a_next.at(i, j) = a_reg.at(i, j - 1);
        } else if (computing >= 0 && i < folds[computing].rows) {
          const pe_fold_record& f = folds[computing];
          const int64_t k = static_cast<int64_t>(t - compute_start) - i;
          if (k >= 0 && k < f.t) {
            const pe_job& job = jobs[f.job];
            a_next.at(i, j) = {(*job.a)[(f.row0 + i) * job.shape.k + k], computing, k};
          }
        }
        if (i > 0) {
          b_next.at(i, j) = b_reg.at(i - 1, j);
        } else if (computing >= 0 && j < folds[computing].cols) {
          const pe_fold_record& f = folds[computing];
          const int64_t k = static_cast<int64_t>(t - compute_start) - j;
          if (k >= 0 && k < f.t) {
            const pe_job& job = jobs[f.job];
            b_next.at(i, j) = {(*job.b)[k * job.shape.n + f.col0 + j], computing, k};
          }
        }
      }
    }
    a_reg = a_next;
    b_reg = b_next;

    // Each PE multiplies what it holds into its own accumulator.
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) {
        const operand& x = a_reg.at(i, j);
        const operand& y = b_reg.at(i, j);
        if (x.fold < 0 || y.fold < 0) {
          continue;
        }
        if (x.fold != y.fold || x.index != y.index || x.fold != computing) {
          model_bug("OS operands of different folds or k meet");
        }
        acc.at(i, j) += static_cast<int32_t>(x.value) * static_cast<int32_t>(y.value);
        ++macs.at(i, j);
        run.last_mac_cycle = t;
      }
    }

    // Drain: the port under the last used row takes it, the chain shifts down.
    if (draining >= 0) {
      pe_fold_record& f = folds[draining];
      for (int j = 0; j < f.cols; ++j) {
        const result& out = drain.at(f.rows - 1, j);
        if (out.valid) {
          run.outputs[f.job][out.m * jobs[f.job].shape.n + out.n] = out.value;
          f.last_cycle = t;
          --drain_left;
        }
        for (int i = f.rows - 1; i > 0; --i) {
          drain.at(i, j) = drain.at(i - 1, j);
        }
        drain.at(0, j) = {};
      }
      if (drain_left == 0) {
        draining = -1;
      }
    }

    // Control at the end of the cycle: a compute phase is complete when every used
    // PE has done T MACs; its accumulators move to the drain chain once it is free.
    if (computing >= 0 && draining < 0) {
      const pe_fold_record& f = folds[computing];
      bool done = true;
      for (int i = 0; i < f.rows && done; ++i) {
        for (int j = 0; j < f.cols && done; ++j) {
          done = macs.at(i, j) == f.t;
        }
      }
      if (done) {
        for (int i = 0; i < f.rows; ++i) {
          for (int j = 0; j < f.cols; ++j) {
            drain.at(i, j) = {acc.at(i, j), true, f.row0 + i, f.col0 + j};
            acc.at(i, j) = 0;
            macs.at(i, j) = 0;
          }
        }
        draining = computing;
        drain_left = static_cast<int64_t>(f.rows) * f.cols;
        computing = -1;
      }
    }
    // Single buffered, the drain shifts the accumulators themselves: wait for it.
    if (computing < 0 && next < folds.size() && (double_buffered || draining < 0)) {
      computing = static_cast<int>(next++);
      compute_start = t + 1;
      folds[computing].first_cycle = t + 1;
    }
    if (computing < 0 && draining < 0 && next == folds.size()) {
      run.cycles = t + 1;
      run.c = run.outputs[0];
      return run;
    }
  }
}

pe_run simulate_ws(const std::vector<pe_job>& jobs, const gemm::array_dims& array,
                   bool double_buffered) {
  const int rows = array.rows;
  const int cols = array.cols;
  pe_run run;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const gemm::gemm_shape& s = jobs[j].shape;
    run.outputs.emplace_back(static_cast<size_t>(s.m * s.n), 0);
    tile(static_cast<int>(j), s.k, s.n, s.m, array, run.folds);
  }
  auto& folds = run.folds;

  grid<operand> a_reg(rows, cols);    // inputs, move right
  grid<psum> p_reg(rows, cols);       // partial sums, move down
  grid<operand> w_active(rows, cols); // weights the MACs use
  grid<operand> w_shadow(rows, cols); // fill chain / second bank, moves down

  int filling = 0; // fold whose weights are shifting in, -1 none
  uint64_t fill_start = 0;
  int loaded = -1; // fold whose weights sit complete in the shadow bank
  int streaming = -1;
  uint64_t stream_start = 0;
  int64_t stream_left = 0;
  size_t next = 1;
  folds[0].first_cycle = 0;

  for (uint64_t t = 0;; ++t) {
    if (t > max_cycles) {
      model_bug("no progress");
    }
    // Weight fill: the top row takes the next weight row (last row first), the
    // chain shifts down, so after r cycles row i holds the fold's weight row i.
    if (filling >= 0) {
      const pe_fold_record& f = folds[filling];
      const int64_t k = f.rows - 1 - static_cast<int64_t>(t - fill_start);
      for (int j = 0; j < f.cols; ++j) {
        for (int i = f.rows - 1; i > 0; --i) {
          w_shadow.at(i, j) = w_shadow.at(i - 1, j);
        }
        const pe_job& job = jobs[f.job];
        w_shadow.at(0, j) = {(*job.b)[(f.row0 + k) * job.shape.n + f.col0 + j], filling,
                             f.row0 + k};
      }
    }

    // Stream: inputs hop right (skewed at the left edge), partial sums hop down.
    grid<operand> a_next(rows, cols);
    grid<psum> p_next(rows, cols);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) {
        if (j > 0) {
          a_next.at(i, j) = a_reg.at(i, j - 1);
        } else if (streaming >= 0 && i < folds[streaming].rows) {
          const pe_fold_record& f = folds[streaming];
          const int64_t m = static_cast<int64_t>(t - stream_start) - i;
          if (m >= 0 && m < f.t) {
            const pe_job& job = jobs[f.job];
            a_next.at(i, j) = {(*job.a)[m * job.shape.k + f.row0 + i], streaming, m};
          }
        }
        const operand& x = a_next.at(i, j);
        // Inputs of an earlier fold still passing unused columns meet no weights.
        if (x.fold < 0 || x.fold != streaming || i >= folds[streaming].rows ||
            j >= folds[streaming].cols) {
          continue;
        }
        const psum in = i == 0 ? psum{0, x.fold, x.index} : p_reg.at(i - 1, j);
        const operand& w = w_active.at(i, j);
        if (in.fold != x.fold || in.m != x.index || w.fold != x.fold ||
            w.index != folds[streaming].row0 + i) {
          model_bug("WS input, partial sum and weight of different folds meet");
        }
        p_next.at(i, j) = {in.value + static_cast<int32_t>(x.value) * w.value, x.fold,
                           x.index};
        run.last_mac_cycle = t;
      }
    }
    a_reg = a_next;
    p_reg = p_next;

    // Port under the last used row: finished dot products over this K fold.
    if (streaming >= 0) {
      pe_fold_record& f = folds[streaming];
      for (int j = 0; j < f.cols; ++j) {
        const psum& out = p_reg.at(f.rows - 1, j);
        if (out.fold == streaming) {
          run.outputs[f.job][out.m * jobs[f.job].shape.n + f.col0 + j] += out.value;
          f.last_cycle = t;
          --stream_left;
        }
      }
    }

    // Control at the end of the cycle.
    if (filling >= 0 &&
        t - fill_start + 1 == static_cast<uint64_t>(folds[filling].rows)) {
      loaded = filling;
      filling = -1;
    }
    if (streaming >= 0 && stream_left == 0) {
      streaming = -1;
    }
    if (loaded >= 0 && streaming < 0) {
      w_active = w_shadow; // bank swap
      streaming = loaded;
      stream_start = t + 1;
      stream_left = folds[loaded].t * folds[loaded].cols;
      loaded = -1;
    }
    // Single buffered, the fill shifts the active weights: wait for the stream.
    if (filling < 0 && loaded < 0 && next < folds.size() &&
        (double_buffered || streaming < 0)) {
      filling = static_cast<int>(next++);
      fill_start = t + 1;
      folds[filling].first_cycle = t + 1;
    }
    if (filling < 0 && loaded < 0 && streaming < 0 && next == folds.size()) {
      run.cycles = t + 1;
      run.c = run.outputs[0];
      return run;
    }
  }
}

} // namespace

pe_run simulate_systolic_chain(const std::vector<pe_job>& jobs,
                               const gemm::array_dims& array, gemm::dataflow df,
                               bool double_buffered) {
  if (jobs.empty() || array.rows < 1 || array.cols < 1) {
    throw std::invalid_argument("systolic PE model: no job or non-positive array");
  }
  for (const pe_job& j : jobs) {
    const gemm::gemm_shape& shape = j.shape;
    if (shape.m < 1 || shape.n < 1 || shape.k < 1) {
      throw std::invalid_argument("systolic PE model: non-positive dimension");
    }
    if (!j.a || !j.b || j.a->size() != static_cast<size_t>(shape.m * shape.k) ||
        j.b->size() != static_cast<size_t>(shape.k * shape.n)) {
      throw std::invalid_argument("systolic PE model: operand sizes do not match shape");
    }
  }
  return df == dataflow::os ? simulate_os(jobs, array, double_buffered)
                            : simulate_ws(jobs, array, double_buffered);
}

pe_run simulate_systolic_gemm(const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                              const gemm::gemm_shape& shape,
                              const gemm::array_dims& array, gemm::dataflow df,
                              bool double_buffered) {
  return simulate_systolic_chain({pe_job{&a, &b, shape}}, array, df, double_buffered);
}

} // namespace dwvp::test
