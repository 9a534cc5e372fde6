// Layer compute timing (models/gemm_core/layer_timing) against hand-worked numbers and
// against cycle-stepped models that really move the operands: the GEMM PE model
// (systolic_pe_model.h) for gemm_naive, and dwc_pe_models.h for channel_mvm, ST-OS
// and the vector unit. Expected numbers are written out here or come from the
// stepped models, never from the code under test.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "dwc_pe_models.h"
#include "layer_desc.h"
#include "layer_timing.h"
#include "systolic_pe_model.h"

using dwvp::gemm::array_dims;
using dwvp::gemm::dataflow;
using dwvp::gemm::timing_options;
using dwvp::test::dw_layer;
using dwvp::timing::compute_config;
using dwvp::timing::compute_timing;
using dwvp::timing::engine;
using dwvp::timing::layer_compute;
using dwvp::timing::st_os_cycles;

using dwvp::test::geom;
using dwvp::test::make_desc;

namespace {

constexpr timing_options single_buffer{dwvp::gemm::schedule::serial_drain};
constexpr timing_options double_buffer{dwvp::gemm::schedule::pipelined};
constexpr timing_options scale_sim{dwvp::gemm::schedule::scalesim};

// 4x4 array, 4 vector lanes with 2 pipeline stages, 4 PPU lanes; serial_drain unless
// told (the hand-worked numbers below are per fold, then overlapped where stated).
compute_config cfg4(timing_options opt = single_buffer) {
  compute_config c;
  c.array = {4, 4};
  c.gemm_options = opt;
  c.vector_lanes = 4;
  c.vector_pipeline = 2;
  c.ppu_lanes = 4;
  return c;
}

uint64_t cycles(uint8_t op, const geom& g, uint8_t map, uint8_t df,
                const compute_config& cfg = cfg4()) {
  return layer_compute(make_desc(op, g, map, df), cfg).cycles;
}

std::vector<int8_t> random_int8(std::mt19937& rng, size_t count) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(count);
  for (auto& x : v) {
    x = static_cast<int8_t>(dist(rng));
  }
  return v;
}

enum class dw_kind { kxk, row_1xk, col_kx1 };

// A random depthwise layer: K in {1,3,5,7} (only 3..7 for the 1D kinds), strides
// 1 or 2, any padding smaller than the kernel side, odd and even sizes, 1..10
// channels (mostly not a multiple of the array).
dw_layer random_layer(std::mt19937& rng, dw_kind kind, int max_in = 11) {
  std::uniform_int_distribution<int> pick(0, 3);
  const int ks[] = {1, 3, 5, 7};
  int k = ks[pick(rng)];
  if (kind != dw_kind::kxk && k == 1) {
    k = 3;
  }
  dw_layer l;
  l.kh = kind == dw_kind::row_1xk ? 1 : k;
  l.kw = kind == dw_kind::col_kx1 ? 1 : k;
  std::uniform_int_distribution<int> stride(1, 2);
  l.stride_h = stride(rng);
  l.stride_w = stride(rng);
  auto pad = [&](int side) {
    return std::uniform_int_distribution<int>(0, side - 1)(rng);
  };
  l.pad_top = pad(l.kh);
  l.pad_bottom = pad(l.kh);
  l.pad_left = pad(l.kw);
  l.pad_right = pad(l.kw);
  auto size = [&](int kside, int pads) {
    const int lo = std::max(1, kside - pads);
    return std::uniform_int_distribution<int>(lo, std::max(lo, max_in))(rng);
  };
  l.in_h = size(l.kh, l.pad_top + l.pad_bottom);
  l.in_w = size(l.kw, l.pad_left + l.pad_right);
  l.channels = std::uniform_int_distribution<int>(1, 10)(rng);
  l.input = random_int8(rng, static_cast<size_t>(l.in_h) * l.in_w * l.channels);
  l.weights = random_int8(rng, static_cast<size_t>(l.kh) * l.kw * l.channels);
  return l;
}

// What a sweep has exercised, so that a change of seed or generator cannot silently
// drop a case the brief asks for.
struct coverage {
  bool k3 = false, k5 = false, k7 = false, stride2 = false, padded = false;
  bool channel_folds = false; // channels > array columns, not a multiple of them
  bool tap_folds = false;     // kh*kw > array rows
  void add(const dw_layer& l, const array_dims& a) {
    const int k = std::max(l.kh, l.kw);
    k3 = k3 || k == 3;
    k5 = k5 || k == 5;
    k7 = k7 || k == 7;
    stride2 = stride2 || l.stride_h == 2 || l.stride_w == 2;
    padded = padded || l.pad_top + l.pad_left + l.pad_bottom + l.pad_right > 0;
    channel_folds = channel_folds || (l.channels > a.cols && l.channels % a.cols != 0);
    tap_folds = tap_folds || l.kh * l.kw > a.rows;
  }
  void require_all() const {
    CHECK(k3);
    CHECK(k5);
    CHECK(k7);
    CHECK(stride2);
    CHECK(padded);
    CHECK(channel_folds);
    CHECK(tap_folds);
  }
};

dwvp_desc desc_of(const dw_layer& l, uint8_t mapping, uint8_t df) {
  const uint8_t op = l.kh == 1 && l.kw > 1   ? DWVP_OP_DW_1XK
                     : l.kw == 1 && l.kh > 1 ? DWVP_OP_DW_KX1
                                             : DWVP_OP_DEPTHWISE;
  geom g;
  g.in_h = l.in_h;
  g.in_w = l.in_w;
  g.in_c = g.out_c = l.channels;
  g.kh = l.kh;
  g.kw = l.kw;
  g.sh = l.stride_h;
  g.sw = l.stride_w;
  g.pt = l.pad_top;
  g.pl = l.pad_left;
  g.pb = l.pad_bottom;
  g.pr = l.pad_right;
  return make_desc(op, g, mapping, df);
}

compute_config cfg_for(const array_dims& a, bool db) {
  compute_config c = cfg4(db ? double_buffer : single_buffer);
  c.array = a;
  return c;
}

std::string describe(const dw_layer& l) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "in %dx%dx%d k %dx%d s %d,%d pad t%d l%d b%d r%d",
                l.in_h, l.in_w, l.channels, l.kh, l.kw, l.stride_h, l.stride_w, l.pad_top,
                l.pad_left, l.pad_bottom, l.pad_right);
  return buf;
}

} // namespace

// ---------------------------------------------------------------------------------
// Hand-worked cycle counts, 4x4 array (fold = 2r + c + T - 2; OS: S_r = M, S_c = N,
// T = K; WS: S_r = K, S_c = N, T = M).

TEST_CASE("conv2d: im2col GEMM M = out pixels, N = out_c, K = kh*kw*in_c") {
  // in 4x4x2, 3 filters 3x3, pad 1, stride 1: out 4x4x3. M = 16, N = 3, K = 18.
  geom g{4, 4, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1};
  // OS: 4 row folds (r = 4), c = 3, T = 18: 4 x (8 + 3 + 18 - 2 = 27) = 108.
  const auto os = layer_compute(make_desc(DWVP_OP_CONV2D, g), cfg4());
  CHECK(os.unit == engine::gemm);
  CHECK(os.cycles == 108);
  CHECK(os.folds == 4);
  CHECK(os.macs == 16 * 3 * 18);                       // 864
  CHECK(os.utilization == Approx(864.0 / (108 * 16))); // 0.5
  CHECK(os.ppu_cycles == 12);                          // 48 outputs / 4 lanes
  // WS: S_r = 18: r = 4,4,4,4,2; c = 3; T = 16:
  //   4 x (8 + 3 + 16 - 2 = 25) + (4 + 3 + 16 - 2 = 21) = 121.
  CHECK(cycles(DWVP_OP_CONV2D, g, 0, DWVP_DF_WS) == 121);
  // WS double buffered: fills 4,4,4,4,2; streams 21,21,21,21,19:
  //   4 + 21 + 21 + 21 + max(2, 21) + 19 = 107.
  CHECK(cycles(DWVP_OP_CONV2D, g, 0, DWVP_DF_WS, cfg4(double_buffer)) == 107);
  // OS double buffered: compute 4 + 3 + 18 - 2 = 23 per fold, drain 4: 4 x 23 + 4 = 96.
  CHECK(cycles(DWVP_OP_CONV2D, g, 0, DWVP_DF_OS, cfg4(double_buffer)) == 96);
  // scalesim, WS: 5 folds x (8 + 4 + 16 - 2 = 26) - 1 = 129; OS: 4 folds x
  //   (18 + 4 + 4 - 2 = 24) - 1 = 95.
  CHECK(cycles(DWVP_OP_CONV2D, g, 0, DWVP_DF_WS, cfg4(scale_sim)) == 129);
  CHECK(cycles(DWVP_OP_CONV2D, g, 0, DWVP_DF_OS, cfg4(scale_sim)) == 95);
}

TEST_CASE("pointwise and FC: M = out pixels, N = out_c, K = in_c") {
  // Pointwise 3x3x5 -> 6: M = 9, N = 6, K = 5.
  geom pw{3, 3, 5, 6};
  // OS: r = 4,4,1 x c = 4,2, T = 5: (4,4) 15 + (4,2) 13, twice, + (1,4) 9 + (1,2) 7 = 72.
  const auto os = layer_compute(make_desc(DWVP_OP_POINTWISE, pw), cfg4());
  CHECK(os.cycles == 72);
  CHECK(os.folds == 6);
  CHECK(os.macs == 270);
  CHECK(os.ppu_cycles == 14); // ceil(54 / 4)
  // WS: r = 4,1 x c = 4,2, T = 9: (4,4) 19 + (4,2) 17 + (1,4) 13 + (1,2) 11 = 60.
  CHECK(cycles(DWVP_OP_POINTWISE, pw, 0, DWVP_DF_WS) == 60);

  // FC 10 -> 7 on a 1x1 input: M = 1, N = 7, K = 10.
  geom fc{1, 1, 10, 7};
  // OS: r = 1, c = 4,3, T = 10: (2 + 4 + 10 - 2 = 14) + 13 = 27.
  CHECK(cycles(DWVP_OP_FC, fc, 0, DWVP_DF_OS) == 27);
  // WS: r = 4,4,2 x c = 4,3, T = 1: (8+4+1-2 = 11) + 10, twice, + (4+4+1-2 = 7) + 6 = 55.
  CHECK(cycles(DWVP_OP_FC, fc, 0, DWVP_DF_WS) == 55);
  CHECK(layer_compute(make_desc(DWVP_OP_FC, fc), cfg4()).macs == 70);
}

TEST_CASE("depthwise 3x3 under every mapping and dataflow") {
  // in 5x5x6, 3x3, pad 1, stride 1: out 5x5x6. M = 25 pixels, K = 9 taps, C = 6.
  geom g{5, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1};
  const uint64_t macs = 25 * 9 * 6; // 1350

  // gemm_naive OS: per channel GEMM(M 25, N 1, K 9): r = 4 (x6), 1; c = 1; T = 9:
  //   6 x (8 + 1 + 9 - 2 = 16) + (2 + 1 + 9 - 2 = 10) = 106; x 6 channels = 636.
  const auto naive =
      layer_compute(make_desc(DWVP_OP_DEPTHWISE, g, DWVP_MAP_GEMM_NAIVE), cfg4());
  CHECK(naive.unit == engine::gemm);
  CHECK(naive.cycles == 636);
  CHECK(naive.folds == 42); // 7 per channel
  CHECK(naive.macs == macs);
  CHECK(naive.utilization == Approx(1350.0 / (636 * 16)));
  CHECK(naive.ppu_cycles == 38); // ceil(150 / 4)
  // DEFAULT behaves as gemm_naive.
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_DEFAULT, DWVP_DF_OS) == 636);
  // gemm_naive WS: r = 4,4,1; c = 1; T = 25: 2 x (8+1+25-2 = 32) + (2+1+25-2 = 26) = 90;
  //   x 6 = 540.
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_WS) == 540);
  // Pipelined, the channels form one chain of folds. WS per channel fills 4,4,1,
  //   streams 28,28,25; a channel's first fill hides under the previous channel's last
  //   stream: 4 + 6 x (28 + 28 + 25) = 490. OS computes 12 (x6), 9, drains 4 (x6), 1;
  //   every drain hides under the next compute: 6 x (6 x 12 + 9) + last drain 1 = 487.
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_WS,
               cfg4(double_buffer)) == 490);
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS,
               cfg4(double_buffer)) == 487);
  // scalesim: SCALE-Sim's per-channel schedule, every channel a GEMM of its own:
  //   OS 7 folds x (9 + 4 + 4 - 2 = 15) - 1 = 104; x 6 = 624.
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS, cfg4(scale_sim)) ==
        624);

  // vector, 4 lanes, pipeline 2: ceil(6/4) = 2 groups x 25 x 9 + 2 = 452.
  for (uint8_t df : {DWVP_DF_OS, DWVP_DF_WS}) {
    const auto v =
        layer_compute(make_desc(DWVP_OP_DEPTHWISE, g, DWVP_MAP_VECTOR, df), cfg4());
    CHECK(v.unit == engine::vector);
    CHECK(v.cycles == 452);
    CHECK(v.folds == 0);
    CHECK(v.macs == macs);
    CHECK(v.utilization == Approx(1350.0 / (452 * 4)));
    CHECK(v.ppu_cycles == 38);
  }

  // channel_mvm: WS with S_r = 9 taps (r = 4,4,1), S_c = 6 channels (c = 4,2), T = 25:
  //   (4,4) 8+4+25-2 = 35, (4,2) 33, twice, (1,4) 2+4+25-2 = 29, (1,2) 27: 192.
  //   The descriptor's os | ws does not change it.
  for (uint8_t df : {DWVP_DF_OS, DWVP_DF_WS}) {
    const auto m =
        layer_compute(make_desc(DWVP_OP_DEPTHWISE, g, DWVP_MAP_CHANNEL_MVM, df), cfg4());
    CHECK(m.unit == engine::gemm);
    CHECK(m.cycles == 192);
    CHECK(m.folds == 6);
    CHECK(m.macs == macs);
    CHECK(m.utilization == Approx(1350.0 / (192 * 16)));
  }
  // Double buffered: fills 4,4,4,4,1,1; streams 31,29,31,29,28,26:
  //   4 + 31 + 29 + 31 + 29 + 28 + 26 = 178.
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_CHANNEL_MVM, DWVP_DF_WS,
               cfg4(double_buffer)) == 178);
  // scalesim: 6 folds x (8 + 4 + 25 - 2 = 35) - 1 = 209.
  CHECK(cycles(DWVP_OP_DEPTHWISE, g, DWVP_MAP_CHANNEL_MVM, DWVP_DF_WS, cfg4(scale_sim)) ==
        209);
}

TEST_CASE("1xK under every mapping, and on ST-OS") {
  // 1x3 on 5x7x6, pad left/right 1, stride 1: out 5x7x6. M = 35, K = 3, C = 6.
  geom g{5, 7, 6, 6, 1, 3, 1, 1, 0, 1, 0, 1};
  // ST-OS: convs = 6 channels x 5 rows = 30, outputs 7, K = 3. Row folds
  //   ceil(30/4) = 8, column folds of width 3 then 4: (3 + 3) + (4 + 3) = 13 per row
  //   fold: 8 x 13 = 104, plus the last (full-width) fold's drain 4: 108.
  const auto st = layer_compute(make_desc(DWVP_OP_DW_1XK, g, 0, DWVP_DF_ST_OS), cfg4());
  CHECK(st.unit == engine::gemm);
  CHECK(st.cycles == 108);
  CHECK(st.folds == 16);
  CHECK(st.macs == 630); // 30 x 7 x 3
  CHECK(st.utilization == Approx(630.0 / (108 * 16)));
  CHECK(st.ppu_cycles == 53); // ceil(210 / 4)
  // SCALE-Sim-style full folds: 16 x (4 + 3) + 4 = 116.
  CHECK(layer_compute(make_desc(DWVP_OP_DW_1XK, g, 0, DWVP_DF_ST_OS), cfg4(scale_sim))
            .cycles == 116);
  // The drain bank is inherent to ST-OS (drain overlaps the next load): pipelined and
  // serial_drain agree.
  CHECK(layer_compute(make_desc(DWVP_OP_DW_1XK, g, 0, DWVP_DF_ST_OS), cfg4(double_buffer))
            .cycles == 108);

  // gemm_naive OS: GEMM(35, 1, 3): r = 4 (x8), 3; T = 3: 8 x (8+1+3-2 = 10) + (6+1+3-2
  //   = 8) = 88; x 6 = 528. WS: r = 3, T = 35: 6 + 1 + 35 - 2 = 40; x 6 = 240.
  CHECK(cycles(DWVP_OP_DW_1XK, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS) == 528);
  CHECK(cycles(DWVP_OP_DW_1XK, g, DWVP_MAP_DEFAULT, DWVP_DF_OS) == 528);
  CHECK(cycles(DWVP_OP_DW_1XK, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_WS) == 240);
  // vector: 2 x 35 x 3 + 2 = 212.
  CHECK(cycles(DWVP_OP_DW_1XK, g, DWVP_MAP_VECTOR, DWVP_DF_OS) == 212);
  // channel_mvm: r = 3, c = 4,2, T = 35: (6+4+35-2 = 43) + 41 = 84.
  CHECK(cycles(DWVP_OP_DW_1XK, g, DWVP_MAP_CHANNEL_MVM, DWVP_DF_WS) == 84);
}

TEST_CASE("Kx1 (stride 2 along the column) under every mapping, and on ST-OS") {
  // 5x1 on 9x4x5, pad top/bottom 2, stride_h 2: out_h = (9+4-5)/2+1 = 5, out_w = 4.
  geom g{9, 4, 5, 5, 5, 1, 2, 1, 2, 0, 2, 0};
  // ST-OS: convs = 5 channels x 4 columns = 20, outputs 5, K = 5. Row folds 5, column
  //   folds of width 1 then 4: (1 + 5) + (4 + 5) = 15 per row fold: 75, drain 4: 79.
  const auto st = layer_compute(make_desc(DWVP_OP_DW_KX1, g, 0, DWVP_DF_ST_OS), cfg4());
  CHECK(st.cycles == 79);
  CHECK(st.folds == 10);
  CHECK(st.macs == 500); // 20 x 5 x 5
  // gemm_naive OS: GEMM(20, 1, 5): 5 row folds of 8 + 1 + 5 - 2 = 12: 60; x 5 = 300.
  CHECK(cycles(DWVP_OP_DW_KX1, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS) == 300);
  // gemm_naive WS: r = 4,1; T = 20: (8+1+20-2 = 27) + (2+1+20-2 = 21) = 48; x 5 = 240.
  CHECK(cycles(DWVP_OP_DW_KX1, g, DWVP_MAP_GEMM_NAIVE, DWVP_DF_WS) == 240);
  // vector: 2 x 20 x 5 + 2 = 202.
  CHECK(cycles(DWVP_OP_DW_KX1, g, DWVP_MAP_VECTOR, DWVP_DF_WS) == 202);
  // channel_mvm: r = 4,1 x c = 4,1, T = 20: 30 + 27 + 24 + 21 = 102.
  CHECK(cycles(DWVP_OP_DW_KX1, g, DWVP_MAP_CHANNEL_MVM, DWVP_DF_OS) == 102);
}

TEST_CASE("post-processing layers: add, channel multiply, average pool") {
  // add 3x5x7: 105 elements / 4 lanes = 27 cycles.
  const auto add = layer_compute(make_desc(DWVP_OP_ADD, geom{3, 5, 7, 7}), cfg4());
  CHECK(add.unit == engine::ppu);
  CHECK(add.cycles == 27);
  CHECK(add.ppu_cycles == 27);
  CHECK(add.macs == 0);
  CHECK(add.folds == 0);
  CHECK(add.utilization == 0.0);
  // channel multiply 2x2x9: 36 / 4 = 9.
  CHECK(cycles(DWVP_OP_CHANNEL_MUL, geom{2, 2, 9, 9}, 0, DWVP_DF_OS) == 9);
  // 2x2 average pool, stride 2, 4x4x6 -> 2x2x6: 24 outputs x 4 taps / 4 = 24.
  CHECK(cycles(DWVP_OP_AVG_POOL, geom{4, 4, 6, 6, 2, 2, 2, 2}, 0, DWVP_DF_OS) == 24);
  // Global 7x7 pool over 10 channels: 10 x 49 = 490 / 4 = 122.5 -> 123.
  CHECK(cycles(DWVP_OP_AVG_POOL, geom{7, 7, 10, 10, 7, 7, 1, 1}, 0, DWVP_DF_WS) == 123);
}

TEST_CASE("st_os_cycles: closed form per fold c + K, last drain counted") {
  const array_dims a{4, 4};
  // One fold, c = 4, K = 3: load 4, taps 3, drain 4 = 11.
  CHECK(st_os_cycles(4, 4, 3, a) == 11);
  CHECK(st_os_cycles(1, 1, 1, a) == 3); // 1 + 1 + 1
  // Narrow fold first: outputs 5 = widths 1, 4; K = 2: (1+2) + (4+2) + 4 = 13.
  CHECK(st_os_cycles(3, 5, 2, a) == 13);
  // 9 convs = 3 row folds, outputs 9 = 1,4,4, K = 5: 3 x (9 + 3 x 5) + 4 = 76.
  CHECK(st_os_cycles(9, 9, 5, a) == 76);
  // full_array_folds: 3 x 3 folds x (4 + 5) + 4 = 85.
  CHECK(st_os_cycles(9, 9, 5, a, true) == 85);
  // Non-square 8x4 (R = 8, C = 4): 17 convs = 3 row folds, outputs 6 = 2,4, K = 3:
  //   3 x (6 + 2 x 3) + 4 = 40.
  CHECK(st_os_cycles(17, 6, 3, {8, 4}) == 40);
  CHECK_THROWS_AS(st_os_cycles(0, 4, 3, a), std::invalid_argument);
  CHECK_THROWS_AS(st_os_cycles(4, 0, 3, a), std::invalid_argument);
  CHECK_THROWS_AS(st_os_cycles(4, 4, 0, a), std::invalid_argument);
  CHECK_THROWS_AS(st_os_cycles(4, 4, 3, {4, 0}), std::invalid_argument);
}

TEST_CASE("combinations without timing are refused, naming the fields") {
  using Catch::Matchers::Contains;
  const geom conv{4, 4, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1};
  const geom dw{5, 5, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1};
  const geom pw{3, 3, 5, 6};
  const geom pool{4, 4, 6, 6, 2, 2, 2, 2};
  // st_os on opcodes that are not 1xK / Kx1.
  for (auto [op, g] : {std::pair{DWVP_OP_CONV2D, conv},
                       {DWVP_OP_DEPTHWISE, dw},
                       {DWVP_OP_POINTWISE, pw},
                       {DWVP_OP_FC, geom{1, 1, 10, 7}},
                       {DWVP_OP_ADD, pw},
                       {DWVP_OP_CHANNEL_MUL, pw},
                       {DWVP_OP_AVG_POOL, pool}}) {
    INFO("opcode " << int{op});
    CHECK_THROWS_WITH(layer_compute(make_desc(op, g, 0, DWVP_DF_ST_OS), cfg4()),
                      Contains("dataflow st_os") && Contains("opcode"));
  }
  // A mapping on opcodes that are not depthwise.
  for (uint8_t map : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_VECTOR, DWVP_MAP_CHANNEL_MVM}) {
    for (auto [op, g] : {std::pair{DWVP_OP_CONV2D, conv},
                         {DWVP_OP_POINTWISE, pw},
                         {DWVP_OP_ADD, pw},
                         {DWVP_OP_AVG_POOL, pool}}) {
      INFO("opcode " << int{op} << " mapping " << int{map});
      CHECK_THROWS_WITH(layer_compute(make_desc(op, g, map, DWVP_DF_OS), cfg4()),
                        Contains("mapping") && Contains("opcode"));
    }
  }
  // st_os with a mapping other than default.
  const geom row{5, 7, 6, 6, 1, 3, 1, 1, 0, 1, 0, 1};
  for (uint8_t map : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_VECTOR, DWVP_MAP_CHANNEL_MVM}) {
    CHECK_THROWS_WITH(
        layer_compute(make_desc(DWVP_OP_DW_1XK, row, map, DWVP_DF_ST_OS), cfg4()),
        Contains("mapping") && Contains("st_os"));
  }
  // 1xK whose kernel is not 1 x K.
  CHECK_THROWS_WITH(
      layer_compute(make_desc(DWVP_OP_DW_1XK, dw, 0, DWVP_DF_ST_OS), cfg4()),
      Contains("kernel_h"));
  CHECK_THROWS_WITH(
      layer_compute(make_desc(DWVP_OP_DW_KX1, dw, 0, DWVP_DF_ST_OS), cfg4()),
      Contains("kernel_w"));
  // Out-of-range opcode, mapping, dataflow.
  for (uint8_t op : {0, 10, 200}) {
    CHECK_THROWS_WITH(layer_compute(make_desc(op, pw), cfg4()), Contains("opcode"));
  }
  CHECK_THROWS_WITH(
      layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, 4, DWVP_DF_OS), cfg4()),
      Contains("mapping"));
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, 0, 3), cfg4()),
                    Contains("dataflow"));
  // Empty shapes and bad configuration.
  dwvp_desc empty = make_desc(DWVP_OP_POINTWISE, pw);
  empty.out_c = 0;
  CHECK_THROWS_WITH(layer_compute(empty, cfg4()), Contains("out_c"));
  compute_config bad = cfg4();
  bad.vector_lanes = 0;
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_POINTWISE, pw), bad),
                    Contains("vector_lanes"));
  bad = cfg4();
  bad.ppu_lanes = 0;
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_ADD, pw), bad),
                    Contains("ppu_lanes"));
  bad = cfg4();
  bad.array.cols = 0;
  CHECK_THROWS_WITH(layer_compute(make_desc(DWVP_OP_POINTWISE, pw), bad),
                    Contains("array.cols"));
  CHECK(std::string(dwvp::timing::engine_name(engine::gemm)) == "gemm");
  CHECK(std::string(dwvp::timing::engine_name(engine::vector)) == "vector");
  CHECK(std::string(dwvp::timing::engine_name(engine::ppu)) == "ppu");
}

// ---------------------------------------------------------------------------------
// Stepped models against the closed form.

TEST_CASE("stepped models alone take the hand-worked cycles") {
  std::mt19937 rng(11);
  // 1x3 on a 1x5 input, 4 channels, no padding: out 1x3, T = 3 pixels, K = 3 taps.
  dw_layer l;
  l.in_h = 1;
  l.in_w = 5;
  l.channels = 4;
  l.kh = 1;
  l.kw = 3;
  l.input = random_int8(rng, 20);
  l.weights = random_int8(rng, 12);
  const auto expect = dwvp::test::naive_depthwise(l);

  // channel_mvm, one fold r = 3 taps, c = 4 channels: fill 3 + stream 3 + 4 + 3 - 2 = 11.
  for (bool db : {false, true}) {
    const auto run = dwvp::test::simulate_channel_mvm(l, {4, 4}, db);
    CHECK(run.cycles == 11);
    CHECK(run.acc == expect);
  }
  // ST-OS: 4 convolutions (1 row x 4 channels) of 3 outputs, one fold with c = 3:
  //   load 3 + taps 3 + drain 3 = 9.
  const auto convs = dwvp::test::fuse_convs(l);
  REQUIRE(convs.size() == 4);
  CHECK(dwvp::test::simulate_st_os(convs, 1, 3, {4, 4}).cycles == 9);
  // Vector, 4 lanes: 1 group x 3 pixels x 3 taps = 9 issues + 2 stages = 11; with 3
  //   lanes 2 groups: 18 + 2 = 20; no pipeline: 18.
  CHECK(dwvp::test::simulate_vector(l, 4, 2).cycles == 11);
  CHECK(dwvp::test::simulate_vector(l, 3, 2).cycles == 20);
  CHECK(dwvp::test::simulate_vector(l, 3, 0).cycles == 18);
  CHECK(dwvp::test::simulate_vector(l, 3, 2).acc == expect);

  // channel_mvm with tap folds: 3x3 on 3x3x2, no padding: T = 1, K = 9 -> r = 4,4,1,
  //   c = 2. Single: 2 x (8 + 2 + 1 - 2 = 9) + (2 + 2 + 1 - 2 = 3) = 21. Double: fills
  //   4,4,1, streams 5,5,2: 4 + 5 + 5 + 2 = 16.
  dw_layer t;
  t.in_h = t.in_w = 3;
  t.channels = 2;
  t.kh = t.kw = 3;
  t.input = random_int8(rng, 18);
  t.weights = random_int8(rng, 18);
  CHECK(dwvp::test::simulate_channel_mvm(t, {4, 4}, false).cycles == 21);
  CHECK(dwvp::test::simulate_channel_mvm(t, {4, 4}, true).cycles == 16);
  CHECK(dwvp::test::simulate_channel_mvm(t, {4, 4}, true).acc ==
        dwvp::test::naive_depthwise(t));
}

TEST_CASE("ST-OS fold order: the narrow column fold first never waits for a drain") {
  // 8x8 array, 16 convolutions (2 row folds) of 9 outputs (widths 8 and 1), K = 3.
  std::mt19937 rng(5);
  std::vector<dwvp::test::conv1d> convs(16);
  for (auto& cv : convs) {
    cv.x = random_int8(rng, 11); // (9 - 1) + 3
    cv.w = random_int8(rng, 3);
  }
  // Narrow first: folds 1,1,8,8 each c + 3 = 4,4,11,11 back to back, last drain 8:
  //   38 = 2 x (9 + 2 x 3) + 8.
  const auto narrow = dwvp::test::simulate_st_os(convs, 1, 9, {8, 8});
  CHECK(narrow.cycles == 38);
  CHECK(narrow.cycles == st_os_cycles(16, 9, 3, {8, 8}));
  // Row-major, partial last: folds 8,1,8,1. The 1-wide fold (4 cycles) cannot hand
  //   over before the 8-cycle drain of the fold before it: 11 + 8 + 11 + 8 + 1 = 39.
  const auto row_major = dwvp::test::simulate_st_os(
      convs, 1, 9, {8, 8}, dwvp::test::st_os_order::row_major_partial_last);
  CHECK(row_major.cycles == 39);
  CHECK(row_major.acc == narrow.acc);
  // Values: y[v][j] = sum_k w[k] x[j + k].
  for (size_t v = 0; v < convs.size(); ++v) {
    for (int j = 0; j < 9; ++j) {
      int32_t sum = 0;
      for (int k = 0; k < 3; ++k) {
        sum += int32_t{convs[v].w[k]} * int32_t{convs[v].x[j + k]};
      }
      CHECK(narrow.acc[v * 9 + j] == sum);
    }
  }
}

TEST_CASE("channel_mvm stepped model: depthwise values, cycles = the WS fold formula") {
  std::mt19937 rng(20240612);
  const array_dims arrays[] = {{4, 4}, {8, 8}, {4, 8}};
  int compared = 0;
  coverage seen;
  for (int trial = 0; trial < 120; ++trial) {
    const auto kind = static_cast<dw_kind>(trial % 3);
    const dw_layer l = random_layer(rng, kind, 11);
    const auto expect = dwvp::test::naive_depthwise(l);
    const int64_t taps = int64_t{l.kh} * l.kw;
    const int64_t pixels = int64_t{l.out_h()} * l.out_w();
    for (const auto& a : arrays) {
      seen.add(l, a);
      for (bool db : {false, true}) {
        INFO(describe(l) << " array " << a.rows << "x" << a.cols << " db " << db);
        const auto run = dwvp::test::simulate_channel_mvm(l, a, db);
        REQUIRE(run.acc == expect);
        const uint8_t df = trial % 2 ? DWVP_DF_WS : DWVP_DF_OS;
        const auto model =
            layer_compute(desc_of(l, DWVP_MAP_CHANNEL_MVM, df), cfg_for(a, db));
        REQUIRE(run.cycles == model.cycles);
        REQUIRE(run.folds.size() == model.folds);
        CHECK(model.macs == static_cast<uint64_t>(pixels * taps * l.channels));
        if (!db) {
          // Each fold alone: fill r + stream r + c + T - 2, back to back.
          for (size_t i = 0; i < run.folds.size(); ++i) {
            const auto& f = run.folds[i];
            REQUIRE(f.last_cycle - f.first_cycle + 1 ==
                    static_cast<uint64_t>(2 * f.rows + f.cols + pixels - 2));
            if (i > 0) {
              REQUIRE(f.first_cycle == run.folds[i - 1].last_cycle + 1);
            }
          }
        }
        ++compared;
      }
    }
  }
  CHECK(compared == 120 * 3 * 2);
  seen.require_all();
}

TEST_CASE("ST-OS stepped model: 1D convolution values, cycles = st_os_cycles") {
  std::mt19937 rng(424242);
  const array_dims arrays[] = {{4, 4}, {8, 8}, {4, 8}, {8, 4}};
  int compared = 0;
  coverage seen;
  bool row_folds = false, narrow_fold = false; // > R convolutions; outputs % C != 0, > C
  for (int trial = 0; trial < 160; ++trial) {
    const bool row = trial % 2 == 0;
    const dw_layer l = random_layer(rng, row ? dw_kind::row_1xk : dw_kind::col_kx1, 15);
    const auto expect = dwvp::test::naive_depthwise(l);
    const auto convs = dwvp::test::fuse_convs(l);
    const int stride = row ? l.stride_w : l.stride_h;
    const int k = row ? l.kw : l.kh;
    const int64_t outputs = row ? l.out_w() : l.out_h();
    const int64_t lines = row ? l.out_h() : l.out_w();
    REQUIRE(static_cast<int64_t>(convs.size()) == l.channels * lines);
    for (const auto& a : arrays) {
      INFO(describe(l) << " array " << a.rows << "x" << a.cols);
      seen.add(l, a);
      row_folds = row_folds || static_cast<int64_t>(convs.size()) > a.rows;
      narrow_fold = narrow_fold || (outputs > a.cols && outputs % a.cols != 0);
      const auto run = dwvp::test::simulate_st_os(convs, stride, outputs, a);
      // Conv v = channel * lines + line; its output j is pixel (line, j) for 1xK,
      // (j, line) for Kx1.
      for (int c = 0; c < l.channels; ++c) {
        for (int64_t line = 0; line < lines; ++line) {
          for (int64_t j = 0; j < outputs; ++j) {
            const int64_t m = row ? line * l.out_w() + j : j * l.out_w() + line;
            REQUIRE(run.acc[(c * lines + line) * outputs + j] ==
                    expect[m * l.channels + c]);
          }
        }
      }
      const uint64_t closed =
          st_os_cycles(static_cast<int64_t>(convs.size()), outputs, k, a);
      REQUIRE(run.cycles == closed);
      for (bool db : {false, true}) {
        const auto model =
            layer_compute(desc_of(l, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS), cfg_for(a, db));
        REQUIRE(model.cycles == run.cycles);
        REQUIRE(model.folds == run.folds.size());
        REQUIRE(model.macs == static_cast<uint64_t>(convs.size()) * outputs * k);
      }
      ++compared;
    }
  }
  CHECK(compared == 160 * 4);
  CHECK((seen.k3 && seen.k5 && seen.k7 && seen.stride2 && seen.padded));
  CHECK(row_folds);
  CHECK(narrow_fold);
}

TEST_CASE("gemm_naive = the GEMM PE model running the C channels (N = 1) as one chain") {
  std::mt19937 rng(99);
  const array_dims arrays[] = {{4, 4}, {8, 8}};
  coverage seen;
  for (int trial = 0; trial < 48; ++trial) {
    const dw_layer l = random_layer(rng, static_cast<dw_kind>(trial % 3), 9);
    const auto expect = dwvp::test::naive_depthwise(l);
    const int64_t taps = int64_t{l.kh} * l.kw;
    const int64_t pixels = int64_t{l.out_h()} * l.out_w();
    for (const auto& a : arrays) {
      seen.add(l, a);
      for (dataflow df : {dataflow::os, dataflow::ws}) {
        for (bool db : {false, true}) {
          INFO(describe(l) << " array " << a.rows << "x" << a.cols << " ws "
                           << (df == dataflow::ws) << " db " << db);
          std::vector<std::vector<int8_t>> ams(l.channels), bms(l.channels);
          std::vector<dwvp::test::pe_job> jobs;
          for (int c = 0; c < l.channels; ++c) {
            // im2col of channel c (M x K) times its single filter (K x 1).
            std::vector<int8_t>& am = ams[c];
            std::vector<int8_t>& bm = bms[c];
            am.resize(static_cast<size_t>(pixels * taps));
            bm.resize(static_cast<size_t>(taps));
            for (int64_t m = 0; m < pixels; ++m) {
              for (int64_t k = 0; k < taps; ++k) {
                am[m * taps + k] = l.window(c, m, k);
              }
            }
            for (int64_t k = 0; k < taps; ++k) {
              bm[k] = l.weight(c, k);
            }
            jobs.push_back({&am, &bm, {pixels, 1, taps}});
          }
          const auto run = dwvp::test::simulate_systolic_chain(jobs, a, df, db);
          for (int c = 0; c < l.channels; ++c) {
            for (int64_t m = 0; m < pixels; ++m) {
              REQUIRE(run.outputs[c][m] == expect[m * l.channels + c]);
            }
          }
          const uint64_t total = run.cycles;
          const uint8_t dfd = df == dataflow::os ? DWVP_DF_OS : DWVP_DF_WS;
          for (uint8_t map : {DWVP_MAP_GEMM_NAIVE, DWVP_MAP_DEFAULT}) {
            REQUIRE(layer_compute(desc_of(l, map, dfd), cfg_for(a, db)).cycles == total);
          }
        }
      }
    }
  }
  CHECK((seen.k3 && seen.k5 && seen.k7 && seen.stride2 && seen.padded && seen.tap_folds));
}

TEST_CASE("vector formula = a lane-by-lane stepped loop") {
  std::mt19937 rng(31337);
  for (int trial = 0; trial < 60; ++trial) {
    const dw_layer l = random_layer(rng, static_cast<dw_kind>(trial % 3), 11);
    const auto expect = dwvp::test::naive_depthwise(l);
    for (int lanes : {1, 3, 4, 8}) {
      for (int pipe : {0, 1, 4}) {
        INFO(describe(l) << " lanes " << lanes << " pipeline " << pipe);
        const auto run = dwvp::test::simulate_vector(l, lanes, pipe);
        REQUIRE(run.acc == expect);
        compute_config cfg = cfg4();
        cfg.vector_lanes = lanes;
        cfg.vector_pipeline = pipe;
        const auto model = layer_compute(desc_of(l, DWVP_MAP_VECTOR, DWVP_DF_OS), cfg);
        REQUIRE(model.cycles == run.cycles);
        REQUIRE(model.unit == engine::vector);
        REQUIRE(model.utilization ==
                Approx(static_cast<double>(model.macs) / (run.cycles * lanes)));
      }
    }
  }
}

TEST_CASE("vector unit: dependent-instruction interval and requantisation on the unit") {
  using Catch::Matchers::Contains;
  // 6x6 input, 3x3 valid, stride 1: 4x4 = 16 output pixels, 9 taps, 10 channels on 4
  // lanes: ceil(10 / 4) = 3 channel groups; pipeline 2 (cfg4).
  const geom dw{6, 6, 10, 10, 3, 3, 1, 1, 0, 0, 0, 0};
  const dwvp_desc d = make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_VECTOR, DWVP_DF_OS);
  compute_config cfg = cfg4();
  // Interval 1, no requantisation on the unit: one MAC per lane per cycle,
  // 3 x 16 x 9 + 2 = 434 (the ideal unit, unchanged).
  CHECK(layer_compute(d, cfg).cycles == 434);
  CHECK(layer_compute(d, cfg).ppu_cycles == 16 * 10 / 4); // requantised on the PPU
  // Interval 3 (two NOPs between dependent MACs): per pixel tap 0 at t, tap k at
  // t + 3k, tap 8 at t + 24, the next pixel's tap 0 at t + 25: 25 cycles a pixel,
  // 3 x 16 x 25 + 2 = 1202.
  cfg.vector_issue_interval = 3;
  CHECK(layer_compute(d, cfg).cycles == 1202);
  // Plus 6 requantisation instructions per output in the same chain (bias add,
  // multiply, shift, max, min, cast): 15 instructions, the last at t + 14 x 3 = 42,
  // 43 cycles a pixel: 3 x 16 x 43 + 2 = 2066; the PPU does nothing.
  cfg.vector_requant_ops = 6;
  const auto t = layer_compute(d, cfg);
  CHECK(t.cycles == 2066);
  CHECK(t.ppu_cycles == 0);
  CHECK(t.macs == 16u * 9 * 10);
  CHECK(t.utilization == Approx(1440.0 / (2066.0 * 4)));
  // Requantisation on the unit at interval 1: 15 cycles a pixel, 3 x 16 x 15 + 2 = 722.
  cfg.vector_issue_interval = 1;
  CHECK(layer_compute(d, cfg).cycles == 722);
  // A 1x1 depthwise at interval 5: one MAC, no dependent instruction: 1 cycle a pixel,
  // whatever the interval: 3 x 36 x 1 + 2 = 110.
  cfg.vector_requant_ops = 0;
  cfg.vector_issue_interval = 5;
  const geom one{6, 6, 10, 10, 1, 1, 1, 1, 0, 0, 0, 0};
  CHECK(layer_compute(make_desc(DWVP_OP_DEPTHWISE, one, DWVP_MAP_VECTOR, DWVP_DF_OS), cfg)
            .cycles == 110);
  // Out of range.
  compute_config bad = cfg4();
  bad.vector_issue_interval = 0;
  CHECK_THROWS_WITH(layer_compute(d, bad), Contains("vector_issue_interval"));
  bad = cfg4();
  bad.vector_requant_ops = -1;
  CHECK_THROWS_WITH(layer_compute(d, bad), Contains("vector_requant_ops"));
}

TEST_CASE("MobileNet-v1 depthwise 112x112x64 3x3 s1 on 32x32 (docs/timing.md)") {
  compute_config cfg; // 32x32 array, 32 vector lanes, pipeline 4, 32 PPU lanes
  REQUIRE(cfg.gemm_options.sched == dwvp::gemm::schedule::pipelined);
  cfg.gemm_options = single_buffer; // the numbers first worked out per fold
  REQUIRE(cfg.array.rows == 32);
  REQUIRE(cfg.array.cols == 32);
  REQUIRE(cfg.vector_lanes == 32);
  REQUIRE(cfg.vector_pipeline == 4);
  const geom dw{112, 112, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1};
  const uint64_t macs = 112 * 112 * 64 * 9; // 7,225,344

  // gemm_naive OS: per channel M = 12544 -> 392 row folds of r = 32, c = 1, T = 9:
  //   64 + 1 + 9 - 2 = 72 -> 28,224; x 64 channels = 1,806,336. Utilisation
  //   (32 x 1 x 9) / (72 x 1024) = 1/256.
  const auto naive = layer_compute(
      make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS), cfg);
  CHECK(naive.cycles == 1806336);
  CHECK(naive.folds == 392 * 64);
  CHECK(naive.macs == macs);
  CHECK(naive.utilization == Approx(1.0 / 256));
  // (gemm_naive WS, for reference: r = 9, c = 1, T = 12544: 18 + 1 + 12544 - 2 = 12561
  //   per channel, x 64 = 803,904.)
  CHECK(layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_GEMM_NAIVE, DWVP_DF_WS),
                      cfg)
            .cycles == 803904);

  // vector: ceil(64/32) = 2 x 12544 x 9 + 4 = 225,796; lanes 7,225,344 / (225,796 x 32).
  const auto vec =
      layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_VECTOR, DWVP_DF_OS), cfg);
  CHECK(vec.cycles == 225796);
  CHECK(vec.utilization == Approx(7225344.0 / (225796.0 * 32)));

  // channel_mvm: WS S_r = 9, S_c = 64 -> 2 folds of c = 32, T = 12544:
  //   18 + 32 + 12544 - 2 = 12,592 -> 25,184. Utilisation 7,225,344 / (25,184 x 1024).
  const auto mvm = layer_compute(
      make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_CHANNEL_MVM, DWVP_DF_WS), cfg);
  CHECK(mvm.cycles == 25184);
  CHECK(mvm.folds == 2);
  CHECK(mvm.utilization == Approx(7225344.0 / (25184.0 * 1024)));
  // Pipelined (the default): 9 + max(9, 12583) + 12583 = 25,175.
  compute_config db = cfg;
  db.gemm_options = double_buffer;
  CHECK(layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_CHANNEL_MVM, DWVP_DF_WS),
                      db)
            .cycles == 25175);
  // gemm_naive OS pipelined: 64 x 392 folds in one chain, compute 32 + 1 + 9 - 2 = 40
  //   each, drains of 32 hidden but the last: 25,088 x 40 + 32 = 1,003,552.
  CHECK(
      layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS), db)
          .cycles == 1003552);
  // scalesim (SCALE-Sim's per-channel schedule): 392 x (9 + 32 + 32 - 2) - 1 = 27,831
  //   per channel, x 64 = 1,781,184.
  compute_config ss = cfg;
  ss.gemm_options = scale_sim;
  CHECK(
      layer_compute(make_desc(DWVP_OP_DEPTHWISE, dw, DWVP_MAP_GEMM_NAIVE, DWVP_DF_OS), ss)
          .cycles == 1781184);

  // FuSe-Half: 32 channels 1x3 (pad left/right 1) + 32 channels 3x1 (pad top/bottom 1).
  // 1x3: convs = 32 x 112 rows = 3584 -> 112 row folds; outputs 112 -> widths 16, 32,
  //   32, 32; per row fold 112 + 4 x 3 = 124 -> 13,888, + last drain 32 = 13,920.
  //   The 3x1 layer is the same with columns. MACs 3584 x 112 x 3 = 1,204,224 each.
  const geom row{112, 112, 32, 32, 1, 3, 1, 1, 0, 1, 0, 1};
  const geom col{112, 112, 32, 32, 3, 1, 1, 1, 1, 0, 1, 0};
  const auto fuse_row =
      layer_compute(make_desc(DWVP_OP_DW_1XK, row, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS), cfg);
  const auto fuse_col =
      layer_compute(make_desc(DWVP_OP_DW_KX1, col, DWVP_MAP_DEFAULT, DWVP_DF_ST_OS), cfg);
  CHECK(fuse_row.cycles == 13920);
  CHECK(fuse_col.cycles == 13920);
  CHECK(fuse_row.folds == 448);
  CHECK(fuse_row.macs == 1204224);
  const uint64_t fuse = fuse_row.cycles + fuse_col.cycles; // 27,840
  const double fuse_util = 2.0 * 1204224 / (27840.0 * 1024);
  CHECK(fuse_row.utilization == Approx(fuse_util));

  // Ratios (docs/timing.md).
  CHECK(static_cast<double>(naive.cycles) / vec.cycles == Approx(1806336.0 / 225796));
  CHECK(static_cast<double>(naive.cycles) / mvm.cycles == Approx(71.7255).epsilon(1e-5));
  CHECK(static_cast<double>(vec.cycles) / mvm.cycles == Approx(8.9659).epsilon(1e-4));
  CHECK(static_cast<double>(naive.cycles) / fuse == Approx(64.8828).epsilon(1e-5));
  CHECK(static_cast<double>(mvm.cycles) / fuse == Approx(0.90460).epsilon(1e-4));

  std::printf("MobileNet-v1 dw 112x112x64 3x3 s1, 32x32 array, 32 lanes:\n"
              "  gemm_naive OS %10llu cycles  util %.4f%%\n"
              "  vector        %10llu cycles  lane util %.4f%%\n"
              "  channel_mvm   %10llu cycles  util %.4f%%\n"
              "  FuSe-Half     %10llu cycles  util %.4f%%\n",
              static_cast<unsigned long long>(naive.cycles), 100 * naive.utilization,
              static_cast<unsigned long long>(vec.cycles), 100 * vec.utilization,
              static_cast<unsigned long long>(mvm.cycles), 100 * mvm.utilization,
              static_cast<unsigned long long>(fuse), 100 * fuse_util);
}

TEST_CASE("layer timing is O(1): the largest descriptors in microseconds") {
  compute_config serial;
  serial.gemm_options = single_buffer;
  const auto start = std::chrono::steady_clock::now();
  // Depthwise 3x3, 65535 x 65535 output, 65535 channels, gemm_naive OS on 32x32:
  //   per channel M = 65535^2 = 4,294,836,225 = 32 x 134,213,632 + 1: 134,213,632
  //   full row folds of 64 + 1 + 9 - 2 = 72 and one of r = 1: 2 + 1 + 9 - 2 = 10.
  const geom big{65535, 65535, 65535, 65535, 3, 3, 1, 1, 1, 1, 1, 1};
  const uint64_t per_channel = 134213632ull * 72 + 10;
  CHECK(layer_compute(make_desc(DWVP_OP_DEPTHWISE, big, DWVP_MAP_GEMM_NAIVE), serial)
            .cycles == per_channel * 65535);
  // Pipelined: every fold computes 32 + 1 + 9 - 2 = 40 (the partial one 1 + 1 + 9 - 2 =
  //   9, which then waits for the previous drain of 32) in one chain over the channels.
  //   Per channel: 134,213,632 x 40 + max(9, 32); plus the last drain of 1.
  CHECK(
      layer_compute(make_desc(DWVP_OP_DEPTHWISE, big, DWVP_MAP_GEMM_NAIVE), {}).cycles ==
      (134213632ull * 40 + 32) * 65535 + 1);
  // ST-OS 1x3 on the same: convs = 65535^2 -> 134,213,633 row folds; outputs 65535
  //   (one fold of 31 and 2047 of 32): each row fold 65535 + 2048 x 3, last drain 32.
  const geom big_row{65535, 65535, 65535, 65535, 1, 3, 1, 1, 0, 1, 0, 1};
  CHECK(layer_compute(make_desc(DWVP_OP_DW_1XK, big_row, 0, DWVP_DF_ST_OS), {}).cycles ==
        134213633ull * (65535 + 2048 * 3) + 32);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::milliseconds(100));
}
