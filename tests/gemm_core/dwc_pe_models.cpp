#include "dwc_pe_models.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dwvp::test {
namespace {

// A value in flight with the fold and index it belongs to, so that a skew or
// hand-over bug shows up as an exception instead of a silently wrong sum.
struct operand {
  int8_t value = 0;
  int fold = -1;      // -1: register empty
  int64_t index = -1; // channel_mvm: pixel m (inputs) or tap (weights); ST-OS: x index
};

struct psum {
  int32_t value = 0;
  int fold = -1;
  int64_t m = -1;
};

struct result {
  int32_t value = 0;
  bool valid = false;
  int64_t row = -1; // ST-OS: convolution
  int64_t col = -1; // ST-OS: output position
};

template <typename T> struct grid {
  grid(int rows, int cols) : m_cols(cols), m_cells(static_cast<size_t>(rows) * cols) {}
  T& at(int i, int j) { return m_cells[static_cast<size_t>(i) * m_cols + j]; }
  const T& at(int i, int j) const { return m_cells[static_cast<size_t>(i) * m_cols + j]; }
  int m_cols;
  std::vector<T> m_cells;
};

constexpr uint64_t max_cycles = 50'000'000;

[[noreturn]] void model_bug(const char* model, const std::string& what) {
  throw std::logic_error(std::string(model) + " model: " + what);
}

// Row fold outer, column fold inner, the last fold of each dimension partial.
std::vector<dwc_fold_record> tile_row_major(int64_t s_r, int64_t s_c,
                                            const gemm::array_dims& array) {
  std::vector<dwc_fold_record> folds;
  for (int64_t r0 = 0; r0 < s_r; r0 += array.rows) {
    for (int64_t c0 = 0; c0 < s_c; c0 += array.cols) {
      dwc_fold_record f;
      f.row0 = r0;
      f.col0 = c0;
      f.rows = static_cast<int>(std::min<int64_t>(array.rows, s_r - r0));
      f.cols = static_cast<int>(std::min<int64_t>(array.cols, s_c - c0));
      folds.push_back(f);
    }
  }
  return folds;
}

// Column fold outer with the narrow one (s_c mod C) first, row fold inner.
std::vector<dwc_fold_record> tile_narrow_first(int64_t s_r, int64_t s_c,
                                               const gemm::array_dims& array) {
  std::vector<std::pair<int64_t, int>> col_blocks;
  const int64_t narrow = s_c % array.cols;
  int64_t c0 = 0;
  if (narrow > 0) {
    col_blocks.emplace_back(0, static_cast<int>(narrow));
    c0 = narrow;
  }
  for (; c0 < s_c; c0 += array.cols) {
    col_blocks.emplace_back(c0, array.cols);
  }
  std::vector<dwc_fold_record> folds;
  for (const auto& [col0, cols] : col_blocks) {
    for (int64_t r0 = 0; r0 < s_r; r0 += array.rows) {
      dwc_fold_record f;
      f.row0 = r0;
      f.col0 = col0;
      f.rows = static_cast<int>(std::min<int64_t>(array.rows, s_r - r0));
      f.cols = cols;
      folds.push_back(f);
    }
  }
  return folds;
}

void check_layer(const dw_layer& l) {
  if (l.in_h < 1 || l.in_w < 1 || l.channels < 1 || l.kh < 1 || l.kw < 1 ||
      l.stride_h < 1 || l.stride_w < 1 || l.out_h() < 1 || l.out_w() < 1) {
    throw std::invalid_argument("dw_layer: non-positive dimension");
  }
  if (l.input.size() != static_cast<size_t>(l.in_h) * l.in_w * l.channels ||
      l.weights.size() != static_cast<size_t>(l.kh) * l.kw * l.channels) {
    throw std::invalid_argument("dw_layer: operand sizes do not match the shape");
  }
}

} // namespace

int8_t dw_layer::at(int c, int y, int x) const {
  const int iy = y - pad_top;
  const int ix = x - pad_left;
  if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
    return 0;
  }
  return input[(static_cast<size_t>(iy) * in_w + ix) * channels + c];
}

int8_t dw_layer::window(int c, int64_t m, int64_t k) const {
  const int oh = static_cast<int>(m / out_w());
  const int ow = static_cast<int>(m % out_w());
  const int ky = static_cast<int>(k / kw);
  const int kx = static_cast<int>(k % kw);
  return at(c, oh * stride_h + ky, ow * stride_w + kx);
}

std::vector<int32_t> naive_depthwise(const dw_layer& l) {
  check_layer(l);
  const int oh_n = l.out_h();
  const int ow_n = l.out_w();
  std::vector<int32_t> out(static_cast<size_t>(oh_n) * ow_n * l.channels, 0);
  for (int oh = 0; oh < oh_n; ++oh) {
    for (int ow = 0; ow < ow_n; ++ow) {
      for (int c = 0; c < l.channels; ++c) {
        int32_t sum = 0;
        for (int ky = 0; ky < l.kh; ++ky) {
          for (int kx = 0; kx < l.kw; ++kx) {
            sum += int32_t{l.at(c, oh * l.stride_h + ky, ow * l.stride_w + kx)} *
                   int32_t{
                       l.weights[(static_cast<size_t>(ky) * l.kw + kx) * l.channels + c]};
          }
        }
        out[(static_cast<size_t>(oh) * ow_n + ow) * l.channels + c] = sum;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// channel_mvm: WS array, per-column input feeders.

dwc_run simulate_channel_mvm(const dw_layer& l, const gemm::array_dims& array,
                             bool double_buffered) {
  check_layer(l);
  if (array.rows < 1 || array.cols < 1) {
    throw std::invalid_argument("channel_mvm model: non-positive array dimension");
  }
  constexpr const char* who = "channel_mvm";
  const int rows = array.rows;
  const int cols = array.cols;
  const int64_t taps = int64_t{l.kh} * l.kw;
  const int64_t chans = l.channels;
  const int64_t pixels = int64_t{l.out_h()} * l.out_w();

  dwc_run run;
  run.acc.assign(static_cast<size_t>(pixels * chans), 0);
  run.folds = tile_row_major(taps, chans, array);
  auto& folds = run.folds;

  grid<operand> w_active(rows, cols);
  grid<operand> w_shadow(rows, cols); // fill chain / second bank, moves down
  grid<psum> p_reg(rows, cols);       // partial sums, move down
  std::vector<operand> token(static_cast<size_t>(cols)); // pixel index per feeder
  // Skew chain of tap row i in column j: i registers (slot 0 is the feeder output).
  grid<std::vector<operand>> skew(rows, cols);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      skew.at(i, j).resize(static_cast<size_t>(i) + 1);
    }
  }

  int filling = 0;
  uint64_t fill_start = 0;
  int loaded = -1;
  int streaming = -1;
  uint64_t stream_start = 0;
  int64_t stream_left = 0;
  size_t next = 1;
  folds[0].first_cycle = 0;

  for (uint64_t t = 0;; ++t) {
    if (t > max_cycles) {
      model_bug(who, "no progress");
    }
    // Weight fill: top row takes the next tap row (last first), the chain shifts down.
    if (filling >= 0) {
      const dwc_fold_record& f = folds[filling];
      const int64_t k = f.rows - 1 - static_cast<int64_t>(t - fill_start);
      for (int j = 0; j < f.cols; ++j) {
        for (int i = f.rows - 1; i > 0; --i) {
          w_shadow.at(i, j) = w_shadow.at(i - 1, j);
        }
        w_shadow.at(0, j) = {l.weight(static_cast<int>(f.col0 + j), f.row0 + k), filling,
                             f.row0 + k};
      }
    }

    // Feeders: the pixel index hops one feeder per cycle from column 0.
    for (int j = cols - 1; j > 0; --j) {
      token[j] = token[j - 1];
    }
    token[0] = {};
    if (streaming >= 0) {
      const int64_t m = static_cast<int64_t>(t - stream_start);
      if (m < pixels) {
        token[0] = {0, streaming, m};
      }
    }

    // Each feeder writes its pixel's window into the skew chains; the chains shift.
    grid<psum> p_next(rows, cols);
    for (int j = 0; j < cols; ++j) {
      const operand& tok = token[j];
      const bool active =
          tok.fold >= 0 && tok.fold == streaming && j < folds[streaming].cols;
      for (int i = 0; i < rows; ++i) {
        auto& chain = skew.at(i, j);
        for (size_t q = chain.size() - 1; q > 0; --q) {
          chain[q] = chain[q - 1];
        }
        chain[0] = {};
        if (active && i < folds[streaming].rows) {
          const dwc_fold_record& f = folds[streaming];
          chain[0] = {l.window(static_cast<int>(f.col0 + j), tok.index, f.row0 + i),
                      tok.fold, tok.index};
        }
        // PE(i, j): input from the end of its skew chain (the 2:1 mux's feeder leg).
        const operand& x = chain.back();
        if (x.fold < 0 || x.fold != streaming || i >= folds[streaming].rows ||
            j >= folds[streaming].cols) {
          continue;
        }
        const psum in = i == 0 ? psum{0, x.fold, x.index} : p_reg.at(i - 1, j);
        const operand& w = w_active.at(i, j);
        if (in.fold != x.fold || in.m != x.index || w.fold != x.fold ||
            w.index != folds[streaming].row0 + i) {
          model_bug(who, "input, partial sum and weight of different folds meet");
        }
        p_next.at(i, j) = {in.value + int32_t{x.value} * int32_t{w.value}, x.fold,
                           x.index};
      }
    }
    p_reg = p_next;

    // Port under the last used row; tap folds are added in the output buffer.
    if (streaming >= 0) {
      dwc_fold_record& f = folds[streaming];
      for (int j = 0; j < f.cols; ++j) {
        const psum& out = p_reg.at(f.rows - 1, j);
        if (out.fold == streaming) {
          run.acc[out.m * chans + f.col0 + j] += out.value;
          f.last_cycle = t;
          --stream_left;
        }
      }
    }

    // Control at the end of the cycle (the swap rule of systolic_pe_model.h).
    if (filling >= 0 &&
        t - fill_start + 1 == static_cast<uint64_t>(folds[filling].rows)) {
      loaded = filling;
      filling = -1;
    }
    if (streaming >= 0 && stream_left == 0) {
      streaming = -1;
    }
    if (loaded >= 0 && streaming < 0) {
      w_active = w_shadow;
      streaming = loaded;
      stream_start = t + 1;
      stream_left = pixels * folds[loaded].cols;
      loaded = -1;
    }
    if (filling < 0 && loaded < 0 && next < folds.size() &&
        (double_buffered || streaming < 0)) {
      filling = static_cast<int>(next++);
      fill_start = t + 1;
      folds[filling].first_cycle = t + 1;
    }
    if (filling < 0 && loaded < 0 && streaming < 0 && next == folds.size()) {
      run.cycles = t + 1;
      return run;
    }
  }
}

// ---------------------------------------------------------------------------------
// ST-OS: one 1D convolution per array row, outputs stationary, taps broadcast.

dwc_run simulate_st_os(const std::vector<conv1d>& convs, int stride, int64_t outputs,
                       const gemm::array_dims& array, st_os_order order) {
  constexpr const char* who = "ST-OS";
  if (convs.empty() || stride < 1 || outputs < 1 || array.rows < 1 || array.cols < 1) {
    throw std::invalid_argument("ST-OS model: non-positive dimension");
  }
  const int64_t k_taps = static_cast<int64_t>(convs[0].w.size());
  if (k_taps < 1) {
    throw std::invalid_argument("ST-OS model: no taps");
  }
  for (const auto& cv : convs) {
    if (static_cast<int64_t>(cv.w.size()) != k_taps ||
        static_cast<int64_t>(cv.x.size()) < (outputs - 1) * stride + k_taps) {
      throw std::invalid_argument("ST-OS model: taps differ or input too short");
    }
  }
  const int rows = array.rows;
  const int cols = array.cols;
  const int s = stride;
  const int64_t n_convs = static_cast<int64_t>(convs.size());

  dwc_run run;
  run.acc.assign(static_cast<size_t>(n_convs * outputs), 0);
  run.folds = order == st_os_order::narrow_column_fold_first
                  ? tile_narrow_first(n_convs, outputs, array)
                  : tile_row_major(n_convs, outputs, array);
  auto& folds = run.folds;

  grid<operand> chain(rows, cols * s); // input shift chains, move right
  grid<int32_t> acc(rows, cols);
  grid<int64_t> macs(rows, cols);
  grid<result> drain(rows, cols); // second bank, moves left to the port at PE 0

  int computing = 0;
  uint64_t start = 0;
  int draining = -1;
  int64_t drain_left = 0;
  size_t next = 1;
  folds[0].first_cycle = 0;

  // The fold's e-th input in stream order: x[col0*s + n_in - 1 - e], where
  // n_in = (c-1)*s + K; e beyond the stream's end is a filler (index -1).
  auto stream = [&](int fold, int i, int64_t e) {
    const dwc_fold_record& f = folds[fold];
    const int64_t n_in = (f.cols - 1) * int64_t{s} + k_taps;
    const int64_t local = n_in - 1 - e;
    if (local < 0) {
      return operand{0, fold, -1};
    }
    const int64_t index = f.col0 * s + local;
    return operand{convs[f.row0 + i].x[index], fold, index};
  };

  for (uint64_t t = 0;; ++t) {
    if (t > max_cycles) {
      model_bug(who, "no progress");
    }
    if (computing >= 0) {
      const dwc_fold_record& f = folds[computing];
      const int64_t p = static_cast<int64_t>(t - start);
      const int c = f.cols;
      const int used = c * s;
      if (p < c) {
        // Load: s inputs enter per cycle, the chain shifts s registers.
        for (int i = 0; i < f.rows; ++i) {
          for (int q = used - 1; q >= s; --q) {
            chain.at(i, q) = chain.at(i, q - s);
          }
          for (int q = 0; q < s; ++q) {
            chain.at(i, q) = stream(computing, i, p * s + s - 1 - q);
          }
        }
      } else if (p < c + k_taps) {
        const int64_t k = k_taps - 1 - (p - c); // tap on the broadcast lines
        for (int i = 0; i < f.rows; ++i) {
          const int32_t w = convs[f.row0 + i].w[k];
          for (int j = 0; j < c; ++j) {
            const operand& x = chain.at(i, j * s + s - 1);
            if (x.fold != computing || x.index != (f.col0 + j) * s + k) {
              model_bug(who, "PE " + std::to_string(j) + " holds x[" +
                                 std::to_string(x.index) + "] for tap " +
                                 std::to_string(k));
            }
            acc.at(i, j) += w * int32_t{x.value};
            ++macs.at(i, j);
          }
          // Then the chain shifts one register; the next input enters.
          for (int q = used - 1; q >= 1; --q) {
            chain.at(i, q) = chain.at(i, q - 1);
          }
          chain.at(i, 0) = stream(computing, i, int64_t{used} + (p - c));
        }
      }
    }

    // Drain: the port at PE 0 takes one output per row, the bank shifts left.
    if (draining >= 0) {
      dwc_fold_record& f = folds[draining];
      for (int i = 0; i < f.rows; ++i) {
        const result& out = drain.at(i, 0);
        if (out.valid) {
          run.acc[out.row * outputs + out.col] = out.value;
          f.last_cycle = t;
          --drain_left;
        }
        for (int j = 0; j + 1 < f.cols; ++j) {
          drain.at(i, j) = drain.at(i, j + 1);
        }
        drain.at(i, f.cols - 1) = {};
      }
      if (drain_left == 0) {
        draining = -1;
      }
    }

    // Control: hand the accumulators over when the taps are done and the bank is free.
    if (computing >= 0 && draining < 0 &&
        static_cast<int64_t>(t - start) >= folds[computing].cols + k_taps - 1) {
      const dwc_fold_record& f = folds[computing];
      for (int i = 0; i < f.rows; ++i) {
        for (int j = 0; j < f.cols; ++j) {
          if (macs.at(i, j) != k_taps) {
            model_bug(who, "a PE did not see every tap");
          }
          drain.at(i, j) = {acc.at(i, j), true, f.row0 + i, f.col0 + j};
          acc.at(i, j) = 0;
          macs.at(i, j) = 0;
        }
      }
      draining = computing;
      drain_left = int64_t{f.rows} * f.cols;
      computing = -1;
    }
    if (computing < 0 && next < folds.size()) {
      computing = static_cast<int>(next++);
      start = t + 1;
      folds[computing].first_cycle = t + 1;
    }
    if (computing < 0 && draining < 0 && next == folds.size()) {
      run.cycles = t + 1;
      return run;
    }
  }
}

std::vector<conv1d> fuse_convs(const dw_layer& l) {
  check_layer(l);
  if (l.kh != 1 && l.kw != 1) {
    throw std::invalid_argument("fuse_convs: neither 1xK nor Kx1");
  }
  std::vector<conv1d> convs;
  const bool row_filter = l.kh == 1;
  const int lines = row_filter ? l.out_h() : l.out_w();
  const int padded =
      row_filter ? l.pad_left + l.in_w + l.pad_right : l.pad_top + l.in_h + l.pad_bottom;
  for (int c = 0; c < l.channels; ++c) {
    for (int line = 0; line < lines; ++line) {
      conv1d cv;
      for (int i = 0; i < padded; ++i) {
        cv.x.push_back(row_filter ? l.at(c, line * l.stride_h, i)
                                  : l.at(c, i, line * l.stride_w));
      }
      const int k_taps = row_filter ? l.kw : l.kh;
      for (int k = 0; k < k_taps; ++k) {
        cv.w.push_back(l.weight(c, k));
      }
      convs.push_back(std::move(cv));
    }
  }
  return convs;
}

// ---------------------------------------------------------------------------------
// Vector unit: lanes across channels, one MAC per lane per cycle, P-stage pipeline.

dwc_run simulate_vector(const dw_layer& l, int lanes, int pipeline) {
  check_layer(l);
  if (lanes < 1 || pipeline < 0) {
    throw std::invalid_argument("vector model: lanes >= 1, pipeline >= 0");
  }
  struct op {
    bool valid = false;
    int channel = 0;
    int64_t m = 0;
    int64_t k = 0;
    int32_t product = 0;
  };
  const int64_t taps = int64_t{l.kh} * l.kw;
  const int64_t pixels = int64_t{l.out_h()} * l.out_w();
  const int64_t groups = (l.channels + lanes - 1) / lanes;
  const int64_t issues = groups * pixels * taps;

  dwc_run run;
  run.acc.assign(static_cast<size_t>(pixels * l.channels), 0);
  std::vector<std::vector<op>> pipe(static_cast<size_t>(lanes),
                                    std::vector<op>(static_cast<size_t>(pipeline)));
  std::vector<int32_t> acc(static_cast<size_t>(lanes), 0);
  std::vector<int64_t> expect_k(static_cast<size_t>(lanes), 0);
  uint64_t last_retire = 0;
  bool any_retired = false;

  auto retire = [&](int lane, const op& o, uint64_t t) {
    if (!o.valid) {
      return;
    }
    if (o.k != expect_k[lane]) {
      model_bug("vector", "MACs of a lane retire out of order");
    }
    acc[lane] += o.product;
    expect_k[lane] = (o.k + 1) % taps;
    if (o.k == taps - 1) {
      run.acc[o.m * l.channels + o.channel] = acc[lane];
      acc[lane] = 0;
    }
    last_retire = t;
    any_retired = true;
  };

  for (uint64_t t = 0;; ++t) {
    if (t > max_cycles) {
      model_bug("vector", "no progress");
    }
    const auto n = static_cast<int64_t>(t);
    bool in_flight = false;
    for (int lane = 0; lane < lanes; ++lane) {
      auto& stages = pipe[lane];
      op issued;
      if (n < issues) {
        const int64_t g = n / (pixels * taps);
        const int64_t m = (n / taps) % pixels;
        const int64_t k = n % taps;
        const int64_t channel = g * lanes + lane;
        if (channel < l.channels) {
          const int ch = static_cast<int>(channel);
          issued = {true, ch, m, k,
                    int32_t{l.window(ch, m, k)} * int32_t{l.weight(ch, k)}};
        }
      }
      if (pipeline == 0) {
        retire(lane, issued, t);
        continue;
      }
      retire(lane, stages.back(), t);
      for (int q = pipeline - 1; q > 0; --q) {
        stages[q] = stages[q - 1];
      }
      stages[0] = issued;
      for (const op& o : stages) {
        in_flight = in_flight || o.valid;
      }
    }
    if (n + 1 >= issues && !in_flight) {
      if (!any_retired) {
        model_bug("vector", "nothing retired");
      }
      run.cycles = last_retire + 1;
      return run;
    }
  }
}

} // namespace dwvp::test
