// Cycle-stepped reference models of the depthwise (DwC) datapaths, for tests only.
//
// Like systolic_pe_model.h they move every operand through explicit registers, one
// hop per cycle, compute real int32 accumulators from int8 operands, tile the work
// into folds on their own and never call the code under test (models/gemm_core).
// Slow by design: small arrays (4x4, 8x8) and small layers only.
//
// channel_mvm (Manasi et al., ASP-DAC 2023): the GEMM array in weight-stationary mode
//   with a per-column input feeder. Fold = up to R filter taps (rows) x up to C
//   channels (columns); PE(k, j) holds tap row0+k of channel col0+j. The weights
//   shift down the columns (fill, r cycles) as in WS. The output pixels then stream:
//   the pixel index enters column 0's feeder at cycle s+m and hops one feeder per
//   cycle (column j's feeder sees pixel m at s+m+j, the same skew the WS inputs have);
//   feeder j (a line buffer of channel col0+j; modelled as a read of the zero-padded
//   input) produces the K window values of pixel m at once, and the value of tap k
//   passes a k-register skew chain into PE(k, j)'s input register (the 2:1 mux in
//   front of the PE selects the feeder instead of the left neighbour), so it meets
//   the partial sum of (m, j) at s+m+j+k as in WS. Partial sums move down one row
//   per cycle and leave under the last used row; tap folds (K > R) are added in the
//   output buffer. Folds run tap fold outer, channel fold inner; single or double
//   buffered (shadow weight registers) with the swap rule of systolic_pe_model.h.
//
// ST-OS (FuSeConv, Selvam et al., DATE 2021): every used array row computes one
//   independent 1D convolution y[j] = sum_k w[k] * x[j*s + k] (x zero padded), its
//   c output positions j0..j0+c-1 of the fold in PEs 0..c-1 (outputs stationary).
//   Per row an input shift chain of c*s registers (s = stride; PE j owns registers
//   j*s .. j*s+s-1 and multiplies the last one) is fed at the row's left edge, with
//   the row's inputs in decreasing index order:
//     load  c cycles, the chain shifts s registers per cycle (the feeder delivers s
//           inputs per cycle, i.e. the stride-decimated phases side by side); after
//           it register i holds x[j0*s + K - s + i], so PE j sees x[(j0+j)*s + K-1].
//     taps  K cycles; in cycle k the row's broadcast line carries w[K-1-k] to all
//           PEs of the row (the 2:1 mux in front of each PE selects the broadcast
//           line instead of the top neighbour), every PE multiply-accumulates, then
//           the chain shifts one register and one more input enters. PE j thus
//           accumulates w[k] * x[(j0+j)*s + k] for k = K-1 down to 0.
//     drain the accumulators move to a second bank that shifts toward a port at the
//           row's left edge, one output per cycle: c cycles, overlapping the next
//           fold (which starts loading the cycle after the hand-over). A fold hands
//           over when its taps are done and the drain bank is free.
//   For stride 1 a PE has one input register; stride s adds s-1 registers per PE
//   and an s-wide feeder port, so the load stays c cycles.
//   Fold order (the sequencer's choice): column folds outer, the narrow (partial)
//   column fold first, row folds (groups of R convolutions) inner. Every drain is
//   then no longer than the fold it overlaps (c_prev <= c_next + K), so no fold
//   waits for a drain. `st_os_order::row_major_partial_last` (row folds outer,
//   partial column fold last) is also modelled, to show the drain stall it causes.
//
// vector: L lanes across channels (lane l takes channel g*L + l of channel group g);
//   every cycle each busy lane issues one MAC (group outer, pixel, tap inner); a MAC
//   issued at cycle t reaches the lane's accumulator at cycle t + P (P pipeline
//   stages); the run ends the cycle after the last MAC retires.
#pragma once

#include <cstdint>
#include <vector>

#include "systolic_timing.h"

namespace dwvp::test {

// A depthwise (KxK, 1xK or Kx1) layer: int8 NHWC input with zero padding, weights
// [kh][kw][c]. Output pixel m = oh * out_w + ow; tap k = ky * kw + kx.
struct dw_layer {
  int in_h = 1, in_w = 1, channels = 1;
  int kh = 1, kw = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::vector<int8_t> input;   // in_h * in_w * channels
  std::vector<int8_t> weights; // kh * kw * channels

  int out_h() const { return (in_h + pad_top + pad_bottom - kh) / stride_h + 1; }
  int out_w() const { return (in_w + pad_left + pad_right - kw) / stride_w + 1; }
  // Input value at padded coordinates (y, x) of channel c: 0 in the padding.
  int8_t at(int c, int y, int x) const;
  // Window value of output pixel m, tap k, channel c.
  int8_t window(int c, int64_t m, int64_t k) const;
  int8_t weight(int c, int64_t k) const { return weights[k * channels + c]; }
};

// Depthwise accumulators [m][c] (m = output pixel), straight from the definition.
std::vector<int32_t> naive_depthwise(const dw_layer& l);

struct dwc_fold_record {
  int64_t row0 = 0; // first tap (channel_mvm) or convolution (ST-OS) of the fold
  int64_t col0 = 0; // first channel (channel_mvm) or output position (ST-OS)
  int rows = 0;
  int cols = 0;
  uint64_t first_cycle = 0; // first weight / input enters
  uint64_t last_cycle = 0;  // last result leaves
};

struct dwc_run {
  std::vector<int32_t> acc; // channel_mvm, vector: [m][c]; ST-OS: [conv][output]
  uint64_t cycles = 0;      // last result's cycle + 1
  std::vector<dwc_fold_record> folds;
};

dwc_run simulate_channel_mvm(const dw_layer& l, const gemm::array_dims& array,
                             bool double_buffered);

// One 1D convolution: x is the zero-padded input sequence, w the K taps.
struct conv1d {
  std::vector<int8_t> x;
  std::vector<int8_t> w;
};

enum class st_os_order { narrow_column_fold_first, row_major_partial_last };

// Every conv has K = w.size() taps (equal for all) and `outputs` output positions;
// x must hold at least (outputs - 1) * stride + K values.
dwc_run simulate_st_os(const std::vector<conv1d>& convs, int stride, int64_t outputs,
                       const gemm::array_dims& array,
                       st_os_order order = st_os_order::narrow_column_fold_first);

// The 1D convolutions of a 1xK (kh == 1: every output row of every channel, along the
// row) or Kx1 (kw == 1: every output column, along the column) layer, channel outer.
// Conv v's outputs are then the layer's outputs of channel v / (out_h or out_w).
std::vector<conv1d> fuse_convs(const dw_layer& l);

dwc_run simulate_vector(const dw_layer& l, int lanes, int pipeline);

} // namespace dwvp::test
